"""The `studio` entry point: builds the app from the command modules and turns errors into
clear messages and exit codes (0 ok, 1 failures or findings, 2 usage error).

A `StudioError` prints its message and locations on stderr; anything else is a bug, reported
in one line (set STUDIO_DEBUG=1 for the traceback) rather than as a wall of Python.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys

import typer

from studio.cli import commands
from studio.cli.output import print_error
from studio.errors import StudioError

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


def build_app() -> typer.Typer:
    """The Typer app with every command module registered, in name order."""
    app = typer.Typer(
        name="studio",
        help="Coordination Studio: agree, preview, analyse and export the MAY / MUST / NEVER rules of a martech stack.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode="rich",
    )
    for module in sorted(pkgutil.iter_modules(commands.__path__), key=lambda info: info.name):
        importlib.import_module(f"{commands.__name__}.{module.name}").register(app)
    return app


def run(argv: list[str] | None = None) -> int:
    """Run the CLI; returns (and, as a console script, exits with) the exit code."""
    app = build_app()
    try:
        result = app(args=argv, standalone_mode=False)
    except StudioError as error:
        print_error(error)
        return _exit(EXIT_FAILED, argv)
    except KeyboardInterrupt:
        return _exit(130, argv)
    except Exception as error:  # a bug: say so plainly, keep the traceback for those who ask
        if os.environ.get("STUDIO_DEBUG"):
            raise
        click_exit = _usage_exit_code(error)
        if click_exit is not None:
            return _exit(click_exit, argv)
        print(
            f"studio: internal error: {type(error).__name__}: {error} (set STUDIO_DEBUG=1 for details)", file=sys.stderr
        )
        return _exit(EXIT_FAILED, argv)
    code = result if isinstance(result, int) else EXIT_OK
    return _exit(code, argv)


def _usage_exit_code(error: Exception) -> int | None:
    """Typer's usage errors (bad option, missing argument) print themselves; exit 2."""
    show = getattr(error, "show", None)
    exit_code = getattr(error, "exit_code", None)
    if callable(show) and isinstance(exit_code, int):
        show()
        return exit_code
    return None


def _exit(code: int, argv: list[str] | None) -> int:
    if argv is None:
        sys.exit(code)
    return code


if __name__ == "__main__":
    run()
