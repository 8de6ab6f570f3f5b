"""Exports of the Atlas: CSV, GeoJSON and the data·inclusion `Structure` schema (v1).

Every export takes a queryset of organisations (usually `selectors.search.search_queryset`, the
filters of the Atlas page) and yields text chunks, so that views can stream them and commands
can write them to a file without holding the whole set in memory
(`QuerySet.iterator(chunk_size=…)`, with the establishments prefetched chunk by chunk).

Decisions (see docs/architecture.md):
- CSV: one row per organisation, its address being the head office's (or the first open
  establishment's); `;` separator and UTF-8 with a byte order mark, which is what a French
  spreadsheet opens correctly by double-click; French headers; cells starting with = + - @ are
  prefixed with an apostrophe (no formula injection).
- GeoJSON: one Point feature per OPEN establishment that has a position (WGS84, RFC 7946).
- data·inclusion: one structure per organisation (head office SIRET and address), validated
  against `data_inclusion.schema.v1.Structure` in strict mode before being written; an
  organisation that cannot make a valid structure is skipped and counted. The schema's model
  ignores unknown keys, so the ESS attributes live in ONE extra object, `"atelier"`, of every
  structure: {famille_ess, famille_ess_libelle, forme_juridique {code, libelle}, regle_ess,
  regle_ess_libelle, agrements [codes], thematiques [codes], siren, en_activite}. Consumers
  that only know the schema drop it; nothing of the schema is bent to carry it.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from pydantic import HttpUrl, TypeAdapter, ValidationError

from ..enums import Approval, MembershipStatus
from ..models import Establishment, Organisation, OrganisationMembership

CHUNK_SIZE = 2000
FORMATS = ("csv", "geojson", "data-inclusion")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "geojson": "application/geo+json",
    "data-inclusion": "application/json",
}
EXTENSIONS = {"csv": "csv", "geojson": "geojson", "data-inclusion": "json"}

# SIAE approvals -> data·inclusion `reseaux_porteurs` values (they exist in the schema's list).
SIAE_RESEAUX = {
    Approval.SIAE_EI: "ei",
    Approval.SIAE_AI: "ai",
    Approval.SIAE_ACI: "aci",
    Approval.SIAE_ETTI: "etti",
}


class ExportError(ValueError):
    """An export was asked in a way that cannot be honoured (unknown format…)."""


def invalid_filters_message(errors: Iterable[str]) -> str:
    """The one sentence telling why an export was refused: its filters, validated as the API
    validates them (`SearchParams.errors`), held invalid values. Views answer it as a 400,
    commands as their error."""
    return _("Filtres invalides, rien n'a été exporté : %(errors)s") % {
        "errors": " ".join(str(e) for e in errors)
    }


def export_queryset(organisations: QuerySet[Organisation]) -> QuerySet[Organisation]:
    """`organisations` ordered by id, with what every export reads prefetched per chunk."""
    establishments = Establishment.objects.select_related("commune").order_by(
        "-is_open", "-is_head_office", "id"
    )
    memberships = (
        OrganisationMembership.objects.filter(status=MembershipStatus.ACTIVE)
        .select_related("network")
        .only("id", "organisation_id", "status", "network__id", "network__name", "network__slug")
    )
    return (
        organisations.select_related("legal_category", "naf")
        .prefetch_related(
            Prefetch("establishments", queryset=establishments),
            Prefetch("memberships", queryset=memberships, to_attr="public_memberships"),
        )
        .order_by("id")
    )


def _iterate(organisations: QuerySet[Organisation]) -> Iterator[Organisation]:
    return export_queryset(organisations).iterator(chunk_size=CHUNK_SIZE)


def main_establishment(org: Organisation) -> Establishment | None:
    """Head office when open, else the first open establishment, else the first one."""
    establishments = list(org.establishments.all())  # prefetched, ordered open/head first
    return establishments[0] if establishments else None


def export_filename(fmt: str, *, today: date | None = None) -> str:
    if fmt not in FORMATS:
        raise ExportError(fmt)
    today = today or timezone.localdate()
    return f"atlas-ess-{today.isoformat()}.{EXTENSIONS[fmt]}"


def _labels(items: Iterable[Any]) -> str:
    return " | ".join(str(i.label) for i in items)


# --- CSV -----------------------------------------------------------------------------------


def csv_headers() -> list[str]:
    return [
        _("Identifiant"),
        _("SIREN"),
        _("Nom"),
        _("Sigle"),
        _("Famille de l'ESS"),
        _("Code forme juridique"),
        _("Forme juridique"),
        _("Appartenance à l'ESS"),
        _("Agréments"),
        _("Thèmes"),
        _("Code NAF"),
        _("Activité principale"),
        _("Tranche d'effectifs"),
        _("Date de création"),
        _("En activité"),
        _("Site web"),
        _("SIRET du siège"),
        _("Adresse"),
        _("Code postal"),
        _("Commune"),
        _("Code commune"),
        _("Département"),
        _("Région"),
        _("Latitude"),
        _("Longitude"),
        _("Précision de la position"),
        _("Établissements ouverts"),
        _("Source"),
    ]


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> str:
    """`value` as a CSV cell a spreadsheet will not run: a text starting like a formula (=, +,
    -, @, tab, carriage return) gets a leading apostrophe; a plain signed number stays a number
    (but not one behind a tab or a carriage return, which float() would accept). Used by every
    CSV this project writes (Atlas exports, personal-data exports)."""
    if value is None:
        return ""
    text = str(value)
    if text.startswith(_FORMULA_START) and not (text[0] in "+-" and _is_number(text)):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def csv_row(org: Organisation) -> list[str]:
    est = main_establishment(org)
    yes, no = _("oui"), _("non")
    values: list[Any] = [
        org.pk,
        org.siren,
        org.name,
        org.acronym,
        org.get_ess_family_display(),
        org.legal_category.code if org.legal_category else "",
        org.legal_category.label if org.legal_category else "",
        org.get_ess_rule_display() if org.ess_rule else "",
        _labels(org.approvals),
        _labels(org.themes),
        org.naf.code if org.naf else "",
        org.naf.label if org.naf else "",
        org.get_headcount_band_display(),
        org.creation_date.isoformat() if org.creation_date else "",
        yes if org.is_active else no,
        org.website,
        est.siret if est else "",
        ", ".join(x for x in (est.address_complement, est.street) if x) if est else "",
        est.postcode if est else "",
        est.commune.name if est and est.commune else "",
        org.commune_code,
        org.departement_code,
        org.region_code,
        est.latitude if est else None,
        est.longitude if est else None,
        est.get_geo_precision_display() if est and est.geo_precision else "",
        sum(1 for e in org.establishments.all() if e.is_open),
        org.get_source_display(),
    ]
    return [csv_cell(v) for v in values]


def export_csv(organisations: QuerySet[Organisation]) -> Iterator[str]:
    """CSV text chunks of about 500 rows (the first one starts with the UTF-8 byte order mark)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow(csv_headers())
    for i, org in enumerate(_iterate(organisations), start=1):
        writer.writerow(csv_row(org))
        if i % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()


