"""CEL checked as it is typed: what a CEL box holds before Enter, sent back while typing.

A Streamlit text box reports its text only on Enter or when it loses focus. For the CEL boxes
(conditions and limits) the room should see a mistake while typing, as the terminal studio
shows it: `typed(field_key)` mounts a small component (no HTML of its own) whose script
listens to the box with that widget key and, once typing pauses, sends its text back. The
page then checks that text with the core (`condition_builder.check_text`) and shows the
problems at their column under the box; nothing is applied until Enter, as before.
"""

from __future__ import annotations

import re

import streamlit as st

PAUSE_MS = 350
"""How long typing pauses before the text is checked (a check reruns the page)."""

_SCRIPT = """
export default function (component) {
  const { data, setStateValue } = component;
  const box = document.querySelector(`.${data.target} input`);
  if (!box) return;
  // One listener per box, whatever the number of reruns: the previous one is replaced.
  const listeners = (window.__studioLiveCel ||= new WeakMap());
  const previous = listeners.get(box);
  if (previous) box.removeEventListener("input", previous);
  let timer = null;
  const listener = () => {
    clearTimeout(timer);
    timer = setTimeout(() => setStateValue("typed", box.value), data.pause);
  };
  box.addEventListener("input", listener);
  listeners.set(box, listener);
  return () => {
    clearTimeout(timer);
    box.removeEventListener("input", listener);
    listeners.delete(box);
  };
}
"""

_COMPONENT = st.components.v2.component("studio_live_cel", js=_SCRIPT)


def _css_class(widget_key: str) -> str:
    """The class Streamlit gives a keyed widget's container (`st-key-` and the key, characters
    other than letters, digits, `_` and `-` written as `-`)."""
    return "st-key-" + re.sub(r"[^a-zA-Z0-9_-]", "-", widget_key.strip())


def typed(widget_key: str) -> str | None:
    """The text typed so far in the text box with this key (None before any typing)."""
    result = _COMPONENT(
        key=f"{widget_key}.live-cel.",
        data={"target": _css_class(widget_key), "pause": PAUSE_MS},
        on_typed_change=lambda: None,
    )
    value = getattr(result, "typed", None)
    return value if isinstance(value, str) else None
