"""The Dispositif local d'accompagnement (seeds/004): tailored support for employer
associations, insertion structures and other social-utility enterprises. Its own condition:
the structure employs staff (an INSEE headcount band of at least one employee)."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy

from atelier.directory.enums import HeadcountBand

from .nodes import Choice, Context, Facts
from .registry import rule
from .speech import gettext as _
from .texts import NBSP, value_label

# Bands of at least one employee (NN: unknown or non-employer; 00: no employee).
EMPLOYER_BANDS = frozenset(b.value for b in HeadcountBand) - {"NN", "00"}


@dataclass(frozen=True, slots=True)
class Employer(Choice):
    """The structure employs staff: its headcount band is one of `allowed`."""

    def text(self, facts: Facts, held: bool, context: Context) -> str:
        band = facts.headcount_band
        if held:
            return _(
                "structure employeuse : oui, tranche d'effectifs «%(nbsp)s%(band)s%(nbsp)s»"
            ) % {
                "band": value_label("headcount_band", band),
                "nbsp": NBSP,
            }
        if band in ("", "NN"):
            return _(
                "structure employeuse : tranche d'effectifs non indiquée (le dispositif "
                "accompagne les structures qui emploient des salariés)"
            )
        return _("structure employeuse : non, tranche d'effectifs «%(nbsp)s%(band)s%(nbsp)s»") % {
            "band": value_label("headcount_band", band),
            "nbsp": NBSP,
        }

    def describe(self, context: Context) -> str:
        return _("Structure qui emploie au moins un·e salarié·e")


@rule("dla", gettext_lazy("structures qui emploient des salariés"))
def dla(spec):
    return (Employer("employer", "headcount_band", EMPLOYER_BANDS),)
