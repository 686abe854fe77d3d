"""The workshop's edit loop: one edit, then the refreshed preview grid, timed.

Two stacks: the largest sample stack (by preview cells: customers x agent actions, picked at
run time) and the same stack with 1,000 sample customers, generated from its schema with a
fixed seed (the originals stay, so its scenarios still refer to them). On each, 50 edits of
different kinds are applied through `Workshop.apply` one after another, and each is timed
from the call to the refreshed grid in hand (`workshop.grid`): validation, compilation, the
incremental grid refresh and the grid snapshot. Kinds: a limit's number, a condition's
threshold or window, a rule's wording, a new rule then its removal, a rule moved, a sample
customer's attribute and weight, an agent's daily volume, a decision's owner, a default.
Targets: median and p95 at most 50 ms on the sample, at most 200 ms with 1,000 customers.

    .venv/bin/python -m benchmarks.bench_workshop            # full run
    .venv/bin/python -m benchmarks.bench_workshop --quick    # a few seconds, for tests
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from studio import edits
from studio.clock import parse_instant
from studio.document import load_file, load_text
from studio.stack import AgentKind, ItemType, SampleCustomer, Stack, ValueSpec, ValueType
from studio.whatif import knobs, with_value
from studio.workshop import Workshop

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_stacks"
NOW = parse_instant("2026-11-23T15:00:00Z", now=0)
TARGET_MS = {"sample": 50.0, "many customers": 200.0}
EDITS = 50


def largest_sample() -> Path:
    """The sample stack with the most preview cells."""
    stacks = [p for p in sorted(SAMPLES.glob("*.yaml")) if not p.name.endswith(".tests.yaml")]

    def cells(path: Path) -> int:
        stack = load_file(path).stack
        return len(stack.customers) * sum(len(a.actions) for a in stack.agents)

    return max(stacks, key=cells)


# -- 1,000 customers from the sample's schema ------------------------------------------------------


def with_customers(stack: Stack, count: int, seed: int = 7) -> Stack:
    """`stack` with generated sample customers up to `count` (weights sum to 1)."""
    rng = random.Random(seed)
    zones = sorted({v for c in stack.customers for v in c.attributes.values() if isinstance(v, str) and "/" in v})
    generated = list(stack.customers)
    for index in range(count - len(stack.customers)):
        template = rng.choice(stack.customers)
        attributes = {
            name: _value(spec, rng, template.attributes.get(name), zones)
            for name, spec in stack.customer.attributes.items()
            if spec.default is None or rng.random() < 0.6
        }
        generated.append(
            SampleCustomer(
                id=f"gen-{index:04d}",
                name=f"Generated customer {index}",
                weight=1.0,
                attributes=attributes,
                history=template.history,
            )
        )
    weight = 1.0 / len(generated)
    return stack.model_copy(update={"customers": [c.model_copy(update={"weight": weight}) for c in generated]})


def _value(spec: ValueSpec, rng: random.Random, template: Any, zones: list[str]) -> Any:
    kind = spec.type
    if kind is ValueType.ENUM:
        return rng.choice(spec.values)
    if kind is ValueType.BOOL:
        return rng.random() < 0.2
    if kind is ValueType.NUMBER:
        low = spec.min if spec.min is not None else -100.0
        high = spec.max if spec.max is not None else max(abs(float(template or 0)) * 3, 100.0)
        return round(rng.uniform(low, min(high, low + 1_000_000)))
    if kind is ValueType.TIMESTAMP:
        return f"{rng.choice('+-')}{rng.randint(1, 300)}d"
    if kind is ValueType.TIMEZONE:
        return rng.choice(zones or ["UTC"])
    if kind is ValueType.LIST and spec.items is ItemType.ENUM:
        return [v for v in spec.values if rng.random() < 0.05]
    return template if template is not None else spec.default


# -- the edits -----------------------------------------------------------------------------------------


Step = tuple[str, Callable[[Stack], Stack]]


def edit_plan(stack: Stack, count: int, seed: int = 11) -> list[Step]:
    """`count` edits of different kinds, each valid for the stack as the previous ones left it."""
    rng = random.Random(seed)
    kinds = [_limit, _threshold, _wording, _add_rule, _attribute, _volume, _weight, _move, _owner, _default]
    plan: list[Step] = []
    added = 0
    for index in range(count):
        kind = kinds[index % len(kinds)]
        if kind is _add_rule:
            added += 1
            plan.append(("add a rule", partial(_new_rule, number=added, rng_seed=rng.random())))
            plan.append(("remove a rule", partial(edits.remove_rule, rule_id=f"bench-{added}")))
        else:
            plan.append(kind(stack, rng))
    return plan[:count]


def _knob_edit(stack: Stack, rng: random.Random, where: str) -> Step:
    candidates = [k for rule in stack.rules for k in knobs(rule) if k.leaf[0] == where]
    knob = rng.choice(candidates)
    value = knob.value + rng.choice([-2, -1, 1, 2]) * max(1.0, abs(knob.value) * 0.1)

    def edit(current: Stack) -> Stack:
        rule = next(r for r in current.rules if r.id == knob.rule_id)
        fresh = next(k for k in knobs(rule) if k.key == knob.key)
        return with_value(current, fresh, value if rng.random() < 0.5 else fresh.value + 1)

    return (f"{where}: a number", edit)


def _limit(stack: Stack, rng: random.Random) -> Step:
    return _knob_edit(stack, rng, "limits")


def _threshold(stack: Stack, rng: random.Random) -> Step:
    return _knob_edit(stack, rng, "when")


def _wording(stack: Stack, rng: random.Random) -> Step:
    rule = rng.choice(stack.rules)
    return (
        "a rule's rationale",
        lambda s: edits.update_rule(s, rule.id, rationale=f"{rule.rationale} ({rng.random():.3f})"),
    )


def _add_rule(stack: Stack, rng: random.Random) -> Step:
    raise AssertionError("planned in edit_plan")


def _new_rule(stack: Stack, *, number: int, rng_seed: float) -> Stack:
    agent = next(a for a in stack.agents if a.actions)
    rule = {
        "id": f"bench-{number}",
        "kind": "never",
        "owner": stack.teams[0].id,
        "rationale": "A benchmark rule.",
        "agents": [agent.id],
        "actions": [agent.actions[0]],
        "when": f"customer.id == 'nobody-{rng_seed:.6f}'",
    }
    return edits.add_rule(stack, rule)


def _attribute(stack: Stack, rng: random.Random) -> Step:
    customer = rng.choice(stack.customers)
    enums = [(n, s) for n, s in stack.customer.attributes.items() if s.type is ValueType.ENUM]
    name, spec = rng.choice(enums)
    return ("a customer's attribute", lambda s: edits.set_attribute(s, customer.id, name, rng.choice(spec.values)))


def _weight(stack: Stack, rng: random.Random) -> Step:
    customer = rng.choice(stack.customers)
    return ("a customer's weight", lambda s: edits.update_customer(s, customer.id, weight=rng.random() / 100))


def _volume(stack: Stack, rng: random.Random) -> Step:
    agent = rng.choice([a for a in stack.agents if a.actions])
    action = rng.choice(agent.actions)
    return ("an agent's daily volume", lambda s: edits.set_daily_volume(s, agent.id, action, rng.randint(1, 500)))


def _move(stack: Stack, rng: random.Random) -> Step:
    rule = rng.choice(stack.rules)
    return ("a rule moved", lambda s: edits.move_rule(s, rule.id, rng.randrange(len(s.rules))))


def _owner(stack: Stack, rng: random.Random) -> Step:
    decision = rng.choice(stack.decisions)
    team = rng.choice(stack.teams)
    return ("a decision's owner", lambda s: edits.set_decision_owner(s, decision.id, team.id))


def _default(stack: Stack, rng: random.Random) -> Step:
    kind = rng.choice([AgentKind.AI_AGENT, AgentKind.AUTOMATION])
    return ("a default", lambda s: edits.set_default(s, kind, rng.choice(["flag", "stop"])))


# -- timing ----------------------------------------------------------------------------------------------


def run(label: str, workshop: Workshop, plan: list[Step]) -> dict[str, Any]:
    """Apply the plan, timing each edit to its refreshed grid."""
    times: list[float] = []
    cpu: list[float] = []
    by_kind: dict[str, list[float]] = defaultdict(list)
    decided: list[int] = []
    gc.collect()
    for kind, edit in plan:
        start, start_cpu = time.perf_counter(), time.process_time()
        change = workshop.apply(edit, kind)
        grid = workshop.grid
        elapsed = (time.perf_counter() - start) * 1000
        cpu.append((time.process_time() - start_cpu) * 1000)
        assert change.valid and grid.decisions, (kind, workshop.problems)
        times.append(elapsed)
        by_kind[kind].append(elapsed)
        decided.append(change.delta.decided)
    cells = len(workshop.grid.decisions)
    median, p95 = statistics.median(times), _p95(times)
    target = TARGET_MS[label]
    verdict = "✔" if p95 <= target else "✖"
    print(f"\n{label}: {len(workshop.stack.customers)} customers, {cells} cells, {len(plan)} edits")
    print(
        f"  edit + refreshed grid: median {median:.1f} ms, p95 {p95:.1f} ms, max {max(times):.1f} ms "
        f"(target {target:.0f} ms) {verdict}"
    )
    print(
        f"  the same in CPU time (what contention on a busy machine doesn't inflate): median "
        f"{statistics.median(cpu):.1f} ms, p95 {_p95(cpu):.1f} ms"
    )
    print(f"  cells decided per edit: median {statistics.median(decided):.0f} of {cells}")
    for kind, values in sorted(by_kind.items()):
        print(
            f"    {kind:<26} median {statistics.median(values):7.1f} ms   max {max(values):7.1f} ms   (n={len(values)})"
        )
    return {"median": median, "p95": p95, "target": target}


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer edits and customers (for tests)")
    args = parser.parse_args(argv)
    path = largest_sample()
    document = load_file(path)
    count = 10 if args.quick else EDITS
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"Workshop benchmark on {path.name} (python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load {load:.1f})"
    )
    sample = Workshop(document, now=NOW)
    results = [run("sample", sample, edit_plan(document.stack, count))]
    big_stack = with_customers(document.stack, 200 if args.quick else 1000)
    big = Workshop(load_text(document.render(big_stack), source=f"{path.name} x1000"), now=NOW)
    results.append(run("many customers", big, edit_plan(big_stack, count)))
    failed = [r for r in results if r["p95"] > r["target"]]
    return 1 if failed and not args.quick else 0


if __name__ == "__main__":
    sys.exit(main())
