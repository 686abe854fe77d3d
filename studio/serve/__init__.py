"""The reference decision service: an AuthZEN-shaped HTTP API over a verified bundle.

`studio serve BUNDLE` runs it (see docs/enforcement.md). In code:

    from studio.serve.server import ServeOptions, run, service

    run(ServeOptions(bundle=Path("bundle.tar.gz"), port=8400))   # blocking, uvicorn
    app = service(ServeOptions(bundle=...))                       # the ASGI app, for another server

Needs the `serve` extra (uvicorn; httptools and uvloop when present) only to run the server;
the app itself is plain ASGI on the core.
"""
