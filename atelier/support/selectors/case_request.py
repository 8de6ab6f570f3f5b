"""What the request page shows before a case is opened: the holder's answers in words, the
schemes they were shown, and whether any structure (or the default network) can receive the
request."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from atelier.accounts.selectors import network_list
from atelier.directory.enums import HeadcountBand
from atelier.territories.selectors import naf_section_labels, territory_labels

from ..enums import LegalForm, Need, Project, Situation, Stage
from ..models import Case, Scheme, SupportStructure
from ..profile import Profile
from .profile_params import ProfileParamsError, profile_from_params, profile_to_params
from .routing import structures_for_profile


@dataclass(frozen=True)
class RequestPreview:
    structures: list[SupportStructure]
    default_network: str  # the name of the network that takes requests no structure covers

    @property
    def receivable(self) -> bool:
        return bool(self.structures or self.default_network)


def request_preview(profile: Profile) -> RequestPreview:
    slug = settings.SUPPORT_DEFAULT_NETWORK
    network = network_list().filter(slug=slug).first() if slug else None
    return RequestPreview(
        structures=structures_for_profile(profile),
        default_network=network.name if network else "",
    )


def schemes_named(slugs: Iterable[str]) -> list[tuple[str, str]]:
    """(slug, name) of the known schemes among `slugs`, in their order."""
    wanted = list(dict.fromkeys(slugs))
    names = dict(Scheme.objects.filter(slug__in=wanted).values_list("slug", "name"))
    return [(s, names[s]) for s in wanted if s in names]


def profile_summary(profile: Profile) -> list[tuple[str, str]]:
    """The answers in words, (question, answer), for the holder and the advisors."""
    commune = territory_labels("commune", [profile.commune]).get(profile.commune, profile.commune)
    rows = [
        (_("Commune"), commune),
        (_("Étape du projet"), str(Stage(profile.stage).label)),
        (_("Type de projet"), str(Project(profile.project).label)),
        (_("Forme juridique"), str(LegalForm(profile.legal_form).label)),
    ]
    if profile.needs:
        rows.append((_("Besoins"), ", ".join(str(Need(n).label) for n in sorted(profile.needs))))
    if profile.amount is not None:
        rows.append((_("Montant recherché"), f"{profile.amount:,} €".replace(",", "\u202f")))
    if profile.situations:
        rows.append(
            (
                _("Situation"),
                ", ".join(str(Situation(s).label) for s in sorted(profile.situations)),
            )
        )
    if profile.sector:
        label = naf_section_labels([profile.sector]).get(profile.sector, "")
        rows.append((_("Secteur"), f"{profile.sector} — {label}" if label else profile.sector))
    if profile.headcount_band:
        rows.append((_("Effectif"), str(HeadcountBand(profile.headcount_band).label)))
    return rows


def case_summary(case: Case) -> list[tuple[str, str]]:
    """The answers a case keeps, in words (as stored when a later version of the questionnaire
    no longer reads them: the raw values)."""
    try:
        return profile_summary(profile_from_params(case.profile, check_commune=False))
    except ProfileParamsError:
        return [
            (name, ", ".join(map(str, v)) if isinstance(v, list) else str(v))
            for name, v in case.profile.items()
        ]


def case_request_url(profile: Profile, schemes: Iterable[str] = ()) -> str:
    """The path of the request page for `profile` (the questionnaire's "ask for support"
    link), the eligible schemes' slugs with it."""
    params = profile_to_params(profile) + [("schemes", s) for s in schemes]
    return reverse("support:case-request") + "?" + urlencode(params)


def scheme_choices() -> list[tuple[int, str]]:
    """(id, name) of every scheme of the catalogue (the financed scheme of a closed case)."""
    return list(Scheme.objects.order_by("name").values_list("pk", "name"))
