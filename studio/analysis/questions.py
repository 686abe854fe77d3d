"""Findings in plain words: a one-line title and the question the room can answer.

Wording only: nothing here decides anything. Names come from the stack (team, agent, action
and decision names, with ids where the room needs to find the rule), so a question reads
"Marketing lets the Nurture agent enroll accounts in a nurture track, but ...".
"""

from __future__ import annotations

from collections.abc import Sequence

from studio.analysis.cells import Cell, Layout
from studio.decision import Verdict
from studio.stack import Action, Agent, Rule
from studio.wording import possessive


class Words:
    """Names and phrases for one stack."""

    def __init__(self, layout: Layout) -> None:
        self.layout = layout

    def team(self, team_id: str) -> str:
        return self.layout.team_name(team_id)

    def teams(self, team_ids: Sequence[str]) -> str:
        return _join([self.team(team) for team in dict.fromkeys(team_ids)])

    def agent(self, agent: Agent) -> str:
        """`the nurture agent`, `the AI sales assistant` (acronyms keep their case), or the id."""
        if not agent.name:
            return agent.id
        name = agent.name
        if not (len(name) > 1 and name[1].isupper()):
            name = name[0].lower() + name[1:]
        return f"the {name}"

    def action(self, action: Action) -> str:
        """`send a marketing email` (the action's name as a verb phrase)."""
        if action.name:
            return action.name[0].lower() + action.name[1:]
        return action.id.replace("_", " ")

    def target(self, target: str) -> str:
        """A route target: a team's name, or a human queue's name and team."""
        agent = self.layout.agents.get(target)
        if agent is not None and target not in self.layout.teams:
            return f"{agent.name or agent.id} ({self.team(agent.team)})"
        return self.team(target)

    def decision(self, decision_id: str) -> str:
        decision = self.layout.decisions.get(decision_id)
        return (decision.name or decision.id) if decision is not None else decision_id

    def rule(self, rule: Rule) -> str:
        """`B3-sdr-discounts (Sales)`."""
        return f"{rule.id} ({self.team(rule.owner)})"

    def cell(self, cell: Cell) -> str:
        """`the AI sales assistant proposes to offer a discount`."""
        return f"{self.agent(cell.agent)} proposes to {self.action(cell.action)}"

    def default(self, cell: Cell) -> str:
        if cell.default is Verdict.FLAG:
            return f"flagged to {self.target(cell.default_route)} by default"
        return "stopped by default"


def must_never(words: Words, must: Rule, nevers: Sequence[Rule], cell: Cell, targets: Sequence[str]) -> tuple[str, str]:
    names = _listed([words.rule(never) for never in nevers])
    title = f"{words.rule(must)} meets never rules: {names}"
    must_team = words.team(must.owner)
    if targets:
        resolved = [cell.resolve(must, target) for target in targets]
        reviewers = _join([words.target(target) for target in resolved])
        own = all(words.layout.team_of(target) == must.owner for target in resolved)
        duty = (
            "wants to review some proposals itself"
            if own and resolved == [must.owner]
            else (f"wants {reviewers} to review some proposals")
        )
        moot = "they are stopped and that review never happens"
    else:
        duty = "attaches duties to some proposals"
        moot = "they are stopped, and the duties come with an action that never happens"
    never_teams = words.teams([never.owner for never in nevers])
    first = nevers[0]
    example = f" (e.g. {first.id}: {_quote(first.rationale)})"
    question = (
        f"{must_team} {duty} ({must.id}: {_quote(must.rationale)}), but {never_teams} say never to some of the "
        f"same requests{example}. When both apply, {moot}. Is the stop what the teams want, or should "
        f"{must.id} or a never rule make an exception?"
    )
    return title, question


def shadowed(
    words: Words, may: Rule, nevers: Sequence[Rule], cells: Sequence[Cell], everywhere: bool
) -> tuple[str, str]:
    names = _join([words.rule(rule) for rule in nevers])
    where = (
        "" if everywhere else f" for {_join([words.agent(cell.agent) + ' (' + cell.action.id + ')' for cell in cells])}"
    )
    title = f"{words.rule(may)} never takes effect{where}: {names} stop every request it covers"
    never_teams = words.teams([rule.owner for rule in nevers])
    question = (
        f"{words.team(may.owner)} lets {words.cell(cells[0]).replace(' proposes to ', ' ')} ({may.id}), but whenever "
        f"that permission applies, {never_teams} {'stop' if len(nevers) > 1 else 'stops'} it "
        f"({', '.join(rule.id for rule in nevers)}). Should {may.id} be narrowed or dropped, "
        f"or should {', '.join(rule.id for rule in nevers)} make an exception?"
    )
    return title, question


def unsatisfiable(words: Words, rule: Rule, evidence: str) -> tuple[str, str]:
    title = f"{words.rule(rule)} can never apply"
    question = f"{rule.id} can never apply: {evidence}. What situation did {words.team(rule.owner)} mean it to cover?"
    return title, question


def unsatisfiable_limits(words: Words, rule: Rule, cell: Cell) -> tuple[str, str]:
    limits = "; ".join(rule.limits)
    title = f"{words.rule(rule)} never lets the action go: its limits can't be met when it applies"
    question = (
        f"{rule.id} covers {words.agent(cell.agent)} ({words.action(cell.action)}), but its limits ({limits}) can "
        f"never be met when it applies, so every proposal it covers is "
        f"{'flagged' if rule.over_limit == 'flag' else 'stopped'}. What limits did {words.team(rule.owner)} mean?"
    )
    return title, question