# --- GeoJSON ------------------------------------------------------------------------------


def geojson_feature(org: Organisation, est: Establishment, *, page_url: str = "") -> dict:
    lon, lat = est.longitude, est.latitude
    assert lon is not None and lat is not None
    properties: dict[str, Any] = {
        "organisation_id": org.pk,
        "organisation": org.name,
        "sigle": org.acronym,
        "siren": org.siren,
        "famille_ess": org.ess_family,
        "famille_ess_libelle": str(org.get_ess_family_display()),
        "etablissement_id": est.pk,
        "siret": est.siret,
        "siege": est.is_head_office,
        "enseigne": est.name,
        "adresse": ", ".join(x for x in (est.address_complement, est.street) if x),
        "code_postal": est.postcode,
        "commune": est.commune.name if est.commune else "",
        "code_commune": est.commune_id or "",
        "precision": est.geo_precision,
    }
    if page_url:
        properties["fiche"] = page_url.format(id=org.pk)
    return {
        "type": "Feature",
        "id": est.pk,
        "geometry": {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]},
        "properties": properties,
    }


def export_geojson(organisations: QuerySet[Organisation], *, page_url: str = "") -> Iterator[str]:
    """A GeoJSON FeatureCollection, in chunks. `page_url` is a template with `{id}` giving the
    organisation page of each feature (optional)."""
    yield '{"type":"FeatureCollection","features":[\n'
    first = True
    for org in _iterate(organisations):
        parts = []
        for est in org.establishments.all():
            if not est.is_open or est.latitude is None or est.longitude is None:
                continue
            feature = geojson_feature(org, est, page_url=page_url)
            parts.append(json.dumps(feature, ensure_ascii=False, separators=(",", ":")))
        if parts:
            yield ("" if first else ",\n") + ",\n".join(parts)
            first = False
    yield "\n]}\n"


# --- data·inclusion -----------------------------------------------------------------------


def data_inclusion_source() -> str:
    """Identifier of this producer in data·inclusion (`source`)."""
    return slugify(getattr(settings, "ATELIER_SITE_NAME", "") or "atelier") or "atelier"


_URL = TypeAdapter(HttpUrl)


def _valid_url(value: str) -> str | None:
    if not value:
        return None
    try:
        _URL.validate_python(value)
    except ValidationError:
        return None
    return value


