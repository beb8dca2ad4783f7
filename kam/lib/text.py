"""Limits on free text, enforced by services for every caller (forms only enforce them in the browser)."""

from django.core.exceptions import ValidationError
from django.db import models

# The longest free text a field of KAM holds: a page of notes, not a document store.
TEXT_LIMIT = 4000


def check_text_limits(instance: models.Model) -> None:
    """Raise ValidationError naming every TextField of `instance` longer than its max_length."""
    errors = {
        field.name: f"At most {field.max_length} characters."
        for field in instance._meta.concrete_fields
        if isinstance(field, models.TextField)
        and field.max_length
        and len(getattr(instance, field.name) or "") > field.max_length
    }
    if errors:
        raise ValidationError(errors)
