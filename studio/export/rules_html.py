"""The operating rules as one self-contained HTML page (no scripts, fonts or images to fetch)
that reads well on screen and printed: one agent per block, kept on one page where it fits.

Verdict words carry a symbol as well as a colour (✔ may, ⚑ must, ✖ never), so the page reads
the same in black and white.
"""

from __future__ import annotations

from html import escape

from studio.export.rulebook import AgentSection, Rulebook, RuleLine
from studio.export.rules_markdown import sentence

_STYLE = """
:root { --ink: #1d2430; --muted: #5b6575; --rule: #d9dee7; --go: #1f7a3f; --flag: #8a5a00; --stop: #a8232a; }
* { box-sizing: border-box; }
body { font: 15px/1.5 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--ink);
       max-width: 62rem; margin: 2rem auto; padding: 0 1.5rem; }
h1 { font-size: 1.7rem; margin: 0 0 .3rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 .4rem; border-bottom: 2px solid var(--ink); padding-bottom: .2rem; }
h3 { font-size: 1rem; margin: 1.1rem 0 .3rem; }
.meta, .kind { color: var(--muted); }
.meta code { font-size: .8rem; }
code { font: .85em/1.4 ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; background: #f2f4f8;
       padding: .05rem .25rem; border-radius: 3px; overflow-wrap: anywhere; }
table { border-collapse: collapse; margin: .4rem 0 1rem; }
th, td { text-align: left; border-bottom: 1px solid var(--rule); padding: .25rem .9rem .25rem 0; vertical-align: top; }
th { font-weight: 600; }
.agent { border: 1px solid var(--rule); border-radius: 6px; padding: .2rem 1.1rem .8rem; margin: 1.2rem 0; }
.agent h2 { border: 0; margin-top: .8rem; }
ul.rules { list-style: none; padding: 0; margin: 0; }
ul.rules li { border-left: 4px solid var(--rule); padding: .3rem 0 .3rem .8rem; margin: .45rem 0; }
li.may { border-color: var(--go) !important; }
li.must { border-color: var(--flag) !important; }
li.never { border-color: var(--stop) !important; }
.tag { font-weight: 700; }
.may .tag { color: var(--go); } .must .tag { color: var(--flag); } .never .tag { color: var(--stop); }
.why { display: block; }
.owner { color: var(--muted); font-size: .9em; }
.otherwise { margin-top: .7rem; }
.legend { background: #f7f8fb; border: 1px solid var(--rule); border-radius: 6px; padding: .6rem 1rem; }
@media print {
  body { margin: 0; max-width: none; font-size: 10.5pt; }
  .agent { break-inside: avoid; page-break-inside: avoid; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
  code { background: none; padding: 0; }
  a { color: inherit; text-decoration: none; }
}
"""

_TAGS = {"may": "✔ may", "must": "⚑ must", "never": "✖ never"}


def rules_html(book: Rulebook) -> str:
    """The rulebook as a standalone HTML page."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Operating rules: {escape(book.name)}</title>",
        f"<style>{_STYLE}</style>",
        "</head>",
        "<body>",
        "<header>",
        f"<h1>Operating rules: {escape(book.name)}</h1>",
    ]
    if book.description:
        parts.append(f"<p>{escape(book.description)}</p>")
    parts += [
        f'<p class="meta">Stack revision <code>{escape(book.stack_revision)}</code></p>',
        "</header>",
        '<p class="legend"><span class="tag" style="color:var(--go)">✔ May</span>: the agent acts on its own, '
        'within the limits shown. <span class="tag" style="color:var(--flag)">⚑ Must</span>: applies whenever '
        'its condition holds. <span class="tag" style="color:var(--stop)">✖ Never</span>: stops the action, '
        "whatever else applies. Stop beats flag, flag beats go; flagged actions wait for the named team or queue.</p>",
    ]
    parts += _signoffs(book)
    parts += ["<h2>Who owns which customer decision</h2>", "<table><tr><th>Decision</th><th>Owner</th></tr>"]
    parts += [f"<tr><td>{escape(o.decision)}</td><td>{escape(o.owner)}</td></tr>" for o in book.ownership]
    parts.append("</table>")
    for section in book.agents:
        parts += _section(section)
    parts += ["</body>", "</html>"]
    return "\n".join(parts) + "\n"


def _signoffs(book: Rulebook) -> list[str]:
    parts = ["<h2>Sign-offs</h2>"]
    if not book.signoffs:
        return [*parts, "<p>No team has signed off this stack yet.</p>"]
    parts.append("<table><tr><th>Team</th><th>Signed by</th><th>When</th><th>This revision?</th></tr>")
    for team, who, when, current in book.signoffs:
        status = "yes" if current else "no, an earlier one"
        parts.append(f"<tr><td>{escape(team)}</td><td>{escape(who)}</td><td>{escape(when)}</td><td>{status}</td></tr>")
    return [*parts, "</table>"]


def _section(section: AgentSection) -> list[str]:
    tool = f", in {section.tool}" if section.tool else ""
    parts = [
        f'<section class="agent" id="{escape(section.id)}">',
        f"<h2>{escape(section.name)} <code>{escape(section.id)}</code></h2>",
        f'<p class="kind">{escape(_upper_first(section.kind))} of {escape(section.team)}{escape(tool)}.</p>',
    ]
    if section.description:
        parts.append(f"<p>{escape(section.description)}</p>")
    if section.actions:
        parts.append(f"<p><strong>Proposes:</strong> {escape(', '.join(section.actions))}.</p>")
    if section.reviews:
        parts.append(f"<p><strong>Reviews flags routed to it by:</strong> {escape(', '.join(section.reviews))}.</p>")
    groups = (
        ("May do on its own", "may", section.may),
        ("Must", "must", section.must),
        ("Must never", "never", section.never),
    )
    for title, kind, lines in groups:
        if not lines:
            if kind == "may" and section.actions:
                parts += [f"<h3>{title}</h3>", "<p>Nothing: no may rule covers this agent.</p>"]
            continue
        parts += [f"<h3>{title}</h3>", '<ul class="rules">']
        parts += [_line(line, kind) for line in lines]
        parts.append("</ul>")
    if section.otherwise:
        parts.append(f'<p class="otherwise"><strong>Otherwise:</strong> {escape(section.otherwise)}</p>')
    parts.append("</section>")
    return parts


def _line(line: RuleLine, kind: str) -> str:
    scope = escape(", ".join(line.actions)) if line.actions else "Any of its actions"
    text = f'<span class="tag">{_TAGS[kind]}</span> <strong>{scope}</strong>'
    if line.condition != "always":
        text += f" when <code>{escape(line.condition)}</code>"
    if line.limits:
        limits = "; ".join(f"<code>{escape(limit)}</code>" for limit in line.limits)
        text += f", within {limits} ({escape(line.beyond)})"
    if line.duties:
        text += ": " + escape("; ".join(line.duties))
    why = f'<span class="why">{escape(sentence(line.rationale))}</span>'
    owner = f'<span class="owner">{escape(line.owner)} · rule <code>{escape(line.rule_id)}</code></span>'
    return f'<li class="{kind}">{text}{why}{owner}</li>'


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]
