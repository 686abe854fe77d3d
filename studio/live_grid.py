"""The preview grid of an open stack, kept up to date edit by edit.

`samples.preview` decides every cell from scratch; in a workshop that is too slow once a stack
has hundreds of sample customers, and it repaints cells nobody touched. `LiveGrid.refresh`
compares the stack the grid was computed for with the new one and decides only what may
have changed:

- a rule added, changed or removed: the cells whose (agent, action) the old or the new rule
  binds (`engine.binds`), and of those only the ones where the old rule fired (it appears in
  the cell's decision) or the new rule's condition holds. A rule that fires neither before
  nor after cannot change a decision: the engine skips rules whose condition is false;
- a sample customer added, changed or removed: that customer's row;
- anything the cells are made of (agents' actions, actions, teams' names, decisions'
  owners, defaults, the customer schema, the time zone, the clock): every cell.

Edits that decide nothing (a daily volume, a review capacity, a scenario, a sign-off, a
description) recompute nothing. `GridDelta` tells a front end which cells changed, so it
repaints only those. Tests compare the incremental grid with a full `preview` after random
edits.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from studio.cel.ast import Ident
from studio.cel.parse import CelSyntaxError
from studio.condition import to_tree
from studio.decision import Decision
from studio.engine import Policy, binds, compile_policy
from studio.request import Event, Request
from studio.samples import Column, PreviewGrid, columns, customer_values, example_params
from studio.stack import Rule, SampleCustomer, Stack
from studio.validate import OWNER

Cell = tuple[str, Column]
"""A grid cell: (customer id, column)."""

CustomerValues = tuple[dict[str, Any], tuple[Event, ...]]


@dataclass(frozen=True, slots=True)
class GridDelta:
    """What one refresh changed."""

    changed: frozenset[Cell]
    """Cells present before and after whose decision changed (verdict, routes, rules or reasons)."""
    decided: int
    """How many cells were decided again (the rest were kept)."""
    reshaped: bool
    """Rows or columns were added, removed or reordered: repaint the whole grid."""

    @staticmethod
    def none() -> GridDelta:
        """Nothing changed."""
        return GridDelta(frozenset(), 0, False)


def without_samples(stack: Stack) -> Stack:
    """`stack` without its sample customers, scenarios and sign-offs: what a policy for it is
    compiled from. Samples don't change how the engine decides, and validating hundreds of them
    on every edit would cost more than the edit; the workshop validates them separately."""
    return stack.model_copy(update={"customers": [], "scenarios": [], "signoffs": []})


def policy_for(stack: Stack) -> Policy:
    """`stack` compiled without its sample customers, scenarios and sign-offs (`without_samples`).
    StackInvalidError if the rest has problems."""
    return compile_policy(without_samples(stack))


def _shape(stack: Stack) -> tuple[Any, ...]:
    """What every cell depends on: the time zone, the vocabulary, the teams' names (reasons
    name them), the customer schema and which team each agent is in (events name agents)."""
    return (
        stack.timezone,
        stack.channels,
        stack.purposes,
        [(team.id, team.name) for team in stack.teams],
        stack.customer,
        [(agent.id, agent.team) for agent in stack.agents],
    )


ColumnShape = tuple[tuple[Any, ...], str | None, str]
"""(agent and action, owner of the action's decision, default for the agent's kind)."""


def _column_shapes(stack: Stack) -> dict[Column, ColumnShape]:
    """What one column's cells depend on besides rules and customers."""
    actions = {action.id: action for action in stack.actions}
    owners = {decision.id: decision.owner for decision in stack.decisions}
    shapes = {}
    for agent in stack.agents:
        default = getattr(stack.defaults, agent.kind.value)
        for action_id in agent.actions:
            action = actions.get(action_id)
            owner = owners.get(action.decision) if action is not None else None
            shapes[Column(agent.id, action_id)] = ((agent.id, agent.team, agent.kind, action), owner, default)
    return shapes


