"""The engine against cedarpy, side by side in one run: decisions/s, p50 and p99 latency.

Two stacks: the largest sample stack (by rule count, picked at run time) and a generated
stack of 20 agents x 30 actions x 300 rules (`generate_stack.py`). For each, seeded requests
covering every (agent, action) cell are pre-built as `studio.request.Request` objects (what
an embedded service holds once it has parsed a request); the engine decides them with
`Policy.decide`, the Cedar peer (`cedar_peer.py`) with two cedarpy policy sets plus history
features computed in Python. Before any timing, Cedar's verdict is checked against the
engine's on every request of the run (Cedar is then timed on the first `--cedar-requests`).

Also measured: reading the JSON request shape (`RequestReader.read`), and loading the
300-rule stack: YAML with libyaml (what `load_text` reads a clean file with) and with ruamel's
round-trip loader (the tree a document parses when it first locates a problem or saves),
pydantic, validation and compilation, each part and the whole.

The engine remembers, per cell, the decisions it has built for each combination of rules that
fired; the report says how many it built for the run's requests (the rest were reused).

Method: `time.perf_counter_ns` around each call for latency (p50, p99 over all requests of a
round) and a separate tight loop for throughput; a warm-up first; several rounds, engines
interleaved round by round; the median of the rounds is reported. GC stays on.

    .venv/bin/python -m benchmarks.bench_engine            # full run (about two minutes)
    .venv/bin/python -m benchmarks.bench_engine --quick    # a few seconds, for tests
"""

from __future__ import annotations

import argparse
import datetime
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from importlib.metadata import version
from pathlib import Path
from typing import Any

from benchmarks.cedar_peer import CedarPeer
from benchmarks.generate_stack import generate_stack
from benchmarks.request_maker import make_requests
from studio.cel.parse import _parser, parse
from studio.document import _quick_data, load_stack, load_text, parse_yaml
from studio.engine import Policy, compile_policy
from studio.errors import StudioError
from studio.request import Request, RequestReader
from studio.stack import Stack
from studio.validate import validate

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_stacks"
TARGET_P50_US = 10.0
TARGET_RATIO = 20.0
TARGET_LOAD_MS = 300.0

perf_ns = time.perf_counter_ns


@dataclass
class Figures:
    """One engine on one stack: medians over rounds (and the best round's throughput)."""

    per_second: float
    p50_us: float
    p99_us: float
    best_per_second: float

    @staticmethod
    def of(rounds: Sequence[tuple[float, float, float]]) -> Figures:
        return Figures(
            statistics.median(r[0] for r in rounds),
            statistics.median(r[1] for r in rounds),
            statistics.median(r[2] for r in rounds),
            max(r[0] for r in rounds),
        )


def percentile(sorted_values: Sequence[int], share: float) -> float:
    index = min(len(sorted_values) - 1, round(share * (len(sorted_values) - 1)))
    return sorted_values[index] / 1_000


def one_round(
    decide: Callable[[Request], Any], requests: Sequence[Request], more: Sequence[Request]
) -> tuple[float, float, float]:
    """(decisions/s, p50 µs, p99 µs): latency over `requests`, throughput over `more` (other
    requests, so no decision is asked twice in a round)."""
    latencies = []
    for request in requests:
        start = perf_ns()
        decide(request)
        latencies.append(perf_ns() - start)
    latencies.sort()
    start = perf_ns()
    for request in more:
        decide(request)
    elapsed = perf_ns() - start
    return len(more) / (elapsed / 1e9), percentile(latencies, 0.50), percentile(latencies, 0.99)


def warm_up(decide: Callable[[Request], Any], requests: Sequence[Request], count: int) -> None:
    for index in range(count):
        decide(requests[index % len(requests)])


# -- stacks ---------------------------------------------------------------------------------------


def largest_sample() -> tuple[str, Stack]:
    """The sample stack with the most rules (files that don't load yet are skipped)."""
    best: tuple[int, str, Stack] | None = None
    for path in sorted(SAMPLES.glob("*.yaml")):
        if path.name.endswith(".tests.yaml"):
            continue
        try:
            stack = load_stack(path.read_text(encoding="utf-8"), source=path.name)
        except StudioError as error:
            print(f"  (skipped {path.name}: {error.message})")
            continue
        if best is None or len(stack.rules) > best[0]:
            best = (len(stack.rules), path.name, stack)
    if best is None:
        raise SystemExit("no sample stack loads")
    return best[1], best[2]


def matrix(stack: Stack) -> str:
    cells = sum(len(agent.actions) for agent in stack.agents)
    return f"{len(stack.agents)} agents x {len(stack.actions)} actions, {cells} cells, {len(stack.rules)} rules"


# -- load -----------------------------------------------------------------------------------------


LOAD = "load_text + compile_policy"
RT_TREE = "  (YAML, ruamel round-trip tree: parsed on a document's first save or located problem)"


