"""SIREN and SIRET checks (python-stdnum), with the French rejection reasons."""

from __future__ import annotations

import datetime as dt

from stdnum.fr import siren as stdnum_siren
from stdnum.fr import siret as stdnum_siret

LA_POSTE_SIREN = "356000000"


def siren_error(value: str) -> str:
    """'' when `value` is a valid SIREN, else the reason in French."""
    if len(value) != 9 or not value.isdigit():
        return "SIREN invalide : 9 chiffres attendus"
    if not stdnum_siren.is_valid(value):
        return "SIREN invalide : clé de contrôle (Luhn) fausse"
    return ""


def siret_error(value: str) -> str:
    """'' when `value` is a valid SIRET, else the reason in French. La Poste's establishments
    (SIREN 356000000) follow another check than Luhn, which python-stdnum knows."""
    if len(value) != 14 or not value.isdigit():
        return "SIRET invalide : 14 chiffres attendus"
    if not stdnum_siret.is_valid(value):
        if value.startswith(LA_POSTE_SIREN):
            return "SIRET invalide : clé de contrôle fausse"
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
