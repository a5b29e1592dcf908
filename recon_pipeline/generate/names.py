"""Plausible company names and tax identifiers."""

from __future__ import annotations

import random

_FIRST = ("Blue", "Northern", "Silver", "Granite", "Harbor", "Summit", "Cedar", "Atlas", "Nova",
          "Pioneer", "Crescent", "Evergreen", "Falcon", "Orchid", "Beacon", "Maple", "Copper",
          "Horizon", "Meridian", "Redwood", "Sterling", "Willow", "Aurora", "Lumen", "Vertex")
_SECOND = ("Analytics", "Logistics", "Health", "Labs", "Robotics", "Foods", "Media", "Energy",
           "Capital", "Software", "Design", "Retail", "Systems", "Networks", "Studios",
           "Ventures", "Dynamics", "Biotech", "Mobility", "Learning")
_SUFFIX = {"US": ("Inc.", "LLC", "Corp."), "CA": ("Inc.", "Ltd."), "MX": ("S.A.",),
           "DE": ("GmbH", "AG"), "AT": ("GmbH",), "NL": ("B.V.",), "FR": ("SA", "SAS"),
           "GB": ("Ltd", "PLC"), "IE": ("Ltd",), "JP": ("K.K.",)}


def company_name(rng: random.Random, index: int, country: str) -> str:
    """A company name, unique per index, with the legal suffix usual in its country."""
    first = _FIRST[index % len(_FIRST)]
    second = _SECOND[(index // len(_FIRST)) % len(_SECOND)]
    serial = index // (len(_FIRST) * len(_SECOND))
    middle = f" {_roman(serial)}" if serial else ""
    return f"{first} {second}{middle}, {rng.choice(_SUFFIX[country])}"


def _roman(n: int) -> str:
    """A short distinguishing word for names beyond the first combinations."""
    letters = "KLMNPRSTVWXZ"
    word = ""
    while True:
        word = letters[n % len(letters)] + word
        n //= len(letters)
        if n == 0:
            return word.capitalize() + "tech"


def tax_id_for(index: int, country: str) -> str:
    """A VAT / EIN-style identifier with its country prefix, unique per customer index (random
    digits collide among a million customers and would make true duplicate tax ids)."""
    return f"{country}{100000000 + (index * 7919 + 12345) % 900000000}"
