"""The local replica and what reads and writes it. Nothing here imports widgets."""
