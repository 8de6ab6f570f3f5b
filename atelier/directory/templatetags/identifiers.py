"""`{% load identifiers %}`: SIREN and SIRET written as people read them — `|siren`:
"482345675" -> "482 345 675"; `|siret`: "48234567500012" -> "482 345 675 00012". Anything else
(empty, a partial number) is returned unchanged."""

import re

from django import template

register = template.Library()

_SIREN = re.compile(r"^\d{9}$")
_SIRET = re.compile(r"^\d{14}$")


@register.filter
def siren(value: object) -> str:
    text = "" if value is None else str(value).strip()
    if not _SIREN.match(text):
        return text
    return f"{text[:3]} {text[3:6]} {text[6:]}"


@register.filter
def siret(value: object) -> str:
    text = "" if value is None else str(value).strip()
    if not _SIRET.match(text):
        return text
    return f"{siren(text[:9])} {text[9:]}"
