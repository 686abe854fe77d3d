"""The Findings tab: the analysis's conflicts, gaps and ownership questions, each with its
question for the room, its witness, and the rules involved (enter edits one)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Static

from studio.stack import Stack
from studio.wording import amount, label, team
from tui.render import VERDICT_CLASSES, verdict_text
from tui.widgets.findings_table import FindingsTable
from tui.widgets.rule_list import RuleList

if TYPE_CHECKING:
    from studio.analysis import Finding, Report


class FindingsPane(Vertical):
    """What the analysis found, and where."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {*VERDICT_CLASSES, *{"findings-pane--dim", "findings-pane--heading"}}

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._stack: Stack | None = None
        self._findings: tuple[Finding, ...] = ()

    def compose(self) -> ComposeResult:
        yield Static("", id="findings-summary")
        yield FindingsTable(id="findings-table")
        with VerticalScroll(id="finding-box"):
            yield Static("", id="finding-detail")
        yield RuleList(id="finding-rules")

    def show(self, stack: Stack, report: Report | None, note: str) -> None:
        """The report's findings (None: `note` says why there are none to show)."""
        self._stack = stack
        summary = self.query_one("#findings-summary", Static)
        if report is None:
            self._findings = ()
            summary.update(note)
            self.query_one(FindingsTable).show(())
            self._describe(-1)
            return
        self._findings = report.findings
        counts = {severity: len(report.of_severity(severity)) for severity in {f.severity for f in report.findings}}
        words = ", ".join(
            f"{count} {severity.value}{'s' if count != 1 else ''}"
            for severity, count in sorted(counts.items(), key=lambda item: item[0].rank)
        )
        summary.update(
            f"{len(report.findings)} findings ({words or 'none'}) · analysed in {report.stats.seconds:.1f}s"
            + (f" · {note}" if note else "")
        )
        table = self.query_one(FindingsTable)
        table.show(report.findings)
        self._describe(table.cursor_row)

    @on(FindingsTable.FindingChosen)
    def _chosen(self, message: FindingsTable.FindingChosen) -> None:
        self._describe(message.position)

    @on(FindingsTable.RowSelected)
    def _into_rules(self) -> None:
        self.query_one(RuleList).focus()

    def _describe(self, position: int) -> None:
        detail = self.query_one("#finding-detail", Static)
        rules = self.query_one(RuleList)
        stack = self._stack
        if stack is None or not 0 <= position < len(self._findings):
            detail.update("")
            rules.empty_text = "No finding chosen."
            if stack is not None:
                rules.show(stack, ())
            return
        finding = self._findings[position]
        detail.update(self._words(stack, finding))
        rules.empty_text = "No rules involved: the question is about the stack's structure."
        rules.show(stack, finding.rules)

    def _words(self, stack: Stack, finding: Finding) -> Text:
        dim = self.get_component_rich_style("findings-pane--dim", partial=True)
        heading = self.get_component_rich_style("findings-pane--heading", partial=True)
        text = Text(finding.title, style=heading)
        text.append(f"\n{finding.question}")
        facts = []
        if finding.teams:
            facts.append("teams: " + ", ".join(team(stack, t) for t in finding.teams))
        if finding.decision:
            facts.append(f"decision: {finding.decision}")
        if finding.cells:
            facts.append(
                "where: "
                + ", ".join(f"{agent} → {action}" for agent, action in finding.cells[:4])
                + (" …" if len(finding.cells) > 4 else "")
            )
        if facts:
            text.append("\n" + " · ".join(facts), style=dim)
        witness = finding.witness
        if witness is not None:
            request = witness.request.to_json(stack)
            facts_of = request["customer"]["attributes"]
            shown = ", ".join(
                f"{label(k)} {amount(k, v)}" for k, v in facts_of.items() if v not in ("", 0, False, [], None)
            )
            text.append("\nFor example: ", style=heading)
            text.append(f"{request['agent']} → {request['action']}")
            if request["params"]:
                text.append(" (" + ", ".join(f"{label(k)} {amount(k, v)}" for k, v in request["params"].items()) + ")")
            text.append(f" at {request['at']}", style=dim)
            if shown:
                text.append(f", for a customer with {shown}", style=dim)
            events = len(request["customer"]["history"])
            if events:
                text.append(f", {events} event{'s' if events != 1 else ''} in the history", style=dim)
            if witness.earlier:
                count = len(witness.earlier)
                text.append(f", after {count} earlier action{'s' if count != 1 else ''}", style=dim)
            text.append(": ")
            text.append_text(verdict_text(self, witness.decision.verdict))
        if finding.evidence:
            text.append(f"\nWhy: {finding.evidence}", style=dim)
        if finding.bounded:
            text.append("\n(checked for contact histories up to the analysis's bound)", style=dim)
        text.append("\nThe rules involved are below: enter edits one.", style=dim)
        return text
