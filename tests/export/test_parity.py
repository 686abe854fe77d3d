"""Parity, proven: the exported Rego, run in a real Rego engine (rego-cpp via regopy), decides
exactly as the core engine on every conformance vector and on 10,000 generated requests per
sample stack: verdict, routes, obligations, fired rules (ids, effects, routes, exceeded limits),
the default, refusals and the reasons' text — the whole `Decision.to_json()`.

rego-cpp costs about a millisecond a decision, so requests are decided in batches (one query
each) by two fresh worker processes (see rego_runner for why never in the test process).
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest

from studio.document import StackDocument
from studio.export import Bundle, build_bundle, layout, load_bundle
from studio.export.rego_input import RegoInputError, dumps, rego_input
from studio.generate import RequestGenerator
from studio.request import Request
from tests.conftest import NOW, tiny
from tests.export.rego_runner import decide_isolated

GENERATED = 10_000
WORKERS = 2


def _compare(expected: list[dict[str, Any]], got: list[Any], ids: list[str]) -> list[str]:
    problems = []
    for vector_id, want, have in zip(ids, expected, got, strict=True):
        if want != have:
            fields = sorted(key for key in set(want) | set(have or {}) if (have or {}).get(key) != want.get(key))
            problems.append(f"{vector_id}: differs in {', '.join(fields)}")
    return problems


def test_rego_decides_every_conformance_vector_as_recorded(sample_bundle: tuple[StackDocument, Bundle]) -> None:
    _, bundle = sample_bundle
    vectors = json.loads(bundle.files[layout.VECTORS])["vectors"]
    policy = bundle.files[layout.OPA_POLICY].decode("utf-8")
    data = json.dumps(json.loads(bundle.files[layout.OPA_DATA]), ensure_ascii=False)
    got = decide_isolated(policy, data, [dumps(v["input"]) for v in vectors], workers=1)
    assert _compare([v["decision"] for v in vectors], got, [v["id"] for v in vectors]) == []


def test_rego_decides_10000_generated_requests_as_the_engine(sample_bundle: tuple[StackDocument, Bundle]) -> None:
    document, bundle = sample_bundle
    loaded = load_bundle(bundle.tarball())
    requests = list(RequestGenerator(document.stack, seed=2026, now=NOW).requests(GENERATED))
    expected = [loaded.policy.decide(request).to_json() for request in requests]
    inputs = [loaded.rego_input.json(request) for request in requests]
    policy = bundle.files[layout.OPA_POLICY].decode("utf-8")
    data = json.dumps(json.loads(bundle.files[layout.OPA_DATA]), ensure_ascii=False)
    got = decide_isolated(policy, data, inputs, workers=WORKERS)
    problems = _compare(expected, got, [f"generated/{i}" for i in range(len(requests))])
    assert problems == [], problems[:10]
    verdicts = Counter(decision["verdict"] for decision in expected)
    fired = Counter(rule["rule"] for decision in expected for rule in decision["fired"])
    silent = [rule.id for rule in document.stack.rules if rule.id not in fired]
    print(
        f"\n{document.stack.name}: {len(requests)} generated requests, 0 differences; {dict(verdicts)}; "
        f"{len(fired)} of {len(document.stack.rules)} rules fired"
    )
    assert set(verdicts) == {"go", "flag", "stop"}
    assert silent == [], f"the generator never made these rules fire: {silent}"
    assert any("refusal" in decision for decision in expected)


def test_the_input_refuses_what_rego_would_read_differently() -> None:
    request = Request("a", "b", {"x": 10.000000000000002}, {"id": "c", "name": 'say "hi"'}, (), NOW)
    with pytest.raises(RegoInputError) as caught:
        rego_input(request, plain_strings=True)
    messages = [problem.message for problem in caught.value.problems]
    assert messages == [
        "params.x: 10.000000000000002 has more than 15 significant digits",
        "customer.name: 'say \"hi\"' has a quote, backslash or control character",
    ]
    assert rego_input(Request("a", "b", {"x": 10.5}, {"id": "c", "name": 'say "hi"'}, (), NOW))["params"] == {"x": 10.5}


def test_many_reasons_of_one_rank_keep_the_engines_order_in_rego() -> None:
    """Twelve never rules firing together: their reasons tie on rank and keep rule-id order.
    (rego-cpp sorts numbers as text, so ranks and indexes are padded to a fixed width.)"""
    nevers = "".join(
        f"- {{id: n{index:02d}, kind: never, owner: sales, rationale: reason {index}, actions: [send_email]}}\n"
        for index in range(1, 13)
    )
    customers = "customers:\n  - {id: c1, attributes: {arr: 5, stage: pipeline}}\n"
    document = tiny(nevers, customers)
    bundle = build_bundle(document)
    vectors = [v for v in json.loads(bundle.files[layout.VECTORS])["vectors"] if v["input"]["action"] == "send_email"]
    policy = bundle.files[layout.OPA_POLICY].decode("utf-8")
    data = json.dumps(json.loads(bundle.files[layout.OPA_DATA]), ensure_ascii=False)
    got = decide_isolated(policy, data, [dumps(v["input"]) for v in vectors], workers=1)
    assert _compare([v["decision"] for v in vectors], got, [v["id"] for v in vectors]) == []
    assert [reason.split(":")[0] for reason in got[0]["reasons"][:12]] == [
        f"Stopped by n{i:02d} (Sales)" for i in range(1, 13)
    ]
