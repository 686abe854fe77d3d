"""One module per command (or group of commands); each defines `register(app)`.

`studio.cli.main` imports every module here, so adding a command never touches a shared file.
"""
