""" "Premières heures": its dated parameters — the seed (idempotent) and a staff change.

A change is a new value with a start date: from that day on the new value applies (to the
statements of the months starting on or after it), before it the former one. Past months are
never rewritten: a new value cannot start before the current month, so a statement already
drawn up gives the same amounts when drawn up again."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..enums import SchemeKind
from ..models import Scheme, SchemeParameter
from ..selectors.parameters import parameter_values_at
from ..selectors.premieres_heures import (
    PARAMETERS,
    SCHEME_SLUG,
    SPECS,
    day_text,
    first_of_month,
    number,
)

# The scheme started in 2010 ("En 2010, le Département de Paris a initié…", no day given).
SEED_START = date(2010, 1, 1)
SOURCE_THRESHOLDS = (
    "Ville de Paris, page « L'économie sociale et solidaire » (seeds/002) : forfait dès 1 heure "
    "travaillée dans le mois, paliers de 5 à 22 heures et de 23 à 72 heures."
)
SOURCE_EXAMPLE = "Valeur d'exemple : aucun document ne donne ce montant, à fixer par l'opérateur."
# What the catalogue says of the scheme if it has not created it (it owns these fields).
SCHEME_DEFAULTS = {
    "name": "Premières heures",
    "kind": SchemeKind.INSERTION_SCHEME,
    "summary": (
        "Dispositif du Département de Paris (expérimental en 2010, pérennisé en mars 2013) : "
        "une reprise d'activité très progressive pour des personnes en grande exclusion, "
        "embauchées par des ateliers et chantiers d'insertion, jusqu'à 16 heures par semaine "
        "sur un contrat d'accompagnement dans l'emploi (CAE). La structure reçoit par personne "
        "un forfait mensuel dès 1 heure travaillée, un forfait supplémentaire par palier "
        "d'heures (5 à 22 h ou 23 à 72 h) et une prime de retour à l'emploi ou à la formation."
    ),
    "perimeter": ["departement:75"],
    "rule": SCHEME_SLUG,
}


@transaction.atomic
def premieres_heures_seed() -> Scheme:
    """The scheme `premieres-heures` (created with minimal catalogue fields when the catalogue
    has not created it) and a first value, from 2010, of each parameter that has none yet.
    Thresholds are the document's; amounts are examples. Re-running changes nothing."""
    scheme, _created = Scheme.objects.get_or_create(slug=SCHEME_SLUG, defaults=SCHEME_DEFAULTS)
    present = set(scheme.parameters.values_list("name", flat=True))
    for spec in PARAMETERS:
        if spec.name in present:
            continue
        SchemeParameter.objects.create(
            scheme=scheme,
            name=spec.name,
            start=SEED_START,
            value=spec.seed_value,
            is_example=spec.seed_is_example,
            source=SOURCE_EXAMPLE if spec.seed_is_example else SOURCE_THRESHOLDS,
        )
    return scheme


def _coherence(values: dict[str, Decimal], start: date) -> str | None:
    """Why the parameters in force from `start` would not make sense, or None."""
    for tier in (1, 2):
        low, high = values.get(f"palier_{tier}_min"), values.get(f"palier_{tier}_max")
        if low is not None and high is not None and high < low:
            return _(
                "À partir du %(day)s, le palier %(tier)d irait de %(low)s h à %(high)s h : la "
                "fin d'un palier ne peut précéder son début."
            ) % {"day": day_text(start), "tier": tier, "low": number(low), "high": number(high)}
    first_high, second_low = values.get("palier_1_max"), values.get("palier_2_min")
    if first_high is not None and second_low is not None and second_low <= first_high:
        return _(
            "À partir du %(day)s, le palier 2 (dès %(low)s h) commencerait avant la fin du "
            "palier 1 (%(high)s h) : les paliers ne se chevauchent pas."
        ) % {"day": day_text(start), "low": number(second_low), "high": number(first_high)}
    return None


@transaction.atomic
def ph_parameter_add(
    *,
    user: Any,
    name: str,
    start: date,
    value: Decimal | str,
    is_example: bool = False,
    source: str = "",
    today: date | None = None,
) -> SchemeParameter:
    """A new value of the parameter `name` from `start`, the first day of a month (a change on
    that day). Refused when it would start in a past month or on the day of another value, or
    make the tiers incoherent."""
    spec = SPECS.get(name)
    if spec is None:
        raise ValidationError({"name": _("Paramètre inconnu : « %(name)s ».") % {"name": name}})
    try:
        amount = Decimal(str(value).replace(",", ".").replace("\u00a0", "").replace(" ", ""))
    except InvalidOperation:
        raise ValidationError({"value": _("Saisissez un nombre, par exemple 150,00.")}) from None
    if not amount.is_finite() or amount < 0 or amount >= Decimal("1e12"):
        raise ValidationError({"value": _("Saisissez un nombre positif ou nul.")})
    if amount != amount.quantize(Decimal("0.01")):
        raise ValidationError({"value": _("Deux décimales au plus.")})
    current_month = first_of_month(today or timezone.localdate())
    if start.day != 1:
        raise ValidationError(
            {
                "start": _(
                    "Une valeur prend effet le premier jour d'un mois (les relevés sont "
                    "mensuels) : le %(day)s, par exemple."
                )
                % {"day": day_text(first_of_month(start))}
            }
        )
    if start < current_month:
        raise ValidationError(
            {
                "start": _(
                    "Une nouvelle valeur prend effet au plus tôt le %(day)s (premier jour du mois "
                    "en cours) : les relevés des mois passés restent tels qu'ils ont été établis."
                )
                % {"day": day_text(current_month)}
            }
        )
    scheme = premieres_heures_seed()
    if SchemeParameter.objects.filter(scheme=scheme, name=name, start=start).exists():
        raise ValidationError(
            {
                "start": _("Le paramètre a déjà une valeur qui commence le %(day)s.")
                % {"day": day_text(start)}
            }
        )
    in_force = {n: p.value for n, p in parameter_values_at(scheme.pk, start).items()}
    in_force[name] = amount
    problem = _coherence(in_force, start)
    if problem:
        raise ValidationError({"value": problem})
    return SchemeParameter.objects.create(
        scheme=scheme,
        name=name,
        start=start,
        value=amount,
        is_example=is_example,
        source=source.strip()[:300],
        set_by=user if getattr(user, "is_authenticated", False) else None,
    )
