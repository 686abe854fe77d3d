"""Widgets of the terminal studio, one per module (the module is named after its class)."""
