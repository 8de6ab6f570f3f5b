"""Opening a case: a project holder asks for support after the questionnaire. `case_open`
validates the consent and the minimal contact, routes the request to every support structure
that fits (selectors.routing), writes the case, its routings and the first entry of its log in
one transaction, tells the structures' advisors (after the commit), and returns the case with
the holder's private follow-up token (shown once, e-mailed to the holder; only its hash is
stored)."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from atelier.accounts.selectors import network_list
from atelier.territories.selectors import commune_place

from ..enums import CaseEventKind, CaseState, ContactWay
from ..models import Case, CaseEvent, CaseRouting, Scheme, SupportStructure
from ..profile import Profile
from ..selectors.cases import token_hash
from ..selectors.profile_params import profile_to_json
from ..selectors.routing import structures_for_profile
from . import notify

# The wording the holder agrees to, by version (a case keeps the version it was given under).
CONSENT_VERSION = "2026-12"
_CONSENT_WORDING = {
    "2026-12": (
        "J'accepte que mes réponses au questionnaire et les coordonnées ci-dessus soient "
        "transmises aux structures d'accompagnement qui correspondent à mon projet, pour "
        "qu'un·e conseiller·ère me contacte et suive ma demande. Elles ne servent qu'à cela. "
        "Elles sont anonymisées %(days)s jours après la clôture de ma demande ; je peux à "
        "tout moment en demander la copie ou l'effacement."
    ),
}
FIRST_NAME_MAX = 60
_PHONE_CHARS = re.compile(r"[\s.\-()/]")
_PHONE = re.compile(r"^(?:0\d{9}|\+\d{8,15})$")


def consent_wording(version: str = CONSENT_VERSION) -> str:
    """The consent text of `version`, in French (the one the holder reads)."""
    return _CONSENT_WORDING[version] % {"days": settings.SUPPORT_ANONYMISE_AFTER_DAYS}


class CaseError(ValueError):
    """The request cannot be opened: `errors` maps a field (or "" for the whole request) to a
    French message. Nothing was written."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__(" ".join(errors.values()))


@dataclass(frozen=True)
class CaseContact:
    """The minimal contact of a project holder: a first name or pseudonym, an e-mail address
    and/or a phone number, and the preferred way ("" = the one given, e-mail when both)."""

    first_name: str
    email: str = ""
    phone: str = ""
    contact_way: str = ""


def contact_clean(contact: CaseContact) -> tuple[CaseContact, dict[str, str]]:
    """The contact normalised (trimmed, phone without separators, preferred way set) and the
    errors found, by field."""
    errors: dict[str, str] = {}
    first_name = " ".join(contact.first_name.split())
    email = contact.email.strip()
    phone = _PHONE_CHARS.sub("", contact.phone.strip())
    if not first_name:
        errors["first_name"] = _("Indiquez un prénom ou un pseudonyme.")
    elif len(first_name) > FIRST_NAME_MAX:
        errors["first_name"] = _("Le prénom ou pseudonyme dépasse %(n)d caractères.") % {
            "n": FIRST_NAME_MAX
        }
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = _("« %(email)s » n'est pas une adresse électronique valide.") % {
                "email": email
            }
    if phone and not _PHONE.match(phone):
        errors["phone"] = _(
            "« %(phone)s » n'est pas un numéro de téléphone (10 chiffres, ou +33…)."
        ) % {"phone": contact.phone.strip()}
    if not email and not phone:
        errors["email"] = _("Indiquez une adresse électronique ou un numéro de téléphone.")
    way = contact.contact_way or (ContactWay.EMAIL if email else ContactWay.PHONE)
    if way not in ContactWay.values:
        errors["contact_way"] = _("Choisissez comment être contacté·e.")
    elif way == ContactWay.EMAIL and not email and "email" not in errors:
        errors["email"] = _("Vous préférez le courriel : indiquez votre adresse électronique.")
    elif way == ContactWay.PHONE and not phone and "phone" not in errors:
        errors["phone"] = _("Vous préférez le téléphone : indiquez votre numéro.")
    cleaned = CaseContact(first_name=first_name, email=email, phone=phone, contact_way=str(way))
    return cleaned, errors


def _schemes_clean(slugs: Iterable[str], errors: dict[str, str]) -> list[str]:
    wanted = list(dict.fromkeys(s.strip() for s in slugs if s and s.strip()))
    known = set(Scheme.objects.filter(slug__in=wanted).values_list("slug", flat=True))
    unknown = [s for s in wanted if s not in known]
    if unknown:
        errors["schemes"] = _("Dispositif(s) inconnu(s) : %(slugs)s.") % {
            "slugs": ", ".join(unknown)
        }
    return [s for s in wanted if s in known]


def default_network_id() -> int | None:
    """The network that receives the requests no structure covers (SUPPORT_DEFAULT_NETWORK)."""
    slug = settings.SUPPORT_DEFAULT_NETWORK
    if not slug:
        return None
    network = network_list().filter(slug=slug).first()
    return network.pk if network else None


def case_network_id(structures: list[SupportStructure], network_id: int | None) -> int | None:
    """The network a case belongs to: the one given; else the network with the most routed
    structures (ties by name); else the default network."""
    if network_id is not None:
        return network_id
    if structures:
        counts: dict[int, int] = {}
        names: dict[int, str] = {}
        for s in structures:
            counts[s.network_id] = counts.get(s.network_id, 0) + 1
            names[s.network_id] = s.network.name
        return min(counts, key=lambda n: (-counts[n], names[n], n))
    return default_network_id()


