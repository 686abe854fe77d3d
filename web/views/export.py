"""Page 7 · Export: the decision bundle and the operating-rules document of the stack as saved
(what the teams signed), built by the core's export (`studio.export`)."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from studio.errors import StudioError
from studio.export import Bundle, build_bundle, layout
from studio.signoff import SignOffState
from studio.workshop import Workshop
from web import components, state


def render() -> None:
    workshop = state.workshop()
    if workshop is None:
        st.info("No stack is open: choose one in the sidebar.")
        return
    st.title("Export")
    st.markdown(
        "The **bundle** is what enforcement runs: the policy for OPA, the stack, JSON Schemas, conformance "
        "vectors and the rules for people, with a manifest of SHA-256 digests. The **operating rules** are the "
        "same rules as a document for the teams."
    )
    if workshop.dirty:
        st.warning("There are unsaved changes: the export is of the stack as saved. Save first to include them.")
    document = workshop.document
    try:
        bundle = build_bundle(document)
    except StudioError as error:
        components.error(error)
        return
    _signoffs(workshop)
    stem = Path(state.name() or "stack").stem
    short = bundle.manifest.stack_revision.removeprefix("sha256:")[:12]
    st.caption(f"Stack revision `{short}` · bundle revision `{bundle.revision.removeprefix('sha256:')[:12]}`")
    left, middle, right = st.columns(3)
    left.download_button(
        "⬇ Download the bundle (.tar.gz)",
        data=bundle.tarball(),
        file_name=f"{stem}-{short}.tar.gz",
        mime="application/gzip",
        key="export.bundle",
        type="primary",
        width="stretch",
    )
    middle.download_button(
        "⬇ Operating rules (HTML)",
        data=bundle.files[layout.RULES_HTML],
        file_name=f"{stem}-operating-rules.html",
        mime="text/html",
        key="export.rules.html",
        width="stretch",
    )
    right.download_button(
        "⬇ Operating rules (Markdown)",
        data=bundle.files[layout.RULES_MARKDOWN],
        file_name=f"{stem}-operating-rules.md",
        mime="text/markdown",
        key="export.rules.md",
        width="stretch",
    )
    _contents(bundle)


def _signoffs(workshop: Workshop) -> None:
    teams = workshop.signoffs()
    signed = [t for t in teams if t.state is SignOffState.SIGNED]
    if len(signed) == len(teams):
        st.success(f"✔ Every team has signed ({', '.join(t.name for t in signed)}).")
        return
    missing = [t.name for t in teams if t.state is not SignOffState.SIGNED]
    st.warning(
        f"Not signed by every team yet: {components.md(', '.join(missing))}. "
        "The bundle records who signed which revision; it can be exported anyway."
    )


def _contents(bundle: Bundle) -> None:
    with st.expander("The operating rules, as the teams will read them"):
        st.markdown(bundle.files[layout.RULES_MARKDOWN].decode("utf-8"))
    with st.expander("What the bundle holds"):
        st.dataframe(
            [
                {"file": path, "bytes": len(data), "sha256": bundle.manifest.files.get(path, "")}
                for path, data in bundle.files.items()
            ],
            hide_index=True,
            width="stretch",
        )


render()
