"""Colours and type: verdicts readable without colour, and a large-type mode for a projector.

Verdict fills are from the Okabe–Ito palette (safe for the common colour-vision deficiencies),
always with the verdict's symbol in near-black on top: ✔ go, ⚑ flag, ✖ stop. The three fills
also differ in lightness, so they stay apart in greyscale.
"""

from __future__ import annotations

from studio.decision import Verdict

FILL = {Verdict.GO: "#009E73", Verdict.FLAG: "#F0E442", Verdict.STOP: "#D55E00"}
"""Bluish green, yellow, vermillion (Okabe & Ito, 2008)."""
INK = "#111111"
"""Symbols and words on a verdict fill (contrast ≥ 5:1 on all three)."""
CHANGED = "#0072B2"
"""Okabe–Ito blue: what an edit just changed (outlines, highlights)."""
CAPACITY = "#56B4E9"
NEUTRAL = "#999999"

BASE_CSS = """
<style>
[data-testid="stMainBlockContainer"] { padding-top: 2.5rem; }
.studio-grid { border-collapse: separate; border-spacing: 3px; font-size: 0.95rem; }
.studio-grid th { font-weight: 600; text-align: left; padding: 2px 6px; vertical-align: bottom; }
.studio-grid th.customer { writing-mode: vertical-rl; transform: rotate(180deg); white-space: nowrap;
  max-height: 11rem; text-align: left; padding: 4px 2px; }
.studio-grid td.cell { width: 2.6rem; height: 2.1rem; text-align: center; font-size: 1.25rem;
  color: #111111; border-radius: 4px; font-weight: 700; }
.studio-grid td.selected { outline: 4px solid #0072B2; outline-offset: 1px; }
.studio-grid td.flipped { box-shadow: inset 0 0 0 3px #0072B2; }
.studio-grid td.row { white-space: nowrap; padding-right: 10px; }
.studio-grid td.row small { color: #555; }
.studio-legend span.badge, span.studio-verdict { display: inline-block; padding: 1px 10px; border-radius: 4px;
  color: #111111; font-weight: 700; margin-right: 6px; }
.studio-question { border-left: 5px solid #E69F00; padding: 4px 10px; margin: 4px 0; background: #FFF8E6; }
.studio-cleared { border-left: 5px solid #D55E00; padding: 4px 10px; background: #FCEDE4; }
.studio-population { border-left: 5px solid #0072B2; padding: 6px 12px; margin: 2px 0 6px; background: #E8F1F8; }
.studio-scroll { overflow-x: auto; padding-bottom: 4px; }
/* the as-typed CEL checks (web/live_check.py) draw nothing: take no room */
div[class*="-live-cel-"] { display: none; }
.studio-signed { border-left: 5px solid #009E73; padding: 4px 10px; background: #E6F5F0; }
</style>
"""

PROJECTOR_CSS = """
<style>
[data-testid="stMainBlockContainer"] { max-width: 100%; padding-left: 2rem; padding-right: 2rem; }
[data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li,
[data-testid="stMarkdownContainer"] div { font-size: 24px !important; line-height: 1.35; }
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p { font-size: 20px !important; }
[data-testid="stWidgetLabel"] p { font-size: 21px !important; }
[data-testid="stSelectbox"] input, [data-testid="stTextInput"] input, [data-testid="stNumberInput"] input,
[data-testid="stMultiSelect"] input, textarea { font-size: 22px !important; }
button p { font-size: 21px !important; }
h1 { font-size: 54px !important; } h2 { font-size: 40px !important; } h3 { font-size: 32px !important; }
[data-testid="stMetricValue"] p { font-size: 52px !important; line-height: 1.1; }
[data-testid="stMetricLabel"] p { font-size: 21px !important; }
[data-testid="stSidebarNavLink"] span { font-size: 20px !important; }
section[data-testid="stSidebar"] { min-width: 380px; }
[data-testid="stExpander"] summary p { font-size: 22px !important; }
.studio-grid { font-size: 20px; border-spacing: 4px; }
.studio-grid td.row small { font-size: 15px; }
.studio-grid td.cell { width: 58px; height: 48px; font-size: 30px; }
.studio-grid th.customer { max-height: 260px; }
span.studio-verdict { font-size: 24px; }
</style>
"""


def css(projector: bool) -> str:
    """The style sheet to inject: always the base, plus large type on a projector."""
    return BASE_CSS + (PROJECTOR_CSS if projector else "")