def _ip_key(ip: str) -> str:
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:{ip}".encode()).hexdigest()
    return f"support:requests:{digest}"


def _rate_limited(email: str, ip: str | None, now: datetime) -> bool:
    """More than SUPPORT_REQUESTS_PER_HOUR requests in the last hour from this e-mail address
    (the cases themselves) or this IP address (a counter in the cache, under a hash: the
    address is never stored)."""
    limit = settings.SUPPORT_REQUESTS_PER_HOUR
    if email and (
        Case.objects.filter(email__iexact=email, created_at__gte=now - timedelta(hours=1)).count()
        >= limit
    ):
        return True
    return bool(ip) and int(cache.get(_ip_key(ip or ""), 0)) >= limit


def _count_request(ip: str | None) -> None:
    if not ip:
        return
    key = _ip_key(ip)
    if not cache.add(key, 1, timeout=3600):
        try:
            cache.incr(key)
        except ValueError:  # expired in between
            cache.add(key, 1, timeout=3600)


def case_open(
    *,
    profile: Profile,
    contact: CaseContact,
    consent: bool,
    schemes: list[str],
    network_id: int | None = None,
    client_ip: str | None = None,
    absolute_url: notify.AbsoluteUrl | None = None,
    now: datetime | None = None,
) -> Case:
    """Open the case of a project holder who asked for support, with their explicit `consent`
    (required), their `contact`, the questionnaire's answers `profile` and the slugs of the
    schemes they were shown as eligible. Routed to every structure that fits (of the network
    `network_id` when given). Raises CaseError (nothing written) on a missing consent, a wrong
    contact, an unknown scheme or commune, or when no structure and no default network can
    receive it, or after SUPPORT_REQUESTS_PER_HOUR requests in an hour from the same e-mail
    address or `client_ip`. The returned case carries `holder_token`, the secret of its
    follow-up link (`support:case-follow`); `absolute_url` makes the links of the e-mails
    absolute."""
    errors: dict[str, str] = {}
    if consent is not True:
        errors["consent"] = _(
            "Votre accord est nécessaire pour transmettre votre demande : cochez la case."
        )
    contact, contact_errors = contact_clean(contact)
    errors.update(contact_errors)
    shown = _schemes_clean(schemes, errors)
    place = commune_place(profile.commune)
    if place is None:
        errors["commune"] = _("Commune inconnue : « %(code)s ».") % {"code": profile.commune}
    if errors:
        raise CaseError(errors)
    now = now or timezone.now()
    if _rate_limited(contact.email, client_ip, now):
        raise CaseError(
            {
                "": _(
                    "Trop de demandes envoyées en une heure depuis cette adresse : "
                    "réessayez plus tard."
                )
            }
        )
    assert place is not None  # noqa: S101 — checked with the errors above
    structures = structures_for_profile(profile, network_id=network_id)
    owner = case_network_id(structures, network_id)
    if owner is None:
        raise CaseError(
            {
                "": _(
                    "Aucune structure d'accompagnement ne couvre encore votre commune et votre "
                    "projet : votre demande ne peut pas être transmise."
                )
            }
        )
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        case = Case.objects.create(
            network_id=owner,
            profile=profile_to_json(profile),
            commune=profile.commune,
            departement=place.departement_code,
            schemes_shown=shown,
            first_name=contact.first_name,
            email=contact.email,
            phone=contact.phone,
            contact_way=contact.contact_way,
            consent_at=now,
            consent_version=CONSENT_VERSION,
            state=CaseState.NEW,
            holder_token_hash=token_hash(token),
        )
        case.reference = f"{now:%Y}-{case.pk:05d}"
        case.save(update_fields=["reference"])
        CaseRouting.objects.bulk_create([CaseRouting(case=case, structure=s) for s in structures])
        names = ", ".join(s.display_name for s in structures)
        CaseEvent.objects.create(
            case=case,
            at=now,
            kind=CaseEventKind.OPENED,
            to_state=CaseState.NEW,
            text=(
                _("Demande orientée vers : %(names)s.") % {"names": names}
                if structures
                else _("Aucune structure ne correspond : demande confiée à l'équipe du réseau.")
            ),
        )
        notify.on_commit(lambda: _announce(case, token, absolute_url))
    _count_request(client_ip)
    case.holder_token = token
    return case


def follow_path(token: str) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return reverse("support:case-follow", args=[token])


def _announce(case: Case, token: str, absolute_url: notify.AbsoluteUrl | None) -> None:
    """The new case to the advisors of its structures (to the network's staff when it has no
    structure), and the follow-up link to the holder."""
    to = notify.advisor_addresses(case) or notify.staff_addresses(case)
    notify.send(
        subject=f"Nouvelle demande d'accompagnement {case.reference}",
        template="support/email/case_new.txt",
        context={"case": case, "link": notify.case_url(case, absolute_url)},
        to=to,
    )
    if case.email:
        notify.send_to_holder(
            subject=f"Votre demande d'accompagnement {case.reference}",
            template="support/email/case_holder_link.txt",
            context={"case": case, "link": (absolute_url or notify.site_url)(follow_path(token))},
            to=case.email,
        )
