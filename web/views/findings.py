"""Page 4 · Findings: problems, conflicts, gaps and ownership questions, each resolvable here
with an edit (the rule's fields inline, an owner to pick, a rule to add or remove)."""

from __future__ import annotations

import streamlit as st

from studio.workshop import Workshop
from web import components, editors, findings_source, state


def render() -> None:
    workshop = state.workshop()
    if workshop is None:
        st.info("No stack is open: choose one in the sidebar.")
        return
    st.title("Findings")
    _problems(workshop)
    findings_source.render(workshop)


def _problems(workshop: Workshop) -> None:
    """Validation problems: each at its line, with the rule's fields to fix it right here."""
    if workshop.valid:
        return
    count = len(workshop.issues)
    st.header(f"✖ {count} problem{'s' if count != 1 else ''} to fix first")
    st.caption("Until they are fixed the file isn't saved, and previews show the last valid version.")
    components.problems(list(workshop.problems), limit=30)
    rules = workshop.stack.rules
    touched = sorted({int(issue.path[1]) for issue in workshop.issues if issue.path[:1] == ("rules",)})
    for index in touched:
        if index < len(rules):
            rule = rules[index]
            with st.expander(f"Fix {editors.rule_heading(workshop, rule)}", expanded=True):
                editors.rule_editor(workshop, rule, "findings.problem")


render()
