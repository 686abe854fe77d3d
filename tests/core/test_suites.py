"""Policy test suites: the format, its semantics (defaults, matrices, fixtures), reports and the CLI."""

from __future__ import annotations

import json
import textwrap
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from studio.cli.main import run
from studio.clock import iso, parse_instant
from studio.document import load_file
from studio.errors import StudioError
from studio.suites import (
    SuiteInvalidError,
    SuiteNotFoundError,
    SuiteResult,
    bind,
    coverage,
    discover,
    junit_xml,
    load_suite,
    read_suite,
    read_suite_text,
    run_paths,
    run_suite,
)
from tests.conftest import DATA, NOW, SAMPLES, STACK_FILES

SUITES = DATA / "suites"
TINY = SUITES / "tiny.yaml"
TINY_SUITE = SUITES / "tiny.tests.yaml"
SAMPLE_SUITES = sorted(SAMPLES.glob("*.tests.yaml"))
NOW_FLAG = ["--now", "2026-11-23T15:00:00Z"]


def write_suite(tmp_path: Path, body: str, name: str = "t.tests.yaml") -> Path:
    """A tests file for the tiny stack with this body (YAML after `format:` and `stack:`)."""
    path = tmp_path / name
    path.write_text(f"format: coordination-studio/tests/v1\nstack: {TINY}\n" + textwrap.dedent(body))
    return path


def run_text(tmp_path: Path, body: str) -> SuiteResult:
    return run_suite(load_suite(write_suite(tmp_path, body)), now=NOW)


