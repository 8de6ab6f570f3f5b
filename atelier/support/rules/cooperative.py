"""The Union régionale des SCOP (seeds/002): it supports the creation of cooperatives and the
transfer of companies to their employees in cooperative form. Its own condition: a
cooperative project (SCOP or SCIC), or the takeover of a company."""

from django.utils.translation import gettext_lazy as _

from ..enums import LegalForm, Stage
from .combinators import Either
from .nodes import Choice
from .registry import rule

COOPERATIVE_FORMS = frozenset({LegalForm.SCOP.value, LegalForm.SCIC.value})


@rule("urscop", _("créer une SCOP ou une SCIC, ou reprendre une entreprise en coopérative"))
def urscop(spec):
    return (
        Either(
            "cooperative",
            _("projet coopératif"),
            (
                Choice("cooperative_form", "legal_form", COOPERATIVE_FORMS),
                Choice("takeover", "stage", frozenset({Stage.TAKEOVER.value})),
            ),
        ),
    )
