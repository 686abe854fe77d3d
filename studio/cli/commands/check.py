"""`studio check PATH...`: validate stack files (and test suites); every problem located."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.text import Text

from studio.cli.common import JsonOption
from studio.cli.output import print_error, print_json, stdout
from studio.document import load_file
from studio.errors import Problem, StudioError
from studio.suites import load_suite

SUITE_SUFFIX = ".tests.yaml"


def check(
    paths: Annotated[
        list[Path],
        typer.Argument(help="Stack files, test suites (*.tests.yaml) or folders of them.", show_default=False),
    ],
    as_json: JsonOption = False,
) -> int:
    """Validate stack files: structure, names, types and every condition. Exit 1 if any has problems.

    A folder stands for every *.yaml in it; a *.tests.yaml file is checked as a test suite."""
    results = [_check_one(path, as_json=as_json) for path in _expand(paths)]
    if as_json:
        print_json(results)
    return 0 if results and all(result["ok"] for result in results) else 1


def _expand(paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        files.extend(sorted(path.glob("*.yaml")) if path.is_dir() else [path])
    return files


def _check_one(path: Path, *, as_json: bool) -> dict[str, Any]:
    is_suite = path.name.endswith(SUITE_SUFFIX)
    try:
        summary = _suite_summary(path) if is_suite else _stack_summary(path)
    except StudioError as error:
        if not as_json:
            print_error(error)
        problems = [_problem_json(problem) for problem in error.problems]
        return {
            "file": str(path),
            "kind": "suite" if is_suite else "stack",
            "ok": False,
            "message": error.message,
            "problems": problems,
        }
    if not as_json:
        counts = ", ".join(
            f"{count} {name if count != 1 else name.removesuffix('s')}" for name, count in summary.items()
        )
        stdout().print(Text("✔ ", style="bold green") + Text(f"{path}: {counts}"))
    return {"file": str(path), "kind": "suite" if is_suite else "stack", "ok": True, "summary": summary, "problems": []}


def _stack_summary(path: Path) -> dict[str, int]:
    stack = load_file(path).stack
    return {
        "teams": len(stack.teams),
        "agents": len(stack.agents),
        "actions": len(stack.actions),
        "rules": len(stack.rules),
        "customers": len(stack.customers),
        "scenarios": len(stack.scenarios),
    }


def _suite_summary(path: Path) -> dict[str, int]:
    suite = load_suite(path)
    return {"probes": len(suite.probes)}


def _problem_json(problem: Problem) -> dict[str, Any]:
    return {
        "file": problem.file,
        "line": problem.line,
        "column": problem.column,
        "message": problem.message,
        "hint": problem.hint,
    }


def register(app: typer.Typer) -> None:
    app.command()(check)
