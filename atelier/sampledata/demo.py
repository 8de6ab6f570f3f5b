"""The demo dataset: real organisations named in the founding documents (data/demo/), their
member networks, and one demo account per role.

Idempotent: organisations are matched on (source=demo, name), establishments on their address,
networks on their slug, users on their username; re-running updates and never duplicates.
Positions are the commune's (precision `commune`) from the reference data, which must be
loaded first (`atelier load-reference`).
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction

from atelier.accounts.enums import Role
from atelier.accounts.selectors import network_get
from atelier.accounts.services import group_ensure, network_ensure, network_role_grant, user_ensure
from atelier.directory.enums import Approval, GeoPrecision, MembershipStatus, Source, Theme
from atelier.directory.geo import lonlat_to_world
from atelier.directory.services.approvals import approvals_from_demo
from atelier.directory.services.organisations import (
    bits,
    establishment_update_or_create,
    establishments_keep_only,
    membership_update_or_create,
    memberships_keep_only,
    organisation_derive,
    organisation_get_or_create,
)
from atelier.directory.services.proposals import proposal_ensure_pending
from atelier.support.services.catalogue import CatalogueError, CatalogueReport, catalogue_load
from atelier.territories.enums import EssFamily
from atelier.territories.selectors import commune_places, legal_category_families

DEMO_FILE = Path(settings.BASE_DIR) / "data" / "demo" / "organisations.json"

# Development only: every demo account has this password (printed by `atelier load-demo`).
DEMO_PASSWORD = "atelier-demo"  # noqa: S105
STAFF_GROUP = "Équipe de réseau (démo)"
# Instance moderators: accept or refuse the changes proposed to any organisation.
MODERATOR_GROUP = "Modérateurs"


class DemoDataError(Exception):
    """The demo data cannot be loaded (reference data missing, bad file…)."""


@dataclass
class DemoReport:
    organisations_created: int = 0
    organisations_updated: int = 0
    establishments: int = 0
    networks: int = 0
    memberships: int = 0
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    network: str  # network slug ("" for the superuser)
    description: str


DEMO_ACCOUNTS = (
    DemoAccount("admin", "superuser", "", "super-administrateur·rice (tous les droits)"),
    DemoAccount(
        "equipe",
        Role.STAFF,
        "atelier-idf",
        "équipe salariée du réseau régional (administration de l'annuaire)",
    ),
    DemoAccount("conseil", Role.ADVISOR, "atelier-idf", "conseiller·ère du réseau régional"),
    DemoAccount("membre", Role.MEMBER, "atelier-idf", "membre du réseau régional"),
    DemoAccount(
        "equipe2",
        Role.STAFF,
        "cae-paris",
        "équipe d'un AUTRE réseau (ne voit pas les adhésions du réseau régional ; propose des "
        "modifications des fiches qu'elle ne peut pas modifier)",
    ),
    DemoAccount(
        "moderation",
        "moderator",
        "",
        "modérateur·rice de l'instance (groupe « Modérateurs » : accepte ou refuse les "
        "propositions sur toutes les fiches)",
    ),
)
# The demo's pending proposal: another network's staff proposes a change of L'Atelier, which
# L'Atelier's staff (`equipe`) or the moderator accept or refuse at /atlas/moderation/.
DEMO_PROPOSAL = {
    "proposer": "equipe2",
    "organisation": "L'Atelier",
    "values": {"acronym": "L'Atelier IDF", "website": "https://www.atelier-idf.org"},
    "message": "Le site répond en https et le réseau se présente sous le sigle « L'Atelier IDF ».",
}


def demo_data_read(path: Path | None = None) -> dict[str, Any]:
    path = path or DEMO_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DemoDataError(f"Fichier de démonstration introuvable : {path}.") from None
    except json.JSONDecodeError as exc:
        raise DemoDataError(f"{path.name} n'est pas un JSON valide (ligne {exc.lineno}).") from None
    if not isinstance(data, dict) or "organisations" not in data:
        raise DemoDataError(f"{path.name} ne contient pas de liste « organisations ».")
    return data


def _date(value: Any, *, org: str) -> datetime.date | None:
    """An ISO date of the demo file (a closed establishment's `closed_on`), or None."""
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise DemoDataError(f"{org} : date invalide « {value} » (AAAA-MM-JJ).") from None


def _enum_members(names: list[str], enum: Any, *, what: str, org: str) -> list[Any]:
    members = {m.name.lower(): m for m in enum}
    unknown = [n for n in names if n not in members]
    if unknown:
        raise DemoDataError(f"{org} : {what} inconnu(s) : {', '.join(unknown)}.")
    return [members[n] for n in names]


def _enum_bits(names: list[str], enum: Any, *, what: str, org: str) -> int:
    return bits(_enum_members(names, enum, what=what, org=org))


@transaction.atomic
def demo_load(*, path: Path | None = None) -> DemoReport:
    """Create or update the demo networks, organisations, establishments and memberships."""
    data = demo_data_read(path)
    report = DemoReport()
    rows = data["organisations"]
    codes = sorted({e["commune"] for row in rows for e in row.get("establishments", [])})
    places = commune_places(codes)
    missing = [c for c in codes if c not in places]
    if missing:
        raise DemoDataError(
            "Les données de référence ne sont pas chargées (communes "
            f"{', '.join(missing[:5])} inconnues) : lancez d'abord « atelier load-reference »."
        )
    families = legal_category_families()

    networks: dict[str, Any] = {}
    for item in data.get("networks", []):
        parent = networks.get(item.get("parent") or "")
        networks[item["slug"]] = network_ensure(
            slug=item["slug"], name=item["name"], kind=item["kind"], parent=parent
        )
        report.networks += 1

    for row in rows:
        name = row["name"]
        code = row.get("legal_category") or None
        if code and code not in families:
            report.warnings.append(f"{name} : catégorie juridique {code} absente, ignorée.")
            code = None
        family = families[code] if code else row.get("family") or EssFamily.OTHER
        if family not in EssFamily.values:
            raise DemoDataError(f"{name} : famille de l'ESS inconnue « {family} ».")
        defaults = {
            "acronym": row.get("acronym", ""),
            "legal_category_id": code,
            "staff_approved": bool(row.get("staff_approved")),
            "theme_bits": _enum_bits(row.get("themes", []), Theme, what="thème", org=name),
            "description": row.get("description", ""),
            "website": row.get("website", ""),
            "is_active": True,
        }
        approvals = _enum_members(row.get("approvals", []), Approval, what="agrément", org=name)
        org, created = organisation_get_or_create(source=Source.DEMO, name=name, defaults=defaults)
        for key, value in defaults.items():
            setattr(org, key, value)
        approvals_from_demo(organisation=org, approvals=approvals)
        if created:
            report.organisations_created += 1
        else:
            report.organisations_updated += 1

        kept = []
        head_place = None
        for i, item in enumerate(row.get("establishments", [])):
            place = places[item["commune"]]
            closed_on = _date(item.get("closed_on"), org=name)
            if closed_on is None:
                head_place = head_place or place
            mx, my = lonlat_to_world(place.longitude, place.latitude)
            est = establishment_update_or_create(
                organisation=org,
                street=item.get("street", ""),
                postcode=item.get("postcode", ""),
                commune_id=place.code,
                name=item.get("name", ""),
                defaults={
                    "is_head_office": i == 0,
                    "is_open": closed_on is None,
                    "closed_on": closed_on,
                    "latitude": place.latitude,
                    "longitude": place.longitude,
                    "geo_precision": GeoPrecision.COMMUNE,
                    "mx": mx,
                    "my": my,
                },
            )
            kept.append(est.pk)
            report.establishments += 1
        establishments_keep_only(organisation=org, ids=kept)

        organisation_derive(org, family=family, place=head_place)
        org.save()

        wanted = set(row.get("networks", []))
        for slug in wanted:
            if slug not in networks:
                raise DemoDataError(f"{name} : réseau « {slug} » absent de la liste des réseaux.")
            membership_update_or_create(
                organisation=org,
                network=networks[slug],
                defaults={
                    "status": MembershipStatus.ACTIVE,
                    "contact_name": "Contact de démonstration",
                    "contact_email": "contact-demo@example.org",
                    "notes": "Adhésion fictive du jeu de démonstration.",
                },
            )
            report.memberships += 1
        memberships_keep_only(organisation=org, network_slugs=wanted)
    return report


def demo_schemes_load() -> CatalogueReport:
    """The schemes catalogue (data/support/schemes.yaml), its operators linked to the demo
    organisations (source demo, matched by name): run after `demo_load`. Idempotent."""
    try:
        return catalogue_load(operators_source=Source.DEMO)
    except CatalogueError as exc:
        raise DemoDataError(str(exc)) from None


# Directory models the network staff may manage in the admin; the schemes catalogue too (its
# dated parameters: a new value from a date, never a change of a past one).
_STAFF_PERMISSIONS = {
    "directory": [
        "view_organisation",
        "add_organisation",
        "change_organisation",
        "view_establishment",
        "add_establishment",
        "change_establishment",
        "delete_establishment",
        "view_organisationmembership",
        "add_organisationmembership",
        "change_organisationmembership",
        "delete_organisationmembership",
    ],
    # Support (issue 10): Premières heures — the beneficiaries in the admin (export, erasure)
    # and the parameters' dated values (/accompagnement/premieres-heures/parametres/); the
    # support journeys — their network's structures and advisors, its cases (read); the
    # catalogue — schemes and their dated parameter values.
    "support": [
        "view_insertionstructure",
        "add_insertionstructure",
        "change_insertionstructure",
        "view_beneficiary",
        "change_beneficiary",
        "view_contract",
        "view_schemeparameter",
        "add_schemeparameter",
        "view_supportstructure",
        "add_supportstructure",
        "change_supportstructure",
        "view_structureadvisor",
        "add_structureadvisor",
        "change_structureadvisor",
        "delete_structureadvisor",
        "view_case",
        "view_scheme",
        "add_scheme",
        "change_scheme",
        "change_schemeparameter",
        "delete_schemeparameter",
    ],
}


_MODERATOR_PERMISSIONS = {
    "directory": ["moderate_changeproposal", "view_changeproposal", "view_organisation"],
}


@transaction.atomic
def demo_accounts_ensure(*, password: str = DEMO_PASSWORD) -> list[DemoAccount]:
    """Create or reset the demo accounts (development only: the password is public) and the
    demo's pending change proposal."""
    group = group_ensure(name=STAFF_GROUP, permissions=_STAFF_PERMISSIONS)
    moderators = group_ensure(name=MODERATOR_GROUP, permissions=_MODERATOR_PERMISSIONS)
    users = {}
    for account in DEMO_ACCOUNTS:
        groups = {Role.STAFF: [group], "moderator": [moderators]}.get(account.role, [])
        user = user_ensure(
            username=account.username,
            email=f"{account.username}@demo.invalid",
            password=password,
            is_superuser=account.role == "superuser",
            is_staff=account.role in ("superuser", Role.STAFF),
            groups=groups,
        )
        users[account.username] = user
        if account.network:
            try:
                network = network_get(slug=account.network)
            except ObjectDoesNotExist:
                raise DemoDataError(
                    f"Le réseau « {account.network} » n'existe pas : chargez d'abord les "
                    "organisations de démonstration."
                ) from None
            network_role_grant(user=user, network=network, role=account.role)
    proposal_ensure_pending(
        source=Source.DEMO,
        name=DEMO_PROPOSAL["organisation"],
        proposer=users[DEMO_PROPOSAL["proposer"]],
        values=DEMO_PROPOSAL["values"],
        message=DEMO_PROPOSAL["message"],
    )
    return list(DEMO_ACCOUNTS)
