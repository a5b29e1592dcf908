"""Declarative table specs for JSON records, compiled to DuckDB SQL.

A :class:`Spec` names, per output column, where the value sits in each API shape (alternative
paths, first non-null wins) and what JSON type it must have. From that it builds the
``from_json`` structure (one parse per record), the typed column expressions and one ``CASE``
that gives the first reason a record cannot be read, in this order: wrong type, missing key
field, unknown currency, impossible value, then the checks of its child rows (a bad child row
quarantines its whole record).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from recon_pipeline.lib.extract.sqlkit import DEC_SCALE
from recon_pipeline.lib.sqltext import quote_literal

Kind = Literal["str", "cur", "ref", "int", "ts", "bool", "num", "decstr", "sum", "time"]
Output = str | tuple[str, str]

_EXPECTED = {
    "str": "a string", "cur": "a string", "ref": "an id or an object with an id",
    "int": "an integer", "ts": "an integer Unix time", "bool": "a boolean", "num": "a number",
    "decstr": "a decimal string", "sum": "a list of integer amounts", "time": "a string",
}


@dataclass(frozen=True)
class F:
    """One field: output name, kind, alternative dotted paths and what makes it unreadable."""

    name: str
    kind: Kind
    paths: tuple[str, ...]
    required: bool = False
    nonneg: bool = False
    missing: str | None = None
    invalid: str | None = None
    negative: str | None = None


def f(name: str, kind: Kind, *paths: str, **options: object) -> F:
    """Shorthand for :class:`F`; the path defaults to the field's name."""
    return F(name, kind, paths or (name,), **options)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Child:
    """Rows exploded from a list of each record (e.g. an invoice's ``lines.data``).

    ``fallback_path`` names a single object used when the list holds no object (the classic
    ``discount`` beside ``discounts[]``); ``keep`` is SQL over the element ``e``.
    """

    table: str
    list_path: str
    fields: tuple[F, ...]
    output: tuple[Output, ...]
    fallback_path: str | None = None
    keep: str | None = None


@dataclass(frozen=True)
class Spec:
    """How to read one Stripe or CloudEvents object type into its raw-zone table(s)."""

    source: str
    table: str
    stems: tuple[str, ...]
    fields: tuple[F, ...]
    output: tuple[Output, ...]
    checks: tuple[tuple[str, str], ...] = ()
    children: tuple[Child, ...] = ()
    number_keys: tuple[str, ...] = ()
    optional: bool = False

    @property
    def tables(self) -> tuple[str, ...]:
        """The table names this spec writes, its own first."""
        return (self.table, *(c.table for c in self.children))


# -- the from_json structure ------------------------------------------------------------------


def structure(spec: Spec) -> str:
    """The JSON structure for ``from_json``: every leaf read as raw JSON text."""
    tree: dict[str, object] = {"object": "JSON"}
    for path in _paths(spec.fields):
        _put(tree, path.split("."))
    for child in spec.children:
        element: dict[str, object] = {}
        for path in _paths(child.fields):
            _put(element, path.split("."))
        _put(tree, child.list_path.split("."), [element])
        if child.fallback_path:
            _put(tree, child.fallback_path.split("."), element)
    return json.dumps(tree, separators=(",", ":"))


def _paths(fields: tuple[F, ...]) -> list[str]:
    return [p for fl in fields for p in fl.paths]


def _put(tree: dict[str, object], parts: list[str], leaf: object = "JSON") -> None:
    head, rest = parts[0], parts[1:]
    if head.endswith("[]"):
        node = tree.setdefault(head[:-2], [{}])
        if not isinstance(node, list):
            raise ValueError(f"path {head} is both a list and something else")
        _put(node[0], rest, leaf)
        return
    if rest:
        node = tree.setdefault(head, {})
        if not isinstance(node, dict):
            raise ValueError(f"path {head} is both an object and something else")
        _put(node, rest, leaf)
        return
    existing = tree.setdefault(head, leaf)
    if isinstance(leaf, list) and isinstance(existing, list):
        _merge(existing[0], leaf[0])
    elif isinstance(leaf, dict) and isinstance(existing, dict):
        _merge(existing, leaf)
    elif existing != leaf:
        raise ValueError(f"path {head} is both a value and a container")


