"""`|score`: a points value as people write it (10, 7.5, 0.25), never 1E+1 or 10.00."""

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def score(value) -> str:
    """Plain digits without trailing zeros; empty for None (the template shows its own dash)."""
    if value is None or value == "":
        return ""
    number = Decimal(str(value))
    text = format(number.normalize(), "f")
    return "0" if text in ("-0", "") else text
