"""Machine translation of free text through a pluggable engine (off unless configured)."""
