"""The `studio` command line: every workshop question, scriptable and usable in CI."""
