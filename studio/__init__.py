"""Coordination Studio's core: stack files, the go / flag / stop engine, and the services on them.

The public API for front ends and enforcement services:

    from studio import load_file, compile_policy, RequestReader

    document = load_file(Path("stack.yaml"))
    policy = compile_policy(document.stack)
    decision = policy.decide(RequestReader(document.stack).read(request_json))

This package never imports a UI toolkit; the terminal and browser studios are thin clients of it.
"""

from studio.decision import Decision as Decision
from studio.decision import Verdict as Verdict
from studio.document import StackDocument as StackDocument
from studio.document import load_file as load_file
from studio.document import load_text as load_text
from studio.engine import Policy as Policy
from studio.engine import compile_policy as compile_policy
from studio.errors import Problem as Problem
from studio.errors import StudioError as StudioError
from studio.request import Request as Request
from studio.request import RequestReader as RequestReader
from studio.stack import Stack as Stack


def decide(policy: Policy, request: Request) -> Decision:
    """The verdict on one request (compile the stack once with `compile_policy`, then decide many)."""
    return policy.decide(request)
