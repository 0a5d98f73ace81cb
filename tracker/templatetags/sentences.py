"""{% sp %}: the space between two translated sentences, which Chinese text does not have (“尚未填报。请使用……”)."""

from django import template
from django.utils import translation

register = template.Library()


@register.simple_tag
def sp() -> str:
    return "" if (translation.get_language() or "").startswith("zh") else " "
