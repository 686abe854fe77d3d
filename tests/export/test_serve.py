"""The reference decision service: AuthZEN shapes, errors as 4xx with clear bodies, limits,
decision logs with the revision, and bundle swaps that never mix revisions or drop requests."""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from studio.export import build_bundle
from studio.serve.app import DecisionService
from studio.serve.decision_log import DecisionLog
from studio.serve.holder import BundleHolder
from studio.serve.limits import RateLimiter
from tests.conftest import ROOT, tiny

RULES = """
- id: may-discount
  kind: may
  owner: sales
  rationale: small discounts
  agents: [sdr]
  actions: [offer_discount]
  limits: [params.pct <= 10]
  route: desk
"""
STRICTER = RULES.replace("params.pct <= 10", "params.pct <= 5")
CUSTOMER = {"type": "customer", "id": "c1", "properties": {"attributes": {"arr": 5000, "stage": "pipeline"}}}


def evaluation(pct: float = 8, agent: str = "sdr") -> dict[str, Any]:
    return {
        "subject": {"type": "agent", "id": agent},
        "action": {"name": "offer_discount", "properties": {"pct": pct}},
        "resource": CUSTOMER,
        "context": {"time": "2026-11-23T15:00:00Z"},
    }


@pytest.fixture
def service(tmp_path: Path) -> DecisionService:
    path = tmp_path / "bundle.tar.gz"
    build_bundle(tiny(RULES)).write(path)
    log = DecisionLog(str(tmp_path / "decisions.log"))
    holder = BundleHolder(path, log=log)
    holder.load()
    return DecisionService(
        holder, log=log, limiter=RateLimiter(rate=10, burst=50, clock=lambda: 0.0), max_body=4096, max_evaluations=5
    )


def call(
    app: DecisionService, method: str, path: str, body: Any = None, **options: Any
) -> tuple[int, Any, dict[str, str]]:
    raw = options.get("raw", b"" if body is None else json.dumps(body).encode())
    headers = [(b"content-type", options.get("content_type", b"application/json"))]
    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "headers": headers,
        "client": (options.get("client", "127.0.0.1"), 1),
    }
    incoming = [{"type": "http.request", "body": raw, "more_body": False}]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return incoming.pop(0) if incoming else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    response_headers = {k.decode(): v.decode() for k, v in sent[0]["headers"]}
    return sent[0]["status"], json.loads(sent[1]["body"]), response_headers


def test_an_evaluation_answers_in_the_authzen_shape(service: DecisionService) -> None:
    status, body, _ = call(service, "POST", "/access/v1/evaluation", evaluation(8))
    assert status == 200 and body["decision"] is True
    context = body["context"]
    assert context["verdict"] == "go" and context["revision"] == service.holder.current.revision  # type: ignore[union-attr]
    assert [rule["rule"] for rule in context["fired"]] == ["may-discount"] and context["decision_id"]
    status, body, _ = call(service, "POST", "/access/v1/evaluation", evaluation(12))
    assert body["decision"] is False and body["context"]["verdict"] == "flag" and body["context"]["routes"] == ["desk"]
    status, body, _ = call(service, "POST", "/access/v1/evaluation", evaluation(agent="ghost"))
    assert status == 200 and body["context"]["verdict"] == "stop" and "ghost" in body["context"]["refusal"]


def test_the_native_endpoint_takes_the_studio_request(service: DecisionService) -> None:
    request = {
        "agent": "sdr",
        "action": "offer_discount",
        "params": {"pct": 3},
        "at": "2026-11-23T15:00:00Z",
        "customer": {"id": "c1", "attributes": {"arr": 5000, "stage": "pipeline"}},
    }
    status, body, _ = call(service, "POST", "/v1/decide", request)
    assert status == 200 and body["decision"]["verdict"] == "go" and body["revision"].startswith("sha256:")


