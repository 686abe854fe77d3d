"""Benchmark of the policy analysis: all findings on a generated 300-rule stack, and
re-analysis after single-rule edits (what the studios do after each edit in a workshop).

Usage: `python -m benchmarks.bench_analysis [--rules 300] [--seed 7] [--edits 12] [--runs 3]`

Each full analysis runs in a fresh process (nothing cached from an earlier run): it is timed
from the loaded `Stack` to the finished `Report` (the compiled policy is made first and timed
separately, as the workshop session has one already). Witnesses are confirmed by the engine
during the analysis; tidying one for display happens when it is first looked at, so the
figures include confirming every finding, not rendering them. Edits change one number in a
rule's condition or limits (or one rule's owner) and are timed through `Analyzer.update`.

Figures are printed with the machine's load average: this machine is shared, and a loaded
machine runs everything slower. No figure is asserted anywhere.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from studio.stack import Rule, Stack

TARGET_FULL_SECONDS = 2.0
TARGET_EDIT_SECONDS = 0.2
REFERENCE = 1_795_000_000_000_000


def _stack(rules: int, seed: int) -> Stack:
    from benchmarks.generate_stack import generate_stack
    from studio.document import load_text

    return load_text(generate_stack(seed=seed, rules=rules), source="generated.yaml").stack


def full_run(rules: int, seed: int) -> dict[str, Any]:
    """One full analysis in this (fresh) process."""
    from studio.analysis import Analyzer
    from studio.engine import compile_policy

    stack = _stack(rules, seed)
    started = time.perf_counter()
    policy = compile_policy(stack)
    compiled = time.perf_counter() - started
    wall, cpu = time.perf_counter(), time.process_time()
    report = Analyzer(stack, policy=policy, reference=REFERENCE).report
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    counts = {severity.value: len(report.of_severity(severity)) for severity in type(report.findings[0].severity)}
    return {
        "wall": wall,
        "cpu": cpu,
        "compile": compiled,
        "checks": report.stats.solver_checks,
        "solver": report.stats.solver_seconds,
        "findings": len(report.findings),
        "counts": counts,
        "cells": report.stats.cells,
        "bound": report.stats.history_bound,
        "bounded": report.stats.bounded,
        "unconfirmed": len(report.unconfirmed),
    }


def _edit(rule: Rule, rng: random.Random) -> Rule | None:
    """The rule with one number in its condition or limits changed (None if it has none)."""
    if isinstance(rule.when, str) and re.search(r"\d+", rule.when):
        return rule.model_copy(update={"when": _bump(rule.when, rng)})
    if rule.limits:
        limits = list(rule.limits)
        index = rng.randrange(len(limits))
        if re.search(r"\d+", limits[index]):
            limits[index] = _bump(limits[index], rng)
            return rule.model_copy(update={"limits": limits})
    return None


def _bump(text: str, rng: random.Random) -> str:
    return re.sub(r"(\d+)", lambda match: str(int(match.group(1)) + rng.choice((1, 2, 5))), text, count=1)


def edits(rules: int, seed: int, count: int) -> list[dict[str, Any]]:
    """Single-rule edits, each analysed incrementally after the previous one."""
    from studio.analysis import Analyzer
    from studio.engine import compile_policy

    stack = _stack(rules, seed)
    analyzer = Analyzer(stack, policy=compile_policy(stack), reference=REFERENCE)
    rng = random.Random(seed)
    results = []
    candidates = list(range(len(stack.rules)))
    rng.shuffle(candidates)
    for index in candidates:
        if len(results) >= count:
            break
        edited_rule = _edit(stack.rules[index], rng)
        if edited_rule is None:
            continue
        rules_list = list(stack.rules)
        rules_list[index] = edited_rule
        stack = stack.model_copy(update={"rules": rules_list})
        started = time.perf_counter()
        policy = compile_policy(stack)
        compiled = time.perf_counter() - started
        started = time.perf_counter()
        report = analyzer.update(stack, policy=policy)
        elapsed = time.perf_counter() - started
        results.append(
            {
                "rule": edited_rule.id,
                "kind": edited_rule.kind.value,
                "seconds": elapsed,
                "compile": compiled,
                "checks": report.stats.solver_checks,
                "rebuilt": report.stats.rebuilt,
            }
        )
    return results


def sample_run() -> float:
    """The B2B sample: one full analysis."""
    from studio.analysis import analyze
    from studio.document import load_file

    stack = load_file(Path(__file__).resolve().parent.parent / "sample_stacks" / "b2b_saas_renewals.yaml").stack
    started = time.perf_counter()
    analyze(stack, reference=REFERENCE)
    return time.perf_counter() - started


def _fresh(argument: str, rules: int, seed: int) -> dict[str, Any]:
    command = [
        sys.executable,
        "-m",
        "benchmarks.bench_analysis",
        "--child",
        argument,
        "--rules",
        str(rules),
        "--seed",
        str(seed),
    ]
    root = Path(__file__).resolve().parent.parent
    output = subprocess.run(command, cwd=root, capture_output=True, text=True, check=True).stdout
    result: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--rules", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--edits", type=int, default=12)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", choices=["full", "sample"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child == "full":
        print(json.dumps(full_run(args.rules, args.seed)))
        return 0
    if args.child == "sample":
        print(json.dumps({"seconds": sample_run()}))
        return 0

    load = os.getloadavg()
    print(f"analysis benchmark: load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} on {os.cpu_count()} CPUs")
    runs = [_fresh("full", args.rules, args.seed) for _ in range(args.runs)]
    first = runs[0]
    walls = sorted(run["wall"] for run in runs)
    cpus = sorted(run["cpu"] for run in runs)
    print(
        f"generated stack: {args.rules} rules (seed {args.seed}), {first['cells']} cells, history bound {first['bound']}; "
        f"policy compiled in {first['compile'] * 1000:.0f} ms"
    )
    print(
        f"full analysis, fresh process, {args.runs} runs: wall best {walls[0]:.2f} s, median {statistics.median(walls):.2f} s "
        f"(CPU best {cpus[0]:.2f} s) [target <= {TARGET_FULL_SECONDS:.0f} s]"
    )
    print(
        f"  {first['findings']} findings {first['counts']}, {first['checks']} solver checks "
        f"({first['solver']:.2f} s in z3), {first['bounded']} bounded, {first['unconfirmed']} unconfirmed"
    )
    changes = edits(args.rules, args.seed, args.edits)
    times = sorted(change["seconds"] for change in changes)
    compiles = sorted(change["compile"] for change in changes)
    print(
        f"single-rule edits ({len(changes)}): re-analysis median {statistics.median(times) * 1000:.0f} ms, "
        f"max {times[-1] * 1000:.0f} ms [target <= {TARGET_EDIT_SECONDS * 1000:.0f} ms]; "
        f"compiling the edited policy: median {statistics.median(compiles) * 1000:.0f} ms"
    )
    for change in changes:
        print(
            f"  {change['rule']:>8} ({change['kind']:5}): {change['seconds'] * 1000:6.0f} ms, "
            f"{change['checks']:3d} solver checks{' (rebuilt)' if change['rebuilt'] else ''}"
        )
    sample = _fresh("sample", args.rules, args.seed)
    print(f"B2B sample (21 rules), fresh process: {sample['seconds'] * 1000:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
