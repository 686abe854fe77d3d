"""The decision service as a plain ASGI application (no web framework: each request costs a
JSON parse, a decision and a JSON dump, and nothing else).

Endpoints: `POST /access/v1/evaluation`, `POST /access/v1/evaluations` (AuthZEN), `POST
/v1/decide` (the studio's own request shape), `GET /healthz`, `GET /readyz`, `GET /openapi.json`
and `GET /.well-known/authzen-configuration`. Every error is a JSON body with a 4xx status that
says what was wrong (`{"error": ..., "problems": [...]}`); a bug answers 500 without a traceback
and is logged.
"""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Awaitable, Callable
from itertools import count
from typing import Any

from studio.decision import Decision
from studio.errors import RequestError
from studio.export.load import LoadedBundle
from studio.serve import authzen
from studio.serve.authzen import WireError
from studio.serve.decision_log import DecisionLog
from studio.serve.holder import BundleHolder
from studio.serve.limits import MAX_BODY_BYTES, MAX_EVALUATIONS, RateLimiter
from studio.serve.openapi import openapi

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
Hook = Callable[[], Awaitable[None]]

_JSON = [(b"content-type", b"application/json")]
_POSTS = ("/access/v1/evaluation", "/access/v1/evaluations", "/v1/decide")
_GETS = ("/healthz", "/readyz", "/openapi.json", "/.well-known/authzen-configuration")


