"""Paris Initiative Entreprise's 0 % honour loans (seeds/002): from `montant_minimum` to
`montant_maximum` (5,000 to 30,000 € in the document) to create an activity, and up to
`montant_maximum_reprise` (60,000 €) for a takeover ("en cas de transmission"). The rule puts
its own maximum, which depends on the stage, in place of the generic one."""

from django.utils.translation import gettext_lazy as _

from ..enums import Stage
from .combinators import Switch
from .generic import MAXIMUM
from .nodes import Bound, Choice, Param
from .registry import rule

TAKEOVER_MAXIMUM = "montant_maximum_reprise"


@rule(
    "pie_honour_loan",
    _("prêt d'honneur : plafond plus élevé pour une reprise d'entreprise"),
    replaces=("amount_max",),
)
def pie_honour_loan(spec):
    return (
        Switch(
            "amount_max",
            guard=Choice("takeover", "stage", frozenset({Stage.TAKEOVER.value})),
            then=Bound(
                "amount_max", "maximum", Param(TAKEOVER_MAXIMUM), _("maximum pour une reprise")
            ),
            otherwise=Bound("amount_max", "maximum", Param(MAXIMUM)),
            when=_("pour une reprise"),
        ),
    )
