"""Answers inherited after an edit (`Session.replace`): a "no" only where the new question
implies the old one, a model only where it is a model of the new question."""

from __future__ import annotations

import z3

from studio.analysis.prover import Prover
from studio.analysis.session import Session
from tests.conftest import NOW, tiny

RULES = """
- id: y-any
  kind: may
  owner: sales
  rationale: anything
"""


def _session() -> Session:
    return Prover([tiny(RULES).stack], reference=NOW).session


def _edited() -> tuple[z3.ArithRef, z3.BoolRef, z3.BoolRef]:
    """A condition `x < 30` edited to `x < 35` (it now holds on more values)."""
    x = z3.Int("test.x")
    old, new = x < 30, x < 35
    return x, old, new


def test_a_no_carries_over_where_the_widened_condition_occurs_negated() -> None:
    session = _session()
    x, old, new = _edited()
    assert not session.check([z3.Not(old), x < 30]).sat
    session.replace(new, old)
    checks, inherited = session.stats.checks, session.stats.inherited
    outcome = session.check([z3.Not(new), x < 30])
    assert not outcome.sat and not outcome.unknown
    assert session.stats.inherited == inherited + 1
    assert session.stats.checks <= checks + 1  # at most the implication old => new


def test_a_no_does_not_carry_over_where_the_widened_condition_occurs_plain() -> None:
    session = _session()
    x, old, new = _edited()
    assert not session.check([old, x > 32]).sat
    session.replace(new, old)
    outcome = session.check([new, x > 32])  # 33 and 34 now satisfy it
    assert outcome.sat
    assert outcome.model is not None and z3.is_true(outcome.model.evaluate(z3.And(new, x > 32)))


def test_a_no_does_not_carry_over_under_an_equivalence() -> None:
    session = _session()
    x, old, new = _edited()
    flag = z3.Bool("test.flag")
    assert not session.check([flag == old, flag, x >= 30]).sat
    session.replace(new, old)
    assert session.check([flag == new, flag, x >= 30]).sat  # either polarity: asked again


def test_a_model_carries_over_only_where_the_condition_keeps_its_value() -> None:
    session = _session()
    x, old, new = _edited()
    kept = session.check([old, x > 10])
    between = session.check([z3.Not(old), x < 33])  # 30, 31 or 32
    assert kept.model is not None and between.model is not None
    session.replace(new, old)
    checks = session.stats.checks
    again = session.check([new, x > 10])
    assert again.model is kept.model  # x < 30 implies x < 35: the same model, no solver
    assert session.stats.checks == checks
    assert not session.check([z3.Not(new), x < 33]).sat  # the old model fails now: asked again
    assert session.stats.checks > checks


def test_forgotten_replacements_carry_nothing_over() -> None:
    session = _session()
    x, old, new = _edited()
    assert not session.check([z3.Not(old), x < 30]).sat
    session.replace(new, old)
    session.forget_replacements()
    inherited = session.stats.inherited
    assert not session.check([z3.Not(new), x < 30]).sat
    assert session.stats.inherited == inherited


def test_a_model_at_the_old_boundary_is_patched_and_checked() -> None:
    session = _session()
    x, old, new = _edited()
    y = z3.Int("test.y")
    assert session.check([z3.Not(old), x < 100, y == 7]).sat
    session.replace(new, old)
    outcome = session.check([z3.Not(new), x < 100, y == 7])
    assert outcome.model is not None
    assert z3.is_true(outcome.model.evaluate(z3.And(z3.Not(new), x < 100, y == 7)))
    # A patch that would break the question's other formulas isn't taken: the solver is asked.
    assert session.check([z3.Not(old), x < 33]).sat
    assert not session.check([z3.Not(new), x < 33]).sat
