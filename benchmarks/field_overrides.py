"""``FIELD=VALUE`` flags of the benchmark scripts, typed by the dataclass whose fields they set."""

from __future__ import annotations

from dataclasses import fields


def overrides(cls, pairs: list[str], flag: str) -> dict:
    """``["sigma_start=0.2", ...]`` -> ``{"sigma_start": 0.2}``, typed by the dataclass ``cls``; an unknown
    field ends the script with one line naming ``flag`` and the fields it takes."""
    types = {f.name: type(getattr(cls(), f.name)) for f in fields(cls)}
    out = {}
    for pair in pairs:
        key, _, value = pair.partition("=")
        if key not in types:
            raise SystemExit(f"error: {flag}: unknown field '{key}'; one of {', '.join(types)}")
        out[key] = types[key](value)
    return out
