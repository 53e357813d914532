"""Cross-reference checks of a scenario: every named place, carrier and country must exist."""

from __future__ import annotations

from sim.errors import ScenarioError, did_you_mean
from sim.scenario import schema


def _fail(reason, key_path, choices, lines, file, prefix, name=None):
    loc = tuple(key_path.split("."))
    for n in range(len(loc), 0, -1):
        if loc[:n] in lines:
            file, line = lines[loc[:n]]
            break
    else:
        line = None
    hint = did_you_mean(name, choices) if name is not None else None
    if hint is None and choices:
        hint = f"known: {', '.join(sorted(map(str, choices)))}."
    raise ScenarioError(reason, file=file, line=line, key_path=prefix + key_path, hint=hint)


def check_references(sc: schema.Scenario, lines: dict, file: str, prefix: str = "") -> None:
    """Raise ScenarioError for the first reference to something the scenario does not define."""
    places = sc.places

    def need_place(pid, key_path, kinds=None):
        if pid not in places:
            _fail(f"'{pid}' is not a place of this scenario.", key_path, places, lines, file, prefix, pid)
        if kinds and places[pid].kind not in kinds:
            _fail(f"'{pid}' is a place of kind '{places[pid].kind}', expected {' or '.join(kinds)}.",
                  key_path, [p for p, v in places.items() if v.kind in kinds], lines, file, prefix, pid)

    minsk = [p for p, v in places.items() if v.kind == "minsk"]
    if len(minsk) != 1:
        _fail(f"a scenario needs exactly one place of kind 'minsk' (found {len(minsk)}).", "places",
              [], lines, file, prefix)
    for i, link in enumerate(sc.links):
        need_place(link.from_, f"links.{i}.from")
        need_place(link.to, f"links.{i}.to")
    for oid in sc.demand.origins:
        need_place(oid, f"demand.origins.{oid}", ("origin", "air_hub"))
    nationalities = {o.nationality for o in sc.demand.origins.values()}
    route_owner: dict[str, str] = {}
    for cid, carrier in sc.carriers.items():
        for rid in list(carrier.routes) + list(carrier.repatriation):
            if rid in route_owner:
                _fail(f"route id '{rid}' is also used by carrier '{route_owner[rid]}'; route ids must be unique.",
                      f"carriers.{cid}", [], lines, file, prefix)
            route_owner[rid] = cid
    for cid, carrier in sc.carriers.items():
        for nat in carrier.refused_nationalities:
            if nat not in nationalities:
                _fail(f"no origin has nationality '{nat}'.", f"carriers.{cid}.refused_nationalities",
                      nationalities, lines, file, prefix, nat)
        for rid, route in carrier.routes.items():
            base = f"carriers.{cid}.routes.{rid}"
            need_place(route.from_, f"{base}.from", ("origin", "air_hub", "gateway"))
            need_place(route.to, f"{base}.to", ("minsk", "gateway"))
            for j, origin in enumerate(route.serves or [route.from_]):
                if origin not in sc.demand.origins:
                    _fail(f"'{origin}' has no demand, so this route cannot serve it.", f"{base}.serves.{j}",
                          sc.demand.origins, lines, file, prefix, origin)
            for nat in route.refused_nationalities:
                if nat not in nationalities:
                    _fail(f"no origin has nationality '{nat}'.", f"{base}.refused_nationalities",
                          nationalities, lines, file, prefix, nat)
        for rid, rep in carrier.repatriation.items():
            need_place(rep.to, f"carriers.{cid}.repatriation.{rid}.to", ("origin", "air_hub"))
            for nat in rep.nationalities:
                if nat not in nationalities:
                    _fail(f"no origin has nationality '{nat}'.",
                          f"carriers.{cid}.repatriation.{rid}.nationalities", nationalities, lines, file,
                          prefix, nat)
    segment_ids: set[str] = set()
    for country, bs in sc.border_services.items():
        need_place(bs.reception, f"border_services.{country}.reception")
        if not bs.segments:
            _fail("a border service needs at least one segment.", f"border_services.{country}.segments",
                  [], lines, file, prefix)
        for sid, seg in bs.segments.items():
            base = f"border_services.{country}.segments.{sid}"
            if sid in segment_ids:
                _fail(f"segment id '{sid}' is used by two border services.", base, [], lines, file, prefix)
            segment_ids.add(sid)
            need_place(seg.place, f"{base}.place", ("border_segment",))
            need_place(seg.staging, f"{base}.staging", ("staging", "minsk"))
            if places[seg.place].country != country:
                _fail(f"segment place '{seg.place}' lies in {places[seg.place].country}, not {country}.",
                      f"{base}.place", [], lines, file, prefix)
    countries = set(sc.border_services)
    for aid, actor in sc.state_actors.items():
        for country in actor.steer:
            if country not in countries:
                _fail(f"'{country}' has no border service.", f"state_actors.{aid}.steer.{country}",
                      countries, lines, file, prefix, country)
            if not 0 <= actor.steer[country] < float("inf"):
                _fail("steer weights must not be negative.", f"state_actors.{aid}.steer.{country}", [], lines,
                      file, prefix)
        for j, origin in enumerate(actor.origins):
            if origin not in sc.demand.origins:
                _fail(f"'{origin}' is not an origin with demand.", f"state_actors.{aid}.origins.{j}",
                      sc.demand.origins, lines, file, prefix, origin)
        if actor.camp.place is not None:
            need_place(actor.camp.place, f"state_actors.{aid}.camp.place", ("staging", "border_segment"))
        if actor.role == "gateway":
            if actor.gateway is None:
                _fail("a gateway state names the place its visas let people land at.", f"state_actors.{aid}.gateway",
                      [p for p, v in places.items() if v.kind == "gateway"], lines, file, prefix)
            need_place(actor.gateway, f"state_actors.{aid}.gateway", ("gateway",))
    gateways = {a.gateway: aid for aid, a in sc.state_actors.items() if a.role == "gateway"}
    if len(gateways) < sum(1 for a in sc.state_actors.values() if a.role == "gateway"):
        _fail("two gateway states name the same gateway place.", "state_actors", [], lines, file, prefix)
    for cid, carrier in sc.carriers.items():
        for rid, route in carrier.routes.items():
            if places[route.to].kind == "gateway" and route.to not in gateways:
                _fail(f"the route flies into the gateway '{route.to}', but no state actor of role gateway issues "
                      "its visas.", f"carriers.{cid}.routes.{rid}.to", [], lines, file, prefix)
    all_segments = {sid: c for c, bs in sc.border_services.items() for sid in bs.segments}
    for i, group in enumerate(sc.initial_population):
        base = f"initial_population.{i}"
        if group.origin not in sc.demand.origins:
            _fail(f"'{group.origin}' is not an origin with demand.", f"{base}.origin", sc.demand.origins, lines, file,
                  prefix, group.origin)
        if group.state == "at_border" and group.segment not in all_segments:
            _fail("people at the border wait at a border segment: name one.", f"{base}.segment", all_segments,
                  lines, file, prefix, group.segment)
        if group.state != "at_border" and group.segment is not None:
            _fail(f"only people at the border have a segment ({group.state} do not).", f"{base}.segment", [],
                  lines, file, prefix)
    if not sc.migrants.destinations:
        _fail("at least one destination is needed.", "migrants.destinations", [], lines, file, prefix)
    for pid, weight in sc.migrants.destinations.items():
        need_place(pid, f"migrants.destinations.{pid}", ("destination", "eu_transit"))
        if not 0 <= weight < float("inf"):
            _fail("destination weights must not be negative.", f"migrants.destinations.{pid}", [], lines,
                  file, prefix)
    if sum(sc.migrants.destinations.values()) <= 0:
        _fail("destination weights must not all be zero.", "migrants.destinations", [], lines, file, prefix)
    weekly = sum(o.people_per_week for o in sc.demand.origins.values()) * sc.demand.scale * sc.scale
    if weekly > 20_000_000:
        _fail(f"demand comes to {weekly:,.0f} people a week after scaling, more than this tool is meant for "
              "(20 million).", "demand", [], lines, file, prefix)
    actors = set(sc.state_actors) | set(sc.carriers) | set(sc.border_services)
    for i, event in enumerate(sc.events):
        if event.actor is not None and event.actor not in actors:
            _fail(f"'{event.actor}' is not a carrier, border service or state actor.", f"events.{i}.actor",
                  actors, lines, file, prefix, event.actor)