def measure_load(text: str, rounds: int) -> dict[str, float]:
    """Milliseconds (median of rounds) of each part of loading and compiling `text`.

    The CEL parse cache is cleared before every round, so each round pays what the first load
    of a stack in a process pays; building the CEL grammar once per process is reported apart
    (`fresh_process_load` measures a whole first load, grammar included).
    """
    _parser.cache_clear()  # measure building the grammar, as a new process does once
    start = perf_ns()
    _parser()
    grammar_ms = (perf_ns() - start) / 1e6
    parts: dict[str, list[float]] = {}

    def timed(name: str, function: Callable[[], Any]) -> Any:
        start = perf_ns()
        result = function()
        parts.setdefault(name, []).append((perf_ns() - start) / 1e6)
        return result

    for _ in range(rounds):
        parse.cache_clear()
        data = timed("  YAML, libyaml quick reader", partial(_quick_data, text))
        timed(RT_TREE, partial(parse_yaml, text, "generated.yaml"))
        stack = timed("  pydantic model", partial(Stack.model_validate, data))
        timed("  validate, CEL parse cold", partial(validate, stack))
        timed("  compile_policy (validation remembered from the row above)", partial(compile_policy, stack))
        parse.cache_clear()
        timed(LOAD, lambda: compile_policy(load_text(text).stack))
    result = {name: statistics.median(values) for name, values in parts.items()}
    result["  CEL grammar, once per process"] = grammar_ms
    return result


_FRESH = """
import sys, time
start = time.perf_counter()
from studio.document import load_text
from studio.engine import compile_policy
imported = time.perf_counter()
compile_policy(load_text(sys.stdin.read()).stack)
print((imported - start) * 1e3, (time.perf_counter() - imported) * 1e3)
"""


def fresh_process_load(text: str, rounds: int) -> tuple[float, float]:
    """(imports, first load_text + compile_policy) in ms in a new interpreter: median of rounds."""
    imports, loads = [], []
    for _ in range(rounds):
        done = subprocess.run(
            [sys.executable, "-c", _FRESH], input=text, capture_output=True, text=True, check=True, cwd=ROOT
        )
        first, second = done.stdout.split()
        imports.append(float(first))
        loads.append(float(second))
    return statistics.median(imports), statistics.median(loads)


# -- request reading --------------------------------------------------------------------------------


def measure_reader(stack: Stack, requests: Sequence[Request], rounds: int) -> Figures:
    reader = RequestReader(stack)
    shapes = [json.loads(json.dumps(request.to_json(stack))) for request in requests]
    by_id = dict(zip(map(id, shapes), requests, strict=True))
    for shape in shapes[:50]:
        read = reader.read(shape)
        assert read == by_id[id(shape)], "RequestReader must give back the request the shape came from"
    results = []
    for _ in range(rounds):
        latencies = []
        for shape in shapes:
            start = perf_ns()
            reader.read(shape)
            latencies.append(perf_ns() - start)
        latencies.sort()
        start = perf_ns()
        for shape in shapes:
            reader.read(shape)
        elapsed = perf_ns() - start
        results.append((len(shapes) / (elapsed / 1e9), percentile(latencies, 0.5), percentile(latencies, 0.99)))
    return Figures.of(results)


# -- one stack ------------------------------------------------------------------------------------


@dataclass
class StackRun:
    name: str
    shape: str
    engine: Figures
    cedar: Figures
    reader: Figures
    agreement: tuple[int, int]
    verdicts: Counter[str]
    fired: float
    cedar_requests: int
    engine_requests: int
    reader_requests: int
    built: tuple[int, int]
    """Of the decisions timed, how many the engine built (not remembered from before), and all."""


