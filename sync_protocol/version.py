"""Protocol version: bumped on any incompatible change to a wire message or a mutation."""

PROTOCOL_VERSION = 1
