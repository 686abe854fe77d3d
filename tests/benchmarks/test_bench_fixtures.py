"""The benchmark's fixtures are sound: the generated stack, the Cedar peer, the script itself.

Also a guard for the engine's optimised hot path: its decisions must equal, field for field
and reason for reason, a plain evaluation of every rule of the cell in id order (the engine as
it was before `_plans`), and the quick YAML reader must read what ruamel's round trip reads. No timing here:
speed is measured by `benchmarks/bench_engine.py`, never asserted in tests.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from benchmarks.cedar_peer import CedarPeer
from benchmarks.generate_stack import generate_stack, main
from benchmarks.request_maker import NOW, make_requests
from studio.cel.ast import Comprehension, Quantifier
from studio.condition import leaves, to_tree
from studio.decision import Decision, Effect, FiredRule, Obligation, Reason, Verdict, ordered
from studio.document import _quick_stack, load_stack, load_text, parse_yaml
from studio.engine import Policy, _fired, _over_limit_reason, compile_policy
from studio.errors import StudioError
from studio.request import Request
from studio.stack import DiscloseDuty, FlagDuty, LogDuty, NotifyDuty, RuleKind, Stack
from tests.conftest import DATA, STACK_FILES

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def generated() -> Stack:
    return load_text(generate_stack(), source="generated.yaml").stack


def _loadable_samples() -> list[Path]:
    paths = []
    for path in STACK_FILES:
        try:
            load_stack(path.read_text(encoding="utf-8"))
        except StudioError:
            continue  # a sample being written right now
        paths.append(path)
    return paths


SAMPLES = _loadable_samples()


# -- the generated stack ----------------------------------------------------------------------------


def test_the_generated_stack_has_the_promised_shape(generated: Stack) -> None:
    assert (len(generated.agents), len(generated.actions), len(generated.rules)) == (20, 30, 300)
    kinds = {rule.kind for rule in generated.rules}
    assert kinds == {RuleKind.MAY, RuleKind.MUST, RuleKind.NEVER}
    may = [rule for rule in generated.rules if rule.kind is RuleKind.MAY]
    assert any(rule.limits and rule.over_limit == "stop" for rule in may)
    assert any(rule.limits and rule.over_limit == "flag" for rule in may)
    duties = {type(duty) for rule in generated.rules for duty in rule.duties}
    assert duties == {FlagDuty, NotifyDuty, LogDuty, DiscloseDuty}
    texts = [leaf.text for rule in generated.rules if rule.when is not None for leaf in leaves(rule.when, ("when",))]
    quantifiers = {
        node.quantifier
        for rule in generated.rules
        if rule.when is not None
        for node in to_tree(rule.when).walk()
        if isinstance(node, Comprehension)
    }
    assert quantifiers == {Quantifier.EXISTS, Quantifier.FILTER}
    assert any(".size() >=" in text for text in texts)
    assert any("now - e.at <= days(" in text for text in texts)
    assert any(" in [" in text for text in texts)  # enums
    assert any(">=" in text and "customer." in text for text in texts)  # numbers
    assert any(text.startswith("!customer.") for text in texts)  # bools
    assert {type(rule.when).__name__ for rule in generated.rules} >= {"str", "AllOf", "AnyOf", "NoneOf"}


def test_the_generator_is_seeded_and_writes_a_file(tmp_path: Path) -> None:
    assert generate_stack(seed=3) == generate_stack(seed=3)
    assert generate_stack(seed=3) != generate_stack(seed=4)
    target = tmp_path / "large.yaml"
    assert main(["-o", str(target), "--seed", "3", "--rules", "50"]) == 0
    stack = load_text(target.read_text(encoding="utf-8")).stack
    assert len(stack.rules) == 50


def test_the_quick_reader_reads_what_the_round_trip_reader_reads(generated: Stack) -> None:
    """`load_text` reads a file with libyaml when it can (`_quick_stack`) and keeps ruamel's
    round trip for the rest: both must give the same stack, or the quick one must step aside."""
    samples = [generate_stack(), *(path.read_text(encoding="utf-8") for path in STACK_FILES)]
    samples += [text.replace("\n", "\r\n") for text in samples]  # as saved on Windows
    for text in samples:  # the quick reader vouches for every sample, and reads it as ruamel does
        assert _quick_stack(text) == Stack.model_validate(parse_yaml(text, "<text>"))
    for path in sorted((DATA / "invalid").glob("*.yaml")):
        text = path.read_bytes().decode("utf-8", errors="replace")
        quick = _quick_stack(text)
        assert quick is None or quick == Stack.model_validate(parse_yaml(text, "<text>")), path.name
    assert load_stack(generate_stack()) == generated


# -- the Cedar peer ----------------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["generated", *(path.stem for path in SAMPLES)])
def test_cedar_decides_as_the_engine(which: str, generated: Stack) -> None:
    stack = generated if which == "generated" else load_stack((ROOT / "sample_stacks" / f"{which}.yaml").read_text())
    policy, peer = compile_policy(stack), CedarPeer(stack)
    requests = make_requests(stack, 300, seed=11)
    verdicts = [policy.decide(request).verdict.value for request in requests]
    assert [peer.decide(request, check=True) for request in requests] == verdicts
    assert set(verdicts) == {"go", "flag", "stop"}


# -- the engine's hot path ---------------------------------------------------------------------------


def _plain_decide(policy: Policy, request: Request) -> Decision:
    """Every rule of the cell, in id order, with its generic closures: the engine's semantics
    written as simply as possible (what `Policy.decide` computed before it was optimised)."""
    cell = policy.cell(request.agent, request.action)
    if cell is None:
        return policy.decide(request)  # refusals have no hot path
    variables = {
        "customer": request.customer,
        "params": request.params,
        "history": request.history,
        "agent": cell.agent,
        "action": cell.action,
        "now": request.at,
    }
    local: list[Any] = [None] * policy.depth
    fired: list[FiredRule] = []
    reasons: list[Reason] = []
    obligations: list[Obligation] = []
    stop = allowed = over_flag = over_stop = False
    must_routes: list[str] = []
    over_routes: list[str] = []
    for compiled in cell.rules:
        if compiled.condition is not None and not compiled.condition(variables, local):
            continue
        rule = compiled.rule
        assert compiled.reason is not None
        if rule.kind is RuleKind.NEVER:
            stop = True
            fired.append(_fired(compiled, Effect.STOP, Verdict.STOP))
            reasons.append(compiled.reason)
        elif rule.kind is RuleKind.MUST:
            obligations.extend(compiled.obligations)
            if compiled.flag_routes:
                must_routes.extend(compiled.flag_routes)
                fired.append(_fired(compiled, Effect.FLAG, Verdict.FLAG, compiled.flag_routes))
            else:
                fired.append(_fired(compiled, Effect.DUTY, Verdict.GO))
            reasons.append(compiled.reason)
        else:
            exceeded = tuple(text for text, limit in compiled.limits if not limit(variables, local))
            if not exceeded:
                allowed = True
                fired.append(_fired(compiled, Effect.ALLOW, Verdict.GO))
                reasons.append(compiled.reason)
                continue
            outcome = Verdict.FLAG if rule.over_limit == "flag" else Verdict.STOP
            if outcome is Verdict.FLAG:
                over_flag = True
                over_routes.extend(compiled.flag_routes)
            else:
                over_stop = True
            fired.append(_fired(compiled, Effect.OVER_LIMIT, outcome, compiled.flag_routes, exceeded))
            reasons.append(_over_limit_reason(compiled, outcome, exceeded))
    default = None
    permission_routes: list[str] = []
    if allowed:
        permission = Verdict.GO
    elif over_flag:
        permission, permission_routes = Verdict.FLAG, over_routes
    elif over_stop:
        permission = Verdict.STOP
    else:
        default = cell.default
        permission = default.verdict
        permission_routes = [default.route] if default.route else []
        reasons.append(cell.default_reason)
    if stop or permission is Verdict.STOP:
        verdict = Verdict.STOP
    elif must_routes or permission is Verdict.FLAG:
        verdict = Verdict.FLAG
    else:
        verdict = Verdict.GO
    routes = tuple(dict.fromkeys(must_routes + permission_routes)) if verdict is Verdict.FLAG else ()
    return Decision(verdict, routes, tuple(obligations), tuple(fired), default, reasons=ordered(reasons, verdict))


def _whole(decision: Decision) -> tuple[str, str]:
    return json.dumps(decision.to_json(), sort_keys=True), repr(decision.reasons)


@pytest.mark.parametrize("which", ["generated", *(path.stem for path in SAMPLES)])
def test_the_optimised_engine_decides_as_a_plain_evaluation(which: str, generated: Stack) -> None:
    stack = generated if which == "generated" else load_stack((ROOT / "sample_stacks" / f"{which}.yaml").read_text())
    policy = compile_policy(stack)
    requests = make_requests(stack, 400, seed=5)
    requests.append(Request("nobody", stack.actions[0].id, {}, {"id": "c"}, (), NOW))
    for request in requests:
        assert _whole(policy.decide(request)) == _whole(_plain_decide(policy, request))


def _odd_customers(stack: Stack, request: Request, index: int) -> Request:
    """The request with one customer value the attribute index must not trip over: an enum value
    outside the schema, a bool given as 1 or 0, a number that is NaN, a bool or huge, an
    unhashable value, or none at all."""
    attributes = stack.customer.attributes
    name = sorted(attributes)[index % len(attributes)]
    spec = attributes[name]
    customer = dict(request.customer)
    odd: list[Any] = {
        "enum": ["not-a-value", None, ["a", "list"]],
        "number": [float("nan"), True, -1e300, 1e300],
    }.get(spec.type.value, [1, 0, None, {"x": 1}])
    customer[name] = odd[index % len(odd)]
    return Request(request.agent, request.action, request.params, customer, request.history, request.at)


def test_the_engine_shortcuts_hold_on_odd_values_and_repeated_requests(generated: Stack) -> None:
    """Rules skipped by the attribute index or for a short history, and decisions reused from a
    cell's memory, give exactly what evaluating every rule gives, on values no schema allows."""
    policy = compile_policy(generated)
    for index, request in enumerate(make_requests(generated, 1500, seed=8)):
        odd = _odd_customers(generated, request, index)
        try:
            expected = _whole(_plain_decide(policy, odd))
        except TypeError:  # a condition can't compare such a value: the engine need not decide it
            continue
        assert _whole(policy.decide(odd)) == expected
        assert _whole(policy.decide(odd)) == expected  # the second time, from the cell's memory
        assert _whole(policy.decide(request)) == _whole(_plain_decide(policy, request))


# -- the script ---------------------------------------------------------------------------------------


def test_the_benchmark_runs_end_to_end_in_quick_mode() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_engine", "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    assert "| studio engine |" in out and "| cedarpy" in out
    assert "Cedar agrees with the engine on 300 of 300 requests" in out
    assert "load_text + compile_policy" in out
    assert "Targets:" in out
