"""The scenario schema: every key a scenario file may hold, its type, range and meaning.

Validation is strict: unknown keys, wrong types and out-of-range values are errors.
Cross-references (places, carriers, countries, event dates) are checked in
:mod:`sim.scenario.references`. Units are in the field names or descriptions; the ODD
description in ``docs/model.md`` explains how each one is used.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from sim.scenario.fields import FLAT, Date, Monthly, Probability

PLACE_KINDS = ("origin", "air_hub", "gateway", "minsk", "staging", "border_segment", "eu_transit", "destination")
VISA_TYPES = ("tourist", "study", "work")  # the Russian visas people entered on in 2022–2025 (DOMAIN.md)
LINK_MODES = ("flight", "road", "forest", "onward")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


class Strict(BaseModel):
    """Base for every schema block: unknown keys are errors, types are strict, assignments are validated.

    Strict: a number must be written as a number and a switch as true/false (``"12"`` and ``true``
    are not numbers); a whole number is accepted where a number with decimals is asked. The one
    conversion allowed is a date written as text YYYY-MM-DD (:data:`Date`).
    """

    model_config = ConfigDict(extra="forbid", validate_assignment=True, populate_by_name=True, allow_inf_nan=False,
                              strict=True)


class PlaceSpec(Strict):
    """A place on the network."""

    name: str
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    country: str = Field(min_length=2, max_length=2, description="ISO 3166 alpha-2 code")
    kind: Literal[PLACE_KINDS]  # type: ignore[valid-type]


class LinkSpec(Strict):
    """A directed way between two places (both directions are added for road and forest)."""

    from_: str = Field(alias="from")
    to: str
    mode: Literal[LINK_MODES]  # type: ignore[valid-type]
    days: int = Field(ge=0, le=60, description="travel time in whole days")
    km: float = Field(ge=0, description="distance in km")


class NetworkFileSpec(Strict):
    """A file of places and links only, shared by scenarios through ``extends:``."""

    places: dict[str, PlaceSpec] = {}
    links: list[LinkSpec] = []


class RangeSpec(Strict):
    """A positive quantity drawn per travel party: normal with a floor at ``min``."""

    mean: float = Field(ge=0)
    sd: float = Field(default=0.0, ge=0)
    min: float = Field(default=0.0, ge=0)


class PartySizeSpec(Strict):
    """Travel party size: 1 + Poisson(mean - 1), capped at ``max`` (people)."""

    mean: float = Field(default=1.0, ge=1, le=20)
    max: int = Field(default=1, ge=1, le=50)

    @model_validator(mode="after")
    def _mean_le_max(self):
        if self.mean > self.max:
            raise ValueError(f"mean ({self.mean}) must not exceed max ({self.max})")
        return self


class OriginDemandSpec(Strict):
    """People who want to travel from one origin."""

    nationality: str = Field(min_length=2, max_length=2)
    people_per_week: float = Field(ge=0, le=1_000_000, description="new prospective travellers a week")
    money_usd: RangeSpec = RangeSpec(mean=5000, sd=1500, min=500)
    visa_types: dict[Literal[VISA_TYPES], float] = Field(  # type: ignore[valid-type]
        default={"tourist": 1.0}, description="shares of the visas applied for where a gateway state issues them")

    @field_validator("visa_types")
    @classmethod
    def _shares(cls, shares):
        if any(not 0 <= v < float("inf") for v in shares.values()) or sum(shares.values()) <= 0:
            raise ValueError("visa type shares must be positive numbers, not all zero")
        return shares


class DemandSpec(Strict):
    """Demand at the origins."""

    scale: float = Field(default=1.0, ge=0, le=1000, description="multiplies every origin's demand")
    party_size: PartySizeSpec = PartySizeSpec()
    patience_days: float = Field(default=60, gt=0, description="mean days a prospective traveller waits for a seat")
    seasonality: Monthly = Field(default=FLAT, description="monthly multipliers of new travellers, January first")
    origins: dict[str, OriginDemandSpec]


class RouteSpec(Strict):
    """A scheduled route into Minsk, or into a gateway (Moscow) from which travellers go on overland."""

    from_: str = Field(alias="from")
    to: str = "minsk"
    flights_per_week: float = Field(ge=0, le=100)
    weekdays: list[Literal[WEEKDAYS]] | None = None  # type: ignore[valid-type]
    seats: int = Field(ge=0, le=1000, description="seats per flight")
    load_factor: Probability = Field(ge=0, le=1, description="share of seats sold to travellers of the corridor")
    serves: list[str] | None = Field(default=None, description="origins whose travellers can use this route")
    refused_nationalities: list[str] = []

    @field_validator("weekdays")
    @classmethod
    def _distinct_weekdays(cls, weekdays):
        if weekdays is not None and len(set(weekdays)) != len(weekdays):
            raise ValueError(f"weekdays must not repeat (got {weekdays})")
        if weekdays is not None and not weekdays:
            raise ValueError("weekdays must list at least one day, or be left out")
        return weekdays


class RepatriationSpec(Strict):
    """Return flights from Minsk to an origin."""

    to: str
    flights_per_week: float = Field(default=0, ge=0, le=100)
    seats: int = Field(default=0, ge=0, le=1000)
    nationalities: list[str]


class CarrierSpec(Strict):
    """An airline or charter operator."""

    name: str
    package_price_usd: float = Field(ge=0, description="flight + visa + hotel package")
    sanctioned: bool = False
    refused_nationalities: list[str] = []
    routes: dict[str, RouteSpec] = {}
    repatriation: dict[str, RepatriationSpec] = {}


class SegmentSpec(Strict):
    """A stretch of border guarded by one border service."""

    place: str
    staging: str = Field(description="Belarusian staging place people are brought to")
    length_km: float = Field(gt=0)
    guards: float = Field(ge=0, description="guards deployed on the segment")
    surveillance: Probability = Field(default=0.0, ge=0, le=1, description="cameras, sensors, drones (0..1)")
    barrier_km: float = Field(default=0.0, ge=0, description="barrier built so far")
    barrier_build_km_per_day: float = Field(default=0.0, ge=0, le=100,
                                            description="barrier added each day, up to length_km")

    @model_validator(mode="after")
    def _barrier_fits(self):
        if self.barrier_km > self.length_km:
            raise ValueError(f"barrier_km ({self.barrier_km}) exceeds length_km ({self.length_km})")
        return self


class BorderPolicySpec(Strict):
    """How a border service treats the people it apprehends."""

    turn_back_share: Probability = Field(default=0.0, ge=0, le=1)
    asylum_claim_share: Probability = Field(default=0.5, ge=0, le=1)
    asylum_acceptance: Probability = Field(default=0.3, ge=0, le=1)
    processing_days: float = Field(default=90, gt=0)
    detention_capacity: int = Field(default=1000, ge=0)
    abscond_per_day: Probability = Field(default=0.01, ge=0, le=1)
    state_of_emergency: bool = False


class CountingRuleSpec(Strict):
    """Which metrics a country's official figure is made of, over which dates."""

    metrics: list[Literal["attempts", "detained", "turned_back", "prevented", "apprehended"]] = Field(min_length=1)
    from_: Date | None = Field(default=None, alias="from")
    until: Date | None = None

    @model_validator(mode="after")
    def _from_before_until(self):
        if self.from_ is not None and self.until is not None and self.until < self.from_:
            raise ValueError(f"until ({self.until}) is before from ({self.from_})")
        return self