def unbound(words: Words, rule: Rule) -> tuple[str, str]:
    scope = ", ".join([*rule.agents, *rule.teams]) or "every agent"
    actions = ", ".join(rule.actions) or "every action"
    title = f"{words.rule(rule)} binds no agent and action"
    question = (
        f"{rule.id} is about {scope} doing {actions}, but none of those agents proposes any of those actions. "
        f"Which agents or actions should it cover?"
    )
    return title, question


def overlap_limits(words: Words, a: Rule, b: Rule, cell: Cell, laxer: Rule | None) -> tuple[str, str]:
    title = f"{words.rule(a)} and {words.rule(b)} both cover {words.cell(cell)}, with different limits"
    limits_a = "; ".join(a.limits) or "no limits"
    limits_b = "; ".join(b.limits) or "no limits"
    if laxer is not None:
        stricter = b if laxer is a else a
        effect = f"When both apply the laxer one decides, so {possessive(stricter.id)} limit doesn't bite"
    else:
        effect = "Beyond both limits they disagree on what happens (flag or stop, and to whom)"
    question = (
        f"{words.team(a.owner)} ({a.id}: {limits_a}) and {words.team(b.owner)} ({b.id}: {limits_b}) both let "
        f"{words.agent(cell.agent)} {words.action(cell.action)}. {effect}. Whose limit holds?"
    )
    return title, question


def overlap_duplicate(words: Words, a: Rule, b: Rule, cell: Cell) -> tuple[str, str]:
    title = f"{words.rule(a)} and {words.rule(b)} say the same for {words.cell(cell)}"
    question = (
        f"{a.id} and {b.id} both let {words.agent(cell.agent)} {words.action(cell.action)}, with the same effect "
        f"where they overlap. Keep one of them, so the rule has one owner?"
    )
    return title, question


def no_agent_may(words: Words, action: Action, cells: Sequence[Cell]) -> tuple[str, str]:
    title = f"No agent may {words.action(action)} on its own"
    defaults = _join(sorted({f"{words.agent(cell.agent)}'s proposals are {words.default(cell)}" for cell in cells}))
    question = (
        f"No rule lets any agent {words.action(action)} on its own: {defaults}. "
        f"Should someone be allowed to, within limits, or is review every time the agreement?"
    )
    return title, question


def no_agent(words: Words, action: Action) -> tuple[str, str]:
    title = f"No agent proposes to {words.action(action)}"
    question = (
        f"No agent or tool lists '{action.id}' among its actions. Is it still part of the stack, and whose is it?"
    )
    return title, question


def cell_default(words: Words, cells: Sequence[Cell]) -> tuple[str, str]:
    agent = words.agent(cells[0].agent)
    actions = _listed([words.action(cell.action) for cell in cells])
    title = f"Nothing decides whether {agent} may {actions}"
    defaults = _join(sorted({words.default(cell) for cell in cells}))
    question = (
        f"No may rule covers {agent} proposing to {actions}: every such proposal is {defaults}. "
        f"Is that the agreement, or may it act on its own within limits?"
    )
    return title, question


def unowned(words: Words, decision: str, teams: Sequence[str]) -> tuple[str, str]:
    name = words.decision(decision)
    title = f"Nobody owns {name}"
    acting = f"{words.teams(teams)} act on it, and " if teams else ""
    question = f"{name} has no owner: {acting}flags about it go to the acting agent's own team. Who owns {name}?"
    return title, question


def contested(words: Words, decision: str, first: Cell, second: Cell, owner: str | None) -> tuple[str, str]:
    name = words.decision(decision)
    team_a, team_b = words.team(first.agent.team), words.team(second.agent.team)
    title = f"{team_a} and {team_b} both act on {name} on their own"
    lead = (
        f"{name} is {possessive(words.team(owner))}: should the others defer to it?" if owner else f"Who leads {name}?"
    )
    question = (
        f"{possessive(team_a)} {words.agent(first.agent).removeprefix('the ')} can {words.action(first.action)}, and "
        f"within the week {possessive(team_b)} {words.agent(second.agent).removeprefix('the ')} can "
        f"{words.action(second.action)}, both without review, on the same customer: no rule says who leads. {lead}"
    )
    return title, question


def not_owner(words: Words, rule: Rule, target: str, cell: Cell, owner: str) -> tuple[str, str]:
    decision = words.decision(cell.action.decision)
    title = f"{words.rule(rule)} sends {decision} flags to {words.target(target)}, not to its owner {words.team(owner)}"
    question = (
        f"{rule.id} routes {possessive(words.agent(cell.agent))} proposals to {words.action(cell.action)} to "
        f"{words.target(target)} for review, but {decision} belongs to {words.team(owner)}. "
        f"Should {words.target(target)} decide, or only be consulted while {words.team(owner)} decides?"
    )
    return title, question


def _listed(items: Sequence[str], most: int = 4) -> str:
    """`A, B and C`, or `A, B, C, D and 3 more`."""
    items = list(items)
    if len(items) > most:
        return ", ".join(items[:most]) + f" and {len(items) - most} more"
    return _join(items)


def _join(items: Sequence[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _quote(text: str) -> str:
    text = " ".join(text.split()).rstrip(".")
    return f"“{text}”"
