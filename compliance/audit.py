"""The access log's record of who may do what: users' powers and roles, and account teams.

Django admin, `manage.py createsuperuser`, the password-set page and accounts' services all change
these, and accounts may not import compliance; so compliance listens to the models' signals and
logs each change in the transaction that makes it (compliance/access_log.py `record_change`). Who
acted is the transaction's principal. Entries hold ids and field names, never a password or a hash.
Changes made on another database alias (the owner's migrations) are not logged.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import DEFAULT_DB_ALIAS
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save

from accounts import signals
from accounts.models import AccountTeamMember
from accounts.signals import password_link_sent
from compliance import access_log, principal
from compliance.models import AccessLogEntry

FLAGS = ("is_active", "is_staff", "is_superuser")
WATCHED = ("password", *FLAGS)
# Team changes name their account but are not reads of it (compliance/console/log/selectors.py).
TEAM_MEMBER = "team_member"
PENDING = "_kam_audit_changed"
CLEARED = "_kam_audit_cleared"


def connect() -> None:
    user_model = get_user_model()
    pre_save.connect(_user_saving, sender=user_model, dispatch_uid="compliance.audit.user_saving")
    post_save.connect(_user_saved, sender=user_model, dispatch_uid="compliance.audit.user_saved")
    post_delete.connect(_user_deleted, sender=user_model, dispatch_uid="compliance.audit.user_deleted")
    for field, owner_type, label in (
        (user_model._meta.get_field("groups"), "user", "groups"),
        (user_model._meta.get_field("user_permissions"), "user", "permissions"),
        (Group._meta.get_field("permissions"), "group", "permissions"),
    ):
        through = field.remote_field.through
        receiver = _memberships_changer(field, owner_type, label)
        m2m_changed.connect(receiver, sender=through, weak=False, dispatch_uid=f"compliance.audit.{through}")
    post_save.connect(
        _team_member_saved, sender=AccountTeamMember, dispatch_uid="compliance.audit.team_saved"
    )
    post_delete.connect(
        _team_member_left, sender=AccountTeamMember, dispatch_uid="compliance.audit.team_left"
    )
    password_link_sent.connect(_password_link_sent, dispatch_uid="compliance.audit.password_link")
    signals.second_factor_verified.connect(_second_factor_verified, dispatch_uid="compliance.audit.otp_ok")
    signals.second_factor_refused.connect(_second_factor_refused, dispatch_uid="compliance.audit.otp_refused")
    signals.second_factor_enrolled.connect(_second_factor_enrolled, dispatch_uid="compliance.audit.otp_enrol")
    signals.second_factor_reset.connect(_second_factor_reset, dispatch_uid="compliance.audit.otp_reset")


def _log(*, object_type: str, object_id, action: str, reason: str, account_id: int | None = None) -> None:
    access_log.record_change(
        user=principal.acting_user(),
        account_id=account_id,
        object_type=object_type,
        object_id=object_id,
        action=action,
        reason=reason,
    )


def _describe(user, fields) -> str:
    described = []
    for field in fields:
        if field == "password":
            described.append("password" if user.has_usable_password() else "password disabled")
        else:
            described.append(f"{field}={getattr(user, field)}")
    return ", ".join(described)


# Users: created, deleted, and changes of password, activation, staff and superuser status. ---------


def _user_saving(sender, instance, raw, using, update_fields, **kwargs) -> None:
    instance.__dict__.pop(PENDING, None)
    if raw or using != DEFAULT_DB_ALIAS or instance.pk is None:
        return
    watched = [field for field in WATCHED if update_fields is None or field in update_fields]
    if not watched:
        return  # a login's last_login: no query
    stored = sender.objects.using(using).filter(pk=instance.pk).values(*watched).first()
    if stored is not None:
        instance.__dict__[PENDING] = [field for field in watched if stored[field] != getattr(instance, field)]


def _user_saved(sender, instance, created, raw, using, **kwargs) -> None:
    if raw or using != DEFAULT_DB_ALIAS:
        return
    if created:
        held = [field for field in FLAGS if getattr(instance, field)]
        reason = "created: " + _describe(instance, [*held, "password"])
        _log(object_type="user", object_id=instance.pk, action="create", reason=reason)
        return
    changed = instance.__dict__.pop(PENDING, [])
    if changed:
        _log(object_type="user", object_id=instance.pk, action="change", reason=_describe(instance, changed))


def _user_deleted(sender, instance, using, **kwargs) -> None:
    if using == DEFAULT_DB_ALIAS:
        _log(object_type="user", object_id=instance.pk, action="delete", reason="deleted")


def _password_link_sent(sender, user, **kwargs) -> None:
    _log(object_type="user", object_id=user.pk, action="password_link", reason="password-set link e-mailed")


# Groups (the roles) of a user, a user's own permissions, and a group's permissions. ----------------


def _memberships_changer(field, owner_type: str, label: str):
    """A receiver for one many-to-many field, changed from either side (user.groups, group.user_set)."""
    through = field.remote_field.through
    owner, target = field.m2m_field_name(), field.m2m_reverse_field_name()

    def changed(sender, instance, action, reverse, pk_set, using, **kwargs) -> None:
        if using != DEFAULT_DB_ALIAS:
            return
        if action == "pre_clear":
            mine, other = (target, owner) if reverse else (owner, target)
            rows = through.objects.using(using).filter(**{mine: instance.pk})
            instance.__dict__[CLEARED] = set(rows.values_list(f"{other}_id", flat=True))
            return
        if action not in ("post_add", "post_remove", "post_clear"):
            return
        ids = instance.__dict__.pop(CLEARED, set()) if action == "post_clear" else pk_set
        verb = "added" if action == "post_add" else "removed"
        pairs = [(pk, [instance.pk]) for pk in sorted(ids)] if reverse else [(instance.pk, sorted(ids))]
        for owner_id, related_ids in pairs:
            if related_ids:
                reason = f"{label} {verb}: {', '.join(str(pk) for pk in related_ids)}"
                _log(object_type=owner_type, object_id=owner_id, action="change", reason=reason)

    return changed


# Account teams. ------------------------------------------------------------------------------------


def _team_member_saved(sender, instance, created, raw, using, update_fields, **kwargs) -> None:
    if raw or using != DEFAULT_DB_ALIAS or not (created or update_fields is None or "role" in update_fields):
        return
    _log(
        object_type=TEAM_MEMBER,
        object_id=instance.user_id,
        account_id=instance.account_id,
        action="add" if created else "change",
        reason=f"user {instance.user_id} {'joined' if created else 'now'} as {instance.role}",
    )


def _team_member_left(sender, instance, using, **kwargs) -> None:
    if using == DEFAULT_DB_ALIAS:
        _log(
            object_type=TEAM_MEMBER,
            object_id=instance.user_id,
            account_id=instance.account_id,
            action="remove",
            reason=f"user {instance.user_id} left (was {instance.role})",
        )


# Two-step sign-in (accounts/signin/services.py): each outcome, about the user signing in. ----------

OTP_VERIFY, OTP_RECOVERY, OTP_ENROL, OTP_RESET = "otp_verify", "otp_recovery_code", "otp_enrol", "otp_reset"
_REFUSED_ACTIONS = {"enrolment": OTP_ENROL, "recovery_code": OTP_RECOVERY, "totp": OTP_VERIFY}


def _second_factor_verified(sender, user, method, **kwargs) -> None:
    recovery = method == "recovery_code"
    access_log.record(
        user=user,
        account_id=None,
        object_type="user",
        object_id=user.pk,
        action=OTP_RECOVERY if recovery else OTP_VERIFY,
        reason="signed in with a recovery code (now used up)" if recovery else "second factor verified",
    )


def _second_factor_refused(sender, user, method, reason, **kwargs) -> None:
    access_log.record(
        user=user,
        account_id=None,
        object_type="user",
        object_id=user.pk,
        action=_REFUSED_ACTIONS.get(method, OTP_VERIFY),
        outcome=AccessLogEntry.Outcome.DENIED,
        reason=f"second factor refused: {reason}",
    )


def _second_factor_enrolled(sender, user, recovery_codes_only=False, **kwargs) -> None:
    _log(
        object_type="user",
        object_id=user.pk,
        action=OTP_ENROL,
        reason="new recovery codes"
        if recovery_codes_only
        else "authenticator app set up, recovery codes issued",
    )


def _second_factor_reset(sender, user, actor, devices, **kwargs) -> None:
    _log(
        object_type="user",
        object_id=user.pk,
        action=OTP_RESET,
        reason=f"second factor reset by user {actor.pk}: they set it up again at their next sign-in",
    )
