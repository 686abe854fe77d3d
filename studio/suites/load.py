"""Finding, reading and binding tests files: from paths to suites ready to run.

Reading reuses the stack file's YAML guards and error locating (`studio.document`,
`studio.locate`), so a broken tests file gets the same file:line:column messages as a broken
stack. Binding checks a suite against a stack (its file's, or any other, such as the one open
in a studio) and turns it into probes.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from ruamel.yaml.comments import CommentedMap

from studio.document import load_file, parse_yaml, read_text_file
from studio.engine import Policy, compile_policy
from studio.errors import Issue, Problem, StackFileError, StackInvalidError, StudioError
from studio.locate import locate, pydantic_issues
from studio.stack import FORMAT as STACK_FORMAT
from studio.stack import SampleCustomer, Stack
from studio.suites.check import check_suite
from studio.suites.model import FORMAT, PARAMS_TAGS, SuiteFile
from studio.suites.probes import Probe, build_probes

SUFFIXES = (".tests.yaml", ".tests.yml")
"""How a tests file's name ends; `studio test` finds suites by it."""

_FORMAT_LINE = re.compile(r"^format:\s*['\"]?coordination-studio/tests/v1\b", re.MULTILINE)


@dataclass
class SuiteFileError(StudioError):
    """The tests file can't be read or isn't well-formed YAML."""

    title: str = "Can't read the tests file"


@dataclass
class SuiteInvalidError(StudioError):
    """The tests file is YAML but doesn't fit the format or the stack it tests."""

    title: str = "The tests file has problems"


@dataclass
class SuiteNotFoundError(StudioError):
    """A path given to run tests from holds no test suite."""

    title: str = "No test suite there"


@dataclass(frozen=True)
class SuiteDocument:
    """A tests file as read: its structure, with the text and YAML tree to locate problems in."""

    suite: SuiteFile
    tree: CommentedMap
    text: str
    source: str
    """The file name shown in messages."""
    path: Path | None = None

    @property
    def name(self) -> str:
        """The suite's name, else its file's."""
        return self.suite.name or Path(self.source).name

    def stack_path(self) -> Path:
        """The stack file it tests (`stack:` is relative to the tests file's folder)."""
        given = Path(self.suite.stack)
        if given.is_absolute() or self.path is None:
            return given
        return Path(os.path.normpath(self.path.parent / given))  # `../stack.yaml` shown as the user thinks of it

    def problems(self, issues: Iterable[Issue]) -> list[Problem]:
        """Issues located in this file, in line order."""
        located = [locate(self.tree, self.text, self._written(issue), self.source) for issue in issues]
        return sorted(located, key=lambda problem: (problem.line, problem.column))

    def _written(self, issue: Issue) -> Issue:
        """The issue at a scalar when the file wrote one name where a list was possible
        (`agents: support-agent` is read as `[support-agent]`)."""
        *parent, last = issue.path or (None,)
        if not isinstance(last, int) or last != 0:
            return issue
        node: Any = self.tree
        for part in parent:
            children: Any = node if isinstance(node, dict | list) else None
            try:
                node = children[part]
            except (KeyError, IndexError, TypeError):
                return issue
        if isinstance(node, str):
            return Issue(tuple(parent), issue.message, issue.hint, issue.offset, issue.at_key)
        return issue

    def line(self, path: tuple[str | int, ...]) -> int:
        """The line a document path starts on."""
        return locate(self.tree, self.text, Issue(path, ""), self.source).line


@dataclass(frozen=True)
class Suite:
    """A tests file bound to a compiled stack: every name checked, every test a probe."""

    document: SuiteDocument
    policy: Policy
    stack_source: str
    """The stack's file (or, for a stack given directly, its name): coverage is merged by it."""
    customers: dict[str, SampleCustomer]
    """The stack's sample customers and the suite's fixture customers, by id."""
    probes: tuple[Probe, ...]

    @property
    def stack(self) -> Stack:
        return self.policy.stack

    @property
    def name(self) -> str:
        return self.document.name


def is_suite_name(path: Path) -> bool:
    """Whether a file's name marks it as a tests file (`*.tests.yaml`)."""
    return path.name.endswith(SUFFIXES)


def suite_beside(stack_path: Path) -> Path:
    """Where a stack's test suite lives: `<stem>.tests.yaml` beside it."""
    return stack_path.with_name(f"{stack_path.stem}{SUFFIXES[0]}")


def discover(paths: Sequence[Path]) -> list[Path]:
    """The tests files `paths` stand for: a tests file itself, a stack file's suite beside it, or
    every `*.tests.yaml` in a folder. SuiteNotFoundError names a path that stands for none."""
    found: dict[Path, None] = {}
    for path in paths:
        for suite in _suites_at(path):
            found.setdefault(suite, None)
    return list(found)


