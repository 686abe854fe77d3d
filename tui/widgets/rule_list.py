"""Rules, one per entry with what each does in short; keys to edit, add, duplicate or delete."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from studio.matrix import gist
from studio.stack import RuleKind, Stack
from studio.wording import team
from tui.messages import AddRule, DeleteRule, DuplicateRule, EditRule
from tui.render import cut, room


class RuleList(OptionList):
    """The rules of a matrix cell, a coverage cell or a finding."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("e", "edit", "Edit"),
        Binding("a", "add", "Add"),
        Binding("c", "duplicate", "Duplicate"),
        Binding("d,delete", "delete", "Delete"),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = {"rule-list--may", "rule-list--must", "rule-list--never", "rule-list--gist"}

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.agent = ""
        """The agent a new rule binds (set by the parent)."""
        self.kind: RuleKind | None = None
        """The kind a new rule has (set by the parent)."""
        self.empty_text = "No rules."

    def show(self, stack: Stack, rule_ids: Sequence[str]) -> None:
        """List these rules (ids of rules the stack no longer has are left out)."""
        rules = {rule.id: rule for rule in stack.rules}
        highlighted = self.highlighted_option.id if self.highlighted_option is not None else None
        options: list[Option] = []
        for rule_id in rule_ids:
            rule = rules.get(rule_id)
            if rule is None:
                continue
            line = Text()
            line.append(
                f"{rule.kind.value.upper():5} ",
                style=self.get_component_rich_style(f"rule-list--{rule.kind.value}", partial=True),
            )
            line.append(rule.id, style="bold")
            line.append(f"  {team(stack, rule.owner)}")
            summary = cut(gist(stack, rule), room(self) - 9)
            line.append("\n      " + summary, style=self.get_component_rich_style("rule-list--gist", partial=True))
            options.append(Option(line, id=rule.id))
        self.set_options(options)
        if not options:
            self.add_option(Option(Text(self.empty_text, style="italic"), disabled=True))
            return
        ids = [option.id for option in options]
        self.highlighted = ids.index(highlighted) if highlighted in ids else 0

    def current(self) -> str | None:
        """The highlighted rule's id."""
        option = self.highlighted_option
        return option.id if option is not None and not option.disabled else None

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self.post_message(EditRule(event.option.id))

    def action_edit(self) -> None:
        if (rule_id := self.current()) is not None:
            self.post_message(EditRule(rule_id))

    def action_add(self) -> None:
        self.post_message(AddRule(self.agent, self.kind))

    def action_duplicate(self) -> None:
        if (rule_id := self.current()) is not None:
            self.post_message(DuplicateRule(rule_id))

    def action_delete(self) -> None:
        if (rule_id := self.current()) is not None:
            self.post_message(DeleteRule(rule_id))
