"""Forms: the shape of what people type. Rules about what may be saved live in services."""

from django import forms
from django.core.exceptions import ValidationError

from .plans import MultipleFileField, MultipleFileInput, PlanFilterForm, TaskUpdateForm

__all__ = ["MultipleFileField", "MultipleFileInput", "PlanFilterForm", "TaskUpdateForm", "add_errors"]


def add_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's refusal on the form: under its field where there is one, above the form otherwise."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for field_name, field_errors in error.message_dict.items():
        form.add_error(field_name if field_name in form.fields else None, field_errors)
