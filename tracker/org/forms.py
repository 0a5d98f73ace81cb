"""What every form shares: a service's refusal shown on the form, and the several-files field."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.utils.translation import gettext_lazy as _

from tracker.org.ids import as_id
from tracker.org.uploads import ALLOWED_EXTENSIONS, check_evidence_file


def add_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's refusal on the form: under its field where there is one, above the form otherwise."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for field_name, field_errors in error.message_dict.items():
        form.add_error(field_name if field_name in form.fields else None, field_errors)



class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """A file field that takes several files at once and checks each one's type and size."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ",".join(f".{e}" for e in ALLOWED_EXTENSIONS)}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        uploads = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        cleaned = [super(MultipleFileField, self).clean(upload, initial) for upload in uploads]
        errors = []
        for upload in cleaned:
            try:
                check_evidence_file(upload)
            except forms.ValidationError as error:
                errors.extend(error.messages)
        if errors:
            raise forms.ValidationError(errors)
        return cleaned



class IdsOnlyMixin:
    """A model choice that is not an id of ours (not digits, or too long for the database) is an invalid choice,
    answered like any other, instead of reaching the database (where SQLite raises OverflowError and PostgreSQL a
    DataError: a 500)."""

    def _refuse_non_id(self, value) -> None:
        if value in self.empty_values or isinstance(value, Model) or self.to_field_name:
            return
        if as_id(value) is None:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice",
                                  params={"value": value})


class ModelChoiceField(IdsOnlyMixin, forms.ModelChoiceField):
    """Django's ModelChoiceField; every tracker form uses this one (tests/test_ids.py holds that)."""

    def to_python(self, value):
        self._refuse_non_id(value)
        return super().to_python(value)


class ModelMultipleChoiceField(IdsOnlyMixin, forms.ModelMultipleChoiceField):
    """Django's ModelMultipleChoiceField, with the same refusal of values that cannot be ids."""

    def _check_values(self, value):
        for each in value if isinstance(value, list | tuple) else [value]:
            self._refuse_non_id(each)
        return super()._check_values(value)


# The programme's plausible dates: a date outside them is a slip of the keyboard (0001-01-01, 9999-12-31).
EARLIEST_DATE = dt.date(2000, 1, 1)
LATEST_DATE = dt.date(2100, 12, 31)


class DateField(forms.DateField):
    """Django's DateField, refusing dates outside the programme's plausible range with a message saying the range;
    every date a person types into the portal (and the admin) goes through this one (tests/test_dates.py)."""

    default_error_messages = {
        "implausible": _("Enter a date between %(earliest)s and %(latest)s."),
    }

    def validate(self, value) -> None:
        super().validate(value)
        if value and not EARLIEST_DATE <= value <= LATEST_DATE:
            raise ValidationError(self.error_messages["implausible"], code="implausible",
                                  params={"earliest": EARLIEST_DATE.isoformat(), "latest": LATEST_DATE.isoformat()})