class BorderServiceSpec(Strict):
    """One country's border guard."""

    name: str
    reception: str = Field(description="place where apprehended people are held")
    apprehension_capacity_per_day: int = Field(ge=0)
    detection_per_guard_km: float = Field(default=0.5, ge=0, description="detection hazard per guard per km")
    detection_per_surveillance: float = Field(default=1.0, ge=0)
    detection_per_barrier: float = Field(default=1.0, ge=0, description="detection hazard at full barrier cover")
    barrier_stop: Probability = Field(default=0.6, ge=0, le=1, description="share of detected stopped at a barrier")
    line_stop: Probability = Field(default=0.2, ge=0, le=1, description="share of detected stopped without barrier")
    inland_detection: Probability = Field(default=0.2, ge=0, le=1)
    policy: BorderPolicySpec = BorderPolicySpec()
    counts: list[CountingRuleSpec] = []
    detection_seasonality: Monthly = Field(
        default=FLAT, description="monthly multipliers of the detection hazard (bare trees, snow), January first")
    segments: dict[str, SegmentSpec]


class CampSpec(Strict):
    """A Belarusian camp near the border (for example Bruzgi)."""

    open: bool = False
    place: str | None = None
    capacity: int = Field(default=0, ge=0)
    exposure_factor: float = Field(default=0.2, ge=0, le=1)


