"""Pydantic's validation errors, told as one paragraph: file, line, key path, reason and a hint."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ValidationError

from sim.errors import ScenarioError, did_you_mean
from sim.scenario import schema


def _field_hint(model: type[BaseModel], loc: tuple) -> str | None:
    """Walk pydantic field info along ``loc`` and return a did-you-mean for the last key."""
    current: Any = model
    for part in loc[:-1]:
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(str(part))
            if field is None:
                field = next((f for f in current.model_fields.values() if f.alias == part), None)
            if field is None:
                return None
            current = field.annotation
        else:
            args = getattr(current, "__args__", ())
            current = args[-1] if args else None
    if isinstance(current, type) and issubclass(current, BaseModel):
        names = [f.alias or n for n, f in current.model_fields.items()]
        return did_you_mean(loc[-1], names) or f"allowed keys: {', '.join(names)}."
    return None


TYPE_HINTS = {
    "int": "write a whole number, e.g. 4.",
    "float": "write a number, e.g. 0.5.",
    "bool": "write true or false.",
    "date": "write a date as YYYY-MM-DD.",
    "dict": "write a mapping: one 'key: value' per line, indented under this key.",
    "model": "write a mapping: one 'key: value' per line, indented under this key.",
    "list": "write a list, e.g. [a, b] or one '- item' per line.",
    "string": "write text (quote it if it looks like a number or a date).",
    "literal": "",
}
RANGE_ERRORS = ("greater_than", "greater_than_equal", "less_than", "less_than_equal", "too_short", "too_long")


def _shown(value) -> str:
    """A value as the user wrote it (dates as YYYY-MM-DD, not Python reprs)."""
    if isinstance(value, dt.date):
        return value.isoformat()
    return repr(value)


def _error_hint(err: dict) -> str | None:
    """A hint for one pydantic error: what to write instead."""
    kind, ctx = err["type"], err.get("ctx") or {}
    if "expected" in ctx:
        return f"expected one of {ctx['expected']}."
    if kind in RANGE_ERRORS:
        return "docs/model.md gives this key's unit, range and default."
    for prefix, hint in TYPE_HINTS.items():
        if kind.startswith(prefix) and hint:
            return hint
    if kind == "value_error":
        return "docs/model.md explains how this value is used."
    return None


def raise_validation(exc: ValidationError, lines: dict, default_file: str, prefix: str = "",
                     line: int | None = None) -> None:
    """Turn pydantic's errors into one ScenarioError with file, key path, line and hint.

    Unknown keys are reported before anything else: a misspelt key also makes the key it
    should have been "missing", and the useful message is the did-you-mean on the misspelling.
    """
    errors = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
    err = errors[0]
    loc = tuple(str(p) for p in err["loc"])
    key_path = ".".join(filter(None, [prefix, *loc]))
    file = default_file
    for n in range(len(loc), 0, -1):
        if loc[:n] in lines:
            file, line = lines[loc[:n]]
            break
    kind = err["type"]
    if kind == "extra_forbidden":
        reason = "this key is not part of the scenario schema."
        hint = _field_hint(schema.Scenario, loc)
    elif kind == "missing":
        reason = "this required key is missing."
        hint = "see docs/model.md for every key, its unit and default."
    else:
        shown = _shown(err.get("input"))
        reason = err["msg"].removeprefix("Value error, ").rstrip(".")
        reason += f" (got {shown})." if "input" in err and len(shown) <= 60 else "."
        hint = _error_hint(err)
    more = len(errors) - 1
    if more:
        reason += f" ({more} more problem{'s' if more > 1 else ''} after this one.)"
    raise ScenarioError(reason, file=file, key_path=key_path or None, line=line, hint=hint) from None
