"""ADIE's professional microcredit in the partnership with the Département de Paris
(seeds/002): Parisian recipients of the RSA who create their activity may borrow up to the
scheme's `montant_maximum` (5,000 € in the document) and get individual support.

The partnership's condition is one statement, "allocataire du RSA à Paris", so the rule puts it
in place of the generic audience and perimeter conditions (the catalogue fields of the scheme
say the same, for the catalogue's filters: tests/test_rules_catalogue.py checks they agree)."""

from django.utils.translation import gettext_lazy as _

from ..enums import Situation
from .combinators import All
from .nodes import Overlap
from .registry import rule

PARIS = "departement:75"


@rule(
    "adie_paris",
    _("partenariat ADIE – Département de Paris : allocataires du RSA qui créent à Paris"),
    replaces=("audience", "perimeter"),
)
def adie_paris(spec):
    return (
        All(
            "rsa_paris",
            _("allocataire du RSA à Paris"),
            (
                Overlap("rsa", "situations", frozenset({Situation.RSA.value})),
                Overlap("paris", "territory", frozenset({PARIS})),
            ),
        ),
    )
