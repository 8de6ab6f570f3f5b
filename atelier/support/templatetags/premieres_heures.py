"""Template filters of the Premières heures pages and statement: amounts and hours in French."""

from decimal import Decimal

from django import template

from ..selectors.premieres_heures import day_text, euros, number

register = template.Library()


@register.filter
def ph_euros(value: Decimal) -> str:
    """ "1 250,00 €"."""
    return euros(Decimal(value))


@register.filter
def ph_number(value: Decimal | int) -> str:
    return number(value)


@register.filter
def ph_day(value) -> str:
    """ "14/03/2025"."""
    return day_text(value) if value else ""
