"""SIREN and SIRET checks (python-stdnum), with the French rejection reasons."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from stdnum.fr import siret as stdnum_siret

LA_POSTE_SIREN = "356000000"


def siren_error(value: str) -> str:
    """'' when `value` is a valid SIREN, else the reason in French."""
    if len(value) != 9 or not (value.isascii() and value.isdigit()):
        return "SIREN invalide : 9 chiffres attendus"
    if not _siren_key_ok(value):
        return "SIREN invalide : clé de contrôle (Luhn) fausse"
    return ""


# Luhn: every second digit from the right is doubled, and its digits added (2 * 7 = 14 -> 5).
# As bytes: the ASCII code of each doubled digit is replaced by 48 + that sum (bytes.translate).
_DOUBLED = bytes.maketrans(b"0123456789", bytes(48 + 2 * d - 9 * (d > 4) for d in range(10)))


def _luhn_ok(value: str) -> bool:
    """python-stdnum's `luhn.checksum(value) == 0` for a string of ASCII digits, without its
    generic alphabet handling (a stock file checks tens of millions of numbers; the tests
    compare both on valid and random numbers). Sums ASCII codes: 48 per digit is taken off."""
    raw = value.encode("ascii")
    last = len(raw) - 1
    total = sum(raw[last::-2]) + sum(raw[last - 1 :: -2].translate(_DOUBLED)) - 48 * len(raw)
    return total % 10 == 0


@lru_cache(maxsize=65_536)
def _siren_key_ok(value: str) -> bool:
    """The Luhn key of a SIREN, cached: the establishments of one legal unit share it."""
    return _luhn_ok(value)


def siret_error(value: str) -> str:
    """'' when `value` is a valid SIRET, else the reason in French. La Poste's establishments
    (SIREN 356000000) follow another check than Luhn, which python-stdnum knows."""
    if len(value) != 14 or not (value.isascii() and value.isdigit()):
        return "SIRET invalide : 14 chiffres attendus"
    if value.startswith(LA_POSTE_SIREN):
        return "" if stdnum_siret.is_valid(value) else "SIRET invalide : clé de contrôle fausse"
    # Luhn on the SIRET and on its SIREN, as stdnum.fr.siret.is_valid checks them, without its
    # per-call normalisation (the values are already 14 digits).
    if not _luhn_ok(value) or not _siren_key_ok(value[:9]):
        return "SIRET invalide : clé de contrôle (Luhn) fausse"
    return ""


def iso_date(value: str) -> str | None:
    """'2019-05-01' -> same string; '' -> None; anything else raises ValueError."""
    if not value:
        return None
    dt.date.fromisoformat(value)
    if len(value) != 10:
        raise ValueError(value)
    return value
