"""Schemes reserved to projects of the social and solidarity economy (the City of Paris's
Trophées de l'ESS, seeds/002; L'Atelier's support to social enterprises, seeds/000): the project
belongs to the ESS by its legal form (association, cooperative, CAE) or by its nature (a
collective project, an employer association, hiring people far from employment)."""

from django.utils.translation import gettext_lazy as _

from ..enums import LegalForm, Project
from .combinators import Either
from .nodes import Choice
from .registry import rule

ESS_FORMS = frozenset(
    {LegalForm.ASSOCIATION.value, LegalForm.SCOP.value, LegalForm.SCIC.value, LegalForm.CAE.value}
)
ESS_PROJECTS = frozenset(
    {Project.COLLECTIVE.value, Project.ASSOCIATION_EMPLOYER.value, Project.INSERTION.value}
)


@rule("ess_project", _("projet de l'économie sociale et solidaire (statut ou nature du projet)"))
def ess_project(spec):
    return (
        Either(
            "ess_project",
            _("projet de l'ESS"),
            (
                Choice("ess_form", "legal_form", ESS_FORMS),
                Choice("ess_nature", "project", ESS_PROJECTS),
            ),
        ),
    )
