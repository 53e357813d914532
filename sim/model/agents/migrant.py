"""Migrant rules, applied to all travel parties at once.

The :class:`~sim.model.population.Migrant` class gives one party's view; these functions are
the behaviour, written over the population's arrays so a day costs vector operations.
Each function is one rule of ``docs/model.md`` ("Submodels").
"""

from __future__ import annotations

import numpy as np

from sim.model.population import JourneyState as S


def draw_index(model, p: np.ndarray, n: int) -> np.ndarray:
    """``n`` indices drawn with probabilities ``p``: the draws of ``rng.choice(len(p), n, p=p)``, without its checks."""
    cdf = np.cumsum(p)
    cdf /= cdf[-1]
    return cdf.searchsorted(model.rng.random(n), side="right")


def geometric(model, mean_days: float, n: int) -> np.ndarray:
    """Whole days (≥ 1) until an event with a daily chance of 1/mean_days."""
    p = min(1.0, 1.0 / max(mean_days, 1.0))
    return model.rng.geometric(p, size=n).astype(np.int32)


def arrive_at_origins(model) -> None:
    """New prospective travellers appear at each origin (Poisson parties a day)."""
    pop, party = model.population, model.config.demand.party_size
    rate, money_mean, money_sd, money_min = model.arrays.origin_rates
    parties = model.rng.poisson(rate * model.arrays.departures_seasonality[model.day])
    n = int(parties.sum())
    if n == 0:
        return
    k = np.repeat(np.arange(rate.size), parties)
    size = 1 + model.rng.poisson(party.mean - 1, size=n) if party.mean > 1 else np.ones(n, dtype=np.int64)
    size = np.minimum(size, party.max)
    money = np.maximum(model.rng.normal(money_mean[k], money_sd[k]), money_min[k])
    rows = pop.add(n, state=S.PROSPECTIVE, size=size, origin=k, nationality=model.origin_nationality[k],
                   place=model.origin_place[k], money=money, next_day=model.day)
    if (model.route_gateway >= 0).any():  # the visa they would apply for at a gateway state
        pop.visa_type[rows] = _visa_types(model, k)
    pop.created_people += int(size.sum())


def _visa_types(model, origins: np.ndarray) -> np.ndarray:
    """A visa type per party, drawn from its origin's ``visa_types`` shares."""
    cumulative = model.arrays.visa_shares[origins]
    return (model.rng.random(origins.size)[:, None] >= cumulative).sum(axis=1).clip(max=cumulative.shape[1] - 1)


def start_with(model, group) -> None:
    """Put one ``initial_population`` group on its way before the first day (model set-up)."""
    pop, sc = model.population, model.config
    k = model.origin_ids.index(group.origin)
    party = sc.demand.party_size
    sizes: list[int] = []
    while sum(sizes) < group.people:
        draw = 1 + model.rng.poisson(party.mean - 1, size=64) if party.mean > 1 else np.ones(64, dtype=np.int64)
        sizes.extend(np.minimum(draw, party.max).tolist())
    sizes = np.array(sizes, dtype=np.int32)
    sizes = sizes[: int(np.searchsorted(np.cumsum(sizes), group.people)) + 1]
    sizes[-1] -= int(sizes.sum()) - group.people
    _, money_mean, money_sd, money_min = model.arrays.origin_rates
    money = np.maximum(model.rng.normal(money_mean[k], money_sd[k], sizes.size), money_min[k])
    state = {"in_minsk": S.IN_MINSK, "at_border": S.AT_BORDER, "waiting_return": S.WAITING_RETURN}[group.state]
    rows = pop.add(sizes.size, state=state, size=sizes, origin=k, nationality=model.origin_nationality[k],
                   place=model.minsk, money=money, next_day=-1)
    if state == S.AT_BORDER:
        seg = model.segment_ids.index(group.segment)
        pop.segment[rows] = seg
        pop.place[rows] = model.segment_place[seg]
        endurance = sc.migrants.endurance_days
        pop.endurance[rows] = np.maximum(endurance.min, model.rng.normal(endurance.mean, endurance.sd, sizes.size))
        schedule_attempt(model, np.arange(rows.start, rows.stop))
    pop.created_people += int(group.people)


def wait_at_origin(model) -> None:
    """Prospective travellers lose patience (mean ``patience_days``); the rest wait for seats."""
    pop = model.population
    waiting = pop.in_state(S.PROSPECTIVE)
    quit_ = model.rng.random(waiting.size) < 1.0 / model.config.demand.patience_days
    pop.state[waiting[quit_]] = S.STAYED_HOME
    model.today.waiting_pool = waiting[~quit_]


