"""``FIELD=VALUE`` flags of the benchmark scripts, typed by the dataclass whose fields they set."""

from __future__ import annotations

import types as _types
from dataclasses import fields
from typing import get_args, get_type_hints

SCALARS = (int, float, str)  # what a FIELD=VALUE string parses into; tuples, flags and nested settings are refused


def overrides(cls, pairs: list[str], flag: str) -> dict:
    """``["sigma_start=0.2", ...]`` -> ``{"sigma_start": 0.2}``, typed by the dataclass ``cls``; an unknown
    field ends the script with one line naming ``flag`` and the fields it takes."""
    hints = get_type_hints(cls)
    types = {f.name: _value_type(hints[f.name], getattr(cls(), f.name)) for f in fields(cls)}
    out = {}
    for pair in pairs:
        key, _, value = pair.partition("=")
        if key not in types:
            raise SystemExit(f"error: {flag}: unknown field '{key}'; one of {', '.join(types)}")
        if types[key] not in SCALARS:
            raise SystemExit(f"error: {flag}: field '{key}' holds a {types[key].__name__}; only numbers and names can be set here")
        out[key] = types[key](value)
    return out


def _value_type(hint, default):
    """The type a value of a field is parsed with: its default's, or for an optional field (``X | None``) X."""
    if default is None and isinstance(hint, _types.UnionType):
        return next(a for a in get_args(hint) if a is not type(None))
    return type(default)
