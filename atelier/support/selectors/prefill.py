"""The questionnaire pre-filled from the Atlas when an existing structure gives its SIREN or
SIRET: legal form (mapped from the INSEE legal category), NAF section, headcount band, commune
of the head office, and a suggested stage from the creation date.

    profile_prefill(identifier: str) -> dict

The number is checked with python-stdnum (length, digits, Luhn key) and looked up through the
directory's selectors among the Atlas's public organisations; PrefillError says clearly why
nothing can be pre-filled (invalid number, or no such organisation in the Atlas)."""

from __future__ import annotations

import datetime
import re
from typing import Any

from django.utils.translation import gettext as _
from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength, ValidationError
from stdnum.fr import siren as stdnum_siren
from stdnum.fr import siret as stdnum_siret

from atelier.directory.enums import Approval
from atelier.directory.selectors.organisations import OrganisationNotFound, organisation_detail

from ..enums import LegalForm, Stage
from .catalogue import today

SEPARATORS = re.compile(r"[\s.\-]+")
SCOP_CATEGORIES = frozenset({"5458", "5558", "5658"})  # SARL, SA (CA), SA (directoire) SCOP
YOUNG_YEARS = 3  # Stage.YOUNG: "mon activité a moins de 3 ans"


class PrefillError(ValueError):
    """Nothing can be pre-filled from this number; the message says why (French)."""


def legal_form_of(category: str, approvals: list[Approval]) -> LegalForm:
    """The questionnaire's legal form of an INSEE legal category (and the Atlas's approvals:
    a SCIC has no category of its own); UNDECIDED when none fits (mutual, foundation,
    public body…)."""
    if Approval.SCIC in approvals:
        return LegalForm.SCIC
    if Approval.SCOP in approvals or category in SCOP_CATEGORIES:
        return LegalForm.SCOP
    if category == "1000":
        return LegalForm.MICRO
    if category.startswith("92"):
        return LegalForm.ASSOCIATION
    if category.startswith("5"):
        return LegalForm.COMPANY
    return LegalForm.UNDECIDED


def _number(identifier: str) -> tuple[str, str]:
    """(kind "siren" or "siret", the digits), or PrefillError."""
    number = SEPARATORS.sub("", identifier or "")
    if not number:
        raise PrefillError(_("Indiquez le SIREN (9 chiffres) ou le SIRET (14 chiffres)."))
    if not number.isascii() or not number.isdigit():
        raise PrefillError(
            _("« %(value)s » n'est pas un numéro SIREN ou SIRET : seulement des chiffres.")
            % {"value": identifier.strip()[:30]}
        )
    kind, module = ("siren", stdnum_siren) if len(number) == 9 else ("siret", stdnum_siret)
    try:
        if len(number) not in (9, 14):
            raise InvalidLength()
        module.validate(number)
    except InvalidLength:
        raise PrefillError(
            _("Un SIREN a 9 chiffres et un SIRET 14 : « %(value)s » en a %(n)d.")
            % {"value": number[:30], "n": len(number)}
        ) from None
    except (InvalidChecksum, InvalidFormat, ValidationError):
        raise PrefillError(
            _(
                "Le %(kind)s %(value)s n'existe pas : sa clé de contrôle est fausse (faute de "
                "frappe ?)."
            )  # fmt: skip
            % {"kind": kind.upper(), "value": module.format(number)}
        ) from None
    return kind, number


def _stage(created: datetime.date | None) -> str:
    if created is None:
        return ""
    now = today()
    try:
        limit = now.replace(year=now.year - YOUNG_YEARS)
    except ValueError:  # 29 February
        limit = now.replace(year=now.year - YOUNG_YEARS, day=28)
    return Stage.YOUNG.value if created > limit else Stage.ESTABLISHED.value


def profile_prefill(identifier: str) -> dict[str, Any]:
    """The answers the Atlas knows for the organisation of this SIREN or SIRET:

    {"siren", "siret" ("" for a SIREN), "name", "legal_category": {"code", "label"} | None,
     "legal_form", "sector" (NAF section letter, "" unknown), "naf" (code, "" unknown),
     "headcount_band" ("" unknown), "commune" (INSEE code of the head office, "" unknown),
     "commune_name", "stage" (young or established from the creation date, "" unknown),
     "notes": [sentences on what could not be mapped]}

    Raises PrefillError for an invalid number or one no public organisation of the Atlas
    has."""
    kind, number = _number(identifier)
    module = stdnum_siren if kind == "siren" else stdnum_siret
    try:
        org = organisation_detail(number)
    except OrganisationNotFound:
        raise PrefillError(
            _(
                "Aucune organisation de l'Atlas n'a le %(kind)s %(value)s : remplissez le "
                "questionnaire vous-même."
            )  # fmt: skip
            % {"kind": kind.upper(), "value": module.format(number)}
        ) from None
    category = org.legal_category_id or ""
    notes = []
    legal_form = legal_form_of(category, org.approvals)
    if category and legal_form == LegalForm.UNDECIDED:
        notes.append(
            _(
                "La catégorie juridique %(code)s (%(label)s) n'a pas d'équivalent dans le "
                "questionnaire : choisissez la forme juridique."
            )  # fmt: skip
            % {"code": category, "label": org.legal_category.label if org.legal_category else ""}
        )
    band = org.headcount_band if org.headcount_band not in ("", "NN") else ""
    head = next((e for e in org.establishments.all() if e.commune_id == org.commune_code), None)
    return {
        "siren": org.siren or "",
        "siret": number if kind == "siret" else "",
        "name": org.name,
        "legal_category": (
            {"code": category, "label": org.legal_category.label} if org.legal_category else None
        ),
        "legal_form": legal_form.value,
        "sector": org.naf_section or "",
        "naf": org.naf_id or "",
        "headcount_band": band,
        "commune": org.commune_code or "",
        "commune_name": head.commune.name if head and head.commune else "",
        "stage": _stage(org.creation_date),
        "notes": notes,
    }