def _merge(target: dict[str, object], source: dict[str, object]) -> None:
    for key, leaf in source.items():
        _put(target, [key], leaf)


# -- expressions ------------------------------------------------------------------------------


def access(root: str, path: str) -> str:
    """SQL reading a dotted path of a struct (``j['a']['b']``; ``a[]``: a's first item)."""
    return root + "".join(
        f"[{quote_literal(p[:-2])}][1]" if p.endswith("[]") else f"[{quote_literal(p)}]"
        for p in path.split("."))


def value(fl: F, root: str) -> str:
    """SQL of a field's typed value (first non-null path)."""
    parts = [_value(fl.kind, p, root) for p in fl.paths]
    return parts[0] if len(parts) == 1 else f"COALESCE({', '.join(parts)})"


def _value(kind: Kind, path: str, root: str) -> str:
    if kind == "sum":
        lst, item = path.split("[].", 1)
        items = access(root, lst)
        total = f"list_sum(list_transform({items}, lambda s: jint({access('s', item)})))"
        return f"CASE WHEN {items} IS NOT NULL THEN COALESCE({total}, 0) END"
    x = access(root, path)
    return {
        "str": f"jtxt({x})", "cur": f"jtxt({x})", "ref": f"jref({x})", "int": f"jint({x})",
        "ts": f"jint({x})", "bool": f"jbool({x})", "num": f"to_dec(jnum({x}))",
        "decstr": f"to_dec(jtxt({x}))", "time": f"rfc3339(jtxt({x}))",
    }[kind]


def _type_ok(kind: Kind, path: str, root: str) -> str:
    if kind == "sum":
        lst, item = path.split("[].", 1)
        oks = f"list_transform({access(root, lst)}, lambda s: jint_ok({access('s', item)}))"
        return f"COALESCE(list_bool_and({oks}), true)"
    x = access(root, path)
    macro = {"str": "jtxt_ok", "cur": "jtxt_ok", "ref": "jref_ok", "int": "jint_ok",
             "ts": "jint_ok", "bool": "jbool_ok", "num": "jnum_ok", "decstr": "jtxt_ok",
             "time": "jtxt_ok"}[kind]
    return f"{macro}({x})"


def checks(fields: tuple[F, ...], root: str, prefix: str = "",
           val: Callable[[F], str] | None = None) -> list[tuple[str, str]]:
    """(condition that makes the record unreadable, SQL of the reason), in priority order.

    Type checks read the raw leaves under ``root``; the others read the typed values, from
    ``val(field)`` when given (e.g. an already computed column), else recomputed.
    """
    if val is None:
        def val(fl: F) -> str:
            return value(fl, root)
    out: list[tuple[str, str]] = []
    for fl in fields:
        for p in fl.paths:
            if fl.kind == "sum":
                reason = quote_literal(f"wrong type: {prefix}{p} is not an integer")
            else:
                got = f"jkind({access(root, p)})"
                reason = f"'wrong type: {prefix}{p} is ' || {got} || ', expected " \
                         f"{_EXPECTED[fl.kind]}'"
            out.append((f"NOT {_type_ok(fl.kind, p, root)}", reason))
    for fl in fields:
        where = f"{prefix}{fl.paths[0]}"
        if fl.kind in ("num", "decstr"):
            for p in fl.paths:
                text = f"jnum({access(root, p)})" if fl.kind == "num" else \
                    f"jtxt({access(root, p)})"
                why = f"bad decimal: {prefix}{p} is not a decimal of at most {DEC_SCALE} places"
                out.append((f"NOT dec_ok({text})", quote_literal(why)))
        if fl.kind == "time":
            text = f"jtxt({access(root, fl.paths[0])})"
            why = fl.invalid or f"bad time: {where} is not RFC 3339"
            out.append((f"{text} IS NOT NULL AND {val(fl)} IS NULL", quote_literal(why)))
    for fl in fields:
        if fl.required:
            why = fl.missing or f"missing key field: {prefix}{fl.paths[0]}"
            out.append((f"{val(fl)} IS NULL", quote_literal(why)))
    for fl in fields:
        v = val(fl)
        where = f"{prefix}{fl.paths[0]}"
        if fl.kind == "cur":
            out.append((f"NOT known_currency({v})", f"'unknown currency: ' || {v}"))
        if fl.kind == "ts":
            why = f"impossible value: {where} is not a Unix time"
            out.append((f"NOT ts_ok({v})", quote_literal(why)))
        if fl.nonneg:
            why = fl.negative or f"impossible value: {where} is negative"
            out.append((f"{v} < 0", quote_literal(why)))
    return out


