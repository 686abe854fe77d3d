"""Shared fixtures: the sample stacks, a fixed clock, and small purpose-built stacks."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from studio.clock import parse_instant
from studio.document import StackDocument, load_text
from studio.engine import Policy, compile_policy

# NO_COLOR in a CI environment turns Textual monochrome and breaks SVG snapshots.
os.environ.pop("NO_COLOR", None)

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_stacks"
SAMPLE_FILES = sorted(SAMPLES.glob("*.yaml"))
STACK_FILES = [path for path in SAMPLE_FILES if not path.name.endswith(".tests.yaml")]
DATA = Path(__file__).resolve().parent / "data"

NOW = parse_instant("2026-11-23T15:00:00Z", now=0)
"""A fixed 'now' for tests that must not depend on the day they run (10:00 in New York)."""

TINY_STACK = """\
format: coordination-studio/v1
name: Tiny
timezone: UTC
preview_at: "@10:00"
channels: [email, phone, chat]
purposes: [marketing, sales, service]
teams:
  - {id: marketing, name: Marketing}
  - {id: sales, name: Sales}
  - {id: service, name: Support}
decisions:
  - {id: pricing, owner: sales}
  - {id: messaging, owner: marketing}
  - {id: care}
customer:
  attributes:
    arr: {type: number, min: 0}
    stage: {type: enum, values: [pipeline, renewal, churned]}
    vip: {type: bool, default: false}
    tz: {type: timezone, default: UTC}
    tags: {type: list, items: enum, values: [legal, fraud], default: []}
    since: {type: timestamp, default: "2020-01-01T00:00:00Z"}
  history:
    kinds: [call, meeting]
    payload:
      discount_pct: {type: number, default: 0}
actions:
  - id: offer_discount
    decision: pricing
    channel: email
    purpose: sales
    params:
      pct: {type: number, min: 0, max: 100, example: 10}
  - id: send_email
    decision: messaging
    channel: email
    purpose: marketing
  - id: winback
    decision: care
    channel: email
    purpose: marketing
agents:
  - {id: sdr, team: sales, kind: ai_agent, actions: [offer_discount, send_email]}
  - {id: mkt, team: marketing, kind: ai_agent, actions: [send_email, winback]}
  - {id: bot, team: service, kind: automation, actions: [winback, send_email]}
  - {id: desk, team: sales, kind: human_queue}
defaults:
  ai_agent: flag
  automation: stop
  human_queue: flag
"""


def tiny_text(rules: str = "", extra: str = "") -> str:
    """The tiny stack's text with the given `rules:` body (YAML, any indentation) and extra keys."""
    body = textwrap.indent(textwrap.dedent(rules).strip(), "  ")
    text = TINY_STACK + (f"rules:\n{body}\n" if rules.strip() else "rules: []\n")
    return text + textwrap.dedent(extra)


def tiny(rules: str = "", extra: str = "") -> StackDocument:
    """The tiny stack with these rules, loaded and validated."""
    return load_text(tiny_text(rules, extra), source="tiny.yaml")


def tiny_policy(rules: str = "", extra: str = "") -> Policy:
    """The tiny stack with these rules, compiled."""
    return compile_policy(tiny(rules, extra).stack)


@pytest.fixture(params=STACK_FILES, ids=lambda path: path.stem)
def sample_path(request: pytest.FixtureRequest) -> Path:
    """Each bundled sample stack."""
    path: Path = request.param
    return path
