"""The keys of the studio, screen by screen (F1 or ? opens it; escape closes it)."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

HELP = """\
# Coordination Studio: keys

Every key is also in the footer of the screen it works on; **ctrl+p** opens the command
palette (save, export, go to a tab, new rule, ...). The mouse works too.

## Everywhere

| key | what |
| --- | --- |
| **1**-**6** | Matrix, Preview, Replay, Findings, Diff, Problems |
| **ctrl+s** | save the file (comments and layout kept) |
| **ctrl+z** / **ctrl+y** | undo / redo (reloading from disk is undoable too) |
| **ctrl+p** | command palette: export the decision bundle, reload, new rule, ... |
| **f1** / **?** | this help |
| **ctrl+q** | quit (asks when there are unsaved changes) |
| **tab** / **shift+tab** | move between parts of a screen |

## Matrix

Agents as rows, MAY / MUST / NEVER as columns; the rules of the highlighted cell are listed below.

| key | what |
| --- | --- |
| arrows, **enter** | move; enter goes to the cell's rules |
| **v** | switch between the rule matrix and the (agent x action) coverage view |
| **a** | add a rule (of the cell's kind, binding its agent) |
| **e** or **enter** | edit the highlighted rule |
| **c** | duplicate it |
| **d** / **delete** | delete it (undo brings it back) |

## Rule editor

| key | what |
| --- | --- |
| **ctrl+s** | apply the rule (refused, with the reasons, while it has problems) |
| **esc** | cancel (asks when something changed) |
| **tab** | in a condition: take the highlighted completion (else: next field) |
| **up** / **down** | in a condition: choose among the completions |
| **right** | in agents, teams, actions, route, duties: take the grey suggestion |
| **ctrl+n** | add a limit (MAY) or a duty (MUST) |

Conditions are checked as you type: the problem shows under its column.

## Preview

Sample customers x (agent, action); ✔ go, ⚑ flag, ✖ stop. The highlighted cell is explained
below it, with what would flip it. The pickers above the grid filter by agent, team and verdict.

## Replay, Findings, Diff, Problems

- **Replay**: pick a scenario; each step with and without the policy, and why.
- **Findings**: the analysis's conflicts, gaps and ownership questions; **enter** goes to the
  rules involved, **e** edits one.
- **Diff**: what changed since the file was loaded or saved, and which decisions it changes.
- **Problems**: validation problems at their line and column; **enter** opens the rule.

## The file

The file is watched: if it changes on disk, the studio asks whether to **reload** (your
version stays one undo away), **keep mine** (save over it) or decide **later**.
"""


class HelpScreen(ModalScreen[None]):
    """Every key, screen by screen."""

    BINDINGS: ClassVar[list[BindingType]] = [("escape,q,f1,question_mark", "close", "Close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Markdown(HELP)

    def action_close(self) -> None:
        self.dismiss(None)
