"""`studio check FILE...`: validate stack files; every problem with its file, line and column."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.text import Text

from studio.cli.common import JsonOption
from studio.cli.output import print_error, print_json, stdout
from studio.document import load_file
from studio.errors import StudioError


def check(
    files: Annotated[list[Path], typer.Argument(help="Stack files to validate.", show_default=False)],
    as_json: JsonOption = False,
) -> int:
    """Validate stack files: structure, names, types and every condition. Exit 1 if any has problems."""
    results: list[dict[str, Any]] = []
    for path in files:
        try:
            document = load_file(path)
        except StudioError as error:
            results.append(
                {
                    "file": str(path),
                    "ok": False,
                    "message": error.message,
                    "problems": [_problem_json(p) for p in error.problems],
                }
            )
            if not as_json:
                print_error(error)
            continue
        stack = document.stack
        summary = {
            "teams": len(stack.teams),
            "agents": len(stack.agents),
            "actions": len(stack.actions),
            "rules": len(stack.rules),
            "customers": len(stack.customers),
            "scenarios": len(stack.scenarios),
        }
        results.append({"file": str(path), "ok": True, "summary": summary, "problems": []})
        if not as_json:
            counts = ", ".join(f"{count} {name}" for name, count in summary.items())
            stdout().print(Text("✔ ", style="bold green") + Text(f"{path}: {counts}"))
    if as_json:
        print_json(results)
    return 0 if all(result["ok"] for result in results) else 1


def _problem_json(problem: Any) -> dict[str, Any]:
    return {
        "file": problem.file,
        "line": problem.line,
        "column": problem.column,
        "message": problem.message,
        "hint": problem.hint,
    }


def register(app: typer.Typer) -> None:
    app.command()(check)
