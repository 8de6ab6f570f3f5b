"""Import of a network's member list (CSV or XLSX) into organisations, establishments and the
network's memberships.

Member lists are small (hundreds or a few thousand rows) and edited by people, so rows are written
one by one through the ORM, each in its own transaction (so django-simple-history records them
like any staff edit), after every row of the file has been validated. Members of a network are in
the ESS by staff approval when their legal form does not already place them there."""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import DatabaseError, transaction

from atelier.accounts.selectors import network_get
from atelier.territories.selectors import (
    CommunePlace,
    commune_codes,
    commune_places,
    legal_category_families,
)

from ..enums import GeoPrecision, MembershipStatus, Source, Theme
from ..geo import lonlat_to_world
from ..models import Establishment, Organisation, OrganisationMembership
from ..text import fold
from .bulk import readers_after_bulk_write
from .organisations import organisation_refresh_derived
from .reports import ImportFormatError, ImportReport, open_text, sniff_encoding
from .sirene.identifiers import siren_error, siret_error

if TYPE_CHECKING:
    from atelier.accounts.models import Network

FIELDS = (
    "name",
    "siret",
    "siren",
    "acronym",
    "legal_category",
    "street",
    "postcode",
    "commune",
    "website",
    "email",
    "phone",
    "contact_name",
    "themes",
    "joined_on",
)
# Usual French headers (folded: lower case, no accents, single spaces) -> field.
HEADER_SYNONYMS: dict[str, str] = {
    "raison sociale": "name",
    "nom": "name",
    "nom de la structure": "name",
    "nom de l organisation": "name",
    "denomination": "name",
    "structure": "name",
    "organisation": "name",
    "name": "name",
    "siret": "siret",
    "n siret": "siret",
    "numero siret": "siret",
    "siren": "siren",
    "sigle": "acronym",
    "acronyme": "acronym",
    "categorie juridique": "legal_category",
    "forme juridique": "legal_category",
    "code forme juridique": "legal_category",
    "code categorie juridique": "legal_category",
    "adresse": "street",
    "adresse postale": "street",
    "rue": "street",
    "voie": "street",
    "code postal": "postcode",
    "cp": "postcode",
    "ville": "commune",
    "commune": "commune",
    "localite": "commune",
    "code commune": "commune",
    "code insee": "commune",
    "site web": "website",
    "site internet": "website",
    "site": "website",
    "url": "website",
    "courriel": "email",
    "email": "email",
    "e mail": "email",
    "mail": "email",
    "adresse electronique": "email",
    "telephone": "phone",
    "tel": "phone",
    "contact": "contact_name",
    "nom du contact": "contact_name",
    "referent": "contact_name",
    "thematiques": "themes",
    "themes": "themes",
    "theme": "themes",
    "date d adhesion": "joined_on",
    "adhesion": "joined_on",
    "adherent depuis": "joined_on",
}
PREVIEW_ROWS = 20


def _norm(text: Any) -> str:
    return " ".join(re.sub(r"[^0-9a-z]+", " ", fold(str(text or ""))).split())


@dataclass
class MembersOptions:
    path: Path
    network_slug: str = ""
    mapping: str = ""
    sheet: str = ""
    dry_run: bool = False


@dataclass
class PlannedRow:
    line: int
    action: str  # "create" | "update"
    name: str
    commune_code: str
    organisation_id: int | None
    values: dict[str, Any]


@dataclass
class MembersResult:
    rows: int = 0
    created: int = 0
    updated: int = 0
    memberships: int = 0
    network: str = ""
    dry_run: bool = False
    columns: dict[str, str] = field(default_factory=dict)  # field -> file column
    preview: list[tuple[int, str, str, str]] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# Reading


