"""The frame around every page: passcode gate, sidebar, and the messages shown above a page."""

from __future__ import annotations

import streamlit as st

from studio.errors import StudioError
from web import components, state

PROJECTOR_KEY = "frame.projector"
STACK_KEY = "frame.stack"


def passcode_gate() -> bool:
    """Ask for the passcode printed by `studio web --share`; nothing else shows until it is given.
    True once this browser gave it."""
    if state.admitted():
        return True
    gate = st.empty()
    with gate.container():
        st.title("Coordination Studio")
        st.write("This studio is shared on the network. Type the passcode shown where it was started.")
        with st.form("frame.passcode"):
            given = st.text_input("Passcode", type="password", key="frame.passcode.text")
            submitted = st.form_submit_button("Enter", type="primary")
        if not submitted:
            return False
        if not state.admit(given):
            st.error("That passcode isn't right. Check it on the facilitator's screen and try again.")
            return False
    gate.empty()
    return True


def sidebar() -> None:
    """Which stack, its state, save / undo / redo, large type, and the watch on the file."""
    with st.sidebar:
        _stack_picker()
        workshop = state.workshop()
        if workshop is not None:
            _status()
            _buttons()
            _conflict()
            _disk_changed()
        st.toggle(
            "Large type (projector)",
            value=state.projector(),
            key=PROJECTOR_KEY,
            on_change=lambda: state.set_projector(bool(state.widget(PROJECTOR_KEY, False))),
        )
        _watch()


def _stack_picker() -> None:
    try:
        folder = state.folder()
        names = [folder.relative(path) for path in folder.stacks()]
    except StudioError as error:
        components.error(error)
        return
    current = state.name()
    workshop = state.workshop()
    dirty = workshop is not None and workshop.dirty
    if current and current not in names:
        names.insert(0, current)
    if not names:
        st.warning("No stack files in this folder.")
        return
    state.set_widget(STACK_KEY, current or names[0])
    st.selectbox(
        "Stack",
        names,
        key=STACK_KEY,
        disabled=dirty,
        help="Save or undo your edits before opening another stack." if dirty else f"Stacks in {folder.root}",
        on_change=_open_chosen,
    )


def _open_chosen() -> None:
    state.open_stack(str(state.widget(STACK_KEY, "")))


def _status() -> None:
    workshop = state.workshop()
    assert workshop is not None
    if workshop.dirty:
        st.markdown("**● Unsaved changes**")
    else:
        st.markdown("✔ Saved")
    if not workshop.valid:
        count = len(workshop.issues)
        st.markdown(f"✖ **{count} problem{'s' if count != 1 else ''}**: see Findings")
    st.caption(f"Revision `{workshop.revision.removeprefix('sha256:')[:12]}`")


def _buttons() -> None:
    workshop = state.workshop()
    assert workshop is not None
    undo_labels, redo_labels = workshop.history
    st.button(
        "Save",
        key="frame.save",
        type="primary",
        disabled=not workshop.dirty,
        on_click=state.save,
        width="stretch",
    )
    left, right = st.columns(2)
    left.button(
        "↶ Undo",
        key="frame.undo",
        disabled=not workshop.can_undo,
        help=f"Undo: {undo_labels[0]}" if undo_labels else None,
        on_click=state.undo,
        width="stretch",
    )
    right.button(
        "↷ Redo",
        key="frame.redo",
        disabled=not workshop.can_redo,
        help=f"Redo: {redo_labels[0]}" if redo_labels else None,
        on_click=state.redo,
        width="stretch",
    )


def _watch() -> None:
    """Every couple of seconds: did someone else save this stack?"""

    @st.fragment(run_every=state.settings().poll_seconds)
    def watcher() -> None:
        if state.watch():
            st.rerun(scope="app")

    watcher()


def messages() -> None:
    """What happened since the last run, once: a notice, an error, a conflict, other people's saves."""
    notice = state.take_notice()
    if notice:
        st.success(notice)
    error = state.take_error()
    if error is not None:
        components.error(error)
    if state.conflict() is not None:
        st.error(f"**Not saved**: someone else saved {components.md(state.name())} first. See the sidebar to retry.")
    workshop = state.workshop()
    if workshop is not None and workshop.stale:
        st.warning(
            "The stack has problems (see Findings): previews, what-ifs and analyses show the last valid version."
        )


def _conflict() -> None:
    """In the sidebar (visible wherever the page is scrolled): a save refused because someone
    else saved first, what they changed, and the three ways on."""
    conflict = state.conflict()
    if conflict is None:
        return
    st.error(f"**Not saved: someone else saved {components.md(state.name())} first.**")
    if conflict.theirs:
        st.markdown("What they changed:\n" + "\n".join(f"- {components.md(c.words)}" for c in conflict.theirs[:8]))
    st.button(
        "Reload theirs and re-apply my edits",
        key="frame.conflict.retry",
        type="primary",
        disabled=not conflict.can_reapply,
        help="Your edits go on top of their version, then it is saved."
        if conflict.can_reapply
        else "Your edits can't be replayed one by one (undo went past them).",
        on_click=state.retry,
        width="stretch",
    )
    st.button("Keep mine (replace theirs)", key="frame.conflict.mine", on_click=state.keep_mine, width="stretch")
    st.button("Take theirs (drop my edits)", key="frame.conflict.theirs", on_click=state.take_theirs, width="stretch")


def _disk_changed() -> None:
    """In the sidebar: someone saved while this session has unsaved edits."""
    changes = state.disk_changed()
    if changes is None or state.conflict() is not None:
        return
    said = "\n".join(f"- {components.md(c.words)}" for c in changes[:8])
    st.warning(
        f"**Someone saved {components.md(state.name())}** while you have unsaved edits." + (f"\n{said}" if said else "")
    )
    st.button(
        "Take theirs and re-apply my edits",
        key="frame.disk.retry",
        on_click=state.retry,
        kwargs={"save_after": False},
        type="primary",
        width="stretch",
    )
    st.button("Take theirs (drop my edits)", key="frame.disk.theirs", on_click=state.take_theirs, width="stretch")