def travel_arrivals(model) -> None:
    """Parties whose journey ends today arrive: at the border, back in Minsk, or at a destination."""
    pop, rec, day = model.population, model.recorder, model.day
    live = pop.travelling_rows()
    due = live[pop.next_day[live] == day]
    if due.size == 0:
        return
    state = pop.state[due]
    to_border = due[state == S.TO_BORDER]
    pop.state[to_border] = S.AT_BORDER
    pop.place[to_border] = model.segment_place[pop.segment[to_border]]
    pop.days_forest[to_border] = 0
    schedule_attempt(model, to_border)

    returned = due[state == S.RETURNING]
    rec.add_by_key("returned_minsk", pop.segment[returned], pop.size[returned])
    pop.state[returned] = S.WAITING_RETURN
    pop.place[returned] = model.minsk

    overland = due[state == S.IN_TRANSIT]
    if overland.size:
        for g in np.unique(pop.place[overland]):
            here = overland[pop.place[overland] == g]
            model.recorder.add_flow(model.overland_path[int(g)], pop.people(here))
        rec.add_by_key("arrivals_minsk", pop.route[overland], pop.size[overland])
        pop.state[overland] = S.IN_MINSK
        pop.place[overland] = model.minsk

    arrived = due[state == S.CROSSED]
    pop.state[arrived] = S.AT_DESTINATION
    pop.place[arrived] = model.destination_place[pop.destination[arrived]]
    rec.add_by_key("onward_arrivals", pop.destination[arrived], pop.size[arrived])


def minsk_day(model) -> None:
    """A day in Minsk: pay the hotel; decide to leave for the border (mean ``minsk_days``).

    While a repatriation flight serves their nationality, a share ``repatriation_pull`` a day
    give up and wait for a flight home instead. Those who cannot pay another day leave today.
    Leaves today's leavers in ``model.today.leaving_minsk``.
    """
    pop, rules = model.population, model.config.migrants
    here = pop.in_state(S.IN_MINSK)
    here = here[pop.next_day[here] < model.day]  # arrived before today
    home_flights = model.arrays.home_flight_nationalities
    if home_flights.size and here.size:
        # while flights home run, people still in Minsk give up like those at the border do
        pulled = np.isin(pop.nationality[here], home_flights)
        pulled &= model.rng.random(here.size) < rules.repatriation_pull
        pop.state[here[pulled]] = S.WAITING_RETURN
        here = here[~pulled]
    leave = (model.rng.random(here.size) < 1.0 / rules.minsk_days) | (pop.money[here] < rules.daily_cost_minsk_usd)
    stay = here[~leave]
    pop.money[stay] -= rules.daily_cost_minsk_usd
    model.today.leaving_minsk = here[leave]


def leave_minsk_unaided(model) -> None:
    """Leavers not taken by the transit state go by taxi, choosing a segment themselves."""
    pop = model.population
    rows = model.today.leaving_minsk
    if rows.size == 0:
        return
    pop.money[rows] -= model.config.migrants.taxi_to_border_usd
    send_to_border(model, rows, steered=False)
    model.today.leaving_minsk = rows[:0]


def perceived_success(model) -> np.ndarray:
    """Success chance per segment as earlier travellers report it.

    Reports of the 30 days before ``report_delay_days`` ago: got into the EU (crossed,
    detained or asylum) against all resolved attempts, shrunk to a prior.
    """
    choice = model.config.migrants.segment_choice
    rec, day = model.recorder, model.day
    last = day - choice.report_delay_days
    first = max(0, last - 30)
    if last <= 0:
        succ = tries = np.zeros(len(model.segment_ids))
    else:
        span = slice(first, last)
        succ = rec.values["crossed"][span].sum(0) + rec.values["detained"][span].sum(0)
        fail = rec.values["prevented"][span].sum(0) + rec.values["turned_back"][span].sum(0)
        tries = succ + fail
    w = choice.prior_weight
    return (w * choice.prior_success + succ) / (w + tries)


def segment_probabilities(model, steered: bool) -> np.ndarray:
    """Choice probabilities over border segments.

    Utility ``success_weight * perceived_success - distance_weight * km / 100``; when the
    transit state steers, each segment's weight is multiplied by its country's ``steer``
    share raised to the state's ``facilitation``.
    """
    cache = model.today.segment_probabilities
    if steered not in cache:
        cache[steered] = _segment_probabilities(model, steered)
    return cache[steered]


def _segment_probabilities(model, steered: bool) -> np.ndarray:
    choice = model.config.migrants.segment_choice
    u = choice.success_weight * perceived_success(model) - choice.distance_weight * model.segment_km / 100
    w = np.exp(u - u.max())
    transit = model.arrays.transit_state
    if steered and transit is not None and transit.spec.steer:
        steer = np.array([transit.spec.steer.get(c, 0.0) for c in model.countries])
        w = w * steer[model.segment_country] ** transit.spec.facilitation
    if w.sum() <= 0:
        w = np.ones_like(w)
    return w / w.sum()


def choose_segments(model, rows: np.ndarray, steered: bool) -> np.ndarray:
    """A border segment for each party: by its own choice, or as the transit state steers (and a gateway state).

    A gateway state's ``steer`` (Russia's) multiplies Belarus's steering weights for the travellers it let through.
    """
    p = segment_probabilities(model, steered)
    factor = model.arrays.gateway_steer
    if not steered or factor is None:
        return draw_index(model, p, rows.size).astype(np.int16)
    via = model.population.via_gateway[rows]
    seg = np.zeros(rows.size, dtype=np.int16)
    seg[~via] = draw_index(model, p, int((~via).sum()))
    if via.any():
        q = p * factor
        q = q / q.sum() if q.sum() > 0 else p
        seg[via] = draw_index(model, q, int(via.sum()))
    return seg


