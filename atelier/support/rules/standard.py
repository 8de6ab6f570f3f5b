"""The rule of schemes whose catalogue fields say everything: no condition of its own."""

from django.utils.translation import gettext_lazy as _

from .registry import rule


@rule("standard", _("les conditions du catalogue, sans condition particulière"))
def standard(spec):
    return ()
