"""`studio.population_grid`: a customer export as the preview's population. The sample customers
written out as an export are decided exactly as the sample grid decides them; a big export keeps
its first customers and counts them all; edits flip cells; bad values are named where they are."""

from __future__ import annotations

import csv
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from studio import edits
from studio.backtest import InputError
from studio.clock import iso
from studio.decision import Verdict
from studio.live_grid import same_decision
from studio.population_grid import PopulationFiles, decide_population, load_population
from studio.samples import Column, customer_values
from studio.workshop import Workshop
from tests.web.support import B2B, SAMPLES

DISCOUNT = Column("ai-sdr-agent", "offer_discount")


@pytest.fixture(scope="module")
def b2b() -> Workshop:
    return Workshop.open(SAMPLES / B2B)


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return ";".join(str(item) for item in value)
    return str(value)


def write_samples(workshop: Workshop, folder: Path) -> tuple[Path, Path]:
    """The stack's sample customers, as the sample clock sees them, written as two CSV exports."""
    stack = workshop.stack
    at = workshop.sample_now
    specs = stack.customer.attributes
    payload = list(stack.customer.history.payload)
    customers, events = folder / "customers.csv", folder / "events.csv"
    with customers.open("w", newline="") as c_out, events.open("w", newline="") as e_out:
        c_rows, e_rows = csv.writer(c_out), csv.writer(e_out)
        c_rows.writerow(["customer_id", *specs])
        e_rows.writerow(["customer_id", "at", "agent", "team", "kind", "channel", "purpose", *payload])
        for sample in stack.customers:
            values, history = customer_values(stack, sample, at)
            row = [sample.id]
            for name, spec in specs.items():
                value = values[name]
                row.append(iso(value) if spec.type.value == "timestamp" else _cell(value))
            c_rows.writerow(row)
            for event in history:
                fields = [event[key] for key in ("agent", "team", "kind", "channel", "purpose")]
                e_rows.writerow(
                    [sample.id, iso(event["at"]), *fields, *(_cell(event["payload"][name]) for name in payload)]
                )
    return customers, events


def test_sample_customers_written_as_an_export_are_decided_as_the_sample_grid_decides(
    b2b: Workshop, tmp_path: Path
) -> None:
    customers, events = write_samples(b2b, tmp_path)
    loaded = load_population(b2b.policy.stack, PopulationFiles(customers, events))
    grid = decide_population(b2b.policy, loaded, b2b.sample_now)
    samples = b2b.grid
    assert grid.customers == samples.customers and grid.columns == samples.columns
    for cell, decision in samples.decisions.items():
        assert same_decision(grid.decisions[cell], decision), cell
    assert grid.counts() == samples.counts()
    assert grid.headline() == f"customers.csv: {len(samples.customers)} customers"
    assert not grid.partial and grid.later_events == 0


def test_a_big_export_keeps_its_first_customers_and_counts_them_all(b2b: Workshop, tmp_path: Path) -> None:
    customers, _ = write_samples(b2b, tmp_path)
    lines = customers.read_text().splitlines()
    header, first = lines[0], lines[1]
    rows = [first.replace(first.split(",")[0], f"c{index:03}", 1) for index in range(30)]
    customers.write_text("\n".join([header, *rows]) + "\n")
    loaded = load_population(b2b.policy.stack, PopulationFiles(customers), limit=10)
    assert loaded.total == 30 and len(loaded.customers) == 10
    grid = decide_population(b2b.policy, loaded, b2b.sample_now)
    assert grid.partial and grid.headline() == "customers.csv: 30 customers; the first 10 decided"
    counts = grid.column_counts()
    assert all(sum(by_verdict.values()) == 10 for by_verdict in counts.values())
    shown = grid.first(4)
    assert shown.customers == ("c000", "c001", "c002", "c003") and len(shown.decisions) == 4 * len(grid.columns)


def test_an_edit_flips_cells_of_the_population(b2b: Workshop, tmp_path: Path) -> None:
    customers, events = write_samples(b2b, tmp_path)
    workshop = Workshop.open(SAMPLES / B2B, now=b2b.sample_now)
    loaded = load_population(workshop.policy.stack, PopulationFiles(("customers.csv", customers.read_bytes()), events))
    before = decide_population(workshop.policy, loaded, workshop.sample_now)
    assert before.decisions[("birch-health", DISCOUNT)].verdict is Verdict.FLAG
    workshop.apply(partial(edits.set_limit, rule_id="B3-sdr-discounts", index=0, text="params.discount_pct <= 15"))
    after = decide_population(workshop.policy, loaded, workshop.sample_now)
    assert after.decisions[("birch-health", DISCOUNT)].verdict is Verdict.GO
    assert ("birch-health", DISCOUNT) in after.changed_from(before)
    assert after.changed_from(before) == workshop.last_delta.changed
    explained = workshop.explain_request(loaded.request(workshop.policy.stack, "birch-health", DISCOUNT, after.at))
    assert explained.decision.verdict is Verdict.GO


def test_events_after_the_clock_are_not_yet_history(b2b: Workshop, tmp_path: Path) -> None:
    customers, events = write_samples(b2b, tmp_path)
    later = iso(b2b.sample_now + 3_600_000_000)
    with events.open("a", newline="") as out:
        csv.writer(out).writerow(["birch-health", later, "", "sales", "call_outbound", "phone", "sales", "0", "none"])
    loaded = load_population(b2b.policy.stack, PopulationFiles(customers, events))
    grid = decide_population(b2b.policy, loaded, b2b.sample_now)
    assert grid.later_events == 1
    assert grid.clock_note(b2b.stack.timezone).startswith("1 event of these customers is at or after")
    request = loaded.request(b2b.policy.stack, "birch-health", DISCOUNT, grid.at)
    assert all(event["at"] < grid.at for event in request.history)


def test_a_schema_change_asks_for_the_export_to_be_read_again(b2b: Workshop, tmp_path: Path) -> None:
    customers, _ = write_samples(b2b, tmp_path)
    workshop = Workshop.open(SAMPLES / B2B)
    loaded = load_population(workshop.policy.stack, PopulationFiles(customers))
    assert loaded.fits(workshop.policy.stack)
    workshop.apply(partial(edits.set_review_capacity, team_id="sales", per_day=3))
    assert loaded.fits(workshop.policy.stack)  # nothing the export is read with
    workshop.apply(partial(edits.update_stack, timezone="Europe/Paris"))
    assert not loaded.fits(workshop.policy.stack)


def test_a_value_that_does_not_fit_is_named_by_file_row_and_column(b2b: Workshop, tmp_path: Path) -> None:
    customers, _ = write_samples(b2b, tmp_path)
    lines = customers.read_text().splitlines()
    lines[2] = lines[2].replace("mid_market", "Mid Market", 1)
    customers.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError) as raised:
        load_population(b2b.policy.stack, PopulationFiles(("crm.csv", customers.read_bytes())))
    said = "\n".join(str(problem) for problem in raised.value.problems)
    assert "crm.csv" in said and "row 2" in said and "Mid Market" in said