def send_to_border(model, rows: np.ndarray, steered: bool) -> None:
    """Move parties from Minsk towards a chosen segment, via its staging place."""
    pop = model.population
    p = segment_probabilities(model, steered)
    seg = choose_segments(model, rows, steered)
    pop.state[rows] = S.TO_BORDER
    pop.segment[rows] = seg
    pop.place[rows] = model.segment_staging[seg]
    pop.next_day[rows] = model.day + model.segment_days[seg]
    endurance = model.config.migrants.endurance_days
    pop.endurance[rows] = np.maximum(endurance.min, model.rng.normal(endurance.mean, endurance.sd, rows.size))
    model.recorder.add_flows(model.segment_path_matrix, np.bincount(seg, weights=pop.size[rows], minlength=len(p)))


def schedule_attempt(model, rows: np.ndarray) -> None:
    """Set the day of the next attempt: sooner under the transit state's pressure to cross."""
    transit = model.arrays.transit_state
    pressure = transit.spec.pressure_to_cross if transit else 0.0
    mean = model.config.migrants.attempt_interval_days * (1 - 0.5 * pressure)
    season = model.arrays.crossing_seasonality[max(model.day, 0)]
    if season != 1.0:
        mean = mean / max(season, 1e-6)
    model.population.next_day[rows] = model.day + geometric(model, mean, rows.size)


def back_to_forest(model, rows: np.ndarray) -> None:
    """Parties stopped or turned back are in the Belarusian forest again; some move segment."""
    if rows.size == 0:
        return
    pop = model.population
    pop.state[rows] = S.AT_BORDER
    pop.attempts[rows] += 1
    move = model.rng.random(rows.size) < 0.3
    if move.any():
        pop.segment[rows[move]] = choose_segments(model, rows[move], steered=True)
    pop.place[rows] = model.segment_place[pop.segment[rows]]
    schedule_attempt(model, rows)


def cross_into_eu(model, rows: np.ndarray, country: int, entered: bool = False) -> None:
    """Parties through undetected travel on to a destination drawn from ``destinations``.

    ``entered`` marks parties already inside the EU (absconding from custody), whose way
    across the border was counted when they were apprehended.
    """
    if rows.size == 0:
        return
    pop = model.population
    p = model.arrays.destination_p
    pick = draw_index(model, p, rows.size)
    pop.state[rows] = S.CROSSED
    pop.destination[rows] = pick
    pop.place[rows] = model.reception_place[country]
    pop.next_day[rows] = model.day + max(1, model.config.migrants.onward_days)
    size = pop.size[rows]
    if not entered:
        model.recorder.add_flows(model.segment_entry_matrix,
                                 np.bincount(pop.segment[rows], weights=size, minlength=len(model.segment_ids)))
    model.recorder.add_flows(model.onward_matrix[country], np.bincount(pick, weights=size, minlength=len(p)))


def forest_day(model) -> None:
    """A day in the forest: exposure, money and endurance run down, give up, or set off to cross."""
    from sim.model.agents import hardship

    hardship.forest_day(model)


def in_procedure_day(model) -> None:
    """Detained or in reception: some abscond onward each day; at the decision, protection or deportation."""
    pop, rec = model.population, model.recorder
    rows = pop.in_states(S.DETAINED, S.ASYLUM)
    if rows.size == 0:
        return
    country = model.segment_country[pop.segment[rows]]
    abscond, accept = model.arrays.procedure
    abscond_p, accept_p = abscond[country], accept[country]
    gone = model.rng.random(rows.size) < abscond_p
    for k in np.unique(country[gone]):
        cross_into_eu(model, rows[gone & (country == k)], int(k), entered=True)
    decided = ~gone & (pop.next_day[rows] <= model.day)
    granted = decided & pop.claimed[rows] & (model.rng.random(rows.size) < accept_p)
    refused = decided & ~granted
    pop.state[rows[granted]] = S.PROTECTED
    pop.state[rows[refused]] = S.DEPORTED
    pop.place[rows[refused]] = model.origin_place[pop.origin[rows[refused]]]
    rec.add_by_key("deported", country[refused].astype(np.int64), pop.size[rows[refused]])


def waiting_return_day(model) -> None:
    """In Minsk after giving up: fly home on a commercial flight if it can be paid; else wait."""
    pop, rules = model.population, model.config.migrants
    rows = pop.in_state(S.WAITING_RETURN)
    if rows.size == 0:
        return
    afford = pop.money[rows] >= rules.return_ticket_usd
    go = afford & (model.rng.random(rows.size) < rules.self_return_per_day)
    home = rows[go]
    pop.state[home] = S.RETURNED_HOME
    pop.place[home] = model.origin_place[pop.origin[home]]
    pop.money[home] -= rules.return_ticket_usd