def studio(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = run(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# -- semantics ---------------------------------------------------------------------------------


def test_the_tiny_suite_passes_and_covers_every_rule_and_cell() -> None:
    result = run_suite(load_suite(TINY_SUITE), now=NOW)
    assert result.passed and len(result.results) == 10
    [report] = coverage([result])
    assert report.never_fired == () and report.untouched == () and report.complete


def test_a_wrong_expectation_fails_showing_expected_beside_actual(tmp_path: Path) -> None:
    result = run_text(
        tmp_path,
        """
        cases:
          - name: Expect the wrong things
            agent: sdr
            action: offer_discount
            customer: vip-co
            params: {pct: 25}
            expect:
              verdict: go
              routes: [sales]
              rules: [may-discount]
              reasons: [nothing like this]
              obligations: [log]
        """,
    )
    [failure] = result.failures
    found = {mismatch.field: mismatch for mismatch in failure.mismatches}
    assert set(found) == {"verdict", "routes", "rules", "reasons", "obligations"}
    assert str(found["verdict"]) == "verdict: expected go, got flag → desk (covered by may-discount)"
    assert str(found["routes"]) == "routes: expected [sales], got [desk]"
    assert "unexpected must-vip" in found["rules"].actual
    assert found["obligations"].actual == "[log, notify sales]"
    assert failure.expected == "go → sales" and failure.actual == "flag → desk"


def test_rule_expectations_can_require_or_forbid_single_rules(tmp_path: Path) -> None:
    result = run_text(
        tmp_path,
        """
        cases:
          - {agent: mkt, action: send_email, customer: vip-co, expect: {verdict: go, includes_rules: [must-vip]}}
          - {agent: mkt, action: send_email, customer: vip-co, expect: {verdict: go, excludes_rules: [must-vip]}}
          - {agent: mkt, action: send_email, customer: vip-co, expect: {verdict: go, includes_rules: [never-churned]}}
        """,
    )
    assert [r.passed for r in result.results] == [True, False, False]
    assert str(result.results[1].mismatches[0]) == "excludes_rules: expected [must-vip] not to fire, got them fired"


def test_an_omitted_verdict_expects_the_default(tmp_path: Path) -> None:
    result = run_text(
        tmp_path,
        """
        cases:
          - {name: uncovered AI action, agent: sdr, action: send_email, customer: pipeline-co}
          - {name: uncovered automation, agent: bot, action: send_email, customer: vip-co, expect: {}}
          - {name: covered by a may rule, agent: mkt, action: send_email, customer: pipeline-co}
          - {name: stopped by a never rule, agent: sdr, action: send_email, customer: churned-co}
          - {name: default spelled out, agent: sdr, action: send_email, customer: vip-co, expect: {verdict: default}}
        """,
    )
    outcome = {r.probe.name: r for r in result.results}
    assert outcome["uncovered AI action"].passed
    assert outcome["uncovered AI action"].expected == "default (flag → marketing)"
    assert outcome["default spelled out"].passed
    # The bot's action is covered (may-email binds the marketing team), so the default is not met.
    covered = outcome["covered by a may rule"].mismatches[0]
    assert covered.expected == "default (flag: no may rule covering it)"
    assert covered.actual == "go (covered by may-email)"
    assert not outcome["uncovered automation"].passed
    # No may rule covers it, but a never rule's stop is not the default flag.
    assert outcome["stopped by a never rule"].mismatches[0].actual == "stop (by default: no may rule covers it)"


def test_a_matrix_without_expectations_expects_the_default_in_every_cell(tmp_path: Path) -> None:
    result = run_text(tmp_path, "matrix:\n  - name: Everything\n")
    assert len(result.results) == 12  # 3 customers x 4 declared (agent, action) cells
    passed = {(r.probe.customer, r.probe.agent, r.probe.action) for r in result.results if r.passed}
    assert passed == {
        ("pipeline-co", "sdr", "send_email"),
        ("vip-co", "sdr", "send_email"),
        ("churned-co", "bot", "send_email"),  # uncovered, and an automation's default is stop anyway
    }
    assert all(r.probe.origin == "matrix" for r in result.results)


def test_matrix_entries_are_read_top_to_bottom_and_the_first_that_selects_a_cell_wins(tmp_path: Path) -> None:
    result = run_text(
        tmp_path,
        """
        matrix:
          - name: Pipeline and VIP
            customers: [pipeline-co, vip-co]
            expect:
              - {agents: sdr, actions: offer_discount, verdict: go, includes_rules: [may-discount]}
              - {customers: vip-co, actions: send_email, agents: [mkt, bot], verdict: go, obligations: [log, notify sales]}
              - {actions: send_email, agents: [mkt, bot], verdict: go, obligations: []}
              - {customers: vip-co, includes_rules: [must-vip]}
        """,
    )
    assert result.passed, [str(m) for r in result.failures for m in r.mismatches]
    by_cell = {(r.probe.customer, r.probe.agent, r.probe.action): r.probe for r in result.results}
    assert by_cell[("vip-co", "mkt", "send_email")].path == ("matrix", 0, "expect", 1)
    assert by_cell[("pipeline-co", "mkt", "send_email")].path == ("matrix", 0, "expect", 2)
    # The sdr's emails are claimed by the last entry for vip-co only; pipeline-co's falls to the default.
    assert by_cell[("vip-co", "sdr", "send_email")].expect.verdict == "default"
    assert by_cell[("pipeline-co", "sdr", "send_email")].path == ("matrix", 0)


def test_a_matrix_crosses_only_the_actions_each_agent_declares(tmp_path: Path) -> None:
    result = run_text(
        tmp_path,
        """
        matrix:
          - name: Both actions
            agents: "*"
            actions: [offer_discount, send_email]
            customers: pipeline-co
            params: {pct: 50}
            expect:
              - {actions: offer_discount, verdict: flag, routes: [desk]}
              - {agents: sdr, actions: send_email}
              - {verdict: go}
        """,
    )
    cells = [(r.probe.agent, r.probe.action) for r in result.results]
    assert cells == [("sdr", "offer_discount"), ("sdr", "send_email"), ("mkt", "send_email"), ("bot", "send_email")]
    assert result.passed
    # Shared parameters go to the actions that declare them.
    assert [dict(r.params) for r in result.results] == [{"pct": 50.0}, {}, {}, {}]


def test_fixture_customers_vary_a_customer_and_fixtures_are_used_by_name() -> None:
    suite = load_suite(TINY_SUITE)
    churned_vip = suite.customers["churned-vip"]
    assert churned_vip.attributes == {"stage": "churned", "vip": True}
    assert [event.kind for event in churned_vip.history] == ["call", "send_email"]
    result = run_suite(suite, now=NOW)
    big = next(r for r in result.results if r.probe.name == "A big discount goes to the desk")
    assert dict(big.params) == {"pct": 25.0}
    assert iso(big.at) == "2026-11-24T09:00:00Z"  # `tomorrow` is +1d@09:00 from the sample clock


def test_times_resolve_against_the_sample_clock_or_as_written(tmp_path: Path) -> None:
    result = run_text(
        tmp_path,
        """
        cases:
          - {name: clock, agent: mkt, action: send_email, customer: pipeline-co, expect: {verdict: go}}
          - {name: relative, agent: mkt, action: send_email, customer: pipeline-co, at: "-2h", expect: {verdict: go}}
          - {name: absolute, agent: mkt, action: send_email, customer: pipeline-co, at: "2027-01-05T08:30:00Z",
             expect: {verdict: go}}
        """,
    )
    assert [iso(r.at) for r in result.results] == [
        "2026-11-23T10:00:00Z",  # the tiny stack's preview_at, @10:00 UTC, on the pinned day
        "2026-11-23T08:00:00Z",
        "2027-01-05T08:30:00Z",
    ]


# -- coverage and reports -----------------------------------------------------------------------


def test_coverage_names_rules_that_never_fired_and_cells_no_test_touched(tmp_path: Path) -> None:
    first = run_text(
        tmp_path, "cases:\n  - {agent: mkt, action: send_email, customer: pipeline-co, expect: {verdict: go}}\n"
    )
    [alone] = coverage([first])
    assert alone.rules == ("may-discount", "may-email", "never-churned", "must-vip")
    assert alone.never_fired == ("may-discount", "never-churned", "must-vip")
    assert alone.untouched == (("sdr", "offer_discount"), ("sdr", "send_email"), ("bot", "send_email"))
    assert alone.to_json()["cells"] == {
        "total": 4,
        "touched": 1,
        "untouched": [
            {"agent": "sdr", "action": "offer_discount"},
            {"agent": "sdr", "action": "send_email"},
            {"agent": "bot", "action": "send_email"},
        ],
    }
    second = run_suite(
        load_suite(
            write_suite(
                tmp_path,
                "cases:\n  - {agent: sdr, action: offer_discount, customer: churned-co, expect: {verdict: stop}}\n",
                "u.tests.yaml",
            )
        ),
        now=NOW,
    )
    [merged] = coverage([first, second])  # two suites of one stack are counted together
    assert merged.never_fired == ("must-vip",)
    assert merged.to_json()["rules"] == {"total": 4, "fired": 3, "never_fired": ["must-vip"]}


def test_junit_report_is_well_formed_with_a_testcase_per_case_and_cell(tmp_path: Path) -> None:
    failing = write_suite(
        tmp_path,
        """
        name: Mixed
        cases:
          - {name: passes, agent: mkt, action: send_email, customer: pipeline-co, expect: {verdict: go}}
          - {name: fails, agent: mkt, action: send_email, customer: churned-co, expect: {verdict: go}}
        matrix:
          - {name: grid, customers: vip-co, agents: sdr}
        """,
    )
    broken = SUITES / "invalid" / "unknown_agent.tests.yaml"
    report = run_paths([failing, broken, TINY_SUITE], now=NOW)
    root = ElementTree.fromstring(junit_xml(report.runs, report.errors))
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("15", "2", "1")
    mixed, tiny, errored = root.findall("testsuite")
    cases = mixed.findall("testcase")
    assert [case.get("name") for case in cases] == [
        "passes",
        "fails",
        "grid [vip-co: sdr → offer_discount]",
        "grid [vip-co: sdr → send_email]",
    ]
    assert cases[0].find("failure") is None and cases[0].get("line") == "6"
    failure = cases[1].find("failure")
    assert (
        failure is not None
        and failure.get("message") == "verdict: expected go, got stop (by default: no may rule covers it)"
    )
    assert "Stopped by never-churned" in (failure.text or "")
    assert cases[2].find("failure") is not None  # the may rule covers the discount: not the default
    assert len(tiny.findall("testcase")) == 10 and tiny.get("failures") == "0"
    error = errored.find("testcase/error")
    assert error is not None and "unknown agent 'sdrr'" in (error.text or "")


def test_json_report_shape(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = studio(capsys, "test", str(TINY), "--json", *NOW_FLAG)
    assert code == 0
    data = json.loads(out)
    assert set(data) == {"passed", "summary", "suites", "errors", "coverage"}
    assert data["summary"] == {"suites": 1, "tests": 10, "passed": 10, "failed": 0, "errors": 0}
    [suite] = data["suites"]
    assert suite["clock"] == "2026-11-23T10:00:00+00:00" and suite["stack"] == str(TINY)
    first = suite["results"][0]
    assert set(first) == {
        "name", "origin", "line", "agent", "action", "customer", "params", "at", "passed", "expected", "actual", "mismatches",
    }  # fmt: skip
    assert first["expected"] == {
        "verdict": "go",
        "rules": ["may-discount"],
        "routes": [],
        "obligations": [],
        "words": "go",
    }
    assert first["actual"]["rules"] == ["may-discount"] and first["actual"]["default"] is False
    assert data["coverage"][0]["rules"] == {"total": 4, "fired": 4, "never_fired": []}


# -- the command line ---------------------------------------------------------------------------


def test_cli_shows_failures_with_expected_beside_actual(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = write_suite(
        tmp_path,
        "cases:\n  - {name: Wrong, agent: sdr, action: offer_discount, customer: pipeline-co, params: {pct: 40}, expect: {verdict: go}}\n",
    )
    code, out, _ = studio(capsys, "test", str(path), *NOW_FLAG)
    assert code == 1
    assert "FAIL" in out and "✔ go" in out and "⚑ flag → desk" in out
    assert f"{path}:4" in out and "verdict: expected go, got flag → desk (covered by may-discount)" in out
    assert "never fired: may-email, never-churned, must-vip" in out
    assert "1 of 4 (agent, action) cells touched" in out and "FAILED" in out


def test_cli_verbose_lists_passing_tests_with_their_actual_verdict(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = studio(capsys, "test", str(TINY_SUITE), *NOW_FLAG)
    assert code == 0 and "A small discount goes out" not in out and "10 passed" in out
    code, out, _ = studio(capsys, "test", str(TINY_SUITE), "-v", *NOW_FLAG)
    assert code == 0 and "A small discount goes out" in out and "default (⚑ flag)" in out and "PASSED" in out


def test_cli_writes_junit_even_when_tests_fail(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = write_suite(
        tmp_path, "cases:\n  - {agent: mkt, action: send_email, customer: churned-co, expect: {verdict: go}}\n"
    )
    report = tmp_path / "out.xml"
    code, _, _ = studio(capsys, "test", str(path), "--junit", str(report), *NOW_FLAG)
    assert code == 1
    assert ElementTree.parse(report).getroot().get("failures") == "1"


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        ([str(TINY_SUITE), *NOW_FLAG], 0, "PASSED"),
        ([str(TINY), *NOW_FLAG], 0, "PASSED"),  # a stack file: its suite beside it
        ([str(SUITES), *NOW_FLAG], 0, "PASSED"),  # a folder: every *.tests.yaml in it
        ([str(SUITES / "invalid" / "unknown_rule.tests.yaml")], 1, "unknown rule 'may-emails'"),
        ([str(SUITES / "invalid")], 1, "didn't load"),
        ([str(SAMPLES / "no_such_thing.yaml")], 2, "no such file or folder"),
        ([str(DATA / "invalid" / "unknown_team.yaml")], 2, "has no test suite"),
        ([str(TINY_SUITE), "--now", "someday"], 2, "'someday' is not a time"),
        ([str(TINY_SUITE), "--colour"], 2, "No such option"),
    ],
    ids=[
        "suite",
        "stack",
        "folder",
        "bad-suite",
        "bad-folder",
        "missing",
        "stack-without-suite",
        "bad-now",
        "bad-option",
    ],
)
def test_cli_exit_codes(capsys: pytest.CaptureFixture[str], args: list[str], code: int, words: str) -> None:
    actual, out, err = studio(capsys, "test", *args)
    assert actual == code
    assert words in out + err


def test_an_empty_folder_is_a_usage_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = studio(capsys, "test", str(tmp_path))
    assert code == 2 and "holds no test suites" in out + err


# -- bad files ----------------------------------------------------------------------------------

GALLERY = [
    ("malformed_yaml", 4, 60, "while parsing a flow sequence"),
    ("not_a_mapping", 1, 1, "expected a mapping at the top"),
    ("stack_not_suite", 1, 9, "this is a stack file"),
    ("unknown_key", 7, 5, "unknown key 'expects' (did you mean 'expect'?)"),
    ("unknown_agent", 4, 12, "unknown agent 'sdrr' (did you mean 'sdr'?)"),
    ("undeclared_action", 5, 13, "mkt doesn't propose 'offer_discount'"),
    ("unknown_customer", 6, 15, "unknown customer 'pipline-co' (did you mean 'pipeline-co'?)"),
    ("unknown_rule", 7, 35, "unknown rule 'may-emails' (did you mean 'may-email'?)"),
    ("unknown_param", 7, 23, "'percent' is not a parameter of offer_discount (did you mean 'pct'?)"),
    ("wrong_param_type", 7, 19, "pct must be a number, not 'twenty'"),
    ("params_not_a_mapping", 7, 5, "params are a mapping (name: value) or the name of a params fixture"),
    ("unknown_params_fixture", 7, 73, "unknown params fixture 'bigg' (did you mean 'big'?)"),
    ("bad_time", 7, 9, "26:00 is not a clock time"),
    ("unquoted_time", 7, 9, "a time must be quoted text"),
    ("wrong_verdict", 7, 23, "verdict should be 'go', 'flag', 'stop' or 'default', not 'allow'"),
    ("unknown_route", 7, 38, "unknown team or human queue 'marketting' (did you mean 'marketing'?)"),
    ("bad_obligation", 7, 46, "'email sales' is not an obligation (write log, disclose, or notify <team>)"),
    ("missing_stack", 2, 8, "no_such_stack.yaml: no such file"),
    ("broken_stack", 43, 21, "unknown team 'salez'"),
    ("nothing_to_test", 1, 1, "nothing to test"),
    ("duplicate_case_name", 5, 12, "another case is already called 'Twice'"),
    ("matrix_outside_selection", 7, 21, "'vip-co' is not one of this matrix's customers (valid: pipeline-co)"),
    ("matrix_dead_entry", 8, 9, "this entry selects no cell that an earlier entry hasn't already"),
    ("matrix_without_cells", 4, 5, "this matrix has no cells"),
    ("fixture_bad_attribute", 7, 27, "stage: 'lapsed' is not one of its values"),
    ("fixture_unknown_like", 6, 13, "unknown customer 'pipline-co' (did you mean 'pipeline-co'?)"),
    ("fixture_shadows_customer", 5, 11, "'vip-co' is already a customer of the stack"),
]


@pytest.mark.parametrize(("name", "line", "column", "words"), GALLERY, ids=[case[0] for case in GALLERY])
def test_a_bad_tests_file_is_reported_at_its_line_and_column(name: str, line: int, column: int, words: str) -> None:
    path = SUITES / "invalid" / f"{name}.tests.yaml"
    with pytest.raises(StudioError) as raised:
        load_suite(path)
    problems = raised.value.problems
    matching = [p for p in problems if words in str(p)]
    assert matching, f"{words!r} not in {[str(p) for p in problems]}"
    problem = matching[0]
    assert (problem.line, problem.column) == (line, column), str(problem)
    assert problem.file.endswith(".yaml")


def test_every_gallery_file_is_in_the_gallery_table() -> None:
    files = {path.name.removesuffix(".tests.yaml") for path in (SUITES / "invalid").glob("*.tests.yaml")}
    assert files == {case[0] for case in GALLERY}


def test_one_broken_suite_does_not_stop_the_others() -> None:
    report = run_paths([SUITES / "invalid" / "unknown_agent.tests.yaml", TINY_SUITE], now=NOW)
    assert len(report.runs) == 1 and len(report.errors) == 1 and not report.passed
    assert report.to_json()["errors"][0]["problems"][0]["line"] == 4


# -- finding and binding ------------------------------------------------------------------------


def test_paths_stand_for_suites(tmp_path: Path) -> None:
    assert discover([TINY]) == [TINY_SUITE]
    assert discover([SUITES]) == [TINY_SUITE]
    assert discover([TINY_SUITE, TINY]) == [TINY_SUITE]
    custom = write_suite(tmp_path, "cases: []\n", "acceptance.yaml")  # any name, if it says its format
    assert discover([custom]) == [custom]
    with pytest.raises(SuiteNotFoundError, match="has no test suite"):
        discover([DATA / "invalid" / "unknown_team.yaml"])


def test_a_suite_binds_to_the_stack_being_edited() -> None:
    document = read_suite(TINY_SUITE)
    stack = load_file(TINY).stack
    rules = [
        rule.model_copy(update={"limits": ["params.pct <= 30"]}) if rule.id == "may-discount" else rule
        for rule in stack.rules
    ]
    edited = bind(document, stack.model_copy(update={"rules": rules}))
    result = run_suite(edited, now=NOW)
    [failure] = result.failures  # the 25% discount now goes out on its own
    assert failure.probe.name == "A big discount goes to the desk" and failure.actual == "go"
    without_rule = stack.model_copy(update={"rules": [rule for rule in stack.rules if rule.id != "must-vip"]})
    with pytest.raises(SuiteInvalidError) as raised:
        bind(document, without_rule)
    problems = raised.value.problems
    assert [(p.line, p.message) for p in problems] == [(33, "unknown rule 'must-vip'"), (38, "unknown rule 'must-vip'")]
    assert problems[0].hint.startswith("valid: may-discount")


def test_suite_text_can_be_read_without_a_file() -> None:
    document = read_suite_text(
        "format: coordination-studio/tests/v1\nstack: tiny.yaml\ncases:\n"
        "  - {agent: mkt, action: send_email, customer: pipeline-co, expect: {verdict: go}}\n",
        source="editor",
    )
    result = run_suite(bind(document, load_file(TINY).stack), now=NOW)
    assert result.passed and result.suite.name == "editor"


# -- the samples ----------------------------------------------------------------------------------

NOWS = [
    "2026-11-23T15:00:00Z",  # a Monday in November
    "2026-03-08T07:30:00Z",  # the night the US springs forward
    "2026-11-01T05:30:00Z",  # the night the US falls back
    "2027-06-30T23:59:00Z",  # late in a summer's day in UTC, early evening in New York
    "2028-02-29T12:00:00Z",  # a leap day
]


@pytest.mark.parametrize("now", NOWS)
@pytest.mark.parametrize("path", SAMPLE_SUITES, ids=lambda path: path.name)
def test_every_sample_suite_passes_on_any_day(path: Path, now: str) -> None:
    result = run_suite(load_suite(path), now=parse_instant(now, now=0))
    assert result.passed, "\n".join(f"{r.probe.name}: {'; '.join(map(str, r.mismatches))}" for r in result.failures)


@pytest.mark.parametrize("stack", STACK_FILES, ids=lambda path: path.stem)
def test_every_sample_stack_ships_a_suite(stack: Path) -> None:
    assert (stack.parent / f"{stack.stem}.tests.yaml").is_file()


def test_the_b2b_suite_fires_every_rule_and_touches_every_cell() -> None:
    result = run_suite(load_suite(SAMPLES / "b2b_saas_renewals.tests.yaml"), now=NOW)
    [report] = coverage([result])
    assert report.never_fired == () and report.untouched == ()
    week = {
        name: next(r for r in result.results if r.probe.name.startswith(name))
        for name in ("Monday", "Wednesday", "Friday")
    }
    assert (week["Monday"].actual, week["Wednesday"].actual, week["Friday"].actual) == (
        "flag → csm-renewals",
        "flag → csm-renewals, deal-desk",
        "stop",
    )
