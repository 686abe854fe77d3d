"""Screens of the terminal studio: the studio itself, the rule editor and the help."""