def _suites_at(path: Path) -> list[Path]:
    if path.is_dir():
        suites = sorted(child for child in path.iterdir() if is_suite_name(child) and child.is_file())
        if not suites:
            raise SuiteNotFoundError(f"{path} holds no test suites (files named *{SUFFIXES[0]})")
        return suites
    if not path.exists():
        raise SuiteNotFoundError(f"{path}: no such file or folder")
    if is_suite_name(path) or _declares_suite_format(path):
        return [path]
    beside = suite_beside(path)
    if beside.is_file():
        return [beside]
    raise SuiteNotFoundError(f"{path} has no test suite: expected {beside} beside it")


def _declares_suite_format(path: Path) -> bool:
    try:
        with path.open(encoding="utf-8", errors="replace") as stream:
            head = stream.read(4096)
    except OSError:
        return False
    return bool(_FORMAT_LINE.search(head))


def read_suite(path: Path) -> SuiteDocument:
    """Read a tests file's structure (without its stack); StudioError with locations."""
    text, _ = read_text_file(path, kind="a tests file", error=SuiteFileError)
    return read_suite_text(text, source=str(path), path=path)


def read_suite_text(text: str, *, source: str = "<tests>", path: Path | None = None) -> SuiteDocument:
    """Parse tests-file text; `path` places it (its `stack:` is relative to that folder)."""
    try:
        tree = parse_yaml(text, source)
    except StackFileError as error:
        raise _as_suite_error(error, source) from None
    try:
        suite = SuiteFile.model_validate(tree)
    except ValidationError as error:
        if tree.get("format") == STACK_FORMAT:
            raise _stack_not_suite(tree, text, source, path) from None
        document = SuiteDocument(SuiteFile(format=FORMAT, stack="-"), tree, text, source, path)
        issues = [_untagged(issue) for issue in pydantic_issues(error, SuiteFile)]
        problems = document.problems(issues)
        raise SuiteInvalidError(f"{source}: {_count(problems)}", problems) from None
    return SuiteDocument(suite, tree, text, source, path)


def _as_suite_error(error: StackFileError, source: str) -> SuiteFileError:
    if any(problem.message == "expected a mapping at the top" for problem in error.problems):
        message = f"{source}: a tests file is a mapping (format:, stack:, cases:, ...)"
        return SuiteFileError(message, error.problems)
    return SuiteFileError(error.message.replace("stack file", "tests file"), error.problems)


def _stack_not_suite(tree: CommentedMap, text: str, source: str, path: Path | None) -> SuiteInvalidError:
    if path is None or is_suite_name(path):
        hint = "a tests file names the stack it tests with stack:"
    else:
        hint = f"its tests go in {suite_beside(path).name}"
    issue = Issue(("format",), f"this is a stack file; a tests file says format: {FORMAT}", hint)
    return SuiteInvalidError(f"{source} is a stack, not a tests file", [locate(tree, text, issue, source)])


def _untagged(issue: Issue) -> Issue:
    path = tuple(part for part in issue.path if part not in PARAMS_TAGS)
    return Issue(path, issue.message, issue.hint, issue.offset, issue.at_key)


def load_suite(path: Path) -> Suite:
    """Read a tests file, load and compile the stack it names, and bind the two."""
    document = read_suite(path)
    stack_path = document.stack_path()
    try:
        stack_document = load_file(stack_path)
    except (StackFileError, StackInvalidError) as error:
        where = document.problems([Issue(("stack",), error.message)])
        raise SuiteInvalidError(f"{document.source}: its stack doesn't load", [*where, *error.problems]) from None
    return bind(document, compile_policy(stack_document.stack), stack_source=str(stack_path))


def bind(document: SuiteDocument, target: Stack | Policy, *, stack_source: str = "") -> Suite:
    """Check a read suite against a stack (or its compiled policy) and make its probes.

    The stack need not be the one the file names: a studio binds the suite to the stack being
    edited. SuiteInvalidError lists every test that doesn't fit it, located in the tests file.
    """
    policy = target if isinstance(target, Policy) else compile_policy(target)
    issues, customers = check_suite(document.suite, policy.stack)
    if issues:
        problems = document.problems(issues)
        raise SuiteInvalidError(f"{document.source}: {_count(problems)}", problems)
    probes = build_probes(document.suite, policy.stack, list(customers), document.line)
    return Suite(document, policy, stack_source or policy.stack.name, customers, probes)


def _count(problems: Sequence[Problem]) -> str:
    return f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
