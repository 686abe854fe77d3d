"""The sample stacks' findings, as reviewed (docs/analysis.md, "The sample stacks").

Every sample is analysed; every witness replays on a fresh policy as a valid request; no
sample has error findings (a rule that can never apply, a permission that never takes
effect). The warnings each sample raises were reviewed and kept as workshop material: they
are pinned here, so a change to a sample that adds or removes one shows up as a test to
review rather than slipping by.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from studio.analysis import Severity, analyze
from studio.document import load_file
from studio.engine import compile_policy
from tests.analysis.conftest import confirmed
from tests.conftest import NOW, STACK_FILES

REVIEWED: dict[str, set[tuple[str, str, str]]] = {
    "b2b_saas_renewals": {
        ("conflict.must-never", "B1-renewal-window", ""),
        ("conflict.must-never", "B5-weekly-touch-cap", ""),
        ("conflict.must-never", "B7-offer-consistency", ""),
        ("overlap.may-limits", "B9-marketing-nurture", ""),
        ("ownership.contested", "B14-sdr-meetings", "renewal-conversation"),
        ("ownership.unowned-decision", "", "win-back"),
        ("route.not-owner", "B1-renewal-window", "positioning"),
        ("route.not-owner", "B1-renewal-window", "pricing"),
        ("route.not-owner", "B5-weekly-touch-cap", "positioning"),
        ("route.not-owner", "B5-weekly-touch-cap", "renewal-conversation"),
    },
    "b2c_retail": {
        ("conflict.must-never", "R20-returners-review-request", ""),
        ("ownership.unowned-decision", "", "post-purchase"),
        ("route.not-owner", "R19-loss-prevention-review", "service-recovery"),
        ("route.not-owner", "R22-promotions", "promotions"),
    },
    "regulated_bank": {
        ("conflict.must-never", "K16-vulnerable-specialist", ""),
        ("ownership.unowned-decision", "", "fee-waivers"),
        ("route.not-owner", "K16-vulnerable-specialist", "collections-treatment"),
        ("route.not-owner", "K16-vulnerable-specialist", "servicing"),
    },
}
"""(code, first rule, decision) of each warning, per sample."""


@pytest.fixture(scope="module", params=STACK_FILES, ids=lambda path: path.stem)
def sample(request: pytest.FixtureRequest) -> tuple[Path, object]:
    path: Path = request.param
    return path, analyze(load_file(path).stack, reference=NOW)


def test_samples_have_no_errors_and_every_witness_replays(sample: tuple[Path, object]) -> None:
    path, report = sample
    stack = load_file(path).stack
    policy = compile_policy(stack)
    assert not report.errors  # type: ignore[attr-defined]
    assert not report.unconfirmed  # type: ignore[attr-defined]
    for finding in report.findings:  # type: ignore[attr-defined]
        if finding.witness is not None:
            confirmed(stack, finding, policy)


def test_sample_warnings_are_the_reviewed_ones(sample: tuple[Path, object]) -> None:
    path, report = sample
    warnings = {
        (finding.code, finding.rules[0] if finding.rules else "", finding.decision)
        for finding in report.findings  # type: ignore[attr-defined]
        if finding.severity is Severity.WARNING
    }
    if path.stem not in REVIEWED:
        pytest.skip(f"{path.stem} is new: review its findings and pin them here")
    assert warnings == REVIEWED[path.stem], "a sample's findings changed: review them (docs/analysis.md)"
