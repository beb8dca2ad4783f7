"""Reads of the console's people page: who has set up two-step sign-in, and its last reset."""

from django.contrib.auth import get_user_model
from django.db.models import CharField, Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Cast
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.signin.services import second_factor_required
from compliance.audit import OTP_RESET
from compliance.models import AccessLogEntry


def people() -> QuerySet:
    """Active users with their second-factor state and latest reset, one query (plus their groups)."""
    user_id_text = Cast(OuterRef("pk"), CharField())
    latest_reset = AccessLogEntry.objects.filter(
        object_type="user", object_id=user_id_text, action=OTP_RESET
    ).order_by("-id")
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .only("id", "username", "first_name", "last_name", "is_staff", "is_superuser")
        .prefetch_related("groups")
        .annotate(
            has_totp=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)),
            codes_left=Count("staticdevice__token_set", filter=Q(staticdevice__confirmed=True)),
            reset_at=Subquery(latest_reset.values("at")[:1]),
            reset_by=Subquery(latest_reset.values("username")[:1]),
        )
        .order_by("username")
    )


def with_requirement(users) -> list:
    """Each user of a page marked `required` when their role (or the setting) demands the factor."""
    for user in users:
        user.required = second_factor_required(user)
    return users
