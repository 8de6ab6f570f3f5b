"""Custom territories: a list of communes (or municipal arrondissements) saved by the staff of
a network, with its figures recomputed at once (custom_territory_rebuild, with
the rebuild's SQL: services.rebuild)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from atelier.territories.names import place_key
from atelier.territories.selectors import commune_codes, commune_places, communes_named

from ..enums import Level
from ..models import (
    Aggregate,
    CustomTerritory,
    CustomTerritoryCommune,
    EconomyAggregate,
    FlowAggregate,
    State,
    TerritoryPopulation,
    TopContribution,
)
from . import rebuild as rb
from .places import PLM_COMMUNES, places_rebuild

MAX_COMMUNES = 2000
_CODE = re.compile(r"^(?:\d[0-9AB]\d{3})$")
_SEPARATORS = re.compile(r"[\n;,]+")


@dataclass(frozen=True, slots=True)
class ParsedCommunes:
    codes: list[str]
    names: dict[str, str]  # code -> name


def communes_parse(text: str) -> ParsedCommunes:
    """The communes of `text`: INSEE codes or names, one per line (or separated by commas or
    semicolons). Raises ValidationError naming every entry that is unknown or ambiguous, and
    an arrondissement listed with its commune (it would be counted twice)."""
    entries = [e.strip() for e in _SEPARATORS.split(text or "") if e.strip()]
    if not entries:
        raise ValidationError(_("Indiquez au moins une commune (code INSEE ou nom)."))
    if len(entries) > MAX_COMMUNES:
        raise ValidationError(
            _("Au plus %(max)d communes par territoire personnalisé.") % {"max": MAX_COMMUNES}
        )
    codes = [e.upper() for e in entries if _CODE.match(e.upper())]
    names = [e for e in entries if not _CODE.match(e.upper())]
    places = commune_places(codes)
    errors = [
        _("« %(code)s » n'est pas un code commune connu.") % {"code": c}
        for c in codes
        if c not in places
    ]
    found = {c: places[c].name for c in codes if c in places}
    named = communes_named(place_key(n) for n in names)
    for name in names:
        matches = named.get(place_key(name), [])
        if not matches:
            errors.append(_("Aucune commune ne s'appelle « %(name)s ».") % {"name": name})
        elif len(matches) > 1:
            choices = ", ".join(f"{m.ref.code} ({m.ref.label})" for m in matches[:5])
            errors.append(
                _("« %(name)s » désigne plusieurs communes : indiquez le code (%(choices)s).")
                % {"name": name, "choices": choices}
            )
        else:
            found[matches[0].ref.code] = matches[0].ref.name
    for parent in PLM_COMMUNES:
        if parent in found:
            doubled = [c for c in commune_codes(parent)[1:] if c in found]
            if doubled:
                errors.append(
                    _(
                        "%(arm)s est un arrondissement de %(commune)s, déjà dans la liste : "
                        "gardez l'une ou l'autre."
                    )
                    % {"arm": ", ".join(doubled), "commune": found[parent]}
                )
    if errors:
        raise ValidationError(errors)
    return ParsedCommunes(sorted(found), found)


def custom_territory_save(
    *,
    name: str,
    communes_text: str,
    network_id: int,
    user_id: int | None,
    territory: CustomTerritory | None = None,
    code: str = "",
) -> CustomTerritory:
    """Create (territory None) or update a custom territory and recompute its figures. The code
    (its address, `/observatoire/custom/{code}/`) is chosen at creation and never changes."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Donnez un nom au territoire.")})
    try:
        parsed = communes_parse(communes_text)
    except ValidationError as exc:
        raise ValidationError({"communes": exc.messages}) from None
    with transaction.atomic():
        if territory is None:
            code = slugify(code or name)[:40].strip("-")
            if not code:
                raise ValidationError(
                    {"code": _("Choisissez un code (lettres, chiffres, tirets).")}
                )
            if CustomTerritory.objects.filter(code=code).exists():
                raise ValidationError(
                    {"code": _("Le code « %(code)s » est déjà pris.") % {"code": code}}
                )
            territory = CustomTerritory.objects.create(
                code=code, name=name[:200], network_id=network_id, created_by_id=user_id
            )
        else:
            territory.name = name[:200]
            territory.save(update_fields=["name", "updated_at"])
            territory.members.all().delete()
        CustomTerritoryCommune.objects.bulk_create(
            CustomTerritoryCommune(territory=territory, code=c) for c in parsed.codes
        )
    custom_territory_rebuild(territory.pk, territory.code)
    return territory


def custom_territory_delete(territory: CustomTerritory) -> None:
    code = territory.code
    territory.delete()
    custom_territory_forget(code)


def custom_territory_rebuild(territory_id: int, code: str) -> int:
    """Recompute the rows of one custom territory (after it was created or its communes
    changed) from the facts of its places only, without waiting for the next full rebuild; the
    number of aggregate rows. The other territories keep the figures of the last rebuild."""
    places_rebuild()
    members = "SELECT code FROM observatory_customterritorycommune WHERE territory_id = %s"
    where = f"(p.commune IN ({members}) OR p.arrondissement IN ({members}))"
    levels: list[str] = [Level.CUSTOM]
    try:
        rb._create_temp_tables()
        with transaction.atomic():  # the state row first: no refresh publishes meanwhile
            state = State.objects.select_for_update().filter(key=rb.STATE_KEY).first()
            if state is not None and state.built_at and state.fact_schema == rb.FACT_SCHEMA:
                # The facts of the last build: the territory agrees with every other one (and
                # the next incremental refresh subtracts from it what it subtracts elsewhere).
                rb.insert_stored_facts(where, [territory_id, territory_id])
            else:
                rb._insert_facts(where, [territory_id, territory_id])
            aggregates = rb._insert_aggregates(levels, territory_id)
            rb._insert_top(levels, territory_id)
            rb._insert_flows(levels, territory_id)
            rb._insert_populations(levels, territory_id)
            rb._insert_economy(levels, territory_id)
            rb._publish(code)
    finally:
        rb._drop_temp_tables()
    return aggregates


def custom_territory_forget(code: str) -> None:
    """Remove the rows of a deleted custom territory."""
    with transaction.atomic():
        for model in (
            Aggregate,
            TopContribution,
            FlowAggregate,
            TerritoryPopulation,
            EconomyAggregate,
        ):
            model.objects.filter(level=Level.CUSTOM, code=code).delete()
