""" "Premières heures": what a structure is due for one beneficiary in one month.

The Département de Paris pays the structure, per person hired (seeds/002):
- a monthly flat amount as soon as the person works at least 1 hour in the month;
- an extra flat amount in one of two tiers by the hours worked in the month (5–22 h or
  23–72 h): between 1 and 4 h the flat amount only, above 72 h no tier;
- a bonus when the person leaves for employment or training (paid in the month of the exit).

Every amount and threshold is a dated parameter of the scheme `premieres-heures`
(SchemeParameter rows): the values in force on the **first day of the month** apply to the
whole month, so a value starting on a later day changes the statements from that month on and
the earlier ones stay as they were. The documents give no amount: the demo's amounts are
examples (`is_example`), to be set by the operator, and the statement says so.

`line_compute` is pure (no database): the amounts and their explanation in plain French from
the hours, the exits of the month and the parameters. `ph_parameters_at` reads the parameters
of a month."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.utils import dateformat
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..enums import ExitOutcome
from ..models import Scheme
from .parameters import ParameterValue, parameter_values_at

SCHEME_SLUG = "premieres-heures"
HOURS = "h"
EUROS = "€"
CENT = Decimal("0.01")
NBSP = "\u00a0"
ZERO = Decimal("0.00")
BONUS_OUTCOMES = (ExitOutcome.EMPLOYMENT, ExitOutcome.TRAINING)


@dataclass(frozen=True, slots=True)
class ParameterSpec:
    """A parameter the computation reads, with the value the seed gives it (from 2010)."""

    name: str
    label: Promise
    unit: str
    seed_value: Decimal
    seed_is_example: bool


# In the order the statement lists them. Thresholds come from the document; amounts do not.
PARAMETERS = (
    ParameterSpec(
        "seuil_forfait",
        gettext_lazy("forfait mensuel : heures minimales dans le mois"),
        HOURS,
        Decimal(1),
        False,
    ),
    ParameterSpec(
        "forfait_mensuel",
        gettext_lazy("forfait mensuel par bénéficiaire"),
        EUROS,
        Decimal("100.00"),
        True,
    ),
    ParameterSpec("palier_1_min", gettext_lazy("palier 1 : à partir de"), HOURS, Decimal(5), False),
    ParameterSpec("palier_1_max", gettext_lazy("palier 1 : jusqu'à"), HOURS, Decimal(22), False),
    ParameterSpec(
        "palier_1_montant",
        gettext_lazy("palier 1 : forfait supplémentaire"),
        EUROS,
        Decimal("150.00"),
        True,
    ),
    ParameterSpec(
        "palier_2_min", gettext_lazy("palier 2 : à partir de"), HOURS, Decimal(23), False
    ),
    ParameterSpec("palier_2_max", gettext_lazy("palier 2 : jusqu'à"), HOURS, Decimal(72), False),
    ParameterSpec(
        "palier_2_montant",
        gettext_lazy("palier 2 : forfait supplémentaire"),
        EUROS,
        Decimal("300.00"),
        True,
    ),
    ParameterSpec(
        "prime_sortie",
        gettext_lazy("prime de retour à l'emploi ou à la formation"),
        EUROS,
        Decimal("500.00"),
        True,
    ),
)
SPECS = {spec.name: spec for spec in PARAMETERS}


class ParametersMissing(Exception):
    """The parameters of a month cannot be read (no scheme, or a parameter with no value in
    force on that month): the message says which, in French."""


@dataclass(frozen=True, slots=True)
class ParameterUsed:
    name: str
    label: str
    unit: str
    value: Decimal
    start: date
    is_example: bool
    source: str

    @property
    def value_text(self) -> str:
        return euros(self.value) if self.unit == EUROS else f"{number(self.value)} h"


@dataclass(frozen=True, slots=True)
class PHParameters:
    """The parameters in force on `month` (its first day)."""

    month: date
    values: dict[str, ParameterValue]

    def __getitem__(self, name: str) -> Decimal:
        return self.values[name].value

    def is_example(self, name: str) -> bool:
        return self.values[name].is_example

    def used(self) -> tuple[ParameterUsed, ...]:
        return tuple(
            ParameterUsed(
                name=spec.name,
                label=str(spec.label),
                unit=spec.unit,
                value=self.values[spec.name].value,
                start=self.values[spec.name].start,
                is_example=self.values[spec.name].is_example,
                source=self.values[spec.name].source,
            )
            for spec in PARAMETERS
        )


@dataclass(frozen=True, slots=True)
class ContractExit:
    on: date
    outcome: str  # ExitOutcome


@dataclass(frozen=True, slots=True)
class LineAmounts:
    """The amounts due for one beneficiary and one month, each with why."""

    hours: int
    flat_amount: Decimal
    flat_reason: str
    tier: int  # 0 (none), 1 or 2
    tier_label: str  # "palier 5–22 h", "" when none
    tier_amount: Decimal
    tier_reason: str
    bonus_amount: Decimal
    bonus_reason: str
    total: Decimal
    explanation: str
    uses_examples: bool  # an amount of this line is an example value


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def previous_month(month: date) -> date:
    return date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)


def number(value: Decimal | int) -> str:
    """A quantity in French: "5", "4,5"."""
    text = format(Decimal(value).normalize(), "f")
    return text.replace(".", ",")


def euros(value: Decimal) -> str:
    """An amount in French: "1 250,00 €" (no-break spaces)."""
    whole, cents = f"{value.quantize(CENT, rounding=ROUND_HALF_UP):,.2f}".split(".")
    return f"{whole.replace(',', NBSP)},{cents}{NBSP}€"


def day_text(day: date) -> str:
    return f"{day:%d/%m/%Y}"


def month_text(month: date) -> str:
    """ "mars 2025" (in the active language)."""
    return str(dateformat.format(month, "F Y"))


def hours_phrase(hours: Decimal | int) -> str:
    """ "0 h travaillée", "1 h travaillée", "12 h travaillées" (French: 0 and 1 are singular)."""
    if hours < 2:
        return _("%(n)s h travaillée") % {"n": number(hours)}
    return _("%(n)s h travaillées") % {"n": number(hours)}


def ph_scheme_id() -> int | None:
    return Scheme.objects.filter(slug=SCHEME_SLUG).values_list("pk", flat=True).first()


def ph_parameters_at(month: date) -> PHParameters:
    """The parameters in force on the first day of `month`. Raises ParametersMissing."""
    month = first_of_month(month)
    scheme_id = ph_scheme_id()
    if scheme_id is None:
        raise ParametersMissing(
            _(
                "Le dispositif « Premières heures » n'est pas au catalogue : ses paramètres "
                "n'existent pas encore (lancez « atelier load-demo » ou créez-les)."
            )
        )
    values = parameter_values_at(scheme_id, month)
    missing = [str(spec.label) for spec in PARAMETERS if spec.name not in values]
    if missing:
        raise ParametersMissing(
            _("Aucune valeur en vigueur le %(day)s pour : %(names)s.")
            % {"day": day_text(month), "names": ", ".join(missing)}
        )
    return PHParameters(month=month, values=values)


def tier_label(params: PHParameters, tier: int) -> str:
    low, high = params[f"palier_{tier}_min"], params[f"palier_{tier}_max"]
    return _("palier %(low)s–%(high)s h") % {"low": number(low), "high": number(high)}


def _tier(hours: int, params: PHParameters) -> tuple[int, str]:
    """(tier, reason) for `hours` (flat amount granted): the first tier whose bounds hold
    the hours, or why none does."""
    for tier in (1, 2):
        if params[f"palier_{tier}_min"] <= hours <= params[f"palier_{tier}_max"]:
            return tier, _("%(hours)s h, dans le %(label)s") % {
                "hours": hours,
                "label": tier_label(params, tier),
            }
    low, high = params["palier_1_min"], params["palier_2_max"]
    if hours < low:
        return 0, _("moins de %(low)s h, pas de palier") % {"low": number(low)}
    if hours > high:
        return 0, _("au-delà de %(high)s h, aucun palier") % {"high": number(high)}
    return 0, _("%(hours)s h, entre le %(first)s et le %(second)s : aucun palier") % {
        "hours": hours,
        "first": tier_label(params, 1),
        "second": tier_label(params, 2),
    }


def _bonus(exits: Sequence[ContractExit], params: PHParameters) -> tuple[Decimal, str, bool]:
    """(amount, reason, shown in the explanation) of the exits in the month."""
    if not exits:
        return ZERO, _("aucune sortie dans le mois, pas de prime"), False
    amount, reasons = ZERO, []
    for exit_ in sorted(exits, key=lambda e: e.on):
        label = ExitOutcome(exit_.outcome).label if exit_.outcome in ExitOutcome.values else "?"
        if exit_.outcome in BONUS_OUTCOMES:
            amount += params["prime_sortie"]
            reasons.append(
                _("prime de sortie le %(day)s (%(outcome)s)")
                % {"day": day_text(exit_.on), "outcome": label}
            )
        else:
            reasons.append(
                _("sortie le %(day)s (%(outcome)s), pas de prime")
                % {"day": day_text(exit_.on), "outcome": label}
            )
    return amount, " ; ".join(reasons), True


def line_compute(hours: int, exits: Sequence[ContractExit], params: PHParameters) -> LineAmounts:
    """The amounts due for one beneficiary in `params.month`: `hours` worked in the month
    (all their contracts), `exits` the contracts that ended in the month. Pure."""
    parts: list[str] = []  # what is paid, with its amount
    notes: list[str] = []  # what is not, and why
    examples = False
    threshold = params["seuil_forfait"]
    if hours >= threshold:
        flat = params["forfait_mensuel"].quantize(CENT)
        flat_label = _("forfait mensuel %(low)s h ou plus") % {"low": number(threshold)}
        flat_reason = _("au moins %(hours)s dans le mois") % {"hours": hours_phrase(threshold)}
        parts.append(f"{flat_label} ({euros(flat)})")
        examples = params.is_example("forfait_mensuel")
        tier, tier_reason = _tier(hours, params)
    else:
        flat = ZERO
        flat_reason = _("moins de %(low)s h dans le mois, pas de forfait") % {
            "low": number(threshold)
        }
        notes.append(flat_reason)
        tier, tier_reason = 0, _("pas de forfait, donc pas de palier")
    if tier:
        tier_amount = params[f"palier_{tier}_montant"].quantize(CENT)
        parts.append(f"{tier_label(params, tier)} ({euros(tier_amount)})")
        examples = examples or params.is_example(f"palier_{tier}_montant")
    else:
        tier_amount = ZERO
        if flat:
            notes.append(tier_reason)
    bonus, bonus_reason, bonus_shown = _bonus(exits, params)
    bonus = bonus.quantize(CENT)
    if bonus:
        parts.append(f"{bonus_reason} ({euros(bonus)})")
        examples = examples or params.is_example("prime_sortie")
    elif bonus_shown:
        notes.append(bonus_reason)
    total = flat + tier_amount + bonus
    text = f"{hours_phrase(hours)} : " + (" + ".join(parts) if parts else _("aucun montant"))
    if notes:
        text += " ; " + " ; ".join(notes)
    text += ". " + _("Total : %(total)s.") % {"total": euros(total)}
    return LineAmounts(
        hours=hours,
        flat_amount=flat,
        flat_reason=flat_reason,
        tier=tier,
        tier_label=tier_label(params, tier) if tier else "",
        tier_amount=tier_amount,
        tier_reason=tier_reason,
        bonus_amount=bonus,
        bonus_reason=bonus_reason,
        total=total,
        explanation=text,
        uses_examples=examples,
    )
