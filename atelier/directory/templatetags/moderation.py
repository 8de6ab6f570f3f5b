"""Tags of the organisation page's includes for shared records (_org_propose.html,
_org_status_source.html): they read what the view need not pass."""

from typing import Any

from django import template

from ..models import Organisation
from ..selectors.organisations import EssSourceInfo, ess_source_info
from ..services.access import may_edit_organisation as may_edit

register = template.Library()


@register.simple_tag(takes_context=True)
def may_edit_organisation(context: Any, organisation: Organisation) -> bool:
    """Whether the person viewing the page may edit `organisation` (services.access)."""
    request = context.get("request")
    return request is not None and may_edit(request.user, organisation)


@register.simple_tag
def ess_status_source(organisation: Organisation) -> EssSourceInfo:
    return ess_source_info(organisation)
