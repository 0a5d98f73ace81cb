"""Dataclasses as JSON and back: what a snapshot freezes (the dashboard, its timelines) is plain data, stored as
JSON and read back with the same types the live page uses."""

from __future__ import annotations

import dataclasses
import datetime as dt
import types
import typing


def to_json(value):
    """Dataclasses, lists and dates as JSON-ready values (dates as ISO strings)."""
    if dataclasses.is_dataclass(value):
        return {f.name: to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, list | tuple):
        return [to_json(item) for item in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def dataclass_from_json(kind, raw):
    """The inverse of `to_json` for a value of type `kind` (a dataclass, a list of them, a date …)."""
    if raw is None:
        return None
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        options = [option for option in typing.get_args(kind) if option is not type(None)]
        return dataclass_from_json(options[0], raw)
    if origin is list:
        (inner,) = typing.get_args(kind)
        return [dataclass_from_json(inner, item) for item in raw]
    if kind is dt.date:
        return dt.date.fromisoformat(raw)
    if dataclasses.is_dataclass(kind):
        hints = typing.get_type_hints(kind)
        fields = [f for f in dataclasses.fields(kind) if f.name in raw]
        return kind(**{f.name: dataclass_from_json(hints[f.name], raw[f.name]) for f in fields})
    return raw
