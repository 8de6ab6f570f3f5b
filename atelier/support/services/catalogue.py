"""Writes of the catalogue: the reference file of schemes (data/support/schemes.yaml, each
figure with the document it comes from) loaded into the database, and the checks every
scheme's values pass (the admin uses the same ones).

Idempotent: schemes are matched on their slug and updated from the file; parameter values on
(scheme, name, start), so a value staff added with another start (a change on a date) is kept
by a later load. Operators are Atlas organisations, found by (source, name) through the
directory's selectors; one the Atlas does not hold is shown by its name alone (with a
warning)."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from atelier.directory.selectors.organisations import organisation_find

from ..enums import LegalForm, Need, Project, SchemeKind, SchemeState, Situation, Stage
from ..models import Scheme, SchemeParameter
from ..rules.registry import RULES
from ..selectors.places import NAF_SECTIONS, canonical_key, key_exists

CATALOGUE_FILE = Path(settings.BASE_DIR) / "data" / "support" / "schemes.yaml"

LIST_VALUES: dict[str, list[str]] = {
    "audiences": [s for s in Situation.values if s != Situation.NONE],
    "stages": list(Stage.values),
    "projects": list(Project.values),
    "legal_forms": [f for f in LegalForm.values if f != LegalForm.UNDECIDED],
    "needs": list(Need.values),
    "sectors": list(NAF_SECTIONS),
}
SCALARS = ("name", "summary", "kind", "rule", "state", "operator_name")
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
RESERVED_SLUGS = frozenset({"a-verifier"})  # a path of the catalogue's pages


class CatalogueError(Exception):
    """The catalogue file cannot be loaded (missing, malformed, a value refused)."""


@dataclass
class CatalogueReport:
    created: int = 0
    updated: int = 0
    parameters_created: int = 0
    parameters_updated: int = 0
    warnings: list[str] = field(default_factory=list)


def perimeter_clean(keys: Any, *, check_territories: bool = True) -> list[str]:
    """The perimeter's "level:code" keys, checked and spelt the one way (an arrondissement as
    `arrondissement:75119`). Raises ValidationError naming the keys refused."""
    if not isinstance(keys, list) or not keys:
        raise ValidationError(_("Le périmètre compte au moins un territoire (ex. country:FR)."))
    found, wrong = [], []
    for raw in keys:
        key = canonical_key(str(raw)) if check_territories else str(raw).strip()
        level = key.partition(":")[0]
        if level not in ("country", "region", "departement", "epci", "ept", "commune") + (
            "arrondissement",
        ) or (check_territories and not key_exists(key)):
            wrong.append(str(raw))
        elif key not in found:
            found.append(key)
    if wrong:
        raise ValidationError(
            _(
                "Territoire(s) inconnu(s) dans le périmètre : %(keys)s (attendu : niveau:code, "
                "ex. departement:75, arrondissement:75119, country:FR)."
            )  # fmt: skip
            % {"keys": ", ".join(wrong)}
        )
    return found


def list_clean(name: str, values: Any) -> list[str]:
    allowed = LIST_VALUES[name]
    values = list(values or [])
    wrong = [str(v) for v in values if v not in allowed]
    if wrong:
        raise ValidationError(
            _("%(field)s : valeur(s) inconnue(s) %(wrong)s (valeurs : %(allowed)s).")
            % {"field": name, "wrong": ", ".join(wrong), "allowed": ", ".join(allowed)}
        )
    return sorted(set(values), key=allowed.index)


def _date(value: Any, what: str) -> datetime.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        raise ValidationError(_("%(what)s : date invalide « %(value)s » (AAAA-MM-JJ).") % {
            "what": what, "value": value}) from None  # fmt: skip


def scheme_values(item: dict[str, Any], *, check_territories: bool = True) -> dict[str, Any]:
    """The model fields of one scheme of the file, checked (ValidationError otherwise)."""
    values: dict[str, Any] = {k: item.get(k, "") for k in SCALARS}
    if values["kind"] not in SchemeKind.values:
        raise ValidationError(_("nature inconnue « %(v)s ».") % {"v": values["kind"]})
    values["state"] = values["state"] or SchemeState.OPEN
    if values["state"] not in SchemeState.values:
        raise ValidationError(_("état inconnu « %(v)s ».") % {"v": values["state"]})
    values["rule"] = values["rule"] or "standard"
    if values["rule"] not in RULES:
        raise ValidationError(_("règle inconnue « %(v)s ».") % {"v": values["rule"]})
    values["perimeter"] = perimeter_clean(
        item.get("perimeter"), check_territories=check_territories
    )
    for name in LIST_VALUES:
        values[name] = list_clean(name, item.get(name))
    values["opens_on"] = _date(item.get("opens_on"), "opens_on")
    values["closes_on"] = _date(item.get("closes_on"), "closes_on")
    values["last_checked_on"] = _date(item.get("last_checked_on"), "last_checked_on")
    values["sources"] = [
        {"title": str(s.get("title", "")), "url": str(s.get("url", ""))}
        for s in item.get("sources") or []
    ]
    return values


def _parameter(scheme: Scheme, raw: dict[str, Any], report: CatalogueReport) -> None:
    try:
        value = Decimal(str(raw["value"]))
        start = _date(raw["start"], f"{scheme.slug}.{raw.get('name')}")
        if start is None:
            raise KeyError("start")
    except (KeyError, InvalidOperation):
        raise ValidationError(_("paramètre incomplet : %(raw)s") % {"raw": raw}) from None
    _row, created = SchemeParameter.objects.update_or_create(
        scheme=scheme,
        name=str(raw["name"]),
        start=start,
        defaults={
            "value": value,
            "is_example": bool(raw.get("is_example")),
            "source": str(raw.get("source", ""))[:300],
        },
    )
    if created:
        report.parameters_created += 1
    else:
        report.parameters_updated += 1


def catalogue_read(path: Path | None = None) -> dict[str, Any]:
    path = path or CATALOGUE_FILE
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CatalogueError(_("Catalogue introuvable : %(path)s.") % {"path": path}) from None
    except yaml.YAMLError as exc:
        raise CatalogueError(
            _("%(name)s n'est pas un YAML valide : %(error)s") % {"name": path.name, "error": exc}
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("schemes"), list):
        raise CatalogueError(
            _("%(name)s ne contient pas de liste « schemes ».") % {"name": path.name}
        )
    return data


@transaction.atomic
def catalogue_load(
    *,
    path: Path | None = None,
    data: dict[str, Any] | None = None,
    operators_source: str | None = "demo",
    check_territories: bool = True,
) -> CatalogueReport:
    """Create or update the schemes of the catalogue file (or of `data`, the same shape) and
    their dated parameter values; all or nothing. `operators_source`: the Atlas source whose
    organisations the file's operators name (None: operators shown by name only)."""
    data = data if data is not None else catalogue_read(path)
    report = CatalogueReport()
    saved: dict[str, Scheme] = {}
    for item in data["schemes"]:
        slug = str(item.get("slug", ""))
        if not SLUG.match(slug) or len(slug) > 80 or slug in RESERVED_SLUGS or slug in saved:
            raise CatalogueError(
                _(
                    "Identifiant de dispositif invalide ou en double : « %(slug)s » (minuscules, "
                    "chiffres et tirets, 80 caractères au plus)."
                )  # fmt: skip
                % {"slug": slug}
            )
        try:
            values = scheme_values(item, check_territories=check_territories)
        except ValidationError as exc:
            raise CatalogueError(f"{slug or '?'} : {' '.join(exc.messages)}") from None
        operator = item.get("operator")
        values["operator_id"] = None
        if operator:
            found = (
                organisation_find(source=operators_source, name=operator)
                if operators_source
                else None
            )
            if found is None and operators_source:
                report.warnings.append(
                    _("%(slug)s : opérateur « %(name)s » absent de l'Atlas, affiché par son nom.")
                    % {"slug": slug, "name": operator}
                )
            values["operator_id"] = found
            values["operator_name"] = values["operator_name"] or ("" if found else operator)
        scheme, created = Scheme.objects.update_or_create(slug=slug, defaults=values)
        saved[slug] = scheme
        report.created += created
        report.updated += not created
        for raw in item.get("parameters") or []:
            try:
                _parameter(scheme, raw, report)
            except ValidationError as exc:
                raise CatalogueError(f"{slug} : {' '.join(exc.messages)}") from None
    for item in data["schemes"]:
        parent = item.get("variant_of")
        scheme = saved[str(item["slug"])]
        variant_of = saved.get(parent) if parent else None
        if parent and variant_of is None:
            variant_of = Scheme.objects.filter(slug=parent).first()
            if variant_of is None:
                raise CatalogueError(
                    _("%(slug)s : déclinaison d'un dispositif inconnu « %(parent)s ».")
                    % {"slug": scheme.slug, "parent": parent}
                )
        if scheme.variant_of_id != (variant_of.pk if variant_of else None):
            scheme.variant_of = variant_of
            scheme.save(update_fields=["variant_of", "updated_at"])
    return report


@transaction.atomic
def schemes_delete_by_prefix(*, prefix: str) -> int:
    """Delete the schemes whose slug starts with `prefix` (with their parameter values): the
    synthetic schemes of the benchmarks. The number of schemes deleted."""
    if len(prefix) < 3:
        raise ValueError("a prefix of at least 3 characters")
    schemes = Scheme.objects.filter(slug__startswith=prefix)
    Scheme.objects.filter(variant_of__in=schemes).update(variant_of=None)
    count = schemes.count()
    SchemeParameter.objects.filter(scheme__in=schemes).delete()
    schemes.delete()
    return count
