"""Runs an exported bundle's Rego in rego-cpp (regopy), always in fresh worker processes.

rego-cpp is a native library: run inside a long test process that has already loaded z3,
DuckDB and a JVM bridge, it was seen to abort the whole process. Each query batch therefore
runs in a process started with `spawn` (never `fork`), which holds nothing but the interpreter.
Kept in its own module so the workers can import it by name.
"""

from __future__ import annotations

import json
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from regopy import Interpreter

from studio.export import layout

ENTRY = "studio/policy/decisions"
BATCH = 500


class RegoRunner:
    """The bundle's policy and data in one interpreter, compiled once."""

    def __init__(self, policy: str, data: str) -> None:
        self.interpreter = Interpreter()
        self.interpreter.add_module("policy", policy)
        self.interpreter.add_data_json('{"studio":{"stack":' + data + "}}")
        self.bundle = self.interpreter.build(None, [ENTRY])

    @staticmethod
    def from_files(files: dict[str, bytes]) -> RegoRunner:
        data = json.dumps(json.loads(files[layout.OPA_DATA]), ensure_ascii=False)
        return RegoRunner(files[layout.OPA_POLICY].decode("utf-8"), data)

    def decide(self, inputs: list[str]) -> list[Any]:
        """Decisions for prepared inputs (JSON texts), in batches of one query each."""
        decisions: list[Any] = []
        for start in range(0, len(inputs), BATCH):
            chunk = inputs[start : start + BATCH]
            self.interpreter.set_input_term('{"requests":[' + ",".join(chunk) + "]}")
            output = self.interpreter.query_bundle_entrypoint(self.bundle, ENTRY)
            if not output.ok():
                raise AssertionError(f"rego-cpp failed: {output}")
            result = json.loads(str(output))["expressions"][0]
            assert len(result) == len(chunk), "the Rego policy returned fewer decisions than requests"
            decisions.extend(result)
        return decisions


def decide_in_worker(policy: str, data: str, inputs: list[str]) -> list[Any]:
    """For a process pool: a fresh interpreter deciding `inputs`."""
    return RegoRunner(policy, data).decide(inputs)


def decide_isolated(policy: str, data: str, inputs: list[str], *, workers: int = 2) -> list[Any]:
    """Decisions for prepared inputs, computed by `workers` fresh spawned processes, in order."""
    share = max(1, -(-len(inputs) // workers))
    chunks = [inputs[i : i + share] for i in range(0, len(inputs), share)]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(min(workers, len(chunks)) or 1, mp_context=context) as pool:
        parts = pool.map(decide_in_worker, [policy] * len(chunks), [data] * len(chunks), chunks)
        return [decision for part in parts for decision in part]
