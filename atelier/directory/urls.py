from django.urls import path, register_converter

from .views import exports, organisation, proposals, search, space


class SirenOrSiret:
    """9 or 14 digits (tried before the organisation id: see organisation_by_number)."""

    regex = r"[0-9]{9}|[0-9]{14}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(SirenOrSiret, "siren_or_siret")

app_name = "directory"
urlpatterns = [
    path("", search.search, name="search"),
    path(
        "organisations/<siren_or_siret:number>/",
        organisation.organisation_by_number,
        name="organisation-by-number",
    ),
    path("organisations/<int:pk>/", organisation.organisation_detail, name="organisation"),
    path("export.<str:fmt>", exports.export, name="export"),
    # Shared records, edited by the right people (issue 8)
    path(
        "organisations/<int:pk>/proposer/",
        proposals.organisation_propose,
        name="organisation-propose",
    ),
    path(
        "propositions/confirmer/<str:token>/",
        proposals.proposal_confirm_view,
        name="proposal-confirm",
    ),
    path("moderation/", proposals.moderation_queue_view, name="moderation"),
    path("moderation/<int:pk>/", proposals.moderation_proposal_view, name="moderation-proposal"),
    path(
        "moderation/<int:pk>/accepter/",
        proposals.moderation_accept_view,
        name="moderation-accept",
    ),
    path(
        "moderation/<int:pk>/refuser/",
        proposals.moderation_refuse_view,
        name="moderation-refuse",
    ),
    path("mon-espace/", space.my_space, name="my-space"),
]
