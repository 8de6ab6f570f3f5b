"""The questionnaire's answers as request parameters: `profile_from_params` reads a Profile from
parameters named like its fields (a page's GET parameters, a form's POST, the JSON a case keeps),
with a clear French message per wrong field; `profile_to_params` writes them back (links from the
questionnaire to the support request, and the JSON of a case).

Parameters: stage, project, commune (required); legal_form, amount, situations (repeated or
comma-separated), sector, needs (repeated or comma-separated), headcount_band, on (AAAA-MM-JJ).
Other parameters are ignored."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from atelier.directory.enums import HeadcountBand
from atelier.territories.selectors import territory_get

from ..enums import LegalForm, Need, Project, Situation, Stage
from ..profile import Profile

FIELDS = (
    "stage",
    "project",
    "commune",
    "legal_form",
    "amount",
    "situations",
    "sector",
    "needs",
    "headcount_band",
    "on",
)
MAX_AMOUNT = 100_000_000  # euros: above is a typing mistake
_COMMUNE = re.compile(r"^(?:\d{5}|2[AB]\d{3})$")
_SECTIONS = frozenset("ABCDEFGHIJKLMNOPQRSTU")


class ProfileParamsError(ValueError):
    """The parameters do not make a Profile: `errors` maps each wrong parameter to a French
    message (str() joins them)."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__(" ".join(errors.values()))


def _values(params: Mapping[str, Any], name: str) -> list[str]:
    """Every value given for `name`: repeated parameters (a QueryDict), a list, or one value;
    comma-separated values split; blanks dropped."""
    getlist = getattr(params, "getlist", None)
    if getlist is not None:
        raw: Iterable[Any] = getlist(name)
    else:
        value = params.get(name)
        if value is None:
            raw = []
        elif isinstance(value, list | tuple | set | frozenset):
            raw = value
        else:
            raw = [value]
    found: list[str] = []
    for item in raw:
        found.extend(part.strip() for part in str(item).split(","))
    return [v for v in found if v]


def _one(params: Mapping[str, Any], name: str, errors: dict[str, str]) -> str:
    values = _values(params, name)
    if len(values) > 1:
        errors[name] = _("« %(name)s » : une seule valeur attendue.") % {"name": name}
        return ""
    return values[0] if values else ""


def _choice(
    params: Mapping[str, Any],
    name: str,
    enum: Any,
    errors: dict[str, str],
    *,
    label: str,
    default: Any = None,
) -> Any:
    value = _one(params, name, errors)
    if name in errors:
        return default
    if not value:
        if default is None:
            errors[name] = _("%(label)s : réponse manquante.") % {"label": label}
        return default
    try:
        return enum(value)
    except ValueError:
        errors[name] = _("%(label)s : valeur inconnue « %(value)s » (attendu : %(allowed)s).") % {
            "label": label,
            "value": value,
            "allowed": ", ".join(enum.values),
        }
        return default


def _choices(
    params: Mapping[str, Any], name: str, enum: Any, errors: dict[str, str], *, label: str
) -> frozenset[Any]:
    values = _values(params, name)
    unknown = [v for v in values if v not in enum.values]
    if unknown:
        errors[name] = _(
            "%(label)s : valeur(s) inconnue(s) %(values)s (attendu : %(allowed)s)."
        ) % {
            "label": label,
            "values": ", ".join(f"« {v} »" for v in unknown),
            "allowed": ", ".join(enum.values),
        }
        return frozenset()
    return frozenset(enum(v) for v in values)


def _commune(params: Mapping[str, Any], errors: dict[str, str], *, check: bool) -> str:
    code = _one(params, "commune", errors).upper()
    if "commune" in errors:
        return ""
    if not code:
        errors["commune"] = _("Commune : réponse manquante (code INSEE, 75119 pour Paris 19e).")
    elif not _COMMUNE.match(code):
        errors["commune"] = _(
            "Commune : « %(code)s » n'est pas un code INSEE (5 caractères, 75119 pour Paris 19e)."
        ) % {"code": code}
    elif check and territory_get("commune", code) is None:
        errors["commune"] = _("Commune : aucun territoire n'a le code INSEE « %(code)s ».") % {
            "code": code
        }
    return code


