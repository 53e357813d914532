"""Carrier: an airline selling packages to Minsk and flying people home again."""

from __future__ import annotations

import datetime as dt
import math

import mesa
import numpy as np

from sim.model.population import JourneyState as S
from sim.scenario.schema import VISA_TYPES

BOOKING_LEAD_DAYS = 7  # seats are sold a week ahead (assumption)
RESERVE_USD = 300  # money a traveller keeps beyond the package price (assumption)


def flights_on(flights_per_week: float, weekdays: list[str] | None, date: dt.date) -> int:
    """Number of flights on ``date`` for a route with this schedule.

    Flights are spread evenly: over every day of the week, or over the listed weekdays.
    A fractional weekly number (0.75 a week = 3 a month) gives whole flights on the right days.
    The schedule is anchored to the calendar, so it does not depend on the run's start.
    """
    if flights_per_week <= 0:
        return 0
    ordinal = date.toordinal()
    if weekdays:
        names = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
        wd = names[date.weekday()]
        if wd not in weekdays:
            return 0
        per = flights_per_week / len(weekdays)
        k = (ordinal // 7) * len(weekdays) + sorted(weekdays, key=names.index).index(wd)
        return math.floor((k + 1) * per + 1e-9) - math.floor(k * per + 1e-9)
    per = flights_per_week / 7
    return math.floor((ordinal + 1) * per + 1e-9) - math.floor(ordinal * per + 1e-9)


def can_pay_a_package(model, rows: np.ndarray) -> np.ndarray:
    """The waiting parties who could pay at least the cheapest package (the others can buy no seat today)."""
    return rows[model.population.money[rows] >= model.arrays.cheapest_package + RESERVE_USD]


class SeatPool:
    """Today's travellers waiting for a seat, in the order they arrived, as the carriers sell to them.

    ``open`` marks who has not yet been sold a seat (or refused a visa) today. A day's seats
    are far fewer than the people waiting, so a sale reads the pool a block at a time, from
    the front, and stops as soon as the seats are gone (or a party does not fit).
    """

    BLOCK = 2048

    def __init__(self, population, rows: np.ndarray) -> None:
        self.population = population
        self.rows = rows
        self.open = np.ones(rows.size, dtype=bool)
        self._blocks: dict[int, tuple[np.ndarray, ...]] = {}

    def _block(self, b: int) -> tuple[np.ndarray, ...]:
        """Origin, money and size of the parties of block ``b`` (read once a day)."""
        if b not in self._blocks:
            pop, rows = self.population, self.rows[b * self.BLOCK:(b + 1) * self.BLOCK]
            self._blocks[b] = (pop.origin[rows], pop.money[rows], pop.size[rows])
        return self._blocks[b]

    def take(self, seats: int, may_fly: np.ndarray, min_money: float) -> np.ndarray:
        """Rows of the first parties (in arrival order) that fit in ``seats``, may fly and can pay.

        ``may_fly`` says, per origin, whether the route serves it and carries its nationality.
        The longest prefix of eligible parties whose people fit: a party that does not fit
        ends the sale for everyone after it (first come, first served).
        """
        if not may_fly.any():
            return self.rows[:0]
        taken, filled = [], 0
        for b in range(-(-self.rows.size // self.BLOCK)):
            origin, money, size = self._block(b)
            start = b * self.BLOCK
            idx = np.flatnonzero(self.open[start:start + origin.size] & may_fly[origin] & (money >= min_money))
            if idx.size == 0:
                continue
            cum = filled + np.cumsum(size[idx])
            fit = int(np.searchsorted(cum, seats, side="right"))
            taken.append(idx[:fit] + start)
            if fit:
                filled = int(cum[fit - 1])
            if fit < idx.size:
                break
        if not taken:
            return self.rows[:0]
        take = np.concatenate(taken)
        self.open[take] = False
        return self.rows[take]


class Carrier(mesa.Agent):
    """An airline: routes into Minsk with a weekly schedule, and repatriation flights.

    Reads its schedule, prices and bans from ``model.config.carriers[carrier_id]`` every
    day, so dated events (a suspended route, refused nationalities, sanctions) act at once.
    """

    def __init__(self, model, carrier_id: str) -> None:
        super().__init__(model)
        self.carrier_id = carrier_id
        self.route_rows = [i for i, (c, _) in enumerate(model.route_refs) if c == carrier_id]
        self.bookings: dict[int, list[np.ndarray]] = {}  # flight day -> rows sold seats on it (the carrier's ledger)
        self.repat_rows = [i for i, (c, _) in enumerate(model.repat_refs) if c == carrier_id]

    @property
    def spec(self):
        """This carrier's block of the live scenario."""
        return self.model.config.carriers[self.carrier_id]

    def _route(self, i):
        return self.spec.routes[self.model.route_refs[i][1]]

    def refused_mask(self, i) -> np.ndarray:
        """True for each nationality index route ``i`` will not carry today."""
        return self.model.arrays.refused_mask(self.carrier_id, i)

    def may_fly(self, i) -> np.ndarray:
        """True for each origin whose travellers route ``i`` serves and carries today (nationality not refused)."""
        return self.model.arrays.may_fly(self.carrier_id, i)

    def flights(self, i, day: int) -> int:
        """Flights of route ``i`` on day index ``day`` under today's schedule."""
        if self.spec.sanctioned:
            return 0
        route = self._route(i)
        return flights_on(route.flights_per_week, route.weekdays, self.model.config.start + dt.timedelta(days=day))

    def fly_today(self) -> None:
        """Fly today's booked parties to Minsk; cancelled or refused bookings go back to waiting."""
        m, pop = self.model, self.model.population
        booked = self.bookings.pop(m.day, [])
        if not booked:
            return
        booked = np.sort(np.concatenate(booked), kind="stable")
        booked = booked[(pop.state[booked] == S.BOOKED) & (pop.next_day[booked] == m.day)]
        for i in self.route_rows:
            rows = booked[pop.route[booked] == i]
            if rows.size == 0:
                continue
            refused = self.refused_mask(i)[pop.nationality[rows]]
            if self.flights(i, m.day) == 0:
                refused[:] = True
            back = rows[refused]
            pop.state[back] = S.PROSPECTIVE
            pop.money[back] += self.spec.package_price_usd
            pop.route[back] = -1
            fly = rows[~refused]
            if fly.size == 0:
                continue
            m.recorder.add_flow(m.route_path[i], pop.people(fly))
            if m.route_gateway[i] >= 0:
                self.land_at_gateway(i, fly)
                continue
            pop.state[fly] = S.IN_MINSK
            pop.place[fly] = m.minsk
            pop.next_day[fly] = m.day
            m.recorder.add("arrivals_minsk", i, pop.people(fly))

    def land_at_gateway(self, i: int, rows: np.ndarray) -> None:
        """Travellers land in a gateway country (Russia) and set off overland to Minsk, with no border check.

        A share ``transit_facilitation`` of them is moved on by organised transport (``transit_days``); the
        others go alone (``transit_days_unaided``, paying ``transit_cost_usd``). They are counted in
        ``arrivals_minsk`` (by their route) when they reach Minsk.
        """
        m, pop = self.model, self.model.population
        gateway = m.arrays.gateway_states[i].spec
        organised = m.rng.random(rows.size) < gateway.transit_facilitation
        pop.state[rows] = S.IN_TRANSIT
        pop.place[rows] = m.route_gateway[i]
        pop.via_gateway[rows] = True
        pop.next_day[rows] = m.day + np.where(organised, gateway.transit_days, gateway.transit_days_unaided)
        pop.money[rows[~organised]] -= gateway.transit_cost_usd

    def sell_seats(self) -> None:
        """Sell the seats of flights a week ahead, first come first served, to those who can pay.

        The visa approval of the state they fly into applies: Belarus's for a route into Minsk, the
        gateway state's (Russia's), by the type of visa applied for, for a route into its gateway. A
        refused visa ends the journey at home.
        Every carrier sells from the same pool of waiting travellers (``model.today.seat_pool``),
        carriers and routes in scenario order.
        """
        m, pop = self.model, self.model.population
        sale_day = m.day + BOOKING_LEAD_DAYS
        if sale_day >= m.n_days:
            return
        pool = m.today.seat_pool
        transit = m.arrays.transit_state
        visa = transit.spec.visa_approval if transit else 1.0  # Belarus's, for a route into Minsk
        price = self.spec.package_price_usd
        for i in self.route_rows:
            if not pool.open.any():
                break
            route = self._route(i)
            seats = int(self.flights(i, sale_day) * route.seats * route.load_factor * m.config.scale)
            if seats <= 0:
                continue
            buyers = pool.take(seats, self.may_fly(i), price + RESERVE_USD)
            if buyers.size == 0:
                continue
            gateway = m.arrays.gateway_states[i]
            if gateway is None:
                refused_visa = m.rng.random(buyers.size) >= visa
            else:  # the gateway state's visa of the type each traveller applies for
                approval = np.array([gateway.spec.visas.get(t, 1.0) for t in VISA_TYPES])
                refused_visa = m.rng.random(buyers.size) >= approval[pop.visa_type[buyers]]
            pop.state[buyers[refused_visa]] = S.STAYED_HOME
            sold = buyers[~refused_visa]
            pop.state[sold] = S.BOOKED
            pop.route[sold] = i
            pop.next_day[sold] = sale_day
            pop.money[sold] -= price
            self.bookings.setdefault(sale_day, []).append(sold)

    def fly_repatriation(self) -> None:
        """Fly people waiting in Minsk home, in the order they first set out, up to today's seats."""
        m, pop = self.model, self.model.population
        if self.spec.sanctioned:
            return
        for i in self.repat_rows:
            rep = self.spec.repatriation[m.repat_refs[i][1]]
            seats = flights_on(rep.flights_per_week, None, m.config.start + dt.timedelta(days=m.day))
            seats = int(seats * rep.seats * m.config.scale)
            if seats <= 0:
                continue
            waiting = pop.in_state(S.WAITING_RETURN)
            nats = [m.nationalities.index(n) for n in rep.nationalities]
            waiting = waiting[np.isin(pop.nationality[waiting], nats)]
            if waiting.size == 0:
                continue
            fly = waiting[np.cumsum(pop.size[waiting]) <= seats]
            pop.state[fly] = S.REPATRIATED
            pop.place[fly] = m.place_index[rep.to]
            m.recorder.add("repatriated", i, pop.people(fly))

    def repatriation_active(self) -> set[int]:
        """Nationality indices a repatriation flight of this carrier serves as the scenario stands today."""
        m = self.model
        out: set[int] = set()
        if self.spec.sanctioned:
            return out
        for i in self.repat_rows:
            rep = self.spec.repatriation[m.repat_refs[i][1]]
            if rep.flights_per_week > 0 and rep.seats > 0:
                out.update(m.nationalities.index(n) for n in rep.nationalities)
        return out
