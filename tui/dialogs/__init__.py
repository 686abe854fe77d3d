"""Modal dialogs: a choice between a few keyed answers, and a path to write to."""