def _read_rows(path: Path, sheet: str) -> tuple[list[str], Iterator[tuple[int, list[Any]]], Any]:
    """Header and (line, values) of a CSV (separator and encoding sniffed) or XLSX file."""
    with path.open("rb") as fh:
        magic = fh.read(4)
    if magic == b"PK\x03\x04" and path.suffix.lower() in (".xlsx", ".xlsm"):
        import openpyxl

        try:
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds on a broken file
            raise ImportFormatError(f"Le classeur {path.name} est illisible ({exc}).") from exc
        if sheet and sheet not in book.sheetnames:
            raise ImportFormatError(
                f"La feuille « {sheet} » n'existe pas dans {path.name} "
                f"(feuilles : {', '.join(book.sheetnames)})."
            )
        ws = book[sheet] if sheet else book.worksheets[0]
        rows = ws.iter_rows(values_only=True)
        header = next(rows, None)
        if not header:
            raise ImportFormatError(f"La feuille de {path.name} est vide.")
        body = (
            (i, list(r)) for i, r in enumerate(rows, start=2) if any(v not in (None, "") for v in r)
        )
        return [str(h or "").strip() for h in header], body, book
    encoding = sniff_encoding(path)
    stream = open_text(path, encoding=encoding)
    first = stream.readline()
    if not first.strip() or "\x00" in first:
        stream.close()
        raise ImportFormatError(f"Le fichier {path.name} n'est pas un fichier CSV lisible.")
    delimiter = max([";", ",", "\t"], key=first.count)
    header = [h.strip() for h in next(csv.reader([first], delimiter=delimiter))]
    reader = csv.reader(stream, delimiter=delimiter)
    body = ((reader.line_num + 1, row) for row in reader if any(c.strip() for c in row))
    return header, body, stream


def _columns(header: list[str], mapping: str) -> dict[str, int]:
    """Field -> column position, from the usual headers, overridden by --map."""
    by_norm = {_norm(h): i for i, h in enumerate(header)}
    columns: dict[str, int] = {}
    for i, h in enumerate(header):
        fieldname = HEADER_SYNONYMS.get(_norm(h))
        if fieldname and fieldname not in columns:
            columns[fieldname] = i
    for pair in filter(None, (p.strip() for p in mapping.split(","))):
        column, sep, fieldname = pair.rpartition("=")
        fieldname = fieldname.strip()
        if not sep or fieldname not in FIELDS:
            raise ImportFormatError(
                f"Correspondance --map invalide : « {pair} » (attendu colonne=champ, champs : "
                f"{', '.join(FIELDS)})."
            )
        if _norm(column) not in by_norm:
            raise ImportFormatError(
                f"La colonne « {column.strip()} » de --map est absente du fichier."
            )
        columns[fieldname] = by_norm[_norm(column)]
    if "name" not in columns:
        raise ImportFormatError(
            "Aucune colonne de nom trouvée (par exemple « Raison sociale » ou « Nom ») : "
            'indiquez-la avec --map "colonne=name".'
        )
    return columns


# ---------------------------------------------------------------------------------------------
# Validation


class _Resolver:
    """Commune, theme and legal-category look-ups, loaded once."""

    def __init__(self) -> None:
        self.places = commune_places()
        if not self.places:
            raise ImportFormatError(
                "Le référentiel des communes n'est pas chargé : lancez d'abord "
                "« atelier load-reference »."
            )
        self.families = legal_category_families()
        self.by_name: dict[str, list[str]] = {}
        self.by_postcode: dict[str, list[str]] = {}
        for code, place in self.places.items():
            self.by_name.setdefault(_norm(place.name), []).append(code)
            for pc in place.postal_codes:
                self.by_postcode.setdefault(pc, []).append(code)
        self.themes: dict[str, Theme] = {}
        for t in Theme:
            self.themes[_norm(t.name)] = t
            self.themes[_norm(str(t.label))] = t

    def commune(self, value: str, postcode: str) -> tuple[str, str]:
        """(code, '') or ('', reason)."""
        value = value.strip()
        if not value:
            codes = self.by_postcode.get(postcode, [])
            if len(codes) == 1:
                return codes[0], ""
            if not codes:
                return "", "commune manquante et code postal inconnu"
            return "", f"le code postal {postcode} couvre plusieurs communes : précisez la commune"
        if value.upper() in self.places:
            code = value.upper()
        else:
            codes = self.by_name.get(_norm(value), [])
            if len(codes) > 1 and postcode:
                codes = [c for c in codes if postcode in self.places[c].postal_codes] or codes
            if not codes:
                return "", f"commune inconnue : « {value} »"
            if len(codes) > 1:
                return (
                    "",
                    f"commune ambiguë : « {value} » (indiquez le code postal ou le code INSEE)",
                )
            code = codes[0]
        if postcode:
            if postcode in self.places[code].postal_codes:
                return code, ""
            # "Paris" + 75010: the arrondissement that has this postcode.
            for arr in commune_codes(code)[1:]:
                if arr in self.places and postcode in self.places[arr].postal_codes:
                    return arr, ""
            return "", (
                f"le code postal {postcode} n'appartient pas à la commune "
                f"{self.places[code].name} ({code})"
            )
        return code, ""


