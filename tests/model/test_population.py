"""Population: array columns stay consistent through add, split and growth; Migrant views."""

from __future__ import annotations

import numpy as np
import pytest

from sim.model.population import COLUMNS, STATE_NAMES, TERMINAL, JourneyState, Migrant, Population

S = JourneyState
INDEX_COLUMNS = ("origin", "nationality", "place", "route", "segment", "destination")


def _lengths(pop: Population) -> set[int]:
    return {len(getattr(pop, name)) for name in COLUMNS}


def test_new_population_is_empty_with_equal_columns():
    pop = Population(capacity=5)
    assert len(pop) == 0
    assert pop.capacity >= 16  # the floor
    assert _lengths(pop) == {pop.capacity}
    assert pop.people() == 0
    assert pop.people_by_state().tolist() == [0] * len(JourneyState)
    for name in INDEX_COLUMNS:
        assert (getattr(pop, name) == -1).all(), name
    for name, dtype in COLUMNS.items():
        assert getattr(pop, name).dtype == dtype


def test_add_sets_values_and_returns_slice():
    pop = Population(capacity=16)
    rows = pop.add(3, state=S.BOOKED, size=[1, 2, 3], origin=1, money=100.0)
    assert rows == slice(0, 3)
    assert len(pop) == 3
    assert pop.view("size").tolist() == [1, 2, 3]
    assert (pop.view("state") == S.BOOKED).all()
    assert (pop.view("origin") == 1).all()
    assert (pop.view("segment") == -1).all()  # not given: stays "none"
    assert pop.people() == 6
    more = pop.add(2, state=S.PROSPECTIVE, size=5)
    assert more == slice(3, 5)
    assert pop.view("size").tolist() == [1, 2, 3, 5, 5]


def test_add_nothing_is_a_no_op():
    pop = Population()
    assert pop.add(0, size=3) == slice(0, 0)
    assert pop.add(-4, size=3) == slice(0, 0)
    assert len(pop) == 0


def test_grow_keeps_every_column_and_defaults():
    pop = Population(capacity=16)
    pop.add(10, state=S.AT_BORDER, size=np.arange(1, 11), segment=2, money=np.linspace(0, 9, 10), claimed=True)
    before = {name: pop.view(name).copy() for name in COLUMNS}
    pop.add(1000, state=S.PROSPECTIVE, size=1)
    assert pop.capacity >= 1010
    assert _lengths(pop) == {pop.capacity}
    for name in COLUMNS:
        assert np.array_equal(pop.view(name)[:10], before[name]), name
    # new and unused rows keep the "none" marker in index columns
    assert (pop.segment[10:] == -1).all()
    assert (pop.destination[pop.n:] == -1).all()
    assert pop.people() == 55 + 1000


def test_split_moves_people_and_copies_columns():
    pop = Population()
    pop.add(3, state=S.AT_BORDER, size=[4, 5, 6], segment=[0, 1, 2], money=[10.0, 20.0, 30.0], origin=[0, 1, 0])
    total = pop.people()
    new = pop.split(np.array([0, 2]), np.array([1, 6]), state=S.DEAD)
    assert new.tolist() == [3, 4]
    assert pop.people() == total  # nobody created or lost
    assert pop.view("size").tolist() == [3, 5, 0, 1, 6]
    assert pop.view("state").tolist() == [S.AT_BORDER, S.AT_BORDER, S.AT_BORDER, S.DEAD, S.DEAD]
    # the other columns are copied from the party they split from
    assert pop.view("segment").tolist() == [0, 1, 2, 0, 2]
    assert pop.view("money").tolist() == [10.0, 20.0, 30.0, 10.0, 30.0]
    assert pop.view("origin").tolist() == [0, 1, 0, 0, 0]
    by_state = pop.people_by_state()
    assert by_state[S.DEAD] == 7 and by_state[S.AT_BORDER] == 8


def test_split_nothing_returns_empty():
    pop = Population()
    pop.add(2, size=3)
    out = pop.split(np.array([], dtype=np.int64), np.array([], dtype=np.int32))
    assert out.size == 0 and len(pop) == 2 and pop.people() == 6


def test_split_beyond_capacity_grows():
    pop = Population(capacity=16)
    pop.add(16, state=S.AT_BORDER, size=3)
    new = pop.split(np.arange(16), np.ones(16, dtype=np.int32), state=S.DEAD)
    assert len(new) == 16 and len(pop) == 32
    assert _lengths(pop) == {pop.capacity}
    assert pop.people() == 48
    assert pop.people_by_state()[S.DEAD] == 16


def test_migrant_view_reads_and_writes_arrays():
    pop = Population()
    pop.add(2, state=S.IN_MINSK, size=[2, 3], money=[100.0, 200.0], segment=[-1, 1])
    m = pop[1]
    assert isinstance(m, Migrant)
    assert m.unique_id == 1
    assert m.state is S.IN_MINSK
    assert m.size == 3 and isinstance(m.size, int)
    assert m.money == pytest.approx(200.0)
    m.state = S.TO_BORDER
    m.money = 50.0
    m.segment = 4
    assert pop.state[1] == S.TO_BORDER
    assert pop.money[1] == pytest.approx(50.0)
    assert pop.segment[1] == 4
    assert pop.state[0] == S.IN_MINSK  # the other party is untouched
    assert "to_border" in repr(m) and "size=3" in repr(m)
    with pytest.raises(AttributeError):
        _ = m.no_such_column


