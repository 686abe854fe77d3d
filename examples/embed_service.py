"""Embed the studio's decisions in a Python service: load a bundle, verify it, decide.

Needs only the core package (`pip install coordination-studio`): no UI, no web server.

    python examples/embed_service.py [BUNDLE] [--key SIGNER.pub.pem]

Without BUNDLE it exports the sample stack to a temporary .tar.gz first, so the example runs
as is from a checkout. It then decides three proposed actions and prints, for each, what an
enforcement service acts on: the verdict, where a flag goes, the duties to perform, and why.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from studio.errors import RequestError, StudioError
from studio.export import load_bundle

SAMPLE = Path(__file__).resolve().parent.parent / "sample_stacks" / "b2b_saas_renewals.yaml"

ACME = {
    "id": "acme-logistics",
    "attributes": {
        "segment": "enterprise",
        "arr_usd": 200000,
        "plan_tier": "premium",
        "renewal_date": "2027-01-07T15:00:00Z",
        "renewal_stage": "negotiation",
        "health": "yellow",
        "tz": "America/Chicago",
    },
    "history": [
        {"at": "2026-11-22T20:00:00Z", "team": "sales", "kind": "call_outbound", "channel": "phone", "purpose": "sales"}
    ],
}

REQUESTS = [
    {"agent": "cs-health-agent", "action": "send_checkin", "customer": ACME, "at": "2026-11-23T15:00:00Z"},
    {
        "agent": "ai-sdr-agent",
        "action": "offer_discount",
        "params": {"discount_pct": 15, "acv_impact_usd": 30000},
        "customer": ACME,
        "at": "2026-11-23T15:00:00Z",
    },
    {
        "agent": "support-agent",
        "action": "trigger_winback",
        "params": {"offer_pct": 20},
        "customer": ACME,
        "at": "2026-11-23T15:00:00Z",
    },
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bundle", nargs="?", type=Path, help="a bundle folder or .tar.gz (default: export the sample)")
    parser.add_argument("--key", type=Path, help="the signer's Ed25519 public key (PEM); requires a valid signature")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        path = args.bundle or _export_sample(Path(scratch) / "bundle.tar.gz")
        try:
            bundle = load_bundle(path, public_key=args.key)  # verifies every digest (and the signature)
        except StudioError as error:
            print(f"bundle rejected: {error}", file=sys.stderr)
            return 1
        print(f"loaded {bundle.manifest.stack_name}, revision {bundle.revision}")
        for request in REQUESTS:
            try:
                decision = bundle.decide(request)
            except RequestError as error:  # the request doesn't fit the stack: a 400 in a web service
                print(f"bad request: {error}", file=sys.stderr)
                return 1
            routes = f" → {', '.join(decision.routes)}" if decision.routes else ""
            print(f"\n{request['agent']} / {request['action']}: {decision.verdict.value}{routes}")
            for obligation in decision.obligations:
                print(
                    f"  do: {obligation.duty} {obligation.to or obligation.text}".rstrip() + f"  ({obligation.rule_id})"
                )
            for reason in decision.reasons:
                print(f"  why: {reason.text}")
    return 0


def _export_sample(target: Path) -> Path:
    from studio.document import load_file
    from studio.export import build_bundle

    build_bundle(load_file(SAMPLE)).write(target)
    return target


if __name__ == "__main__":
    sys.exit(main())