class StateActorSpec(Strict):
    """A state whose levers act on the corridor (Belarus, eastern Libya, ...)."""

    name: str
    country: str = Field(min_length=2, max_length=2)
    role: Literal["transit", "origin", "gateway", "eu"]
    visa_approval: Probability = Field(default=1.0, ge=0, le=1)
    facilitation: Probability = Field(default=0.0, ge=0, le=1, description="organised transport to the border")
    transport_per_day: int = Field(default=0, ge=0)
    pressure_to_cross: Probability = Field(default=0.0, ge=0, le=1)
    block_return: Probability = Field(default=0.0, ge=0, le=1)
    steer: dict[str, float] = {}
    camp: CampSpec = CampSpec()
    exit_facilitation: float = Field(default=1.0, ge=0, le=10, description="multiplies demand at its origins")
    origins: list[str] = []
    gateway: str | None = Field(default=None, description="gateway: the place its visas let travellers land at")
    visas: dict[Literal[VISA_TYPES], Probability] = Field(  # type: ignore[valid-type]
        default={}, description="gateway: share of applications approved, by visa type (1 where not given)")
    transit_facilitation: Probability = Field(default=0.0, ge=0, le=1,
                                              description="gateway: share moved on to Belarus by organised transport")
    transit_days: int = Field(default=2, ge=0, le=60, description="gateway: days overland to Minsk, organised")
    transit_days_unaided: int = Field(default=4, ge=0, le=60, description="gateway: days overland to Minsk, alone")
    transit_cost_usd: float = Field(default=300, ge=0, description="gateway: cost of going on to Minsk alone")

    @field_validator("visas")
    @classmethod
    def _probabilities(cls, visas):
        if any(not 0 <= v <= 1 for v in visas.values()):
            raise ValueError("visa approval shares must lie between 0 and 1")
        return visas


class SegmentChoiceSpec(Strict):
    """Weights of the choice of a border segment."""

    success_weight: float = Field(default=3.0, ge=0)
    distance_weight: float = Field(default=0.5, ge=0, description="per 100 km")
    prior_success: Probability = Field(default=0.3, ge=0, le=1)
    prior_weight: float = Field(default=50, gt=0, description="pseudo-observations behind the prior")
    report_delay_days: int = Field(default=7, ge=0, le=60)


class ExposureSpec(Strict):
    """Risk of death while waiting in the forest."""

    base_daily_death: Probability = Field(default=0.00005, ge=0, le=1)
    cold_threshold_c: float = 5.0
    cold_factor: float = Field(default=1.0, ge=0, description="extra hazard per 10 degrees below threshold")
    forest_days_scale: float = Field(default=30, gt=0)
    emergency_factor: float = Field(default=1.5, ge=1, description="hazard multiplier in emergency zones")


class MigrantRulesSpec(Strict):
    """Behaviour of travellers."""

    endurance_days: RangeSpec = RangeSpec(mean=30, sd=10, min=3)
    daily_cost_minsk_usd: float = Field(default=50, ge=0)
    daily_cost_border_usd: float = Field(default=20, ge=0)
    minsk_days: float = Field(default=4, gt=0, description="mean days in Minsk before leaving for the border")
    taxi_to_border_usd: float = Field(default=150, ge=0, description="cost of reaching the border unaided")
    return_ticket_usd: float = Field(default=400, ge=0, description="commercial flight home from Minsk")
    attempt_interval_days: float = Field(default=3, gt=0)
    max_attempts: int = Field(default=15, ge=1)
    cold_endurance_factor: float = Field(default=1.0, ge=0, description="extra endurance used per 10 degrees of cold")
    crossing_seasonality: Monthly = Field(default=FLAT,
                                          description="monthly multipliers of how often people set off to cross")
    repatriation_pull: Probability = Field(default=0.02, ge=0, le=1, description="daily give-up while flights home run")
    self_return_per_day: Probability = Field(default=0.05, ge=0, le=1)
    onward_days: int = Field(default=3, ge=0, le=60)
    destinations: dict[str, float]
    segment_choice: SegmentChoiceSpec = SegmentChoiceSpec()
    exposure: ExposureSpec = ExposureSpec()