def test_population_indexing_and_iteration():
    pop = Population()
    pop.add(3, size=[1, 2, 3])
    assert [m.size for m in pop] == [1, 2, 3]
    with pytest.raises(IndexError):
        pop[3]
    with pytest.raises(IndexError):
        pop[-1]


def test_people_by_state_sums_sizes_per_state():
    rng = np.random.default_rng(0)
    pop = Population()
    states = rng.integers(0, len(JourneyState), size=500)
    sizes = rng.integers(1, 9, size=500)
    pop.add(500, state=states, size=sizes)
    by_state = pop.people_by_state()
    assert by_state.shape == (len(JourneyState),)
    assert by_state.sum() == sizes.sum() == pop.people()
    for s in JourneyState:
        assert by_state[s] == sizes[states == s].sum()
        assert pop.people(pop.in_state(s)) == by_state[s]


def test_state_names_and_terminal_states():
    assert STATE_NAMES[S.AT_BORDER] == "at_border"
    assert len(STATE_NAMES) == len(set(STATE_NAMES)) == len(JourneyState)
    assert S.DEAD in TERMINAL and S.AT_BORDER not in TERMINAL


def test_live_index_matches_full_scans_every_day():
    """The live-row index (final states dropped once a day) gives what a scan of every row gives."""
    from helpers import CLASSROOM, run_model

    finals_seen = 0

    def check(model):
        nonlocal finals_seen
        pop = model.population
        full = np.bincount(pop.view("state"), weights=pop.view("size"), minlength=len(S)).astype(np.int64)
        assert pop.people_by_state().tolist() == full.tolist()
        for state in S:
            assert pop.in_state(state).tolist() == np.flatnonzero(pop.view("state") == state).tolist(), state
        finals_seen = max(finals_seen, int(full[list(TERMINAL)].sum()))

    run_model(CLASSROOM, seed=5, check=check)
    assert finals_seen > 0  # the index really dropped rows


@pytest.mark.parametrize("scenario, overrides", [
    ("classroom.yaml", None),
    # four years through Moscow: the gateway's overland travellers, and thousands waiting in Minsk to go home
    ("belarus_2022_2025.yaml", {"scale": 0.25}),
])
def test_every_query_of_a_run_matches_a_full_scan(monkeypatch, scenario, overrides):
    """Not just at the end of each day: every in_state/in_states call a run makes, whenever it is made
    (before or after the day's refresh), gives exactly what a scan of every row gives."""
    from helpers import SCENARIOS, run_model

    calls = []
    original_in_state, original_in_states = Population.in_state, Population.in_states

    def in_state(self, state):
        got = original_in_state(self, state)
        assert got.tolist() == np.flatnonzero(self.view("state") == state).tolist(), state
        calls.append(state)
        return got

    def in_states(self, *states):
        got = original_in_states(self, *states)
        assert got.tolist() == np.flatnonzero(np.isin(self.view("state"), states)).tolist(), states
        calls.append(states)
        return got

    monkeypatch.setattr(Population, "in_state", in_state)
    monkeypatch.setattr(Population, "in_states", in_states)
    model = run_model(SCENARIOS / scenario, overrides, seed=3)
    assert len(calls) > 1000 and {S.PROSPECTIVE, S.AT_BORDER, S.IN_MINSK, S.WAITING_RETURN} <= set(calls)
    assert model.population.people_by_state()[S.WAITING_RETURN] > 0


def test_live_index_follows_a_state_set_through_the_migrant_view():
    pop = Population()
    pop.add(3, state=S.AT_BORDER, size=2)
    pop.refresh()
    pop[1].state = S.DEAD
    pop.refresh()
    assert pop.in_state(S.AT_BORDER).tolist() == [0, 2]
    pop[1].state = S.AT_BORDER  # not a rule of the model, but the view must stay truthful
    assert pop.in_state(S.AT_BORDER).tolist() == [0, 1, 2]
    assert pop.people_by_state()[S.DEAD] == 0


def test_parties_waiting_to_go_home_are_kept_apart_and_found_on_the_day_they_start_waiting():
    """Waiting in Minsk to go home is the commonest live state of a long run; it has its own part of the index."""
    pop = Population()
    pop.add(4, state=S.IN_MINSK, size=[1, 2, 3, 4])
    pop.refresh()
    pop.state[[0, 2]] = S.WAITING_RETURN  # after the day's refresh: still in the travelling part
    assert pop.in_state(S.WAITING_RETURN).tolist() == [0, 2]
    pop.refresh()
    assert pop.travelling_rows().tolist() == [1, 3]  # the waiting are no longer read by every travelling query
    pop.state[3] = S.WAITING_RETURN
    assert pop.in_state(S.WAITING_RETURN).tolist() == [0, 2, 3]  # both parts, in row order
    pop.state[0] = S.RETURNED_HOME
    assert pop.in_state(S.WAITING_RETURN).tolist() == [2, 3]
    assert pop.in_states(S.IN_MINSK, S.WAITING_RETURN).tolist() == [1, 2, 3]
    for _ in range(2):  # counted once when it leaves the index, and not again
        assert pop.people_by_state()[[S.RETURNED_HOME, S.WAITING_RETURN, S.IN_MINSK]].tolist() == [1, 7, 2]
        pop.refresh()