def test_a_batch_applies_defaults_and_semantics(service: DecisionService) -> None:
    base = evaluation()
    batch = {
        "subject": base["subject"],
        "resource": base["resource"],
        "context": base["context"],
        "evaluations": [{"action": {"name": "offer_discount", "properties": {"pct": p}}} for p in (2, 20, 4)],
    }
    status, body, _ = call(service, "POST", "/access/v1/evaluations", batch)
    assert status == 200 and [e["context"]["verdict"] for e in body["evaluations"]] == ["go", "flag", "go"]
    assert len({e["context"]["revision"] for e in body["evaluations"]}) == 1
    batch["options"] = {"evaluations_semantic": "deny_on_first_deny"}
    _, body, _ = call(service, "POST", "/access/v1/evaluations", batch)
    assert [e["decision"] for e in body["evaluations"]] == [True, False]
    batch["evaluations"] = batch["evaluations"] * 2
    status, body, _ = call(service, "POST", "/access/v1/evaluations", batch)
    assert status == 413 and "at most 5" in body["error"]


@pytest.mark.parametrize(
    ("raw", "status", "needle"),
    [
        (b"{", 400, "not valid JSON"),
        (b"", 400, "empty"),
        (b"[]", 400, "JSON object"),
        (b'{"subject": {}}', 400, "AuthZEN shape"),
        (b"\xff\xfe", 400, "not valid JSON"),
        (b"[" * 2000 + b"]" * 2000, 400, "JSON"),
        (b"x" * 5000, 413, "larger than 4,096 bytes"),
    ],
    ids=["truncated", "empty", "array", "not-authzen", "not-utf8", "deep", "too-large"],
)
def test_malformed_requests_get_a_4xx_with_a_clear_body(
    service: DecisionService, raw: bytes, status: int, needle: str
) -> None:
    got, body, _ = call(service, "POST", "/access/v1/evaluation", raw=raw)
    assert got == status and needle in body["error"]


def test_a_request_that_doesnt_fit_the_stack_lists_every_field(service: DecisionService) -> None:
    bad = evaluation("lots")  # type: ignore[arg-type]
    bad["resource"] = {"id": "c1", "properties": {"attributes": {"arr": -1, "stage": "pipelin"}}}
    status, body, _ = call(service, "POST", "/access/v1/evaluation", bad)
    assert status == 400
    text = " ".join(body["problems"])
    assert "params.pct" in text and "customer.attributes.arr" in text and "did you mean 'pipeline'" in text


def test_methods_paths_and_content_types(service: DecisionService) -> None:
    status, _, headers = call(service, "GET", "/access/v1/evaluation")
    assert status == 405 and headers["allow"] == "POST"
    assert call(service, "GET", "/nope")[0] == 404
    assert call(service, "POST", "/access/v1/evaluation", evaluation(), content_type=b"text/plain")[0] == 415
    assert call(service, "GET", "/healthz")[1] == {"status": "ok"}
    ready = call(service, "GET", "/readyz")[1]
    assert ready["status"] == "ready" and ready["revision"] == service.holder.current.revision  # type: ignore[union-attr]
    document = call(service, "GET", "/openapi.json")[1]
    assert document["openapi"] == "3.1.0" and "/access/v1/evaluations" in document["paths"]
    assert "DecisionData" in document["components"]["schemas"]


def test_the_rate_limit_answers_429_with_retry_after(service: DecisionService) -> None:
    statuses = [call(service, "POST", "/access/v1/evaluation", evaluation(), client="10.0.0.9")[0] for _ in range(80)]
    assert statuses[:50] == [200] * 50 and 429 in statuses[50:]
    status, body, headers = call(service, "POST", "/access/v1/evaluation", evaluation(), client="10.0.0.9")
    assert status == 429 and int(headers["retry-after"]) >= 1 and "rate limit" in body["error"]
    assert call(service, "POST", "/access/v1/evaluation", evaluation(), client="10.0.0.10")[0] == 200


def test_no_bundle_means_not_ready(tmp_path: Path) -> None:
    holder = BundleHolder(tmp_path / "missing.tar.gz")
    app = DecisionService(holder)
    assert call(app, "GET", "/readyz")[0] == 503
    assert call(app, "POST", "/access/v1/evaluation", evaluation())[0] == 503
    assert call(app, "GET", "/healthz")[0] == 200


