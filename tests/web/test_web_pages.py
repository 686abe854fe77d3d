"""Each page's logic through Streamlit's AppTest: what it shows, and the edits it makes through
the workshop (the file on disk is checked where a page saves)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest

from studio.document import load_file
from studio.signoff import SignOffState
from studio.workshop import Workshop
from tests.web.support import B2B
from web import state

RunApp = Callable[..., Any]
DATA = Path(__file__).resolve().parent / "data"
"""Three small exports (customers, events, proposals) for the B2B sample."""


def keyed(elements: Iterable[Any], prefix: str) -> Any:
    """The widget whose key starts with `prefix` (keys end with the workshop's version)."""
    found = [element for element in elements if str(element.key or "").startswith(prefix)]
    assert found, f"no widget keyed {prefix}…: {[e.key for e in elements]}"
    return found[0]


def workshop_of(at: Any) -> Workshop:
    found = at.session_state[state.WORKSHOP]
    assert isinstance(found, Workshop)
    return found


def texts(elements: Iterable[Any]) -> str:
    return "\n".join(str(element.value) for element in elements)


# -- the frame ---------------------------------------------------------------------------------------


def test_the_studio_opens_the_stack_it_was_given(app: RunApp) -> None:
    at = app()
    assert at.title[0].value == "Northwind Analytics (B2B SaaS renewals)"
    assert at.query_params["stack"] == B2B
    assert at.selectbox(key="frame.stack").value == B2B
    assert "b2b_saas_renewals.tests.yaml" not in at.selectbox(key="frame.stack").options


def test_a_link_opens_another_stack_of_the_folder(app: RunApp) -> None:
    at = app(stack="b2c_retail.yaml")
    assert workshop_of(at).path is not None
    assert workshop_of(at).path.name == "b2c_retail.yaml"  # type: ignore[union-attr]


@pytest.mark.parametrize("escape", ["../outside.yaml", "/etc/passwd", "../../etc/hosts.yaml", "notes.txt"])
def test_no_file_outside_the_folder_can_be_opened(app: RunApp, stacks: Path, escape: str) -> None:
    (stacks.parent / "outside.yaml").write_text((stacks / B2B).read_text())
    at = app(stack=escape)
    assert "Not a stack in this folder" in texts(at.error)
    assert workshop_of(at).path == stacks.resolve() / B2B  # the default opened instead
    assert at.query_params["stack"] == B2B


def test_a_symlink_out_of_the_folder_is_refused(app: RunApp, stacks: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.yaml"
    secret.write_text((stacks / B2B).read_text())
    (stacks / "link.yaml").symlink_to(secret)
    at = app(stack="link.yaml")
    assert "outside the studio's folder" in texts(at.error)
    assert workshop_of(at).path == stacks.resolve() / B2B
    assert "link.yaml" not in at.selectbox(key="frame.stack").options


def test_a_broken_stack_file_is_reported_not_raised(app: RunApp, stacks: Path) -> None:
    (stacks / "broken.yaml").write_text("format: coordination-studio/v1\nname: [unclosed\n")
    at = app(stack="broken.yaml")
    assert "not valid YAML" in texts(at.error) and "line 3, column 1" in texts(at.markdown)
    at.selectbox(key="frame.stack").select("broken.yaml").run()
    assert "not valid YAML" in texts(at.error)
    assert workshop_of(at).path is not None and workshop_of(at).path.name == B2B  # type: ignore[union-attr]


def test_undo_and_redo_from_the_sidebar(app: RunApp) -> None:
    at = app("matrix")
    keyed(at.text_input, "matrix.B3-sdr-discounts.limits.0.").input("params.discount_pct <= 15").run()
    assert _limits(workshop_of(at))[0] == "params.discount_pct <= 15"
    assert workshop_of(at).dirty
    assert "Unsaved changes" in texts(at.sidebar.markdown)
    at.button(key="frame.undo").click().run()
    assert not workshop_of(at).dirty
    at.button(key="frame.redo").click().run()
    assert _limits(workshop_of(at))[0] == "params.discount_pct <= 15"


def test_large_type_mode_injects_the_projector_styles(app: RunApp) -> None:
    at = app()
    assert at.session_state[state.PROJECTOR] is False
    at.toggle(key="frame.projector").set_value(True).run()
    assert at.session_state[state.PROJECTOR] is True


def test_projector_flag_starts_in_large_type(app: RunApp, studio_env: Callable[..., None]) -> None:
    studio_env(projector=True)
    at = app()
    assert at.toggle(key="frame.projector").value is True


# -- passcode ------------------------------------------------------------------------------------------


def test_a_shared_studio_shows_nothing_before_the_passcode(app: RunApp, studio_env: Callable[..., None]) -> None:
    studio_env(passcode="ABCD-EFGH-JKLM")
    at = app()
    assert not at.metric and not at.text_input(key="frame.passcode.text").value
    assert state.WORKSHOP not in at.session_state
    at.text_input(key="frame.passcode.text").input("WRONG")
    at.button[0].click().run()
    assert "isn't right" in texts(at.error)
    assert state.WORKSHOP not in at.session_state
    at.text_input(key="frame.passcode.text").input("abcd efgh jklm")
    at.button[0].click().run()
    assert at.title[0].value == "Northwind Analytics (B2B SaaS renewals)"


# -- 1 · Stack ---------------------------------------------------------------------------------------


def test_stack_page_lists_the_register_and_the_open_question(app: RunApp) -> None:
    at = app()
    assert [m.value for m in at.metric] == ["6", "7", "6", "2"]
    assert "Who owns “Win-back of lapsing accounts”?" in texts(at.markdown)
    assert "Sales and Customer Success both act on The renewal conversation on their own" in texts(at.markdown)
    register = at.dataframe[0].value
    assert "AI sales assistant" in list(register["Tool or agent"])


def test_an_open_ownership_question_is_answered_on_the_stack_page(app: RunApp) -> None:
    at = app()
    keyed(at.selectbox, "stack.owner.win-back.").select("service").run()
    keyed(at.button, "stack.owner.win-back.").click().run()
    decision = next(d for d in workshop_of(at).stack.decisions if d.id == "win-back")
    assert decision.owner == "service"
    assert at.metric[3].value == "1"  # the contested renewal conversation is still open


# -- 2 · Matrix ---------------------------------------------------------------------------------------


def _limits(workshop: Workshop) -> list[str]:
    return list(next(r for r in workshop.stack.rules if r.id == "B3-sdr-discounts").limits)


def test_matrix_shows_may_must_never_per_agent(app: RunApp) -> None:
    at = app("matrix")
    overview = at.dataframe[0].value
    sdr = overview[overview["Agent"] == "AI sales assistant (Outreach)"].iloc[0]
    assert "B3-sdr-discounts" in sdr["MAY"] and "B1-renewal-window" in sdr["MUST"]
    kinds = [tab.label for tab in at.tabs if tab.label.split(" ")[0] in ("MAY", "MUST", "NEVER")]
    assert kinds == ["MAY (2)", "MUST (5)", "NEVER (2)"]


def test_typing_cel_into_a_limit_edits_the_rule(app: RunApp) -> None:
    at = app("matrix")
    keyed(at.text_input, "matrix.B3-sdr-discounts.limits.0.").input("params.discount_pct <= 15").run()
    assert _limits(workshop_of(at)) == ["params.discount_pct <= 15", "params.acv_impact_usd <= 20000"]
    assert workshop_of(at).valid


def test_a_typo_in_cel_is_shown_at_the_field_and_kept(app: RunApp) -> None:
    at = app("matrix")
    keyed(at.text_input, "matrix.B3-sdr-discounts.limits.0.").input("params.discont_pct <= 15").run()
    workshop = workshop_of(at)
    assert not workshop.valid and _limits(workshop)[0] == "params.discont_pct <= 15"
    assert "no parameter 'discont" in texts(at.error)
    assert "last valid version" in texts(at.warning)


def test_a_condition_is_built_with_pickers(app: RunApp) -> None:
    at = app("matrix")
    base = "matrix.B3-sdr-discounts.history."
    keyed(at.selectbox, base).select("sales").run()  # who touched the customer
    keyed(at.button, "matrix.B3-sdr-discounts.history.add-when.").click().run()
    when = next(r for r in workshop_of(at).stack.rules if r.id == "B3-sdr-discounts").when
    assert when is not None and not isinstance(when, str)
    assert when.all[-1] == "history.exists(e, e.team == 'sales' && now - e.at <= hours(24))"  # type: ignore[union-attr]
    assert workshop_of(at).valid


def test_a_rule_is_added_from_the_matrix(app: RunApp) -> None:
    at = app("matrix")
    inputs = {t.label: t for t in at.text_input}
    inputs["Rule id"].input("B20-no-discount-after-case")
    inputs["Why (in plain words)"].input("No discount while a case is open.")
    inputs["When (CEL, optional)"].input("customer.open_case_severity != 'none'")
    at.selectbox[[s.label for s in at.selectbox].index("Kind")].select("never")
    at.button(key="FormSubmitter:matrix.new.ai-sdr-agent-Add the rule").click().run()
    assert not at.error, texts(at.error)
    rule = next(r for r in workshop_of(at).stack.rules if r.id == "B20-no-discount-after-case")
    assert rule.kind.value == "never" and rule.agents == ["ai-sdr-agent"]


# -- 3 · Preview ---------------------------------------------------------------------------------------


def test_preview_explains_the_story_cell_and_what_would_flip_it(app: RunApp) -> None:
    at = app("preview")
    assert at.selectbox(key="preview.customer").value == "acme-logistics"
    markdown = texts(at.markdown)
    assert 'data-verdict="flag"' in markdown and "studio-grid" in markdown
    assert "flag → Renewal desk (Customer Success), Deal desk (Sales)" in markdown
    assert "discount must be at most 10% (asked: 15%)" in markdown
    assert "What would flip it" in markdown


def test_preview_replays_the_week_with_and_without_the_policy(app: RunApp) -> None:
    at = app("preview")
    table = at.table[0].value
    assert list(table["Without the policy"]) == ["✔ go", "✔ go", "✔ go"]
    assert [v.split(" ")[1] for v in table["With the policy"]] == ["flag", "flag", "stop"]


def test_an_edit_rings_the_cells_it_flipped(app: RunApp) -> None:
    at = app("matrix")
    keyed(at.text_input, "matrix.B3-sdr-discounts.limits.0.").input("params.discount_pct <= 15").run()
    at.switch_page("views/preview.py").run()
    at.selectbox(key="preview.customer").select("birch-health").run()
    assert "the last change flipped" in texts(at.caption)
    assert "flipped" in texts(at.markdown)
    assert workshop_of(at).decision("birch-health", "ai-sdr-agent", "offer_discount").verdict.value == "go"


def _exports(stacks: Path) -> None:
    for export in DATA.glob("*.csv"):
        (stacks / export.name).write_bytes(export.read_bytes())


def test_preview_decides_a_customer_export_and_goes_back_to_the_samples(app: RunApp, stacks: Path) -> None:
    _exports(stacks)
    at = app("preview")
    assert "Population: the stack's 9 sample customers" in texts(at.markdown)
    at.radio(key="population.where").set_value("Files in the studio's folder").run()
    at.text_input(key="population.path.events").input("events.csv").run()
    at.button(key="population.load").click().run()
    markdown = texts(at.markdown)
    assert "Population: customers.csv, 3 customers" in markdown and "contact history: events.csv" in markdown
    assert 'data-cell="birch|ai-sdr-agent|offer_discount" data-verdict' not in markdown  # attribute order
    assert 'data-verdict="flag" data-cell="birch|ai-sdr-agent|offer_discount"' in markdown
    assert "Customers by verdict, per agent → action" in texts(at.subheader)
    at.selectbox(key="population.customer").select("birch").run()
    assert "⚑ flag → Deal desk (Sales)" in texts(at.markdown)  # the chosen cell, explained
    assert "Every customer" in texts(at.subheader) and not at.table  # no scenario: it is about the samples

    at.switch_page("views/matrix.py").run()
    keyed(at.text_input, "matrix.B3-sdr-discounts.limits.0.").input("params.discount_pct <= 15").run()
    at.switch_page("views/preview.py").run()
    birch = re.search(
        r'<td class="([^"]*)"[^>]*data-verdict="(\w+)" data-cell="birch\|ai-sdr-agent\|offer_discount"',
        texts(at.markdown),
    )
    assert birch is not None and "flipped" in birch.group(1).split() and birch.group(2) == "go"
    assert "decisions changed since these customers were last decided here" in texts(at.caption)

    at.button(key="population.back").click().run()
    assert "Population: the stack's 9 sample customers" in texts(at.markdown)
    assert at.table  # the scenario again


def test_preview_reads_no_export_outside_the_folder(app: RunApp, stacks: Path) -> None:
    (stacks.parent / "secret.csv").write_text("customer_id\nx\n")
    at = app("preview")
    at.radio(key="population.where").set_value("Files in the studio's folder").run()
    at.text_input(key="population.path.customers").input("../secret.csv").run()
    at.button(key="population.load").click().run()
    assert "outside the studio's folder" in texts(at.error)
    assert "Population: the stack's 9 sample customers" in texts(at.markdown)


# -- 4 · Findings ---------------------------------------------------------------------------------------


def test_findings_list_problems_with_the_rule_to_fix_them(app: RunApp) -> None:
    at = app("matrix")
    keyed(at.text_input, "matrix.B3-sdr-discounts.limits.0.").input("params.discont_pct <= 15").run()
    at.switch_page("views/findings.py").run()
    assert "1 problem to fix first" in texts(at.header)
    keyed(at.text_input, "findings.problem.B3-sdr-discounts.limits.0.").input("params.discount_pct <= 12").run()
    assert workshop_of(at).valid and _limits(workshop_of(at))[0] == "params.discount_pct <= 12"


def test_findings_answer_ownership_questions(app: RunApp) -> None:
    at = app("findings")
    question = next(e for e in at.expander if e.label.endswith("Nobody owns Win-back of lapsing accounts"))
    question.selectbox[0].select("marketing").run()
    question = next(e for e in at.expander if e.label.endswith("Nobody owns Win-back of lapsing accounts"))
    question.button[0].click().run()
    assert next(d for d in workshop_of(at).stack.decisions if d.id == "win-back").owner == "marketing"
    assert not any(e.label.endswith("Nobody owns Win-back of lapsing accounts") for e in at.expander)


def test_findings_show_conflicts_with_an_example(app: RunApp) -> None:
    at = app("findings")
    headers = texts(at.header)
    assert "Conflicts (" in headers and "Ownership questions (" in headers
    assert "For example:" in texts(at.markdown)


def test_a_contested_decision_gets_a_lead_rule(app: RunApp) -> None:
    at = app("findings")
    button = next(b for b in at.button if b.label.startswith("Add a MUST rule: ai-sdr-agent flag"))
    button.click().run()
    rule = next(r for r in workshop_of(at).stack.rules if r.id == "lead-renewal-conversation")
    assert rule.kind.value == "must" and rule.agents == ["ai-sdr-agent"] and rule.owner == "success"


# -- 5 · What-if and review load -------------------------------------------------------------------------


def test_what_if_slides_a_limit_and_applies_it(app: RunApp) -> None:
    at = app("whatif")
    assert at.selectbox(key="whatif.rule").value == "B3-sdr-discounts"
    keyed(at.slider, "whatif.value.B3-sdr-discounts.limits.0.").set_value(15.0).run()
    assert "sample decisions change" in texts(at.markdown)
    keyed(at.button, "whatif.apply.B3-sdr-discounts.limits.0.").click().run()
    assert _limits(workshop_of(at))[0] == "params.discount_pct <= 15"


def test_review_load_names_the_team_over_capacity(app: RunApp) -> None:
    at = app("whatif")
    assert "✖ Customer Success reviews 26.3 flags a day against a capacity of 20" in texts(at.markdown)


# -- 6 · Sign-off -----------------------------------------------------------------------------------------


def test_a_lead_signs_and_the_file_records_it(app: RunApp, stacks: Path) -> None:
    at = app("signoff")
    keyed(at.text_input, "signoff.sales.").input("Marco Diaz").run()
    keyed(at.button, "signoff.sales.").click().run()
    saved = load_file(stacks / B2B).stack
    assert [(s.team, s.name) for s in saved.signoffs] == [("sales", "Marco Diaz")]
    assert "Signed by Marco Diaz" in texts(at.markdown)


def test_a_change_to_what_a_team_signed_clears_its_signoff_visibly(app: RunApp) -> None:
    at = app("signoff")
    keyed(at.button, "signoff.sales.").click().run()
    keyed(at.button, "signoff.marketing.").click().run()
    at.switch_page("views/matrix.py").run()
    keyed(at.text_input, "matrix.B3-sdr-discounts.limits.0.").input("params.discount_pct <= 15").run()
    at.switch_page("views/signoff.py").run()
    states = {team.team: team.state for team in workshop_of(at).signoffs()}
    assert states["sales"] is SignOffState.STALE and states["marketing"] is SignOffState.SIGNED
    markdown = texts(at.markdown)
    assert "✖ Sales" in markdown and "Cleared" in markdown
    assert "discount" in markdown  # what changed since they signed
    assert keyed(at.button, "signoff.sales.").disabled  # unsaved changes: save before signing


# -- 7 · Export -------------------------------------------------------------------------------------------


def test_export_offers_the_bundle_and_the_rules(app: RunApp) -> None:
    at = app("export")
    labels = [button.label for button in at.get("download_button")]
    assert labels == ["⬇ Download the bundle (.tar.gz)", "⬇ Operating rules (HTML)", "⬇ Operating rules (Markdown)"]


# -- several people at once -----------------------------------------------------------------------------


def test_someone_elses_save_reloads_a_session_without_edits(app: RunApp, stacks: Path) -> None:
    at = app("matrix")
    other = Workshop.open(stacks / B2B)
    other.apply(lambda stack: stack.model_copy(update={"name": "Renamed by someone else"}), "rename")
    other.save()
    at.run()
    assert workshop_of(at).stack.name == "Renamed by someone else"
    assert "Someone saved" in texts(at.success)


def test_a_conflicting_save_is_told_and_retried_without_losing_either_edit(app: RunApp, stacks: Path) -> None:
    at = app("matrix")
    keyed(at.text_input, "matrix.B3-sdr-discounts.limits.0.").input("params.discount_pct <= 15").run()
    other = Workshop.open(stacks / B2B)
    other.apply(lambda stack: stack.model_copy(update={"name": "Renamed by someone else"}), "rename")
    other.save()
    at.run()
    assert "while you have unsaved edits" in texts(at.warning)
    at.button(key="frame.save").click().run()
    assert "someone else saved" in texts(at.error)
    assert "Name: " in texts(at.markdown) or "Renamed by someone else" in texts(at.markdown)
    at.button(key="frame.conflict.retry").click().run()
    saved = load_file(stacks / B2B).stack
    assert saved.name == "Renamed by someone else"
    assert next(r for r in saved.rules if r.id == "B3-sdr-discounts").limits[0] == "params.discount_pct <= 15"
    assert not workshop_of(at).dirty


# -- backtest -----------------------------------------------------------------------------------------


def test_a_backtest_runs_on_exports_in_the_folder_and_its_load_is_shown_beside_the_forecast(
    app: RunApp, stacks: Path
) -> None:
    _exports(stacks)
    at = app("whatif")
    assert not any("Observed" in s for s in texts(at.subheader).splitlines())
    at.radio(key="backtest.where").set_value("Files in the studio's folder").run()
    at.button(key="backtest.run").click().run()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Proposals"] == "5" and metrics["⚑ flag"] == "2"
    subheaders = texts(at.subheader)
    assert "Verdicts by team" in subheaders
    assert "Forecast: declared volumes" in subheaders and "Observed: the backtest's real volumes" in subheaders
    assert "over the backtest's 5 real proposals" in texts(at.caption)
    markdown = texts(at.markdown)
    assert "✖ Customer Success reviews 26.3 flags a day against a capacity of 20" in markdown  # declared
    assert re.search(r"✔ Customer Success reviews 0\.\d flags a day of its 20", markdown)  # observed


def test_a_backtest_cannot_read_outside_the_folder(app: RunApp, stacks: Path) -> None:
    (stacks.parent / "secret.csv").write_text("customer_id\nx\n")
    at = app("whatif")
    at.radio(key="backtest.where").set_value("Files in the studio's folder").run()
    at.text_input(key="backtest.path.customers").input("../secret.csv").run()
    at.button(key="backtest.run").click().run()
    assert "outside the studio's folder" in texts(at.error)
    assert not any(m.label == "Proposals" for m in at.metric)
