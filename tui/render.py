"""How the studio draws values it shows in several places: verdicts (symbol, word and colour) and
text cut to a width. Colours come from the widgets' component classes, styled in `app.tcss`."""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

from studio.decision import Verdict

VERDICT_CLASSES = frozenset({"verdict--go", "verdict--flag", "verdict--stop", "verdict--none"})
"""Component classes a widget that draws verdicts declares (styled in `app.tcss`)."""


def verdict_text(widget: Widget, verdict: Verdict, words: str = "") -> Text:
    """`✔ go`, `⚑ flag → Deal desk`, `✖ stop`: readable without colour, coloured when there is."""
    style = widget.get_component_rich_style(f"verdict--{verdict.value}", partial=True)
    return Text(f"{verdict.symbol} {words or verdict.value}", style=style)


def room(widget: Widget) -> int:
    """The width a widget has to draw in (the terminal's, before it is laid out)."""
    return widget.size.width or max(widget.app.size.width - 2, 40)


def cut(text: str, width: int) -> str:
    """`text` on one line, at most `width` characters (an ellipsis marks what was cut)."""
    flat = " ".join(text.split())
    if width <= 0:
        return ""
    return flat if len(flat) <= width else flat[: max(0, width - 1)] + "…"
