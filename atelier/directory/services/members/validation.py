"""Validation of a member-list row: identifiers, commune, website, e-mail, themes, dates."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email

from atelier.territories.selectors import (
    commune_codes,
    legal_category_families,
)

from ...enums import Approval, Theme
from ..reports import import_commune_places
from ..sirene.identifiers import siren_error, siret_error
from .reading import norm

# What member lists write for an approval besides its code and label (folded like headers).
APPROVAL_ALIASES = {
    "entreprise solidaire d'utilité sociale": Approval.ESUS,
    "EI": Approval.SIAE_EI,
    "entreprise d'insertion": Approval.SIAE_EI,
    "AI": Approval.SIAE_AI,
    "association intermédiaire": Approval.SIAE_AI,
    "ACI": Approval.SIAE_ACI,
    "atelier et chantier d'insertion": Approval.SIAE_ACI,
    "atelier chantier d'insertion": Approval.SIAE_ACI,
    "chantier d'insertion": Approval.SIAE_ACI,
    "ETTI": Approval.SIAE_ETTI,
    "entreprise de travail temporaire d'insertion": Approval.SIAE_ETTI,
    "coopérative d'activités et d'emploi": Approval.CAE,
    "couveuse d'entreprises": Approval.COUVEUSE,
}


class Resolver:
    """Commune, theme and legal-category look-ups, loaded once."""

    def __init__(self) -> None:
        self.places = import_commune_places()
        self.families = legal_category_families()
        self.by_name: dict[str, list[str]] = {}
        self.by_postcode: dict[str, list[str]] = {}
        for code, place in self.places.items():
            self.by_name.setdefault(norm(place.name), []).append(code)
            for pc in place.postal_codes:
                self.by_postcode.setdefault(pc, []).append(code)
        # Municipal arrondissement -> its commune (Paris, Lyon, Marseille), from the reference.
        self.parent: dict[str, str] = {
            arr: code for code in self.places for arr in commune_codes(code)[1:]
        }
        self.cities = set(self.parent.values())
        self.themes: dict[str, Theme] = {}
        for t in Theme:
            self.themes[norm(t.name)] = t
            self.themes[norm(str(t.label))] = t
        self.approvals: dict[str, Approval] = {norm(k): a for k, a in APPROVAL_ALIASES.items()}
        for a in Approval:
            self.approvals[norm(a.name)] = a
            self.approvals[norm(str(a.label))] = a

    def family(self, code: str) -> list[str]:
        """The codes that are the same commune as `code`: the commune and its arrondissements."""
        return commune_codes(self.parent.get(code, code))

    def arrondissement(self, postcode: str) -> str:
        """The municipal arrondissement of a Paris (75001-75020, 75116), Lyon (69001-69009) or
        Marseille (13001-13016) postcode, when the reference has it; else ''."""
        if len(postcode) != 5 or not postcode.isdigit():
            return ""
        n = int(postcode[3:])
        code = ""
        if postcode[:3] == "750" and 1 <= n <= 20:
            code = f"751{n:02d}"
        elif postcode == "75116":
            code = "75116"
        elif postcode[:3] == "690" and 1 <= n <= 9:
            code = f"6938{n}"
        elif postcode[:3] == "130" and 1 <= n <= 16:
            code = f"132{n:02d}"
        return code if code in self.parent else ""

    def commune(self, value: str, postcode: str) -> tuple[str, str]:
        """(code, '') or ('', reason). A city postcode places the row in its arrondissement."""
        value = value.strip()
        arr = self.arrondissement(postcode)
        if not value:
            if arr:
                return arr, ""
            codes = self.by_postcode.get(postcode, [])
            if len(codes) == 1:
                return codes[0], ""
            if not codes:
                return "", "commune manquante et code postal inconnu"
            return "", f"le code postal {postcode} couvre plusieurs communes : précisez la commune"
        if value.upper() in self.places:
            code = value.upper()
        else:
            codes = self.by_name.get(norm(value), [])
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
        if arr and arr in (code, *commune_codes(code)[1:]):
            return arr, ""
        if postcode:
            if postcode in self.places[code].postal_codes:
                return code, ""
            # "Paris" + 75010: the arrondissement that has this postcode.
            for part in commune_codes(code)[1:]:
                if part in self.places and postcode in self.places[part].postal_codes:
                    return part, ""
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


def validate_row(
    line: int, row: list[Any], columns: dict[str, int], header: list[str], r: Resolver, reject
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
        theme = r.themes.get(norm(part))
        if theme is None:
            bad("themes", part, "thème inconnu")
            return None
        theme_bits |= 1 << theme.value
    approvals: list[Approval] = []
    for part in filter(None, (p.strip() for p in re.split(r"[,;|]", _cell(row, c("approvals"))))):
        approval = r.approvals.get(norm(part))
        if approval is None:
            bad("approvals", part, "agrément inconnu (ESUS, EI, AI, ACI, ETTI, CAE, SCOP, SCIC…)")
            return None
        approvals.append(approval)
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
        "approvals": approvals,
        "joined_on": joined_on,
    }
