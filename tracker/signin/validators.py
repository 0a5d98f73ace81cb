"""Password rules: Django's, with one message put back into words its Chinese catalogue knows."""

from django.contrib.auth import password_validation
from django.utils.translation import ngettext


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's rule. Django 5.2 reworded its message ("… at least %d characters") and the zh_Hans catalogue
    still has only the earlier wording, so users saw it in English; this keeps the earlier, translated one."""

    def get_error_message(self) -> str:
        return ngettext(
            "This password is too short. It must contain at least %(min_length)d character.",
            "This password is too short. It must contain at least %(min_length)d characters.",
            self.min_length,
        ) % {"min_length": self.min_length}
