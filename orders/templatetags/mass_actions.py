"""`{% mass_action_menu as mass_menu %}`: the grid's mass actions the user may use somewhere
(read only; the user's permissions are read once per request)."""

from django import template

from orders.mass.actions import MassAction
from orders.mass.actions import mass_action_menu as menu_for

register = template.Library()


@register.simple_tag(takes_context=True)
def mass_action_menu(context: template.Context) -> list[MassAction]:
    request = context.get("request")
    return menu_for(request.user) if request is not None else []
