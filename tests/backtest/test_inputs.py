"""Reading the exports: every mistake is a clear message naming file, row and column.

Also what counts as a value: numbers, booleans, lists, times in every accepted form (ISO 8601
with `Z`, an offset or none, epoch s / ms / µs, Parquet timestamps), the mapping's value
translations, and defaults for empty cells.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlglot import exp

from studio.backtest import InputError, Inputs, MappingError, Source, parse_mapping, run_backtest
from studio.backtest.engines import Session
from studio.backtest.layout import CUSTOMERS, EVENTS, PROPOSALS
from studio.backtest.sql import table
from studio.clock import parse_instant
from tests.conftest import tiny

RULES = """
- id: never-legal
  kind: never
  owner: sales
  rationale: legal hold
  when: "'legal' in customer.tags"
- id: may-discount
  kind: may
  owner: sales
  rationale: small discounts
  agents: [sdr]
  actions: [offer_discount]
  limits: [params.pct <= 15]
  route: desk
"""

CUSTOMERS_CSV = """\
customer_id,arr,stage,vip,tz,tags,since
c1,50000,pipeline,false,UTC,,2020-01-01T00:00:00Z
c2,120000,renewal,true,Europe/Paris,legal;fraud,2021-06-01
"""
EVENTS_CSV = """\
customer_id,at,agent,team,kind,channel,purpose,discount_pct
c1,2026-11-20T10:00:00Z,sdr,,call,phone,sales,
c2,2026-11-21T10:00:00+01:00,,marketing,send_email,email,marketing,5
"""
PROPOSALS_CSV = """\
proposal_id,customer_id,at,agent,action,pct
p1,c1,2026-11-23T15:00:00Z,sdr,offer_discount,10
p2,c2,2026-11-23T15:00:00Z,mkt,send_email,
"""


def _write(folder: Path, name: str, text: str) -> Source:
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return Source.from_path(path)


def _run(
    folder: Path,
    *,
    customers: str = CUSTOMERS_CSV,
    events: str = EVENTS_CSV,
    proposals: str = PROPOSALS_CSV,
    mapping: str = "",
    rules: str = RULES,
) -> dict[str, list[dict[str, Any]]]:
    stack = tiny(rules).stack
    inputs = Inputs(
        _write(folder, "customers.csv", customers),
        _write(folder, "events.csv", events),
        _write(folder, "proposals.csv", proposals),
    )
    chosen = parse_mapping(textwrap.dedent(mapping), "mapping.yaml") if mapping else None
    tables: dict[str, list[dict[str, Any]]] = {}

    def keep(session: Session) -> None:
        for name in (CUSTOMERS, EVENTS, PROPOSALS, "bt_decisions"):
            tables[name] = session.arrow(exp.select(exp.Star()).from_(table(name))).to_pylist()

    run_backtest(stack, inputs, mapping=chosen, mapping_source="mapping.yaml", keep=keep)
    return tables


def _error(folder: Path, **given: str) -> InputError | MappingError:
    with pytest.raises((InputError, MappingError)) as caught:
        _run(folder, **given)
    return caught.value


def _text(error: InputError | MappingError) -> str:
    return str(error)


def test_a_clean_export_reads_into_the_stacks_values(tmp_path: Path) -> None:
    tables = _run(tmp_path)
    c1, c2 = tables[CUSTOMERS]
    assert (c1["cid"], c1["a0"], c1["a1"], c1["a2"], c1["a3"], c1["a4"]) == (
        "c1",
        50000.0,
        "pipeline",
        False,
        "UTC",
        [],
    )
    assert (c2["a2"], c2["a4"], c2["a5"]) == (True, ["legal", "fraud"], parse_instant("2021-06-01", now=0))
    e1, e2 = sorted(tables[EVENTS], key=lambda e: e["cid"])
    assert (e1["team"], e1["agent"], e1["pl0"]) == ("sales", "sdr", 0.0), "team from the agent, payload default"
    assert (e2["at"], e2["agent"], e2["team"]) == (parse_instant("2026-11-21T09:00:00Z", now=0), "", "marketing")
    p1, p2 = sorted(tables[PROPOSALS], key=lambda p: p["pid"])
    assert (p1["pid"], p1["prow"], p1["pa0"]) == ("p1", 1, 10.0)
    assert p2["pa0"] is None, "a parameter of another action stays empty"
    verdicts = {d["pid"]: d["verdict"] for d in tables["bt_decisions"]}
    assert verdicts == {"p1": "go", "p2": "stop"}


def test_a_mistyped_number_names_file_row_and_column(tmp_path: Path) -> None:
    customers = CUSTOMERS_CSV.replace("c2,120000", "c2,12O000")
    error = _error(tmp_path, customers=customers)
    assert isinstance(error, InputError)
    assert error.problems[0].file.endswith("customers.csv")
    assert "row 2, column 'arr' (attributes.arr): '12O000' is not a number" in _text(error)


def test_every_kind_of_bad_value_is_reported_with_its_row(tmp_path: Path) -> None:
    customers = (
        "customer_id,arr,stage,vip,tz,tags,since\n"
        "c1,-5,pipeline,maybe,Mars/Olympus,legal;nope,2020-13-01\n"
        "c2,,renewals,true,UTC,,2020-01-01\n"
    )
    text = _text(_error(tmp_path, customers=customers))
    assert "row 1, column 'arr' (attributes.arr): '-5' is below the minimum 0" in text
    assert "row 1, column 'vip' (attributes.vip): 'maybe' is not true or false" in text
    assert (
        "row 1, column 'tags' (attributes.tags): 'legal;nope' has an item that doesn't fit tags (legal, fraud)" in text
    )
    assert "row 1, column 'since' (attributes.since): '2020-13-01' is not an ISO 8601 time" in text
    assert "row 2, column 'arr' (attributes.arr): the empty cell is empty, and arr has no default" in text
    assert "row 2, column 'stage' (attributes.stage): 'renewals' is not one of the values of stage" in text


def test_an_unknown_time_zone_is_reported_after_the_values_fit(tmp_path: Path) -> None:
    customers = CUSTOMERS_CSV.replace("Europe/Paris", "Europe/Pariss")
    text = _text(_error(tmp_path, customers=customers))
    assert "row 2, column 'tz' (attributes.tz): 'Europe/Pariss' is not an IANA time zone" in text


def test_a_column_the_mapping_names_must_exist(tmp_path: Path) -> None:
    mapping = """
        customers:
          attributes:
            arr: ARR
    """
    error = _error(tmp_path, mapping=mapping)
    assert isinstance(error, MappingError)
    assert "no column 'ARR' for customers attributes.arr (named in the mapping)" in _text(error)
    assert "did you mean 'arr'?" in _text(error)


def test_a_required_field_without_column_or_default(tmp_path: Path) -> None:
    customers = (
        "customer_id,stage,vip,tz,tags,since\nc1,pipeline,false,UTC,,2020-01-01\nc2,renewal,true,UTC,,2020-01-01\n"
    )
    error = _error(tmp_path, customers=customers)
    assert isinstance(error, MappingError)
    assert "no column for attributes.arr (looked for a column 'arr'), and no default" in _text(error)


def test_a_missing_required_column_of_the_proposals(tmp_path: Path) -> None:
    proposals = PROPOSALS_CSV.replace("agent,", "who,")
    error = _error(tmp_path, proposals=proposals)
    assert "no column 'agent' for proposals agent (the default column name)" in _text(error)


def test_a_parameter_missing_for_its_action(tmp_path: Path) -> None:
    proposals = PROPOSALS_CSV.replace("offer_discount,10", "offer_discount,")
    text = _text(_error(tmp_path, proposals=proposals))
    assert (
        "row 1, column 'pct' (params.pct): the empty cell is empty, and offer_discount's parameter pct has no default"
        in text
    )


def test_events_name_an_agent_or_a_team(tmp_path: Path) -> None:
    events = EVENTS_CSV.replace("c1,2026-11-20T10:00:00Z,sdr,,", "c1,2026-11-20T10:00:00Z,,,")
    text = _text(_error(tmp_path, events=events))
    assert "row 1, column 'team' (team): the empty cell names neither an agent nor a team" in text


def test_unknown_names_are_errors_unless_kept_or_translated(tmp_path: Path) -> None:
    events = EVENTS_CSV.replace(",call,", ",Outbound Call,").replace(",send_email,", ",webinar,")
    text = _text(_error(tmp_path, events=events))
    assert "row 1, column 'kind' (kind): 'Outbound Call' is not one of the values of the event kind" in text
    mapping = """
        events:
          kind: {column: kind, values: {Outbound Call: call}, other: keep}
    """
    kinds = sorted(e["kind"] for e in _run(tmp_path, events=events, mapping=mapping)[EVENTS])
    assert kinds == ["call", "webinar"]


def test_ids_are_unique_and_proposals_name_known_customers(tmp_path: Path) -> None:
    customers = CUSTOMERS_CSV + "c1,1,pipeline,false,UTC,,2020-01-01\n"
    assert "customer id 'c1' appears 2 times (rows 1 and 3)" in _text(_error(tmp_path, customers=customers))
    proposals = PROPOSALS_CSV + "p3,c9,2026-11-23T15:00:00Z,sdr,send_email,\n"
    assert "row 3: customer 'c9' is not in" in _text(_error(tmp_path, proposals=proposals))
    proposals = PROPOSALS_CSV + "p2,c1,2026-11-23T15:00:00Z,sdr,send_email,\n"
    assert "proposal id 'p2' appears 2 times (rows 2 and 3)" in _text(_error(tmp_path, proposals=proposals))


def test_events_of_unknown_customers_are_ignored_with_a_note(tmp_path: Path) -> None:
    stack = tiny(RULES).stack
    events = EVENTS_CSV + "c7,2026-11-20T10:00:00Z,sdr,,call,phone,sales,\n"
    inputs = Inputs(
        _write(tmp_path, "customers.csv", CUSTOMERS_CSV),
        _write(tmp_path, "events.csv", events),
        _write(tmp_path, "proposals.csv", PROPOSALS_CSV),
    )
    summary = run_backtest(stack, inputs).summary
    assert summary.notes == (
        f"1 events in {tmp_path / 'events.csv'} name customers not in {tmp_path / 'customers.csv'}; they were ignored",
    )


@pytest.mark.parametrize(
    ("text", "time_format", "zone"),
    [
        ("2026-11-23T10:00:00Z", "iso", "UTC"),
        ("2026-11-23 10:00:00.5+05:30", "iso", "UTC"),
        ("2026-11-23T10:00-0800", "iso", "UTC"),
        ("2026-11-23T10:00:00.123456+01", "iso", "UTC"),
        ("2026-11-23", "iso", "America/New_York"),
        ("2026-03-08T02:30:00", "iso", "America/New_York"),  # skipped by the spring change
        ("2026-11-01T01:30:00", "iso", "America/New_York"),  # repeated by the autumn change
        ("2026-10-25T02:30:00", "iso", "Europe/Paris"),
        ("2026-03-29T02:30:00", "iso", "Europe/Paris"),
        ("2026-04-05T02:30:00", "iso", "Australia/Sydney"),
        ("1795435200", "epoch_s", "UTC"),
        ("1795435200.25", "epoch_s", "UTC"),
        ("1795435200250", "epoch_ms", "UTC"),
        ("1795435200250001", "epoch_us", "UTC"),
    ],
)
def test_times_read_as_python_reads_them(tmp_path: Path, text: str, time_format: str, zone: str) -> None:
    proposals = f"proposal_id,customer_id,at,agent,action,pct\np1,c1,{text},sdr,send_email,\n"
    mapping = f"""
        time_format: {time_format}
        timezone: {zone}
        customers:
          attributes:
            since: {{column: since, time_format: iso, timezone: UTC}}
        events:
          at: {{column: at, time_format: iso}}
    """
    tables = _run(tmp_path, proposals=proposals, mapping=mapping)
    if time_format == "iso":
        expected = parse_instant(text, now=0, tz=zone)
    else:
        whole, _, fraction = text.partition(".")
        unit = {"epoch_s": 1_000_000, "epoch_ms": 1_000, "epoch_us": 1}[time_format]
        expected = int(whole) * unit + (int(fraction.ljust(6, "0")) if fraction else 0)
    assert tables[PROPOSALS][0]["at"] == expected


@pytest.mark.parametrize(
    "bad", ["2026-11-23T24:00:00Z", "2026-02-30", "23/11/2026", "2026-11-23T10:00:00.1234567Z", "now"]
)
def test_unreadable_times(tmp_path: Path, bad: str) -> None:
    proposals = f"proposal_id,customer_id,at,agent,action,pct\np1,c1,{bad},sdr,send_email,\n"
    text = _text(_error(tmp_path, proposals=proposals))
    assert f"row 1, column 'at' (at): {bad!r} is not an ISO 8601 time" in text


def test_parquet_columns_of_the_wrong_type(tmp_path: Path) -> None:
    stack = tiny(RULES).stack
    customers = pa.table(
        {
            "customer_id": ["c1"],
            "arr": [True],
            "stage": ["pipeline"],
            "vip": [False],
            "tz": ["UTC"],
            "tags": [["legal"]],
            "since": pa.array([0], pa.timestamp("us", tz="UTC")),
        }
    )
    pq.write_table(customers, tmp_path / "customers.parquet")
    inputs = Inputs(
        Source.from_path(tmp_path / "customers.parquet"),
        _write(tmp_path, "events.csv", EVENTS_CSV),
        _write(tmp_path, "proposals.csv", PROPOSALS_CSV.replace("c2", "c1")),
    )
    with pytest.raises(InputError) as caught:
        run_backtest(stack, inputs)
    assert "row 1, column 'arr' (attributes.arr): 'true' has a column type that can't hold this field" in str(
        caught.value
    )


def test_mapping_file_mistakes_point_at_the_line(tmp_path: Path) -> None:
    with pytest.raises(MappingError) as caught:
        parse_mapping("customers:\n  id: [unclosed\n", "mapping.yaml")
    assert caught.value.problems[0].line >= 2
    with pytest.raises(MappingError) as caught:
        parse_mapping("customers:\n  atributes: {}\n", "mapping.yaml")
    problem = caught.value.problems[0]
    assert (problem.file, problem.line) == ("mapping.yaml", 2)
    assert "unknown key 'atributes'" in problem.message and "attributes" in problem.hint
    with pytest.raises(MappingError) as caught:
        parse_mapping("timezone: Mars/Base\n", "mapping.yaml")
    assert "unknown time zone 'Mars/Base'" in str(caught.value)


def test_the_mapping_must_name_declared_fields(tmp_path: Path) -> None:
    mapping = """
        customers:
          attributes:
            arr_usd: arr
    """
    text = _text(_error(tmp_path, mapping=mapping))
    assert "customers.attributes.arr_usd: not declared in the stack" in text


def test_files_that_cant_be_read(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        Source.from_path(tmp_path / "missing.csv")
    (tmp_path / "data.xlsx").write_text("x")
    with pytest.raises(InputError, match="can't tell the format"):
        Source.from_path(tmp_path / "data.xlsx")
    (tmp_path / "broken.parquet").write_text("not parquet")
    stack = tiny(RULES).stack
    inputs = Inputs(
        Source.from_path(tmp_path / "broken.parquet"),
        _write(tmp_path, "events.csv", EVENTS_CSV),
        _write(tmp_path, "proposals.csv", PROPOSALS_CSV),
    )
    with pytest.raises(InputError, match=r"broken\.parquet: can't read it as PARQUET"):
        run_backtest(stack, inputs)