def _reads_only_the_customer(rule: Rule) -> bool:
    """Whether a rule's condition reads only the customer, its history and the time (not the
    agent, the action or its parameters): then it holds for a customer in every column or none."""
    if rule.when is None:
        return False
    try:
        tree = to_tree(rule.when)
    except CelSyntaxError:
        return False
    return not any(isinstance(node, Ident) and node.name in _PER_CELL for node in tree.walk())


_PER_CELL = frozenset({"agent", "action", "params"})


def _names_owner(rule: Rule | None) -> bool:
    """Whether a rule routes or notifies `owner` (the owner of the action's decision)."""
    if rule is None:
        return False
    return rule.route == OWNER or any(getattr(duty, "to", None) == OWNER for duty in rule.duties)


class LiveGrid:
    """Sample customers x (agent, action), decided, for the workshop that owns it.

    Mutable on purpose (it caches each customer's runtime values and each column's example
    parameters); only `Workshop` holds one, and it hands out immutable `PreviewGrid`s.
    """

    def __init__(self, stack: Stack, policy: Policy, at: int) -> None:
        self.stack = stack
        self.policy = policy
        self.at = at
        self._values: dict[str, tuple[SampleCustomer, CustomerValues]] = {}
        self._params: dict[Column, dict[str, Any]] = {}
        self._decisions: dict[Cell, Decision] = {}
        self._columns = columns(stack)
        self._snapshot: PreviewGrid | None = None
        self._touched: set[Cell] = set()
        self._held: dict[tuple[str, str], bool] = {}
        self._per_customer: set[str] = set()
        self._decide_all()

    # -- what front ends read ----------------------------------------------------------------

    @property
    def grid(self) -> PreviewGrid:
        """The current grid (an immutable snapshot)."""
        if self._snapshot is None:
            self._snapshot = PreviewGrid(
                self.at,
                tuple(customer.id for customer in self.stack.customers),
                self._columns,
                MappingProxyType(dict(self._decisions)),
            )
        return self._snapshot

    def decision(self, customer: str, column: Column) -> Decision | None:
        """One cell's decision, if the cell exists."""
        return self._decisions.get((customer, column))

    def request(self, customer: str, column: Column, params: Mapping[str, Any] | None = None) -> Request:
        """The request a cell stands for (with other parameters if given)."""
        sample = next(c for c in self.stack.customers if c.id == customer)
        attributes, history = self._customer(sample)
        action = next(a for a in self.stack.actions if a.id == column.action)
        values = (
            self._column_params(column)
            if params is None
            else example_params(action, params, now=self.at, tz=self.stack.timezone)
        )
        return Request(column.agent, column.action, values, attributes, history, self.at)

    def fork(self) -> LiveGrid:
        """An independent copy (for sweeps that refresh it without touching this one)."""
        copy = LiveGrid.__new__(LiveGrid)
        copy.stack, copy.policy, copy.at = self.stack, self.policy, self.at
        copy._values = dict(self._values)
        copy._params = dict(self._params)
        copy._decisions = dict(self._decisions)
        copy._columns = self._columns
        copy._snapshot = self._snapshot
        copy._touched = set()
        copy._held, copy._per_customer = {}, set()
        return copy

    # -- refreshing ------------------------------------------------------------------------------

    def refresh(self, stack: Stack, policy: Policy, at: int | None = None) -> GridDelta:
        """Bring the grid to `stack` (compiled as `policy`), deciding only what may have changed."""
        old_stack, old_decisions, old_columns = self.stack, self._decisions, self._columns
        self.stack, self.policy = stack, policy
        self._snapshot = None
        self._touched = set()
        self._columns = columns(stack)
        if (at is not None and at != self.at) or _shape(old_stack) != _shape(stack):
            self.at = self.at if at is None else at
            self._values.clear()
            self._params.clear()
            decided = self._decide_all()
            return _delta(old_decisions, self._decisions, decided, reshaped=True)
        self._decisions = dict(old_decisions)
        redo, owners, defaults = self._changed_columns(old_stack, stack)
        customers = self._changed_customers(old_stack, stack)
        decided = self._decide_columns(redo)
        decided += self._decide_owner_default(owners, defaults, old_stack)
        decided += self._decide_rows(customers, skip=redo)
        decided += self._decide_rule_cells(old_stack, stack, set(customers), redo)
        reshaped = old_columns != self._columns or [c.id for c in old_stack.customers] != [
            c.id for c in stack.customers
        ]
        return _delta(old_decisions, self._decisions, decided, reshaped=reshaped, cells=self._touched)

    def _decide_all(self) -> int:
        self._decisions = {}
        self._touched = set()
        for sample in self.stack.customers:
            for column in self._columns:
                self._decide(sample, column)
        return len(self._decisions)

    def _changed_columns(self, old: Stack, new: Stack) -> tuple[set[Column], set[Column], set[Column]]:
        """Columns to decide again: whole (new, or their agent or action changed), and those whose
        decision's owner or whose default changed (only cells that can feel it)."""
        before, after = _column_shapes(old), _column_shapes(new)
        for gone in before.keys() - after.keys():
            for customer in old.customers:
                self._decisions.pop((customer.id, gone), None)
        redo, owners, defaults = set(), set(), set()
        for column, shape in after.items():
            was = before.get(column)
            if was is None or was[0] != shape[0]:
                redo.add(column)
                self._params.pop(column, None)
            else:
                if was[1] != shape[1]:
                    owners.add(column)
                if was[2] != shape[2]:
                    defaults.add(column)
        return redo, owners, defaults

    def _decide_owner_default(self, owners: set[Column], defaults: set[Column], old: Stack) -> int:
        """A default matters only where it applied; an owner only there and where a fired rule names `owner`."""
        rules = {rule.id: rule for rule in old.rules}
        count = 0
        for column in self._columns:
            if column not in owners and column not in defaults:
                continue
            for sample in self.stack.customers:
                current = self._decisions.get((sample.id, column))
                if current is None:
                    continue
                felt = current.default is not None or (
                    column in owners and any(_names_owner(rules.get(r.rule_id)) for r in current.fired)
                )
                if felt:
                    self._decide(sample, column)
                    count += 1
        return count

    def _decide_columns(self, redo: set[Column]) -> int:
        count = 0
        for column in self._columns:
            if column in redo:
                for sample in self.stack.customers:
                    self._decide(sample, column)
                    count += 1
        return count

    def _changed_customers(self, old: Stack, new: Stack) -> list[str]:
        before = {customer.id: customer for customer in old.customers}
        after = {customer.id: customer for customer in new.customers}
        for gone in before.keys() - after.keys():
            self._values.pop(gone, None)
            for column in self._columns:
                self._decisions.pop((gone, column), None)
        return [cid for cid, customer in after.items() if before.get(cid) != customer]

    def _decide_rows(self, customers: Iterable[str], skip: set[Column]) -> int:
        samples = {customer.id: customer for customer in self.stack.customers}
        count = 0
        for cid in customers:
            self._values.pop(cid, None)
            for column in self._columns:
                if column not in skip and (cid, column) not in self._touched:
                    self._decide(samples[cid], column)
                    count += 1
        return count

    def _decide_rule_cells(self, old: Stack, new: Stack, skip: set[str], redo: set[Column]) -> int:
        """Cells a changed rule may affect: where it fired before, or where it may fire now."""
        before = {rule.id: rule for rule in old.rules}
        after = {rule.id: rule for rule in new.rules}
        changed = [rid for rid in before.keys() | after.keys() if before.get(rid) != after.get(rid)]
        if not changed:
            return 0
        old_agents = {agent.id: agent for agent in old.agents}
        agents = {agent.id: agent for agent in new.agents}
        samples = [customer for customer in new.customers if customer.id not in skip]
        self._held = {}
        self._per_customer = {rid for rid in changed if rid in after and _reads_only_the_customer(after[rid])}
        count = 0
        for column in self._columns:
            if column in redo:
                continue
            agent, old_agent = agents[column.agent], old_agents[column.agent]
            was_bound = {r for r in changed if r in before and binds(before[r], old_agent, column.action)}
            now_bound = {r for r in changed if r in after and binds(after[r], agent, column.action)}
            # A rule bound before and after with the same condition fires exactly where it fired:
            # only rules new here, or with a new condition, must be tried on the other cells.
            unsure = {r for r in now_bound if r not in was_bound or before[r].when != after[r].when}
            if was_bound or unsure:
                count += self._decide_where(column, samples, was_bound | (now_bound - unsure), unsure)
        return count

    def _decide_where(self, column: Column, samples: list[SampleCustomer], fired: set[str], unsure: set[str]) -> int:
        """Decide the cells of `column` where a rule of `fired` fired, or a rule of `unsure` holds now."""
        cell = self.policy.cell(column.agent, column.action)
        assert cell is not None  # every column is a declared (agent, action)
        conditions = [(c.rule.id, c.condition) for c in cell.rules if c.rule.id in unsure]
        always = any(condition is None for _, condition in conditions)
        params, local = self._column_params(column), [None] * self.policy.depth
        count = 0
        for sample in samples:
            key = (sample.id, column)
            if key in self._touched:
                continue
            current = self._decisions.get(key)
            decide = current is None or always or any(f.rule_id in fired for f in current.fired)
            if not decide and conditions:
                attributes, history = self._customer(sample)
                variables = {
                    "customer": attributes,
                    "params": params,
                    "history": history,
                    "agent": cell.agent,
                    "action": cell.action,
                    "now": self.at,
                }
                decide = any(self._holds(rid, condition, sample.id, variables, local) for rid, condition in conditions)
            if decide:
                self._decide(sample, column, key, params)
                count += 1
        return count

    def _holds(self, rule_id: str, condition: Any, customer: str, variables: dict[str, Any], local: list[Any]) -> bool:
        """A changed rule's condition for one cell; once per customer when it reads only the customer."""
        if rule_id not in self._per_customer:
            return bool(condition(variables, local))
        memo = (rule_id, customer)
        held = self._held.get(memo)
        if held is None:
            held = self._held[memo] = bool(condition(variables, local))
        return held

    # -- deciding one cell -------------------------------------------------------------------------

    def _decide(
        self, sample: SampleCustomer, column: Column, key: Cell | None = None, params: dict[str, Any] | None = None
    ) -> None:
        attributes, history = self._customer(sample)
        params = self._column_params(column) if params is None else params
        request = Request(column.agent, column.action, params, attributes, history, self.at)
        key = (sample.id, column) if key is None else key
        self._decisions[key] = self.policy.decide(request)
        self._touched.add(key)

    def _customer(self, sample: SampleCustomer) -> CustomerValues:
        cached = self._values.get(sample.id)
        if cached is not None and (cached[0] is sample or cached[0] == sample):
            return cached[1]
        values = customer_values(self.stack, sample, self.at)
        self._values[sample.id] = (sample, values)
        return values

    def _column_params(self, column: Column) -> dict[str, Any]:
        params = self._params.get(column)
        if params is None:
            action = next(a for a in self.stack.actions if a.id == column.action)
            params = example_params(action, now=self.at, tz=self.stack.timezone)
            self._params[column] = params
        return params


def _delta(
    before: Mapping[Cell, Decision],
    after: Mapping[Cell, Decision],
    decided: int,
    *,
    reshaped: bool,
    cells: Iterable[Cell] | None = None,
) -> GridDelta:
    candidates = after.keys() if cells is None else cells
    changed = []
    for cell in candidates:
        was, now = before.get(cell), after.get(cell)
        if was is not None and now is not None and was is not now and not same_decision(was, now):
            changed.append(cell)
    return GridDelta(
        frozenset(changed), decided, reshaped or len(before) != len(after) or before.keys() != after.keys()
    )


def same_decision(a: Decision, b: Decision) -> bool:
    """Equal verdict, routes, obligations, fired rules, default and reasons."""
    return a == b and [r.text for r in a.reasons] == [r.text for r in b.reasons]
