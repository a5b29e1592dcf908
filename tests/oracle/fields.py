"""Typed field accessors over parsed JSON: a missing key field or a wrong type raises RowError.

Optional fields may be absent or null; when present they must have the documented type.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from tests.oracle.common import is_known_currency

# Quarantine reasons (the ``reason`` of a Skipped row).
INVALID_UTF8 = "invalid_utf8"
BAD_JSON = "bad_json"
NOT_AN_OBJECT = "not_an_object"
MISSING_FIELD = "missing_field"
WRONG_TYPE = "wrong_type"
UNKNOWN_CURRENCY = "unknown_currency"
BAD_DECIMAL = "bad_decimal"
BAD_TIME = "bad_time"
NEGATIVE_VALUE = "negative_value"
BAD_VALUE = "bad_value"
WRONG_COLUMN_COUNT = "wrong_column_count"
UNREADABLE_FILE = "unreadable_file"
REASONS = frozenset(
    {
        INVALID_UTF8,
        BAD_JSON,
        NOT_AN_OBJECT,
        MISSING_FIELD,
        WRONG_TYPE,
        UNKNOWN_CURRENCY,
        BAD_DECIMAL,
        BAD_TIME,
        NEGATIVE_VALUE,
        BAD_VALUE,
        WRONG_COLUMN_COUNT,
        UNREADABLE_FILE,
    }
)


class RowError(Exception):
    """A row cannot be read; carries the quarantine reason and a detail."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


def get(obj: Mapping[str, Any], path: str) -> Any:
    """Value at a dotted path; None when any step is absent or null."""
    value: Any = obj
    for step in path.split("."):
        if value is None:
            return None
        if not isinstance(value, Mapping):
            raise RowError(WRONG_TYPE, f"{path}: {step!r} is not inside an object")
        value = value.get(step)
    return value


def opt_str(obj: Mapping[str, Any], path: str) -> str | None:
    """Optional string field."""
    value = get(obj, path)
    if value is None:
        return None
    if not isinstance(value, str):
        raise RowError(WRONG_TYPE, f"{path} is not a string")
    return value


def req_str(obj: Mapping[str, Any], path: str) -> str:
    """Required non-empty string field."""
    value = opt_str(obj, path)
    if not value:
        raise RowError(MISSING_FIELD, path)
    return value


def opt_ref(obj: Mapping[str, Any], path: str) -> str | None:
    """Optional reference: an id string, or an expanded object whose ``id`` is taken."""
    value = get(obj, path)
    if isinstance(value, Mapping):
        return req_str(value, "id")
    return opt_str(obj, path)


def req_ref(obj: Mapping[str, Any], path: str) -> str:
    """Required reference (id string or expanded object)."""
    value = opt_ref(obj, path)
    if not value:
        raise RowError(MISSING_FIELD, path)
    return value


def opt_int(obj: Mapping[str, Any], path: str) -> int | None:
    """Optional integer field (a bool or a JSON decimal is a wrong type)."""
    value = get(obj, path)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise RowError(WRONG_TYPE, f"{path} is not an integer")
    return int(value)


def req_int(obj: Mapping[str, Any], path: str) -> int:
    """Required integer field."""
    value = opt_int(obj, path)
    if value is None:
        raise RowError(MISSING_FIELD, path)
    return value


def opt_bool(obj: Mapping[str, Any], path: str) -> bool | None:
    """Optional boolean field."""
    value = get(obj, path)
    if value is None:
        return None
    if not isinstance(value, bool):
        raise RowError(WRONG_TYPE, f"{path} is not a boolean")
    return value


def opt_number(obj: Mapping[str, Any], path: str) -> Decimal | None:
    """Optional JSON number (parsed with ``parse_float=Decimal``) as an exact Decimal."""
    value = get(obj, path)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise RowError(WRONG_TYPE, f"{path} is not a number")
    return Decimal(value)


def decimal_text(text: str, what: str) -> Decimal:
    """Exact Decimal of a decimal string; BAD_DECIMAL when it is none (or not finite)."""
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise RowError(BAD_DECIMAL, f"{what}: {text!r}") from None
    if not value.is_finite():
        raise RowError(BAD_DECIMAL, f"{what}: {text!r}")
    return value


def opt_decimal_str(obj: Mapping[str, Any], path: str) -> Decimal | None:
    """Optional decimal carried as a string (``unit_amount_decimal``, ``quantity_decimal``)."""
    text = opt_str(obj, path)
    return None if text is None else decimal_text(text, path)


def opt_list(obj: Mapping[str, Any], path: str) -> list[Any]:
    """Optional list field (absent or null = empty)."""
    value = get(obj, path)
    if value is None:
        return []
    if not isinstance(value, list):
        raise RowError(WRONG_TYPE, f"{path} is not a list")
    return value


def opt_obj(obj: Mapping[str, Any], path: str) -> Mapping[str, Any] | None:
    """Optional nested object."""
    value = get(obj, path)
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise RowError(WRONG_TYPE, f"{path} is not an object")
    return value


def currency_code(text: str | None, path: str) -> str:
    """Upper-case known ISO 4217 code; MISSING_FIELD / UNKNOWN_CURRENCY otherwise."""
    if not text:
        raise RowError(MISSING_FIELD, path)
    if not is_known_currency(text):
        raise RowError(UNKNOWN_CURRENCY, f"{path}: {text!r}")
    return text.upper()


def req_currency(obj: Mapping[str, Any], path: str) -> str:
    """Required currency field."""
    return currency_code(opt_str(obj, path), path)


def opt_currency(obj: Mapping[str, Any], path: str) -> str | None:
    """Optional currency field: when present it must be a known code."""
    text = opt_str(obj, path)
    return None if text is None else currency_code(text, path)