class InitialGroupSpec(Strict):
    """People already on their way when the run starts (for example those still in Belarus on 1 Jan 2022)."""

    state: Literal["in_minsk", "at_border", "waiting_return"]
    people: int = Field(ge=1, le=10_000_000)
    origin: str = Field(description="origin they set out from (their nationality and money are drawn from it)")
    segment: str | None = Field(default=None, description="at_border: the border segment they wait at")
    note: str = ""


class EventSpec(Strict):
    """A dated change of any scenario value."""

    date: Date
    set: dict[str, object] = Field(min_length=1)
    note: str = ""
    actor: str | None = None


class Scenario(Strict):
    """A whole validated scenario."""

    name: str = Field(description="letters, digits, spaces, _ - and .: it names the output folder")
    description: str = ""
    start: Date
    end: Date
    seed: int = Field(default=1, ge=0)
    scale: float = Field(default=1.0, gt=0, le=1000, description="multiplies demand and every capacity")
    observed: str | None = Field(default=None, description="observed data CSV, relative to the scenario file")
    posterior: str | None = Field(default=None, description="ABC posterior CSV (sim.scenario.posterior_file), "
                                                             "relative to the scenario file")
    monthly_temperature_c: list[float] = Field(
        default=[-4.5, -3.6, 0.4, 7.4, 13.1, 16.3, 18.0, 17.3, 12.6, 7.3, 2.3, -1.9],
        min_length=12,
        max_length=12,
    )
    places: dict[str, PlaceSpec]
    links: list[LinkSpec]
    demand: DemandSpec
    migrants: MigrantRulesSpec
    carriers: dict[str, CarrierSpec] = {}
    border_services: dict[str, BorderServiceSpec]
    state_actors: dict[str, StateActorSpec] = {}
    events: list[EventSpec] = []
    initial_population: list[InitialGroupSpec] = Field(
        default=[], description="people already on their way on the first day (in Minsk, at a border, ...)")
    calibrated_until: Date | None = Field(
        default=None, description="last day of the observed figures the calibration fitted (later rows are out of "
                                  "sample)")
    _base_dir: Path | None = PrivateAttr(default=None)  # folder of the scenario file, for relative paths

    @property
    def observed_file(self) -> Path | None:
        """The observed CSV as a path; a relative ``observed`` is taken from the scenario file's folder."""
        return self._relative(self.observed)

    @property
    def posterior_file(self) -> Path | None:
        """The posterior CSV as a path; a relative ``posterior`` is taken from the scenario file's folder."""
        return self._relative(self.posterior)

    def _relative(self, name: str | None) -> Path | None:
        if not name:
            return None
        path = Path(name)
        return path if path.is_absolute() or self._base_dir is None else self._base_dir / path

    @field_validator("name")
    @classmethod
    def _safe_name(cls, name):
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9 _.-]{0,79}", name):
            raise ValueError("a scenario name starts with a letter or digit and holds only letters, digits, "
                             "spaces, '_', '-' and '.', at most 80 (it names the output folder)")
        return name

    @field_validator("end")
    @classmethod
    def _dates_in_order(cls, end, info):
        start = info.data.get("start")
        if start is not None and end < start:
            raise ValueError(f"end ({end.isoformat()}) is before start ({start.isoformat()})")
        if start is not None and (end - start).days > 3660:
            raise ValueError("a run may span at most ten years")
        return end

    @property
    def days(self) -> int:
        """Number of simulated days, both ends included."""
        return (self.end - self.start).days + 1
