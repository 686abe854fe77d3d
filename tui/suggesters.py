"""Inline suggestions for the rule editor's fields that name things: the last id of a
comma-separated list, or the first word of a duty line, completed from the stack's ids."""

from __future__ import annotations

from collections.abc import Sequence

from textual.suggester import Suggester


class IdListSuggester(Suggester):
    """Completes the id being typed after the last comma (`ai-sdr-agent, sup` → `support-agent`)."""

    def __init__(self, ids: Sequence[str]) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self.ids = list(ids)

    async def get_suggestion(self, value: str) -> str | None:
        _head, _, last = value.rpartition(",")
        typed = last.lstrip()
        if not typed:
            return None
        match = next((i for i in self.ids if i.startswith(typed) and i != typed), None)
        return None if match is None else value[: len(value) - len(typed)] + match


class DutySuggester(Suggester):
    """Completes a duty line: the duty (`no` → `notify`), then its target (`flag csm` → `flag csm-renewals`)."""

    def __init__(self, targets: Sequence[str]) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self.targets = list(targets)

    async def get_suggestion(self, value: str) -> str | None:
        words = value.split(" ")
        if len(words) == 1:
            return next((d for d in ("flag", "notify", "log", "disclose") if d.startswith(value) and d != value), None)
        if words[0] in ("flag", "notify") and len(words) == 2 and words[1]:
            target = next((t for t in self.targets if t.startswith(words[1]) and t != words[1]), None)
            return None if target is None else f"{words[0]} {target}"
        return None
