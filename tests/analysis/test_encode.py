"""The encoding is exact: on random requests, every rule's formula has the value the engine
computes (for rules without approximations), and the history bound follows the conditions."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from studio.analysis.cells import Layout
from studio.analysis.formulas import rule_parts
from studio.analysis.history import UNBOUNDED, need
from studio.analysis.prover import Prover
from studio.cel.ast import Literal
from studio.cel.compile import compile_condition, comprehension_depth
from studio.cel.parse import parse
from studio.document import load_file, load_text
from studio.stack import Stack
from tests.analysis.support import assignment, evaluate, random_request
from tests.conftest import STACK_FILES, tiny

TINY_RULES = """
- id: r1
  kind: never
  owner: sales
  rationale: numbers, enums, lists, bools
  when: "(customer.arr * 2 >= 1000 || customer.stage in ['renewal']) && !customer.vip && 'legal' in customer.tags"
- id: r2
  kind: must
  owner: sales
  rationale: history windows, counts and payloads
  when: "history.filter(e, e.kind == 'call' && now - e.at <= days(7)).size() >= 2 || history.exists(e, e.payload.discount_pct > 10 && e.team != agent.team)"
  duties: [{do: log}]
- id: r3
  kind: may
  owner: sales
  rationale: params, conditionals, all, exists_one, timestamps
  actions: [offer_discount]
  when: "(customer.vip ? params.pct <= 30 : params.pct <= 10) && history.all(e, e.kind != 'meeting') && customer.since < now - days(30)"
  limits: ["history.exists_one(e, e.kind == 'call')", "customer.tags.exists(t, t == 'fraud') || size(customer.tags) == 0"]
- id: r4
  kind: never
  owner: marketing
  rationale: fixed zone clock parts and day of week
  when: "now.getHours('UTC') >= 20 || now.getDayOfWeek('UTC') == 0 || now.getMinutes() == 0"
"""


def _interesting(stack: Stack) -> list[float]:
    numbers = {
        float(part.value)
        for rule in stack.rules
        for tree in (rule_parts(rule).when, rule_parts(rule).limits)
        if tree is not None
        for part in tree.walk()
        if isinstance(part, Literal) and isinstance(part.value, int | float) and not isinstance(part.value, bool)
    }
    return sorted(numbers | {n + 1 for n in numbers} | {n - 1 for n in numbers} | {n + 0.5 for n in numbers})


def _stacks() -> list[tuple[str, Stack]]:
    stacks = [("tiny", tiny(TINY_RULES).stack)]
    stacks += [(path.stem, load_file(path).stack) for path in STACK_FILES]
    generator = Path(__file__).resolve().parents[2] / "benchmarks" / "generate_stack.py"
    if generator.exists():
        from benchmarks.generate_stack import generate_stack

        stacks.append(("generated", load_text(generate_stack(rules=120)).stack))
    return stacks


@pytest.mark.parametrize(("name", "stack"), _stacks(), ids=lambda value: value if isinstance(value, str) else "")
def test_formulas_agree_with_the_engine_on_random_requests(name: str, stack: Stack) -> None:
    prover = Prover([stack], reference=0)
    layout = Layout(stack)
    rng = random.Random(7)
    interesting = _interesting(stack)
    checked = 0
    for _ in range(150):
        cell = rng.choice(layout.cells)
        terms = {rule.id: prover.formulas.rule(rule, cell) for rule in cell.rules}
        request = random_request(rng, stack, cell.agent.id, cell.action.id, prover.history_bound, interesting)
        pairs = assignment(prover, request)
        variables = {
            "customer": request.customer,
            "params": request.params,
            "history": request.history,
            "agent": cell.agent_values,
            "action": cell.action_values,
            "now": request.at,
        }
        for rule in cell.rules:
            if terms[rule.id].approximations:
                continue
            parts = rule_parts(rule)
            for tree, term in ((parts.when, terms[rule.id].when), (parts.limits, terms[rule.id].limits)):
                if tree is None:
                    continue
                engine = bool(compile_condition(tree)(variables, [None] * max(1, comprehension_depth(tree))))
                assert evaluate(term, pairs) == engine, (rule.id, cell.key, request)
                checked += 1
    assert checked > 100


@pytest.mark.parametrize(
    ("text", "when_true", "when_false"),
    [
        ("customer.arr > 5", 0, 0),
        ("history.exists(e, e.kind == 'call')", 1, 0),
        ("!history.exists(e, e.kind == 'call')", 0, 1),
        ("history.all(e, e.kind == 'call')", 0, 1),
        ("history.exists_one(e, e.kind == 'call')", 1, 2),
        ("history.filter(e, e.kind == 'call').size() >= 6", 6, 0),
        ("history.filter(e, e.kind == 'call').size() > 6", 7, 0),
        ("size(history) <= 2", 0, 3),
        ("3 < history.filter(e, e.kind == 'call').size()", 4, 0),
        ("history.filter(e, e.kind == 'call').size() == 2", 2, 3),
        ("history.exists(e, e.kind == 'call') && history.filter(e, true).size() >= 2", 3, 0),
        ("history.exists(e, history.exists(f, f.at < e.at))", UNBOUNDED, UNBOUNDED),
        ("history.filter(e, true).size() >= customer.arr", UNBOUNDED, UNBOUNDED),
    ],
)
def test_history_need_follows_the_conditions(text: str, when_true: int, when_false: int) -> None:
    tree = parse(text)
    assert (need(tree, True), need(tree, False)) == (when_true, when_false)
