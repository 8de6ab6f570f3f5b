"""Support structures and their advisors, for the demo data and the scripts (the admin is the
staff's way): create or update a structure of a network, link a user as its advisor."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from atelier.directory.enums import HeadcountBand

from ..enums import LegalForm, Need, Stage
from ..models import StructureAdvisor, SupportStructure
from ..selectors.places import territory_key_valid


class StructureError(ValueError):
    pass


def _check(values: Iterable[str], allowed: Iterable[str], what: str) -> list[str]:
    values = list(dict.fromkeys(values))
    wrong = [v for v in values if v not in set(allowed)]
    if wrong:
        raise StructureError(
            _("%(what)s inconnu(s) : %(values)s.") % {"what": what, "values": ", ".join(wrong)}
        )
    return values


@transaction.atomic
def structure_ensure(
    *,
    organisation_id: int,
    network_id: int,
    label: str = "",
    territories: Iterable[str] = (),
    naf_sections: Iterable[str] = (),
    legal_forms: Iterable[str] = (),
    stages: Iterable[str] = (),
    needs: Iterable[str] = (),
    headcount_bands: Iterable[str] = (),
    is_active: bool = True,
) -> SupportStructure:
    """The structure of `organisation_id` in `network_id`, created or updated with these
    filters (empty = any). Raises StructureError on an unknown territory or value."""
    territories = list(dict.fromkeys(territories))
    wrong = [k for k in territories if not territory_key_valid(k)]
    if wrong:
        raise StructureError(_("Territoire(s) inconnu(s) : %(k)s.") % {"k": ", ".join(wrong)})
    values = {
        "label": label,
        "is_active": is_active,
        "territories": territories,
        "naf_sections": _check(naf_sections, "ABCDEFGHIJKLMNOPQRSTU", _("Secteur(s)")),
        "legal_forms": _check(legal_forms, LegalForm.values, _("Forme(s) juridique(s)")),
        "stages": _check(stages, Stage.values, _("Étape(s)")),
        "needs": _check(needs, Need.values, _("Besoin(s)")),
        "headcount_bands": _check(headcount_bands, HeadcountBand.values, _("Effectif(s)")),
    }
    structure, _created = SupportStructure.objects.update_or_create(
        organisation_id=organisation_id, network_id=network_id, defaults=values
    )
    return structure


def structure_advisor_link(*, structure: SupportStructure, user: Any) -> StructureAdvisor:
    """Make `user` an advisor of `structure` (idempotent). They also need the advisor role in
    the structure's network to see its cases."""
    link, _created = StructureAdvisor.objects.get_or_create(structure=structure, user=user)
    return link
