"""Run the decision service: uvicorn on a socket bound here, with bundle reloads and log flushing.

Reloads come from SIGHUP and, unless turned off, from watching the bundle path (polled once a
second: a new `.tar.gz` moved into place, or a folder whose manifest changed). Either way the new
bundle is read, verified and compiled in a worker thread while requests keep being answered with
the current one; then the reference is swapped (see `holder.py`).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from studio.serve.app import DecisionService
from studio.serve.decision_log import DecisionLog
from studio.serve.holder import BundleHolder
from studio.serve.limits import MAX_BODY_BYTES, MAX_EVALUATIONS, RateLimiter

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

LOOPBACK = "127.0.0.1"
DEFAULT_PORT = 8400


@dataclass
class ServeOptions:
    """How to run the service (the CLI's options, one for one)."""

    bundle: Path
    host: str = LOOPBACK
    port: int = DEFAULT_PORT
    public_key: Ed25519PublicKey | None = None
    require_signature: bool = False
    watch: bool = True
    watch_interval: float = 1.0
    decision_log: str | None = "-"
    max_body: int = MAX_BODY_BYTES
    max_evaluations: int = MAX_EVALUATIONS
    rate: float = 5000.0
    burst: float = 10000.0
    workers: int = 1
    """Server processes sharing the socket (each loads, verifies and swaps bundles itself)."""
    announce: Callable[[str], None] = field(default=lambda line: print(line, file=sys.stderr, flush=True))


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and localhost."""
    return host == "localhost" or host.startswith("127.") or host in ("::1", "[::1]")


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket (port 0 picks a free one)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host.strip("[]"), port))
    sock.listen(1024)
    sock.set_inheritable(True)
    return sock


def service(options: ServeOptions) -> DecisionService:
    """The ASGI app with its bundle loaded (BundleReadError / BundleVerifyError if it can't be)."""
    log = DecisionLog(options.decision_log)
    holder = BundleHolder(
        options.bundle, public_key=options.public_key, require_signature=options.require_signature, log=log
    )
    holder.load()
    app = DecisionService(
        holder,
        log=log,
        limiter=RateLimiter(rate=options.rate, burst=options.burst),
        max_body=options.max_body,
        max_evaluations=options.max_evaluations,
    )
    tasks: list[asyncio.Task[None]] = []

    async def reload() -> None:
        outcome = await asyncio.to_thread(holder.reload)
        verb = "reloaded:" if outcome.swapped else "kept the current bundle; the new one was rejected:"
        options.announce(f"studio serve: {verb} {outcome.message}")

    async def watch() -> None:
        while True:
            await asyncio.sleep(options.watch_interval)
            if holder.changed():
                await reload()

    async def flush() -> None:
        while True:
            await asyncio.sleep(0.25)
            log.flush()

    async def startup() -> None:
        # A reload verifies and compiles in a worker thread; hand the GIL back to the event loop
        # every millisecond (not every 5) so answers keep flowing while it runs.
        sys.setswitchinterval(0.001)
        loop = asyncio.get_running_loop()
        with contextlib.suppress(NotImplementedError, RuntimeError):  # no SIGHUP on Windows
            loop.add_signal_handler(signal.SIGHUP, lambda: tasks.append(loop.create_task(reload())))
        tasks.append(loop.create_task(flush()))
        if options.watch:
            tasks.append(loop.create_task(watch()))
        current = holder.current
        log.event("service started", revision=current.revision if current else "")

    async def shutdown() -> None:
        for task in tasks:
            task.cancel()
        log.event("service stopped", decisions=app.decisions)
        log.close()

    app.on_startup.append(startup)
    app.on_shutdown.append(shutdown)
    return app


def run(options: ServeOptions) -> None:
    """Serve until SIGINT or SIGTERM (uvicorn drains open connections first).

    With `workers > 1` the process forks that many servers on the same socket after loading the
    bundle once (so a bad bundle fails before anything listens) and forwards SIGHUP, SIGINT and
    SIGTERM to them; each worker reloads and swaps on its own. Rate limits are per worker.
    """
    app = service(options)
    sock = bind(options.host, options.port)
    host, port = sock.getsockname()[:2]
    bundle = app.holder.current
    assert bundle is not None
    if not is_loopback(options.host):
        options.announce(f"studio serve: listening on {options.host}, beyond this machine (--host)")
    workers = f", {options.workers} workers" if options.workers > 1 else ""
    options.announce(
        f"studio serve: {bundle.manifest.stack_name} (revision {bundle.revision[:19]}…) on http://{host}:{port}"
        f"{workers} — POST /access/v1/evaluation; reload with SIGHUP"
        f"{' or by replacing the bundle' if options.watch else ''}"
    )
    if options.workers <= 1:
        _uvicorn(app, sock)
        return
    children = []
    for _ in range(options.workers):
        pid = os.fork()
        if pid == 0:  # a worker: serve, then leave without running the parent's cleanup
            code = 0
            try:
                _uvicorn(app, sock)
            except BaseException:
                code = 1
            os._exit(code)
        children.append(pid)
    sock.close()

    def forward(signum: int, _: object) -> None:
        for child in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child, signum)

    for signum in (signal.SIGHUP, signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, forward)
    for child in children:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(child, 0)


def _uvicorn(app: DecisionService, sock: socket.socket) -> None:
    import uvicorn

    config = uvicorn.Config(
        app,
        loop=_best("uvloop", "asyncio"),
        http=_best("httptools", "h11"),
        lifespan="on",
        access_log=False,
        log_level="warning",
        server_header=False,
        timeout_keep_alive=30,
        backlog=1024,
    )
    uvicorn.Server(config).run(sockets=[sock])


def _best(preferred: str, fallback: str) -> str:
    try:
        __import__(preferred)
    except ImportError:
        return fallback
    return preferred