def case(pairs: list[tuple[str, str]]) -> str:
    """A CASE giving the first reason whose condition holds, else NULL."""
    if not pairs:
        return "NULL"
    whens = " ".join(f"WHEN {cond} THEN {why}" for cond, why in pairs)
    return f"CASE {whens} END"


_REF = re.compile(r"\{(\^?)(\w+)\}")


def render(template: str, resolve: Callable[[bool, str], str]) -> str:
    """Replace ``{name}`` (``{^name}``: the parent record's) by ``resolve(is_parent, name)``."""
    return _REF.sub(lambda m: resolve(bool(m.group(1)), m.group(2)), template)


def field_values(fields: tuple[F, ...], root: str) -> list[str]:
    """``<value SQL> AS f_<name>`` of every field."""
    return [f"{value(fl, root)} AS f_{fl.name}" for fl in fields]


def columns(output: tuple[Output, ...], mine: str, parent: str = "") -> str:
    """The SELECT list of a table over the ``f_<name>`` columns of its fields (``mine`` and
    ``parent`` prefix the record's and its parent's columns, e.g. ``k.``)."""

    def resolve(is_parent: bool, name: str) -> str:
        return f"{parent if is_parent else mine}f_{name}"

    items = []
    for out in output:
        if isinstance(out, str):
            items.append(f"{mine}f_{out} AS {out}")
        else:
            items.append(f"{render(out[1], resolve)} AS {out[0]}")
    return ", ".join(items)


def items(child: Child, root: str) -> str:
    """SQL of the list a child table is exploded from (NULL-safe: absent is empty)."""
    lst = access(root, child.list_path)
    if child.keep:
        lst = f"list_filter({lst}, lambda e: {child.keep})"
    if not child.fallback_path:
        return lst
    single = access(root, child.fallback_path)
    keep = f"list_filter([{single}], lambda e: {child.keep or 'e IS NOT NULL'})"
    return f"CASE WHEN len({lst}) > 0 THEN {lst} ELSE {keep} END"


def record_reason(spec: Spec, root: str = "j", typed: bool = False) -> str:
    """SQL of the first reason a record (its own fields) cannot be read, else NULL.

    With ``typed``, values are read from the ``f_<name>`` columns instead of recomputed.
    """
    fields = {fl.name: fl for fl in spec.fields}

    def val(fl: F) -> str:
        return f"f_{fl.name}" if typed else value(fl, root)

    pairs = checks(spec.fields, root, "", val)
    pairs += [(render(cond, lambda _, name: val(fields[name])), quote_literal(why))
              for cond, why in spec.checks]
    return case(pairs)


def child_reason(child: Child, root: str = "e", typed: bool = False) -> str:
    """SQL of the first reason a child row (element ``e``) cannot be read, else NULL."""

    def val(fl: F) -> str:
        return f"f_{fl.name}" if typed else value(fl, root)

    return case(checks(child.fields, root, child.list_path + "[].", val))
