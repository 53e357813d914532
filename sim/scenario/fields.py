"""The value types the scenario schema is written in: probabilities, dates, monthly multipliers."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field

Probability = float  # a share between 0 and 1 (each field states the bounds)
FLAT = [1.0] * 12  # a monthly profile that changes nothing


def _iso_date(value):
    """A date, or text written as YYYY-MM-DD: the one conversion the schema allows (see docs/model.md)."""
    if isinstance(value, dt.datetime):
        raise ValueError("write a date without a time of day (YYYY-MM-DD)")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"'{value.strip()}' is not a calendar date") from None
    raise ValueError("write a date as YYYY-MM-DD")


def _multipliers(values: list[float]) -> list[float]:
    if any(not 0 <= v <= 100 for v in values):
        raise ValueError("monthly multipliers must lie between 0 and 100")
    return values


Date = Annotated[dt.date, BeforeValidator(_iso_date)]
Monthly = Annotated[list[float], Field(min_length=12, max_length=12), AfterValidator(_multipliers)]
