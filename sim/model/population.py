"""Array-backed population of travel parties, behind a readable :class:`Migrant` API.

Each row is one travel party; ``size`` is the number of people in it and every count
the model reports is in people (the sum of ``size``). State that is touched every day
lives in numpy arrays so that a day costs a few vector operations, not Python per person.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np


class JourneyState(IntEnum):
    """Where a person is on the journey. Every person is in exactly one state."""

    PROSPECTIVE = 0  # at the origin, wants to travel, no seat yet
    BOOKED = 1  # bought a package, waits for the flight
    IN_MINSK = 2  # arrived in Minsk, in a hotel
    TO_BORDER = 3  # being moved to a staging area / the border
    AT_BORDER = 4  # in the forest or a camp on the Belarusian side
    ATTEMPTING = 5  # crossing tonight
    CROSSED = 6  # inside the EU undetected, moving on
    DETAINED = 7  # held by a border service in a closed centre
    ASYLUM = 8  # held in open reception (closed centres full); claimants or not
    RETURNING = 9  # gave up, on the way back to Minsk
    WAITING_RETURN = 10  # in Minsk, waiting for a flight home
    AT_DESTINATION = 11  # reached an EU destination (Germany above all)
    PROTECTED = 12  # granted protection in the border country
    DEPORTED = 13  # returned from the EU after a rejected claim
    REPATRIATED = 14  # flown home on a repatriation flight
    RETURNED_HOME = 15  # flew home on a commercial flight
    DEAD = 16  # died on the way
    STAYED_HOME = 17  # gave up waiting for a seat at the origin, or was refused a visa
    IN_TRANSIT = 18  # landed in a gateway country (Russia) on its visa, travelling overland to Minsk


STATE_NAMES = [s.name.lower() for s in JourneyState]
AT_ORIGIN = (JourneyState.PROSPECTIVE, JourneyState.BOOKED)  # at the origin: no seat yet, or a seat booked
TERMINAL = (
    JourneyState.AT_DESTINATION,
    JourneyState.PROTECTED,
    JourneyState.DEPORTED,
    JourneyState.REPATRIATED,
    JourneyState.RETURNED_HOME,
    JourneyState.DEAD,
    JourneyState.STAYED_HOME,
)
# lookup tables by state code: the few array tests the population's live-row index is built on
IS_FINAL = np.zeros(len(JourneyState), dtype=bool)
IS_FINAL[list(TERMINAL)] = True
IS_AT_ORIGIN = np.zeros(len(JourneyState), dtype=bool)
IS_AT_ORIGIN[list(AT_ORIGIN)] = True
IS_WAITING = np.zeros(len(JourneyState), dtype=bool)  # in Minsk waiting to go home: many parties, for months
IS_WAITING[JourneyState.WAITING_RETURN] = True
IS_TRAVELLING = ~IS_FINAL & ~IS_AT_ORIGIN & ~IS_WAITING  # on the way: neither at the origin, waiting nor final
# the part of the live-row index a state's rows are kept in: 0 at the origin, 1 on the way, 2 waiting; final ones leave
FINAL_PART = 3
PART = np.select([IS_AT_ORIGIN, IS_TRAVELLING, IS_WAITING], [0, 1, 2], FINAL_PART).astype(np.int8)
# states a run of any scenario can hold; IN_TRANSIT only where a route flies into a gateway
OPTIONAL_STATES = (JourneyState.IN_TRANSIT,)

# column name -> dtype; -1 marks "none" for index columns
COLUMNS = {
    "state": np.int8,
    "size": np.int32,
    "origin": np.int16,  # index of the origin
    "nationality": np.int16,
    "place": np.int16,  # index of the current place
    "route": np.int16,  # route flown / booked
    "segment": np.int16,  # chosen border segment
    "destination": np.int16,  # place index of the EU destination
    "money": np.float32,  # USD per person
    "endurance": np.float32,  # days of hardship left
    "days_forest": np.int16,
    "attempts": np.int16,
    "next_day": np.int32,  # day of the next scheduled action (flight, arrival, attempt, decision)
    "claimed": np.bool_,  # has claimed asylum
    "visa_type": np.int8,  # index of the kind of visa a traveller through a gateway applies for (tourist, ...)
    "via_gateway": np.bool_,  # came through a gateway country (Russia) rather than on a flight into Minsk
}


def _merged(*rows: np.ndarray) -> np.ndarray:
    """Sorted row-index arrays merged into one sorted array (a stable sort merges sorted runs in linear time)."""
    if len(rows) == 1:
        return rows[0]
    if not rows:
        return np.zeros(0, dtype=np.int64)
    return np.sort(np.concatenate(rows), kind="stable")


class Population:
    """Columns of equal length, one row per travel party, grown by doubling.

    Final states (:data:`TERMINAL`) are absorbing: the rules never move a party out of one
    and never change its size. The population uses that to keep an index of the *live*
    rows (not yet final), refreshed once a day by :meth:`refresh`, in two parts: parties
    still at the origin (most of them, when demand exceeds seats) and parties on their way.
    Finding the parties in a state scans only the part that can hold it, not everyone who
    ever set out, and the people in final states are counted once, when they reach them.
    """

    def __init__(self, capacity: int = 1024) -> None:
        capacity = max(16, int(capacity))
        self.n = 0
        for name, dtype in COLUMNS.items():
            setattr(self, name, np.zeros(capacity, dtype=dtype))
        for name in ("origin", "nationality", "place", "route", "segment", "destination"):
            getattr(self, name)[:] = -1
        self.created_people = 0
        self.invalidate()

    def invalidate(self) -> None:
        """Forget the live-row index (the next :meth:`refresh` rescans every row)."""
        self._at_origin = np.zeros(0, dtype=np.int64)  # rows at the origin (prospective, booked) at the last refresh
        self._travelling = np.zeros(0, dtype=np.int64)  # rows on their way at the last refresh
        self._waiting = np.zeros(0, dtype=np.int64)  # rows waiting in Minsk to go home at the last refresh
        self._seen = 0  # rows that existed at the last refresh
        self._final_people = np.zeros(len(JourneyState), dtype=np.int64)  # people in final rows left out

    def refresh(self) -> None:
        """Re-sort the live rows into the index's three parts (at the origin, on the way, waiting); drop the final.

        The model calls it once a day, after the flights: the only moves out of the origin states
        are boarding a flight (landing in Minsk, or at a gateway such as Moscow) and giving up, and
        the only moves out of waiting to go home are final (a flight home), so from then until the
        next refresh every party on its way is in the travelling part, and the waiting part holds
        no one on the way (parties who start waiting today are still in the travelling part). The
        test suite checks every state against a full scan at every query of a run.
        """
        parts: list[list[np.ndarray]] = [[] for _ in range(FINAL_PART)]
        for home, rows in enumerate((self._with_new(self._at_origin), self._travelling, self._waiting)):
            part = PART[self.state[rows]]
            if (part == home).all():  # most days, for most parts: nobody moved
                parts[home].append(rows)
                continue
            self._count_final(rows[part == FINAL_PART])
            for p in range(FINAL_PART):
                moved = rows[part == p]
                if moved.size:
                    parts[p].append(moved)
        self._at_origin, self._travelling, self._waiting = (_merged(*arrays) for arrays in parts)
        self._seen = self.n

    def _count_final(self, rows: np.ndarray) -> None:
        if rows.size:
            self._final_people += np.bincount(self.state[rows], weights=self.size[rows],
                                              minlength=len(JourneyState)).astype(np.int64)

    def _with_new(self, rows: np.ndarray) -> np.ndarray:
        """``rows`` and every row added since the last refresh (in row order when ``rows`` is)."""
        if self._seen == self.n:
            return rows
        return np.concatenate([rows, np.arange(self._seen, self.n)])

    def travelling_rows(self) -> np.ndarray:
        """Row indices, in row order, of every party on its way (neither at the origin, waiting to go home nor final).

        It may also hold some that just reached a final state, started waiting today, or were added
        since the last refresh.
        """
        return self._with_new(self._travelling)

    def live_rows(self) -> np.ndarray:
        """Row indices, in row order, of every party not in a final state (and perhaps some that just are)."""
        return _merged(self._at_origin, self._waiting, self._with_new(self._travelling))

    @property
    def capacity(self) -> int:
        """Rows allocated."""
        return len(self.state)

    def _grow(self, need: int) -> None:
        new_cap = self.capacity
        while new_cap < need:
            new_cap *= 2
        for name, dtype in COLUMNS.items():
            old = getattr(self, name)
            fresh = np.zeros(new_cap, dtype=dtype)
            if name in ("origin", "nationality", "place", "route", "segment", "destination"):
                fresh[:] = -1
            fresh[: self.n] = old[: self.n]
            setattr(self, name, fresh)

    def add(self, count: int, **values) -> slice:
        """Append ``count`` rows with the given column values; return their slice."""
        if count <= 0:
            return slice(self.n, self.n)
        if self.n + count > self.capacity:
            self._grow(self.n + count)
        rows = slice(self.n, self.n + count)
        self.n += count
        for name, value in values.items():
            getattr(self, name)[rows] = value
        return rows

    def split(self, rows: np.ndarray, people: np.ndarray, **values) -> np.ndarray:
        """Move ``people`` (≤ size) out of each party in ``rows`` into new rows with ``values``.

        The new rows copy every other column from their party. Returns the new row indices.
        """
        rows = np.asarray(rows)
        people = np.asarray(people, dtype=np.int32)
        if rows.size == 0:
            return rows
        start = self.n
        self.add(rows.size)
        new = np.arange(start, self.n)
        for name in COLUMNS:
            col = getattr(self, name)
            col[new] = col[rows]
        self.size[rows] -= people
        self.size[new] = people
        for name, value in values.items():
            getattr(self, name)[new] = value
        return new

    def view(self, name: str) -> np.ndarray:
        """The live part of one column."""
        return getattr(self, name)[: self.n]

    def in_state(self, state: JourneyState) -> np.ndarray:
        """Row indices of parties in ``state``, in row order."""
        if IS_FINAL[state]:
            return np.flatnonzero(self.state[: self.n] == state)
        if IS_WAITING[state]:  # those waiting since the last refresh are still in the travelling part
            rows, more = self._waiting, self.travelling_rows()
            more = more[self.state[more] == state]
            rows = rows[self.state[rows] == state]
            return _merged(rows, more) if more.size else rows
        rows = self._with_new(self._at_origin) if IS_AT_ORIGIN[state] else self.travelling_rows()
        return rows[self.state[rows] == state]

    def in_states(self, *states: JourneyState) -> np.ndarray:
        """Row indices of parties in any of ``states`` (none of them final), in row order."""
        if all(IS_TRAVELLING[s] for s in states):
            rows = self.travelling_rows()
        else:
            rows = self.live_rows()
        wanted = np.zeros(len(JourneyState), dtype=bool)
        wanted[list(states)] = True
        return rows[wanted[self.state[rows]]]

    def people(self, rows=None) -> int:
        """People in ``rows`` (all rows if None)."""
        if rows is None:
            return int(self.size[: self.n].sum())
        return int(self.size[rows].sum())

    def people_by_state(self, travelling: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
        """People in each journey state, indexed by :class:`JourneyState`.

        Args:
            travelling: The state and size columns at :meth:`travelling_rows`, when the caller has
                read them already.
        """
        out = self._final_people.copy()
        if travelling is None:
            rows = self.travelling_rows()
            travelling = self.state[rows], self.size[rows]
        out += np.bincount(travelling[0], weights=travelling[1], minlength=len(JourneyState)).astype(np.int64)
        rows = self._waiting
        out += np.bincount(self.state[rows], weights=self.size[rows], minlength=len(JourneyState)).astype(np.int64)
        rows = self._at_origin  # rows added since the refresh are counted with the travelling ones
        state, size = self.state[rows], self.size[rows]
        at_origin = IS_AT_ORIGIN[state]  # nearly all: counted with two sums, the few others by bincount
        booked = int(size[state == JourneyState.BOOKED].sum())
        out[JourneyState.PROSPECTIVE] += int(size[at_origin].sum()) - booked
        out[JourneyState.BOOKED] += booked
        if not at_origin.all():
            out += np.bincount(state[~at_origin], weights=size[~at_origin],
                               minlength=len(JourneyState)).astype(np.int64)
        return out

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, index: int) -> Migrant:
        if not 0 <= index < self.n:
            raise IndexError(index)
        return Migrant(self, index)

    def __iter__(self):
        return (Migrant(self, i) for i in range(self.n))


class Migrant:
    """One travel party, read from and written to the population's arrays.

    ``migrant.state`` is a :class:`JourneyState`; ``migrant.size`` the people in the
    party; the other attributes are the columns of :data:`COLUMNS`.
    """

    __slots__ = ("population", "unique_id")

    def __init__(self, population: Population, unique_id: int) -> None:
        self.population = population
        self.unique_id = unique_id

    def __getattr__(self, name):
        if name in COLUMNS:
            value = getattr(self.population, name)[self.unique_id]
            if name == "state":
                return JourneyState(int(value))
            return value.item()
        raise AttributeError(name)

    def __setattr__(self, name, value):
        if name in COLUMNS:
            getattr(self.population, name)[self.unique_id] = value
            if name in ("state", "size"):  # may break the invariants behind the live-row index
                self.population.invalidate()
        else:
            object.__setattr__(self, name, value)

    def __repr__(self) -> str:
        return f"Migrant({self.unique_id}, {self.state.name.lower()}, size={self.size})"