def _reseaux_porteurs(org: Organisation) -> set:
    from data_inclusion.schema.v1 import ReseauPorteur

    known = {r.value: r for r in ReseauPorteur}
    values = {SIAE_RESEAUX[a] for a in org.approvals if a in SIAE_RESEAUX}
    # A network whose slug is a data·inclusion value (adie, france-active, emmaus…) is exported.
    values |= {m.network.slug for m in getattr(org, "public_memberships", [])}
    return {known[v] for v in values if v in known}


def _nom(org: Organisation) -> str:
    nom = org.name.strip()
    if len(nom) < 3 and org.acronym and org.acronym != nom:
        nom = f"{nom} ({org.acronym})"
    if len(nom) > 150:
        nom = nom[:149].rstrip() + "…"
    return nom


def data_inclusion_record(org: Organisation, *, source: str, page_url: str = "") -> dict[str, Any]:
    """The Python values of the data·inclusion v1 Structure of `org` (the types the schema's
    model expects in strict mode: `date`, a set of `ReseauPorteur`…), without the extension."""
    est = main_establishment(org)
    description = org.description.strip()
    record: dict[str, Any] = {
        "source": source,
        "id": f"{source}--{org.pk}",
        "nom": _nom(org),
        # Never after today as the schema's validator sees it (the process's local date).
        "date_maj": min(timezone.localdate(org.updated_at), date.today()),  # noqa: DTZ011
        "description": description[:10000] if len(description) >= 5 else None,
        "lien_source": _valid_url(page_url.format(id=org.pk)) if page_url else None,
        "site_web": _valid_url(org.website),
        "reseaux_porteurs": _reseaux_porteurs(org) or None,
    }
    if est is not None:
        lat, lon = est.latitude, est.longitude
        has_position = lat is not None and lon is not None
        record.update(
            {
                "siret": est.siret if est.siret and len(est.siret) == 14 else None,
                "adresse": est.street or None,
                "complement_adresse": est.address_complement or None,
                "code_postal": est.postcode if len(est.postcode) == 5 else None,
                "code_insee": est.commune_id or None,
                "commune": est.commune.name if est.commune else None,
                "latitude": float(lat) if lat is not None and has_position else None,
                "longitude": float(lon) if lon is not None and has_position else None,
            }
        )
    return record


def data_inclusion_extension(org: Organisation) -> dict[str, Any]:
    """The ESS attributes the schema has no field for (the `"atelier"` object)."""
    return {
        "famille_ess": org.ess_family,
        "famille_ess_libelle": str(org.get_ess_family_display()),
        "forme_juridique": (
            {"code": org.legal_category.code, "libelle": org.legal_category.label}
            if org.legal_category
            else None
        ),
        "regle_ess": org.ess_rule,
        "regle_ess_libelle": str(org.get_ess_rule_display()),
        "agrements": [a.name.lower() for a in org.approvals],
        "thematiques": [t.name.lower() for t in org.themes],
        "siren": org.siren,
        "en_activite": org.is_active,
    }


@dataclass
class ExportReport:
    written: int = 0
    skipped: list[tuple[int, str]] = field(default_factory=list)


def data_inclusion_structures(
    organisations: QuerySet[Organisation],
    *,
    page_url: str = "",
    report: ExportReport | None = None,
) -> Iterator[dict[str, Any]]:
    """Validated structures (JSON-ready dicts with the `"atelier"` extension)."""
    from data_inclusion.schema.v1 import Structure

    source = data_inclusion_source()
    report = report if report is not None else ExportReport()
    for org in _iterate(organisations):
        record = data_inclusion_record(org, source=source, page_url=page_url)
        try:
            structure = Structure.model_validate(record, strict=True)
        except ValidationError as exc:
            report.skipped.append((org.pk, "; ".join(e["msg"] for e in exc.errors())))
            continue
        data = structure.model_dump(mode="json", exclude_none=True)
        if "reseaux_porteurs" in data:
            data["reseaux_porteurs"] = sorted(data["reseaux_porteurs"])
        data["atelier"] = data_inclusion_extension(org)
        report.written += 1
        yield data


def export_data_inclusion(
    organisations: QuerySet[Organisation],
    *,
    page_url: str = "",
    report: ExportReport | None = None,
) -> Iterator[str]:
    """A JSON array of data·inclusion structures, in chunks."""
    yield "[\n"
    first = True
    for data in data_inclusion_structures(organisations, page_url=page_url, report=report):
        yield ("" if first else ",\n") + json.dumps(data, ensure_ascii=False)
        first = False
    yield "\n]\n"


def export_stream(
    fmt: str,
    organisations: QuerySet[Organisation],
    *,
    page_url: str = "",
    report: ExportReport | None = None,
) -> Iterator[str]:
    if fmt == "csv":
        return export_csv(organisations)
    if fmt == "geojson":
        return export_geojson(organisations, page_url=page_url)
    if fmt == "data-inclusion":
        return export_data_inclusion(organisations, page_url=page_url, report=report)
    raise ExportError(fmt)
