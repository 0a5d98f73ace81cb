"""The portal's form renderer: Django's, with <select> drawn in Python.

Django draws every <option> through two template includes; a filter bar with the colleges, teams and
specialities of a university runs to hundreds of them, and on the roster and plan pages they cost more than the
page's own table (`make bench`, docs/benchmarks.md). The HTML is the one Django's templates
(django/forms/widgets/select.html, select_option.html, attrs.html) produce, escaped the same way; a widget
that names other templates, or an option whose label is not text (a date, a number), is drawn by them as before.
"""

from __future__ import annotations

from django.forms.renderers import DjangoTemplates
from django.utils.functional import Promise
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

SELECT = "django/forms/widgets/select.html"
OPTION = "django/forms/widgets/select_option.html"
TEXT = (str, Promise)  # lazy translations are text too


def _attrs(attrs: dict) -> str:
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        parts.append(f" {conditional_escape(name)}" if value is True
                     else f' {conditional_escape(name)}="{conditional_escape(str(value))}"')
    return "".join(parts)


def render_select(widget: dict) -> str:
    out = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            out.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        for option in options:
            out.append(f'\n  <option value="{conditional_escape(str(option["value"]))}"{_attrs(option["attrs"])}>'
                       f'{conditional_escape(option["label"])}</option>\n')
        if group_name:
            out.append("\n  </optgroup>")
    out.append("\n</select>")
    return mark_safe("".join(out))  # every value above is escaped


class PortalFormRenderer(DjangoTemplates):
    def render(self, template_name, context, request=None):
        widget = context.get("widget") if template_name == SELECT else None
        # Only options of the standard template whose labels are text: Django's template localises a date,
        # a time or a number label (and would draw it otherwise than str() does).
        if widget is not None and all(option.get("template_name") == OPTION and isinstance(option["label"], TEXT)
                                      for _name, options, _index in widget["optgroups"] for option in options):
            return render_select(widget)
        return super().render(template_name, context, request=request)
