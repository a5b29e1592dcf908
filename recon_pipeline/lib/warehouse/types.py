"""PostgreSQL column types of Arrow types: the raw zone contract, typed the same in SQL."""

from __future__ import annotations

import pyarrow as pa


def pg_type(kind: pa.DataType) -> str:
    """The PostgreSQL type that holds every value of ``kind`` exactly.

    Raises TypeError for a type the raw zone does not use (lists, structs, floats...).
    """
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return "text"
    if pa.types.is_boolean(kind):
        return "boolean"
    if pa.types.is_int64(kind):
        return "bigint"
    if pa.types.is_int32(kind) or pa.types.is_int16(kind) or pa.types.is_int8(kind):
        return "integer"
    if pa.types.is_decimal(kind):
        return f"numeric({kind.precision}, {kind.scale})"
    if pa.types.is_timestamp(kind):
        return "timestamptz" if kind.tz is not None else "timestamp"
    if pa.types.is_date(kind):
        return "date"
    raise TypeError(f"no exact PostgreSQL type for Arrow type {kind}")
