"""Widgets and windows: they show models and emit signals; their owners do the work."""
