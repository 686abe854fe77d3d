"""The operating rules as Markdown: one section per agent, readable in any Git host or editor."""

from __future__ import annotations

from studio.export.rulebook import AgentSection, Rulebook, RuleLine


def rules_markdown(book: Rulebook) -> str:
    """The rulebook as a Markdown document."""
    out: list[str] = [f"# Operating rules: {book.name}", ""]
    if book.description:
        out += [book.description, ""]
    out += [
        f"Stack revision `{book.stack_revision}`",
        "",
        "How to read this: each agent or tool **may** act on its own only where a may rule covers it and",
        "within that rule's limits; it **must** follow every must rule while its condition holds; and it",
        "must **never** act where a never rule applies, whatever else says. Stop beats flag, flag beats go.",
        "Flagged actions wait for the named team or queue to review them.",
        "",
    ]
    out += _signoffs(book)
    out += ["## Who owns which customer decision", "", "| decision | owner |", "| --- | --- |"]
    out += [f"| {_cell(item.decision)} | {_cell(item.owner)} |" for item in book.ownership]
    out += [""]
    for section in book.agents:
        out += _section(section)
    return "\n".join(out).rstrip() + "\n"


def _signoffs(book: Rulebook) -> list[str]:
    lines = ["## Sign-offs", ""]
    if not book.signoffs:
        return [*lines, "No team has signed off this stack yet.", ""]
    lines += ["| team | signed by | when | this revision? |", "| --- | --- | --- | --- |"]
    for team, who, when, current in book.signoffs:
        lines.append(f"| {_cell(team)} | {_cell(who)} | {_cell(when)} | {'yes' if current else 'no, an earlier one'} |")
    return [*lines, ""]


def _section(section: AgentSection) -> list[str]:
    tool = f", in {section.tool}" if section.tool else ""
    out = [f"## {section.name} (`{section.id}`)", "", f"*{_upper_first(section.kind)} of {section.team}{tool}.*", ""]
    if section.description:
        out += [section.description, ""]
    if section.actions:
        out += ["Proposes: " + ", ".join(section.actions) + ".", ""]
    if section.reviews:
        out += ["Reviews flags routed to it by: " + ", ".join(section.reviews) + ".", ""]
    for title, lines in (
        ("May do on its own", section.may),
        ("Must", section.must),
        ("Must never", section.never),
    ):
        if not lines:
            continue
        out += [f"### {title}", ""]
        out += [_line(line) for line in lines]
        out += [""]
    if section.actions and not section.may:
        out += ["### May do on its own", "", "Nothing: no may rule covers this agent.", ""]
    if section.otherwise:
        out += [f"**Otherwise:** {section.otherwise}", ""]
    return out


def _line(line: RuleLine) -> str:
    scope = f"**{', '.join(line.actions)}**" if line.actions else "**Any of its actions**"
    when = "" if line.condition == "always" else f" when `{line.condition}`"
    parts = [f"- {scope}{when}"]
    if line.limits:
        limits = "; ".join(f"`{limit}`" for limit in line.limits)
        parts.append(f", within {limits} ({line.beyond})")
    if line.duties:
        parts.append(": " + "; ".join(line.duties))
    parts.append(f". {sentence(line.rationale)} — *{line.owner}, rule `{line.rule_id}`*")
    return "".join(parts)


def sentence(text: str) -> str:
    """`text` ending with a full stop (or its own ? or !)."""
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else f"{text}."


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]