def test_a_swap_changes_the_revision_and_a_bad_bundle_is_kept_out(service: DecisionService, tmp_path: Path) -> None:
    old = service.holder.current.revision  # type: ignore[union-attr]
    path = service.holder.path
    build_bundle(tiny(STRICTER)).write(path)
    assert service.holder.changed()
    outcome = service.holder.reload()
    assert outcome.swapped and outcome.revision != old
    assert call(service, "POST", "/access/v1/evaluation", evaluation(8))[1]["context"]["verdict"] == "flag"
    path.write_bytes(b"garbage")
    outcome = service.holder.reload()
    assert not outcome.swapped and "not a readable" in outcome.message
    assert call(service, "POST", "/access/v1/evaluation", evaluation(8))[1]["context"]["revision"] == outcome.revision


def test_decision_logs_carry_the_revision(service: DecisionService) -> None:
    call(service, "POST", "/access/v1/evaluation", evaluation(12))
    service.log.flush()
    lines = [json.loads(line) for line in Path(service.log.target or "").read_text().splitlines()]
    entry = lines[-1]
    assert entry["revision"] == service.holder.current.revision  # type: ignore[union-attr]
    assert entry["verdict"] == "flag" and entry["rules"] == ["may-discount"] and entry["routes"] == ["desk"]
    assert "attributes" not in json.dumps(entry)


# -- a real server ---------------------------------------------------------------------------


def _post(port: int, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("POST", "/access/v1/evaluation", json.dumps(body), {"content-type": "application/json"})
    response = connection.getresponse()
    data = json.loads(response.read())
    connection.close()
    return response.status, data


def test_studio_serve_answers_and_swaps_on_sighup_without_dropping_requests(tmp_path: Path) -> None:
    path = tmp_path / "bundle.tar.gz"
    build_bundle(tiny(RULES)).write(path)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "studio.cli.main",
            "serve",
            str(path),
            "--port",
            "0",
            "--no-watch",
            "--decision-log",
            str(tmp_path / "log.jsonl"),
        ],
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )
    try:
        assert process.stderr is not None
        line = process.stderr.readline()
        port = int(re.search(r"http://127\.0\.0\.1:(\d+)", line).group(1))  # type: ignore[union-attr]
        status, body = _post(port, evaluation(8))
        old = body["context"]["revision"]
        assert status == 200 and body["context"]["verdict"] == "go"
        results: list[tuple[int, str, str]] = []
        stop = threading.Event()

        def client() -> None:
            while not stop.is_set():
                code, answer = _post(port, evaluation(8))
                results.append((code, answer["context"]["revision"], answer["context"]["verdict"]))

        threads = [threading.Thread(target=client) for _ in range(3)]
        for thread in threads:
            thread.start()
        time.sleep(0.5)
        build_bundle(tiny(STRICTER)).write(path)
        process.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not any(r[1] != old for r in results):
            time.sleep(0.1)
        time.sleep(0.3)
        stop.set()
        for thread in threads:
            thread.join()
        assert results and all(code == 200 for code, _, _ in results)
        revisions = [revision for _, revision, _ in results]
        new = revisions[-1]
        assert new != old and set(revisions) == {old, new}
        assert all(verdict == ("go" if revision == old else "flag") for _, revision, verdict in results)
    finally:
        process.terminate()
        process.wait(timeout=20)
    lines = [json.loads(line) for line in (tmp_path / "log.jsonl").read_text().splitlines()]
    assert any(line.get("event") == "bundle loaded" for line in lines)
    assert {line["revision"] for line in lines if "verdict" in line} == {old, new}


def test_the_load_benchmark_smoke_run_meets_its_targets() -> None:
    """The short version of benchmarks/bench_serve.py (2 x 3 s at 300 requests/s, loopback)."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_serve.py"), "--smoke"],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "targets met" in result.stderr
    phases = json.loads(result.stdout.strip().splitlines()[-1])
    assert [phase["errors"] for phase in phases] == [0, 0]
    assert phases[1]["swaps"] > 0 and len(phases[1]["revisions"]) == 2
