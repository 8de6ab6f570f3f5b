from django import template
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.translation import gettext as _

from atelier.observatory.selectors.secrecy import Secret

register = template.Library()


@register.filter
def obs_value(value):
    """A figure for the page: grouped digits (one decimal when not whole), "secret" marked
    (the rule is explained on the page), a dash for a figure that does not exist."""
    if isinstance(value, Secret):
        return format_html(
            '<a class="obs-secret" href="#secret-statistique" title="{}">secret</a>', value.reason
        )
    return obs_print(value)


@register.filter
def obs_print(value):
    """obs_value for the PDF: a secret cell is the bare word (the document explains the rule
    in its method): no link nor element, which would cost WeasyPrint a PDF annotation or a
    box each, and a large breakdown has hundreds of secret cells."""
    if value is None:
        return format_html(
            '<span aria-hidden="true">—</span><span class="visually-hidden">{}</span>',
            _("non disponible"),
        )
    if isinstance(value, Secret):
        return "secret"
    if isinstance(value, float):
        decimals = 0 if value == int(value) else 1
        return number_format(round(value, decimals), decimals, use_l10n=True, force_grouping=True)
    if isinstance(value, int) and not isinstance(value, bool):
        return number_format(value, 0, use_l10n=True, force_grouping=True)
    return value


@register.filter
def add_int(value, arg):
    return int(value) + int(arg)
