"""The bundle: layout, manifest, reproducibility, OPA layout, operating rules, export errors."""

from __future__ import annotations

import gzip
import io
import json
import tarfile
from pathlib import Path

import pytest

from studio.document import StackDocument, load_text
from studio.export import Bundle, ExportError, build_bundle, layout
from studio.export.archive import read_files
from studio.export.canonical import sha256
from studio.export.manifest import content_revision
from studio.revision import revision, team_fingerprint
from studio.samples import columns
from tests.conftest import tiny, tiny_text

EXPECTED_FILES = {
    layout.MANIFEST,
    layout.README,
    layout.STACK_JSON,
    layout.STACK_YAML,
    layout.STACK_SCHEMA,
    layout.REQUEST_SCHEMA,
    layout.DECISION_SCHEMA,
    layout.VECTORS,
    layout.RULES_MARKDOWN,
    layout.RULES_HTML,
    layout.OPA_MANIFEST,
    layout.OPA_POLICY,
    layout.OPA_DATA,
}


def test_every_file_is_there_with_its_digest(sample_bundle: tuple[StackDocument, Bundle]) -> None:
    document, bundle = sample_bundle
    assert set(bundle.files) == EXPECTED_FILES
    manifest = json.loads(bundle.files[layout.MANIFEST])
    assert set(manifest["files"]) == EXPECTED_FILES - {layout.MANIFEST}
    for path, digest in manifest["files"].items():
        assert sha256(bundle.files[path]) == digest
    assert manifest["revision"] == content_revision(manifest["files"])
    assert manifest["stack"] == {
        "name": document.stack.name,
        "format": "coordination-studio/v1",
        "revision": revision(document.stack),
    }
    assert manifest["bundle_format"] == layout.BUNDLE_FORMAT
    assert manifest["semantics"] == layout.SEMANTICS
    assert bundle.files[layout.STACK_YAML].decode() == document.text
    assert json.loads(bundle.files[layout.STACK_JSON]) == document.stack.model_dump(mode="json")


def test_vectors_cover_every_sample_cell_and_scenario_step(sample_bundle: tuple[StackDocument, Bundle]) -> None:
    document, bundle = sample_bundle
    stack = document.stack
    data = json.loads(bundle.files[layout.VECTORS])
    by_source: dict[str, int] = {}
    for vector in data["vectors"]:
        by_source[vector["source"]] = by_source.get(vector["source"], 0) + 1
        assert set(vector) == {"id", "source", "request", "input", "decision"}
    assert by_source["preview"] == len(stack.customers) * len(columns(stack))
    assert by_source.get("scenario", 0) == sum(len(s.steps) for s in stack.scenarios)
    assert by_source["refusal"] >= 2
    assert by_source["generated"] > 0
    assert data["count"] == len(data["vectors"])


def test_exporting_twice_gives_the_same_bytes(tmp_path: Path) -> None:
    document = tiny(_RULES)
    first, second = build_bundle(document), build_bundle(document)
    assert first.files == second.files
    assert first.tarball() == second.tarball()
    first.write(tmp_path / "a.tar.gz")
    second.write(tmp_path / "b.tar.gz")
    assert (tmp_path / "a.tar.gz").read_bytes() == (tmp_path / "b.tar.gz").read_bytes()


def test_the_tarball_has_no_clock_time_or_owner() -> None:
    data = build_bundle(tiny(_RULES)).tarball()
    assert data[4:8] == b"\x00\x00\x00\x00"  # gzip MTIME
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        members = tar.getmembers()
    assert [m.name for m in members] == sorted(m.name for m in members)
    for member in members:
        assert (member.mtime, member.uid, member.gid, member.uname, member.gname, member.mode) == (
            0,
            0,
            0,
            "",
            "",
            0o644,
        )
    assert gzip.decompress(data)  # a plain gzip stream


def test_folder_and_tarball_read_back_the_same(tmp_path: Path) -> None:
    bundle = build_bundle(tiny(_RULES))
    bundle.write(tmp_path / "folder")
    bundle.write(tmp_path / "bundle.tar.gz")
    assert read_files(tmp_path / "folder") == bundle.files == read_files(tmp_path / "bundle.tar.gz")


def test_exporting_into_a_bundle_folder_replaces_it_but_refuses_other_folders(tmp_path: Path) -> None:
    target = tmp_path / "out"
    build_bundle(tiny(_RULES)).write(target)
    build_bundle(tiny()).write(target)
    assert read_files(target) == build_bundle(tiny()).files
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    with pytest.raises(Exception, match="holds other files"):
        build_bundle(tiny()).write(other)
    assert (other / "notes.txt").read_text() == "mine"


