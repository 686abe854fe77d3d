"""The browser studio's entrypoint: the frame around every page.

Run by `studio web` (which sets the folder, the first stack and the passcode). The frame asks
for the passcode when the studio is shared, opens the stack, shows the sidebar (which stack,
save, undo, redo, large type), watches the file for other people's saves, shows any message
once, and runs the page chosen in the navigation.
"""

from __future__ import annotations

import streamlit as st

from web import components, frame, state

st.set_page_config(page_title="Coordination Studio", page_icon="⚑", layout="wide")
components.inject_css(state.projector())

if not frame.passcode_gate():
    st.stop()

pages = [
    st.Page("views/stack.py", title="1 · Stack: who owns what", url_path="stack", default=True),
    st.Page("views/matrix.py", title="2 · Matrix: MAY / MUST / NEVER", url_path="matrix"),
    st.Page("views/preview.py", title="3 · Preview", url_path="preview"),
    st.Page("views/findings.py", title="4 · Findings", url_path="findings"),
    st.Page("views/whatif.py", title="5 · What-if and review load", url_path="whatif"),
    st.Page("views/signoff.py", title="6 · Sign-off", url_path="signoff"),
    st.Page("views/export.py", title="7 · Export", url_path="export"),
]
page = st.navigation(pages)
state.ensure_open()
frame.sidebar()
frame.messages()
page.run()
