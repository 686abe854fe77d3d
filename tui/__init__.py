"""The terminal studio (Textual): edit, preview and check a stack without leaving the terminal.

A thin client of the workshop session (`studio.workshop.Workshop`): every edit, decision,
check, save and analysis is the core's; this package lays them out and binds keys. Started by
`studio tui [FILE]` (`studio/cli/commands/tui.py`), or from Python:

    from tui.app import StudioApp
    StudioApp(Workshop.open(path)).run()
"""
