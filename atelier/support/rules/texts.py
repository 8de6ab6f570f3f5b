"""How the rules speak: amounts and dates written the French way, the labels of the
questionnaire's values, the names of the parameters. Every sentence a condition writes is built
from these (gettext: French first, translatable)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from atelier.directory.enums import HeadcountBand

from ..enums import LegalForm, Need, Project, SchemeKind, SchemeState, Situation, Stage
from .speech import language as speech_language

NBSP = "\u00a0"  # between the groups of digits and before the euro sign: "40 000 €" stays whole

# The profile's fields a condition may read, with their label and the grammatical gender of
# the label (the past participle agrees: "étape … acceptée", "type de projet … accepté").
FIELDS: dict[str, tuple[object, str]] = {
    "stage": (_("étape du projet"), "f"),
    "project": (_("type de projet"), "m"),
    "legal_form": (_("forme juridique"), "f"),
    "sector": (_("secteur d'activité"), "m"),
    "situations": (_("situation"), "f"),
    "needs": (_("besoin"), "m"),
    "headcount_band": (_("tranche d'effectifs"), "f"),
}
VALUE_ENUMS: dict[str, Any] = {
    "stage": Stage,
    "project": Project,
    "legal_form": LegalForm,
    "situations": Situation,
    "needs": Need,
    "headcount_band": HeadcountBand,
}

# Names of the dated parameters the rules read, for people. A parameter whose name starts with
# one of EURO_PREFIXES is an amount in euros.
PARAMETER_LABELS = {
    "montant_minimum": _("montant minimum"),
    "montant_maximum": _("montant maximum"),
    "montant_maximum_reprise": _("montant maximum pour une reprise"),
    "dotation_totale": _("dotation totale"),
}
EURO_PREFIXES = ("montant_", "dotation_", "forfait_", "prime_", "plafond_")


def euros(value: int | Decimal | float) -> str:
    """40000 -> "40 000 €" (no-break spaces); cents only when there are some: "12,50 €"."""
    if isinstance(value, int) or (
        isinstance(value, Decimal) and value == value.to_integral_value()
    ):
        whole = int(value)
        return f"{'-' if whole < 0 else ''}{abs(whole):,}{NBSP}€".replace(",", NBSP)
    amount = Decimal(value)
    whole = int(amount)
    cents = int((abs(amount) - abs(whole)) * 100)
    digits = f"{abs(whole):,}".replace(",", NBSP)
    sign = "-" if amount < 0 else ""
    if cents:
        return f"{sign}{digits},{cents:02d}{NBSP}€"
    return f"{sign}{digits}{NBSP}€"


def number(value: int | Decimal) -> str:
    """A plain number the French way: 16, 22,5, 1 750."""
    amount = Decimal(value).normalize()
    if amount == amount.to_integral_value():
        return f"{int(amount):,}".replace(",", NBSP)
    return str(amount).replace(".", ",")


def parameter_label(name: str) -> str:
    label = PARAMETER_LABELS.get(name)
    return str(label) if label is not None else name.replace("_", " ")


def parameter_value(name: str, value: int | Decimal) -> str:
    return euros(value) if name.startswith(EURO_PREFIXES) else number(value)


def day(value: date) -> str:
    """5 février 2026 (in the active language)."""
    return date_format(value, "j F Y")


class Labels:
    """The labels of the closed lists in the active language, built once per language (the
    rules write thousands of sentences per answer: no lazy string is evaluated twice)."""

    _by_language: dict[str, dict[str, dict[str, str]]] = {}

    @classmethod
    def get(cls) -> dict[str, dict[str, str]]:
        language = speech_language()
        found = cls._by_language.get(language)
        if found is None:
            found = {
                field: {m.value: str(m.label) for m in enum} for field, enum in VALUE_ENUMS.items()
            }
            found["kind"] = {k.value: str(k.label) for k in SchemeKind}
            found["state"] = {s.value: str(s.label) for s in SchemeState}
            found["_fields"] = {field: str(label) for field, (label, _g) in FIELDS.items()}
            cls._by_language[language] = found
        return found


def value_label(field: str, value: str, sectors: Mapping[str, str] | None = None) -> str:
    if field == "sector":
        return f"{value} — {sectors[value]}" if sectors and value in sectors else value
    return Labels.get().get(field, {}).get(value, value)


def field_label(field: str) -> str:
    return Labels.get()["_fields"].get(field, field)


def quoted(values: list[str]) -> str:
    """« a », « b »"""
    return ", ".join(f"«{NBSP}{v}{NBSP}»" for v in values)