def run_stack(name: str, stack: Stack, args: argparse.Namespace) -> StackRun:
    policy: Policy = compile_policy(stack)
    peer = CedarPeer(stack)
    requests = make_requests(stack, args.requests, seed=args.seed)
    cedar_requests = requests[: args.cedar_requests]
    decisions = [policy.decide(request) for request in requests]
    verdicts = Counter(decision.verdict.value for decision in decisions)
    fired = statistics.mean(len(decision.fired) for decision in decisions)
    # Every request of the run, not only those Cedar is timed on: Cedar must decide as the engine.
    agree = sum(
        peer.decide(request, check=True) == decision.verdict.value
        for request, decision in zip(requests, decisions, strict=True)
    )
    if agree != len(requests):
        raise SystemExit(f"{name}: Cedar agrees with the engine on only {agree} of {len(requests)} requests")

    # Every round times requests never asked before (two new batches: latency, throughput), so
    # decisions the engine remembers help only as they would with live traffic.
    remembered = policy.remembered()
    engine_rounds, cedar_rounds = [], []
    warm_up(policy.decide, requests, args.warmup)
    warm_up(peer.decide, cedar_requests, max(1, args.warmup // 10))
    for number in range(args.rounds):
        first, second = (make_requests(stack, args.requests, seed=args.seed * 1000 + 2 * number + k) for k in (1, 2))
        engine_rounds.append(one_round(policy.decide, first, second))
        cedar_rounds.append(one_round(peer.decide, first[: args.cedar_requests], second[: args.cedar_requests]))
    reader = measure_reader(stack, requests[: args.reader_requests], args.rounds)
    timed = args.warmup + 2 * args.rounds * args.requests
    return StackRun(
        name,
        matrix(stack),
        Figures.of(engine_rounds),
        Figures.of(cedar_rounds),
        reader,
        (agree, len(requests)),
        verdicts,
        fired,
        len(cedar_requests),
        len(requests),
        min(len(requests), args.reader_requests),
        (policy.remembered() - remembered, timed),
    )


# -- report ---------------------------------------------------------------------------------------


def machine() -> str:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        model = platform.processor()
    return (
        f"{model or 'unknown CPU'}, {os.cpu_count()} cores, Linux {platform.release()}, "
        f"CPython {platform.python_version()}, cedarpy {version('cedarpy')}"
    )


def report(runs: Sequence[StackRun], load: dict[str, float], args: argparse.Namespace) -> bool:
    print()
    print(f"# Engine vs cedarpy, {datetime.date.today().isoformat()} ({'quick' if args.quick else 'full'} run)")
    print(f"# {machine()}")
    print(f"# rounds {args.rounds} (median reported; best round in brackets), warm-up {args.warmup}, GC on")
    print()
    print("| stack | engine | requests | decisions/s (best) | p50 µs | p99 µs | throughput vs cedarpy |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    for run in runs:
        ratio = run.engine.per_second / run.cedar.per_second
        rows = (
            ("studio engine", run.engine_requests, run.engine, f"{ratio:.0f}x"),
            ("cedarpy (2 sets + features)", run.cedar_requests, run.cedar, "1x"),
            ("RequestReader.read (JSON shape)", run.reader_requests, run.reader, ""),
        )
        for label, count, figures, versus in rows:
            shown = f"{count:,}"
            print(
                f"| {run.name} | {label} | {shown} | {figures.per_second:,.0f} ({figures.best_per_second:,.0f}) "
                f"| {figures.p50_us:.1f} | {figures.p99_us:.1f} | {versus} |"
            )
    print()
    for run in runs:
        mix = ", ".join(f"{v} {100 * c / sum(run.verdicts.values()):.0f}%" for v, c in sorted(run.verdicts.items()))
        print(
            f"- {run.name}: {run.shape}; verdicts {mix}; {run.fired:.1f} fired rules per decision; "
            f"Cedar agrees with the engine on {run.agreement[0]:,} of {run.agreement[1]:,} requests; "
            f"the engine built {run.built[0]:,} of the {run.built[1]:,} decisions it was timed on "
            "and reused the others from its cells' memory"
        )
    print()
    print("| load of the 300-rule stack (110 KB of YAML) | ms (median) |")
    print("| --- | ---: |")
    for name, value in load.items():
        print(f"| {name} | {value:.1f} |")
    print()
    checks = [
        *(
            (
                f"p50 <= {TARGET_P50_US:g} µs per decision ({run.name})",
                run.engine.p50_us <= TARGET_P50_US,
                f"{run.engine.p50_us:.1f} µs",
            )
            for run in runs
        ),
        *(
            (
                f">= {TARGET_RATIO:g}x cedarpy's throughput ({run.name})",
                run.engine.per_second >= TARGET_RATIO * run.cedar.per_second,
                f"{run.engine.per_second / run.cedar.per_second:.0f}x",
            )
            for run in runs
        ),
        (
            f"load + compile of the 300-rule stack <= {TARGET_LOAD_MS:g} ms ({LOAD})",
            load[LOAD] <= TARGET_LOAD_MS,
            f"{load[LOAD]:.0f} ms",
        ),
    ]
    print("Targets:")
    for label, met, figure in checks:
        print(f"- {'met   ' if met else 'MISSED'} {label}: {figure}")
    return all(met for _, met, _ in checks)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Engine vs cedarpy benchmark")
    parser.add_argument("--quick", action="store_true", help="tiny run (seconds), to check the script works")
    parser.add_argument("--requests", type=int, default=10_000, help="requests per stack for the engine")
    parser.add_argument("--cedar-requests", type=int, default=2_000, help="of those, how many Cedar decides")
    parser.add_argument("--reader-requests", type=int, default=2_000, help="requests read as JSON")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--load-rounds", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    if args.quick:
        args.requests, args.cedar_requests, args.reader_requests = 300, 60, 60
        args.rounds, args.load_rounds, args.warmup = 2, 1, 50
    if not gc.isenabled():
        gc.enable()
    print("Preparing stacks and requests ...")
    sample_name, sample = largest_sample()
    text = generate_stack()
    load = measure_load(text, args.load_rounds)
    imports_ms, first_ms = fresh_process_load(text, args.load_rounds)
    load["load + compile in a fresh process, CEL grammar included"] = first_ms
    load["  (imports of studio.document and studio.engine before it)"] = imports_ms
    generated = load_stack(text)
    runs = [
        run_stack(sample_name, sample, args),
        run_stack("generated (20x30x300)", generated, args),
    ]
    report(runs, load, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
