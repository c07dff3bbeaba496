"""The IMI central sync server: validates every step and routes requests between authorities."""