def _amount(params: Mapping[str, Any], errors: dict[str, str]) -> int | None:
    value = _one(params, "amount", errors).replace(" ", "").replace("\u202f", "")
    if "amount" in errors or not value:
        return None
    if not value.isdigit():
        errors["amount"] = _("Montant : « %(value)s » n'est pas un nombre entier d'euros.") % {
            "value": value
        }
        return None
    amount = int(value)
    if amount > MAX_AMOUNT:
        errors["amount"] = _("Montant : %(value)s euros, c'est plus que le maximum accepté.") % {
            "value": value
        }
        return None
    return amount


def _sector(params: Mapping[str, Any], errors: dict[str, str]) -> str:
    value = _one(params, "sector", errors).upper()
    if value and value not in _SECTIONS:
        errors["sector"] = _("Secteur : « %(value)s » n'est pas une section NAF (A à U).") % {
            "value": value
        }
        return ""
    return value


def _headcount(params: Mapping[str, Any], errors: dict[str, str]) -> str:
    value = _one(params, "headcount_band", errors)
    if value and value not in HeadcountBand.values:
        errors["headcount_band"] = _(
            "Effectif : « %(value)s » n'est pas une tranche d'effectif de l'INSEE."
        ) % {"value": value}
        return ""
    return value


def _on(params: Mapping[str, Any], errors: dict[str, str]) -> date | None:
    value = _one(params, "on", errors)
    if "on" in errors or not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors["on"] = _("Date : « %(value)s » n'est pas une date AAAA-MM-JJ.") % {"value": value}
        return None


def profile_from_params(params: Mapping[str, Any], *, check_commune: bool = True) -> Profile:
    """The Profile the parameters `params` describe (a QueryDict, or a mapping of names to a
    value or a list of values). Raises ProfileParamsError naming every wrong parameter. With
    `check_commune`, the commune must exist in the reference data."""
    errors: dict[str, str] = {}
    stage = _choice(params, "stage", Stage, errors, label=_("Étape du projet"))
    project = _choice(params, "project", Project, errors, label=_("Type de projet"))
    commune = _commune(params, errors, check=check_commune)
    legal_form = _choice(
        params,
        "legal_form",
        LegalForm,
        errors,
        label=_("Forme juridique"),
        default=LegalForm.UNDECIDED,
    )
    amount = _amount(params, errors)
    situations = _choices(params, "situations", Situation, errors, label=_("Situation"))
    sector = _sector(params, errors)
    needs = _choices(params, "needs", Need, errors, label=_("Besoins"))
    headcount_band = _headcount(params, errors)
    on = _on(params, errors)
    if errors:
        raise ProfileParamsError(errors)
    return Profile(
        stage=stage,
        project=project,
        commune=commune,
        legal_form=legal_form,
        amount=amount,
        situations=situations,
        sector=sector,
        needs=needs,
        headcount_band=headcount_band,
        on=on,
    )


def profile_to_params(profile: Profile) -> list[tuple[str, str]]:
    """The parameters that `profile_from_params` reads back into `profile` (for a URL's query
    string: `urlencode(profile_to_params(p))`); unset optional answers are left out."""
    params: list[tuple[str, str]] = [
        ("stage", str(profile.stage)),
        ("project", str(profile.project)),
        ("commune", profile.commune),
    ]
    if profile.legal_form != LegalForm.UNDECIDED:
        params.append(("legal_form", str(profile.legal_form)))
    if profile.amount is not None:
        params.append(("amount", str(profile.amount)))
    params += [("situations", str(s)) for s in sorted(profile.situations)]
    if profile.sector:
        params.append(("sector", profile.sector))
    params += [("needs", str(n)) for n in sorted(profile.needs)]
    if profile.headcount_band:
        params.append(("headcount_band", profile.headcount_band))
    if profile.on is not None:
        params.append(("on", profile.on.isoformat()))
    return params


def profile_to_json(profile: Profile) -> dict[str, Any]:
    """The answers as JSON (what a case keeps; `profile_from_params` reads it back)."""
    data: dict[str, Any] = {}
    for name, value in profile_to_params(profile):
        if name in ("situations", "needs"):
            data.setdefault(name, []).append(value)
        else:
            data[name] = int(value) if name == "amount" else value
    return data
