"""The browser studio: a Streamlit client of the core (`studio/`) for facilitated sessions.

`studio web [FILE|FOLDER]` starts it. `web/app.py` is the entrypoint, `web/state.py` the only
module that touches `st.session_state`, `web/views/*.py` one page each, `web/components.py`
render helpers, `web/theme.py` the colours and the large-type projector mode.
"""
