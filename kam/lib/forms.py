"""Form helpers every app shares: run a service from a view, choose a user."""

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.core.exceptions import ValidationError

T = TypeVar("T")


def call_service(form: forms.Form, service: Callable[..., T], /, **kwargs: Any) -> T | None:
    """Return the service's result, or None after attaching its errors to `form`."""
    try:
        return service(**kwargs)
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            for field, errors in error.error_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form.add_error(None, error)
        return None


class UserChoiceField(forms.ModelChoiceField):
    """A user by full name and login, so two people of the same name can be told apart."""

    def label_from_instance(self, obj) -> str:
        full = obj.get_full_name()
        return f"{full} ({obj.get_username()})" if full else obj.get_username()


def error_text(error: ValidationError) -> str:
    """A ValidationError as one sentence for a message."""
    return " ".join(error.messages)


def form_error_text(form: forms.Form) -> str:
    """Every error of a bound form as one sentence for a message."""
    return " ".join(str(message) for errors in form.errors.values() for message in errors)