def _date(value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()  # noqa: DTZ007 (a date, no time)
        except ValueError:
            continue
    raise ValueError(text)


def _cell(row: list[Any], i: int | None) -> str:
    if i is None or i >= len(row) or row[i] is None:
        return ""
    value = row[i]
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _validate(
    line: int, row: list[Any], columns: dict[str, int], header: list[str], r: _Resolver, reject
) -> dict[str, Any] | None:
    c = columns.get

    def bad(fieldname: str, value: str, reason: str) -> None:
        reject(
            line, header[columns[fieldname]] if fieldname in columns else fieldname, value, reason
        )

    name = _cell(row, c("name"))
    if not name:
        bad("name", "", "nom manquant")
        return None
    siret = re.sub(r"\s", "", _cell(row, c("siret")))
    siren = re.sub(r"\s", "", _cell(row, c("siren")))
    if siret:
        error = siret_error(siret)
        if error:
            bad("siret", siret, error)
            return None
        if siren and siren != siret[:9]:
            bad("siren", siren, "le SIREN ne correspond pas au SIRET")
            return None
        siren = siret[:9]
    elif siren:
        error = siren_error(siren)
        if error:
            bad("siren", siren, error)
            return None
    category = _cell(row, c("legal_category"))
    if category and category not in r.families:
        bad("legal_category", category, "catégorie juridique inconnue (code INSEE à 4 chiffres)")
        return None
    postcode = re.sub(r"\s", "", _cell(row, c("postcode")))
    if postcode and (len(postcode) == 4 and postcode.isdigit()):
        postcode = "0" + postcode  # a spreadsheet dropped the leading zero
    if postcode and not (len(postcode) == 5 and postcode.isdigit()):
        bad("postcode", postcode, "code postal invalide (5 chiffres)")
        return None
    commune, reason = r.commune(_cell(row, c("commune")), postcode)
    if not commune:
        bad("commune" if c("commune") is not None else "postcode", _cell(row, c("commune")), reason)
        return None
    website = _cell(row, c("website"))
    if website:
        if "://" not in website:
            website = "https://" + website
        try:
            URLValidator(schemes=["http", "https"])(website)
        except ValidationError:
            bad("website", website, "adresse de site web invalide")
            return None
    email = _cell(row, c("email"))
    if email:
        try:
            validate_email(email)
        except ValidationError:
            bad("email", email, "adresse de courriel invalide")
            return None
    theme_bits = 0
    for part in filter(None, (p.strip() for p in re.split(r"[,;|]", _cell(row, c("themes"))))):
        theme = r.themes.get(_norm(part))
        if theme is None:
            bad("themes", part, "thème inconnu")
            return None
        theme_bits |= 1 << theme.value
    joined_at = columns.get("joined_on")
    raw_joined = row[joined_at] if joined_at is not None and joined_at < len(row) else None
    try:
        joined_on = _date(raw_joined)
    except ValueError:
        bad("joined_on", str(raw_joined), "date d'adhésion invalide (AAAA-MM-JJ ou JJ/MM/AAAA)")
        return None
    return {
        "name": name[:255],
        "siret": siret,
        "siren": siren,
        "acronym": _cell(row, c("acronym"))[:64],
        "legal_category": category,
        "street": _cell(row, c("street"))[:255],
        "postcode": postcode or (r.places[commune].postal_codes or ("",))[0],
        "commune": commune,
        "website": website[:200],
        "email": email,
        "phone": _cell(row, c("phone"))[:32],
        "contact_name": _cell(row, c("contact_name"))[:200],
        "theme_bits": theme_bits,
        "joined_on": joined_on,
    }


# ---------------------------------------------------------------------------------------------
# Matching and writing


def _match(values: dict[str, Any]) -> Organisation | None:
    """By SIRET, else SIREN, else exact normalised name in the same commune."""
    if values["siret"]:
        est = Establishment.objects.filter(siret=values["siret"]).select_related("organisation")
        if (found := est.first()) is not None:
            return found.organisation
    if values["siren"]:
        if (org := Organisation.objects.filter(siren=values["siren"]).first()) is not None:
            return org
    wanted = _norm(values["name"])
    for org in Organisation.objects.filter(commune_code=values["commune"]).only("id", "name"):
        if _norm(org.name) == wanted:
            return Organisation.objects.get(pk=org.pk)
    return None


def _establishment_at(org: Organisation, values: dict[str, Any], place: CommunePlace) -> None:
    """Create or complete the member's establishment, placed at least at its commune."""
    est = None
    if values["siret"]:
        est = Establishment.objects.filter(siret=values["siret"]).first()
    if est is None:
        est = org.establishments.filter(commune_id=values["commune"]).first()
    if est is None:
        est = Establishment(
            organisation=org,
            siret=values["siret"] or None,
            is_head_office=not org.establishments.exists(),
        )
    if est.latitude is None or est.geo_precision != GeoPrecision.ADDRESS:
        est.latitude, est.longitude = place.latitude, place.longitude
        est.geo_precision = GeoPrecision.COMMUNE
        est.mx, est.my = lonlat_to_world(place.longitude, place.latitude)
    est.commune_id = values["commune"]
    if values["street"]:
        est.street = values["street"]
    if values["postcode"]:
        est.postcode = values["postcode"]
    if values["siret"] and not est.siret:
        est.siret = values["siret"]
    est.save()


def _write_row(
    values: dict[str, Any], org: Organisation | None, network: Network | None, r: _Resolver
) -> tuple[bool, bool]:
    """Write one validated row; returns (created, membership written)."""
    created = org is None
    if org is None:
        org = Organisation(source=Source.MEMBERS, name=values["name"])
    for fieldname, key in (("acronym", "acronym"), ("website", "website")):
        if values[key]:
            setattr(org, fieldname, values[key])
    if created or not org.siren:
        org.siren = values["siren"] or org.siren or None
    if values["legal_category"]:
        org.legal_category_id = values["legal_category"]
    org.theme_bits |= values["theme_bits"]
    org.staff_approved = True
    if created:
        org.name = values["name"]
    org.save()
    _establishment_at(org, values, r.places[values["commune"]])
    organisation_refresh_derived(organisation=org)
    membership = False
    if network is not None:
        defaults: dict[str, Any] = {"status": MembershipStatus.ACTIVE}
        for key in ("joined_on", "contact_name", "phone", "email"):
            if values[key]:
                target = {"phone": "contact_phone", "email": "contact_email"}.get(key, key)
                defaults[target] = values[key]
        OrganisationMembership.objects.update_or_create(
            organisation=org, network=network, defaults=defaults
        )
        membership = True
    return created, membership


def organisation_import_members(*, options: MembersOptions, report: ImportReport) -> MembersResult:
    """Validate every row of the member list, then (unless dry run) write the good ones.
    Raises ImportFormatError for a file or option that cannot be used at all."""
    network: Network | None = None
    if options.network_slug:
        try:
            network = network_get(slug=options.network_slug)
        except ObjectDoesNotExist:
            raise ImportFormatError(
                f"Le réseau « {options.network_slug} » n'existe pas (identifiant attendu)."
            ) from None
    if not options.path.exists():
        raise ImportFormatError(f"Le fichier {options.path} n'existe pas.")
    resolver = _Resolver()
    header, body, handle = _read_rows(options.path, options.sheet)
    name = options.path.name
    try:
        columns = _columns(header, options.mapping)

        def reject(line: int, column: str, value: str, reason: str) -> None:
            report.reject(file=name, line=line, column=column, value=value, reason=reason)

        named = {k: header[v] for k, v in columns.items()}
        result = MembersResult(
            network=network.name if network else "", dry_run=options.dry_run, columns=named
        )
        planned: list[PlannedRow] = []
        seen: dict[str, int] = {}
        for line, row in body:
            result.rows += 1
            values = _validate(line, row, columns, header, resolver, reject)
            if values is None:
                continue
            key = (
                values["siret"] or values["siren"] or f"{_norm(values['name'])}@{values['commune']}"
            )
            if key in seen:
                reject(line, "", values["name"], f"doublon de la ligne {seen[key]}")
                continue
            seen[key] = line
            org = _match(values)
            planned.append(
                PlannedRow(
                    line=line,
                    action="update" if org else "create",
                    name=values["name"],
                    commune_code=values["commune"],
                    organisation_id=org.pk if org else None,
                    values=values,
                )
            )
    finally:
        handle.close()
    for p in planned[:PREVIEW_ROWS]:
        place = resolver.places[p.commune_code]
        what = "créée" if p.action == "create" else f"mise à jour (#{p.organisation_id})"
        result.preview.append((p.line, p.name, f"{place.name} ({p.commune_code})", what))
    if options.dry_run:
        result.created = sum(p.action == "create" for p in planned)
        result.updated = len(planned) - result.created
        return result
    for p in planned:
        try:
            with transaction.atomic():
                org = Organisation.objects.get(pk=p.organisation_id) if p.organisation_id else None
                created, membership = _write_row(p.values, org, network, resolver)
        except DatabaseError as exc:
            reject(p.line, "", p.name, f"écriture refusée par la base : {exc}")
            continue
        result.created += created
        result.updated += not created
        result.memberships += membership
    if result.created or result.updated:
        readers_after_bulk_write()
    return result