def test_the_opa_bundle_has_opa_layout(sample_bundle: tuple[StackDocument, Bundle]) -> None:
    _, bundle = sample_bundle
    opa = json.loads(bundle.files[layout.OPA_MANIFEST])
    assert opa["revision"] == bundle.revision
    assert opa["roots"] == ["studio"]
    assert opa["rego_version"] == 1
    policy = bundle.files[layout.OPA_POLICY].decode()
    assert policy.splitlines()[1] == "package studio.policy"
    assert "import rego.v1" in policy
    data = json.loads(bundle.files[layout.OPA_DATA])
    assert {"cells", "agents", "actions", "derived"} <= set(data)


def test_signoffs_are_recorded_current_or_stale() -> None:
    stack = tiny(_RULES).stack
    current = revision(stack)
    extra = f"""
signoffs:
  - {{team: sales, name: Marco, at: "2026-11-20T10:00:00Z", revision: "{current}", scope: "{team_fingerprint(stack, "sales")}"}}
  - {{team: marketing, name: Jordan, at: "2026-11-19T10:00:00Z", revision: "sha256:old"}}
"""
    document = load_text(tiny_text(_RULES, extra), source="tiny.yaml")
    manifest = json.loads(build_bundle(document).files[layout.MANIFEST])
    assert manifest["signoffs"] == [
        {
            "team": "sales",
            "name": "Marco",
            "at": "2026-11-20T10:00:00Z",
            "revision": current,
            "current": True,
            "scope_current": True,
        },
        {
            "team": "marketing",
            "name": "Jordan",
            "at": "2026-11-19T10:00:00Z",
            "revision": "sha256:old",
            "current": False,
            "scope_current": False,
        },
    ]
    markdown = build_bundle(document).files[layout.RULES_MARKDOWN].decode()
    assert "| Sales | Marco | 2026-11-20T10:00:00Z | yes |" in markdown
    assert "| Marketing | Jordan | 2026-11-19T10:00:00Z | no, an earlier one |" in markdown


def test_operating_rules_name_every_agent_and_rule(sample_bundle: tuple[StackDocument, Bundle]) -> None:
    document, bundle = sample_bundle
    markdown = bundle.files[layout.RULES_MARKDOWN].decode()
    html = bundle.files[layout.RULES_HTML].decode()
    for agent in document.stack.agents:
        assert f"(`{agent.id}`)" in markdown
        assert f'id="{agent.id}"' in html
    bound = {
        rule.id
        for rule in document.stack.rules
        if any(rule.id in {c.rule.id for c in cell.rules} for cell in _cells(document))
    }
    for rule_id in bound:
        assert f"rule `{rule_id}`" in markdown
        assert rule_id in html
    assert "@media print" in html
    for outside in ("http://", "https://", "<script", "<link", "src="):
        assert outside not in html, "the page must be self-contained"


def _cells(document: StackDocument) -> list[object]:
    from studio.engine import compile_policy

    return list(compile_policy(document.stack).cells.values())


def test_a_condition_rego_cannot_reproduce_is_an_export_error_with_its_place() -> None:
    rules = """
    - id: pair
      kind: never
      owner: sales
      rationale: two offers adding up
      when: history.exists(e, history.exists(f, e.payload.discount_pct + f.payload.discount_pct > 30))
    """
    with pytest.raises(ExportError) as caught:
        build_bundle(tiny(rules))
    problem = caught.value.problems[0]
    assert problem.file == "tiny.yaml" and problem.line > 0
    assert "pair" in problem.message and "e and f at once" in problem.message


def test_fractional_arithmetic_is_derived_not_refused() -> None:
    rules = """
    - id: share
      kind: must
      owner: sales
      rationale: big discounts relative to revenue get a look
      actions: [offer_discount]
      when: params.pct > customer.arr * 0.0001 || history.exists(e, e.at + days(e.payload.discount_pct / 10) > now)
      duties: [{do: flag, to: sales}]
    """
    bundle = build_bundle(tiny(rules))
    derived = json.loads(bundle.files[layout.OPA_DATA])["derived"]
    assert [(d["scope"], d["kind"]) for d in derived] == [("request", "bool"), ("event", "duration")]
    assert derived[0]["cel"] == "params.pct > customer.arr * 0.0001"


_RULES = """
- id: may-discount
  kind: may
  owner: sales
  rationale: small discounts
  agents: [sdr]
  actions: [offer_discount]
  limits: [params.pct <= 10]
  route: desk
- id: quiet
  kind: never
  owner: marketing
  rationale: no email at night
  when: now.getHours(customer.tz) >= 20
"""
