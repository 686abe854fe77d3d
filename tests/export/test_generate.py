"""The request generator: reproducible, valid for the stack, and aimed at the conditions' edges."""

from __future__ import annotations

from pathlib import Path

from studio.clock import MICROS_PER_DAY, MICROS_PER_HOUR
from studio.document import load_file
from studio.generate import RequestGenerator, generate, stack_edges
from studio.request import RequestReader
from tests.conftest import SAMPLES, STACK_FILES


def test_the_same_seed_gives_the_same_requests() -> None:
    stack = load_file(STACK_FILES[0]).stack
    assert generate(stack, 200, seed=4) == generate(stack, 200, seed=4)
    assert generate(stack, 200, seed=4) != generate(stack, 200, seed=5)


def test_every_request_fits_its_stack_and_reads_back_the_same() -> None:
    for path in STACK_FILES:
        stack = load_file(path).stack
        reader = RequestReader(stack)
        for request in RequestGenerator(stack, seed=9).requests(800):
            assert reader.read(request.to_json(stack)) == request, path.name


def test_the_edges_come_from_the_conditions() -> None:
    edges = stack_edges(load_file(SAMPLES / "b2b_saas_renewals.yaml").stack)
    assert {7 * MICROS_PER_DAY, 30 * MICROS_PER_DAY, 90 * MICROS_PER_DAY} <= set(edges.windows)
    assert {10.0, 20000.0, 100000.0, 6.0} <= set(edges.numbers)
    assert {"negotiation", "sales"} <= set(edges.strings)


def test_history_hits_each_window_exactly_and_one_microsecond_either_side() -> None:
    stack = load_file(SAMPLES / "b2b_saas_renewals.yaml").stack
    week = 7 * MICROS_PER_DAY
    ages = {request.at - event["at"] for request in generate(stack, 3000, seed=1) for event in request.history}
    assert {week - 1, week, week + 1} <= ages


def test_decision_times_fall_on_whole_hours_in_the_customers_zone() -> None:
    stack = load_file(SAMPLES / "b2b_saas_renewals.yaml").stack
    on_the_hour = sum(
        1 for request in generate(stack, 1000, seed=3) if request.at % MICROS_PER_HOUR in (0, 1, MICROS_PER_HOUR - 1)
    )
    assert on_the_hour > 200


def test_some_requests_are_refused_and_refusals_can_be_turned_off() -> None:
    stack = load_file(SAMPLES / "b2b_saas_renewals.yaml").stack
    declared = {(agent.id, action) for agent in stack.agents for action in agent.actions}
    cells = [(r.agent, r.action) for r in generate(stack, 2000, seed=2)]
    assert any(cell not in declared for cell in cells)
    quiet = RequestGenerator(stack, seed=2, refusals=0).requests(500)
    assert all((r.agent, r.action) in declared for r in quiet)


def test_numbers_keep_to_fifteen_significant_digits() -> None:
    for path in STACK_FILES:
        stack = load_file(path).stack
        for request in generate(stack, 300, seed=6):
            values = [*request.params.values(), *request.customer.values()]
            for value in values:
                if isinstance(value, float):
                    assert float(f"{value:.15g}") == value, (Path(path).name, value)