class DecisionService:
    """The ASGI app. `holder.current` is read once per request (see `holder.py`)."""

    def __init__(
        self,
        holder: BundleHolder,
        *,
        log: DecisionLog | None = None,
        limiter: RateLimiter | None = None,
        max_body: int = MAX_BODY_BYTES,
        max_evaluations: int = MAX_EVALUATIONS,
        on_startup: list[Hook] | None = None,
        on_shutdown: list[Hook] | None = None,
    ) -> None:
        self.holder = holder
        self.log = log or holder.log
        self.limiter = limiter or RateLimiter(rate=0, burst=0)
        self.max_body = max_body
        self.max_evaluations = max_evaluations
        self.on_startup = on_startup or []
        self.on_shutdown = on_shutdown or []
        self._ids = count(1)
        self._prefix = os.urandom(4).hex()
        self._openapi: tuple[str, bytes] = ("", b"")
        self.decisions = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        try:
            status, body, headers = await self._route(scope, receive)
        except WireError as error:
            status, body, headers = error.status, _dump(error.body()), error.headers
        except Exception as error:  # a bug: answer plainly, log it, keep serving
            self.log.event("internal error", error=f"{type(error).__name__}: {error}")
            status, body, headers = 500, _dump({"error": "internal error; see the service log"}), []
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [*_JSON, (b"content-length", str(len(body)).encode()), *headers],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                for hook in self.on_startup:
                    await hook()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                for hook in self.on_shutdown:
                    await hook()
                await send({"type": "lifespan.shutdown.complete"})
                return

    # -- routing ------------------------------------------------------------------------------

    async def _route(self, scope: Scope, receive: Receive) -> tuple[int, bytes, list[tuple[bytes, bytes]]]:
        path, method = scope["path"], scope["method"]
        if path in _GETS:
            if method not in ("GET", "HEAD"):
                raise _not_allowed(path, "GET")
            return 200, self._get(path), []
        if path not in _POSTS:
            raise WireError(404, f"no endpoint {path}", [f"endpoints: {', '.join((*_POSTS, *_GETS))}"])
        if method != "POST":
            raise _not_allowed(path, "POST")
        data = await self._json_body(scope, receive)
        bundle = self.holder.current  # read once: this request decides with this revision only
        if bundle is None:
            raise WireError(503, "no bundle loaded yet")
        client = (scope.get("client") or ("-", 0))[0]
        if path == "/access/v1/evaluations":
            evaluations, semantic = authzen.batch(data)
            if len(evaluations) > self.max_evaluations:
                raise WireError(413, f"at most {self.max_evaluations} evaluations per request")
            self._limit(client, len(evaluations))
            return 200, _dump(self._batch(bundle, evaluations, semantic)), []
        self._limit(client, 1)
        if path == "/v1/decide":
            decision, decision_id = self._decide(bundle, data, path)
            body = {"decision": decision.to_json(), "revision": bundle.revision, "decision_id": decision_id}
            return 200, _dump(body), []
        decision, decision_id = self._decide(bundle, authzen.studio_request(data), path)
        return 200, _dump(authzen.evaluation_response(decision, bundle.revision, decision_id)), []

    def _get(self, path: str) -> bytes:
        bundle = self.holder.current
        if path == "/healthz":
            return _dump({"status": "ok"})
        if path == "/readyz":
            if bundle is None:
                raise WireError(503, "no bundle loaded yet")
            return _dump(
                {
                    "status": "ready",
                    "revision": bundle.revision,
                    "stack": bundle.manifest.stack_name,
                    "loaded_at": self.holder.loaded_at,
                    "reloads": self.holder.reloads,
                    "rejected": self.holder.rejected,
                    "decisions": self.decisions,
                }
            )
        if path == "/.well-known/authzen-configuration":
            return _dump(
                {
                    "policy_decision_point": "",
                    "access_evaluation_endpoint": "/access/v1/evaluation",
                    "access_evaluations_endpoint": "/access/v1/evaluations",
                }
            )
        revision = bundle.revision if bundle else ""
        if self._openapi[0] != revision or not self._openapi[1]:
            title = bundle.manifest.stack_name if bundle else "no bundle loaded"
            self._openapi = (revision, _dump(openapi(title=title, revision=revision, max_body=self.max_body)))
        return self._openapi[1]

    # -- deciding -----------------------------------------------------------------------------

    def _decide(self, bundle: LoadedBundle, data: Any, path: str) -> tuple[Decision, str]:
        started = time.perf_counter_ns()
        try:
            request = bundle.reader.read(data)
        except RequestError as error:
            raise WireError(400, error.message, [str(problem) for problem in error.problems]) from None
        decision = bundle.policy.decide(request)
        decision_id = f"{self._prefix}-{next(self._ids)}"
        self.decisions += 1
        if self.log.enabled:
            self.log.record(
                {
                    "decision_id": decision_id,
                    "revision": bundle.revision,
                    "path": path,
                    "agent": request.agent,
                    "action": request.action,
                    "customer": request.customer.get("id", ""),
                    "at": data.get("at") if isinstance(data, dict) else None,
                    "verdict": decision.verdict.value,
                    "routes": list(decision.routes),
                    "rules": list(decision.rule_ids),
                    "obligations": [o.to_json() for o in decision.obligations],
                    "refusal": decision.refusal,
                    "micros": (time.perf_counter_ns() - started) // 1000,
                }
            )
        return decision, decision_id

    def _batch(self, bundle: LoadedBundle, evaluations: list[dict[str, Any]], semantic: str) -> dict[str, Any]:
        requests = []
        problems: list[str] = []
        for index, evaluation in enumerate(evaluations):
            try:
                requests.append(authzen.studio_request(evaluation, f"evaluations[{index}]."))
            except WireError as error:
                problems.extend(error.problems)
        if problems:
            raise WireError(400, "some evaluations don't have the AuthZEN shape the service reads", problems)
        answers = []
        for index, request in enumerate(requests):
            try:
                decision, decision_id = self._decide(bundle, request, "/access/v1/evaluations")
            except WireError as error:
                raise WireError(
                    400,
                    f"evaluations[{index}]: {error.message}",
                    [f"evaluations[{index}]: {p}" for p in error.problems],
                ) from None
            answers.append(authzen.evaluation_response(decision, bundle.revision, decision_id))
            if authzen.stops_batch(decision, semantic):
                break
        return {"evaluations": answers}

    # -- input --------------------------------------------------------------------------------

    async def _json_body(self, scope: Scope, receive: Receive) -> Any:
        headers = dict(scope.get("headers") or [])
        content_type = headers.get(b"content-type", b"application/json").decode("latin-1").lower()
        if "json" not in content_type:
            raise WireError(415, f"send JSON (Content-Type: application/json), not {content_type!r}")
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body:
            raise WireError(413, f"the body is {int(declared):,} bytes; at most {self.max_body:,} are accepted")
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise WireError(400, "the client disconnected before sending the whole body")
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                raise WireError(413, f"the body is larger than {self.max_body:,} bytes")
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        raw = b"".join(chunks)
        if not raw.strip():
            raise WireError(400, "the request body is empty; send a JSON object")
        try:
            return json.loads(raw)
        except json.JSONDecodeError as error:
            raise WireError(400, f"not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}") from None
        except UnicodeDecodeError:
            raise WireError(400, "the body is not UTF-8 text") from None
        except (RecursionError, ValueError) as error:
            raise WireError(400, f"not acceptable JSON ({type(error).__name__})") from None

    def _limit(self, client: str, cost: int) -> None:
        wait = self.limiter.allow(client, cost)
        if wait > 0:
            raise _RateLimited(wait)


def _RateLimited(wait: float) -> WireError:  # noqa: N802 - reads as the error it builds
    retry = str(max(1, math.ceil(wait))).encode()
    return WireError(429, f"rate limit exceeded; retry in {wait:.2f} s", headers=[(b"retry-after", retry)])


def _not_allowed(path: str, method: str) -> WireError:
    return WireError(405, f"{path} answers {method} only", headers=[(b"allow", method.encode())])


def _dump(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
