"""The Chinese wall's records: read history, acknowledgements, crossings, exceptions, the access log.

The wall itself is the competitor graph (accounts.CompetitorLink) and the account teams
(accounts.AccountTeamMember); these models hold what the gateway (compliance/access.py) needs to
apply it over time, and what a compliance officer audits.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from accounts.models import Account


class ReadHistory(models.Model):
    """The last time a user read an account's confidential data (the Brewer-Nash history)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    first_read_at = models.DateTimeField()
    last_read_at = models.DateTimeField()
    reads = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "account"], name="read_history_once")]
        verbose_name_plural = "read history"

    def __str__(self) -> str:
        return f"{self.user} read {self.account} (last {self.last_read_at:%Y-%m-%d})"


class WallMemo(models.Model):
    """The account's wall memo, which every insider acknowledges before first access."""

    account = models.OneToOneField(Account, on_delete=models.CASCADE, related_name="wall_memo")
    text = models.TextField(max_length=4000)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"Wall memo of {self.account}"


class WallAcknowledgement(models.Model):
    """A user's acknowledgement of an account's wall memo; valid for WALL_ATTESTATION_DAYS."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    acknowledged_at = models.DateTimeField()
    memo_text = models.TextField(help_text="The memo as the user saw it.")

    class Meta:
        ordering = ["-acknowledged_at"]
        indexes = [models.Index(fields=["user", "account", "-acknowledged_at"])]

    def __str__(self) -> str:
        return f"{self.user} acknowledged the wall of {self.account}"


class WallCrossing(models.Model):
    """Time-boxed access to an account for a user not on its team, approved by compliance."""

    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        WITHDRAWN = "withdrawn", "Withdrawn"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    reason = models.TextField(max_length=2000)
    days = models.PositiveSmallIntegerField(help_text="How long the access lasts once approved.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.REQUESTED)
    requested_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(max_length=2000, blank=True)
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        indexes = [models.Index(fields=["user", "account", "status", "ends_at"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="approved") | Q(starts_at__isnull=False, ends_at__isnull=False),
                name="crossing_approved_has_window",
            ),
            models.CheckConstraint(condition=Q(days__gte=1), name="crossing_days_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.account} ({self.get_status_display()})"


class WallException(models.Model):
    """A compliance officer's exception: `user` may serve `account` despite a conflict."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    reason = models.TextField(max_length=2000)
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField()
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-granted_at"]
        indexes = [models.Index(fields=["user", "account"])]

    def __str__(self) -> str:
        return f"Exception: {self.user} on {self.account}"


class AccessLogEntry(models.Model):
    """One read of confidential data, or one denial: append-only and hash-chained.

    The table is created by SQL in the migration (unmanaged here): the app role may only SELECT it
    and append through the function `compliance_access_log_append`, which computes the chain.
    """

    class Outcome(models.TextChoices):
        ALLOWED = "allowed", "Allowed"
        DENIED = "denied", "Denied"
        ERROR = "error", "Failed"

    at = models.DateTimeField()
    user_id = models.BigIntegerField(null=True)
    username = models.TextField()
    account_id = models.BigIntegerField(null=True)
    object_type = models.TextField()
    object_id = models.TextField()
    action = models.TextField()
    path = models.TextField()
    ip = models.TextField()
    outcome = models.TextField(choices=Outcome.choices)
    reason = models.TextField()
    prev_hash = models.TextField()
    hash = models.TextField()

    class Meta:
        managed = False
        db_table = "compliance_accesslogentry"
        ordering = ["-id"]
        default_permissions = ("view",)
        verbose_name_plural = "access log entries"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.action} {self.object_type} {self.outcome}"


class WallChange(models.Model):
    """One insert, update or delete of a wall record, kept by a trigger: who, when, before, after.

    Crossings, exceptions, acknowledgements, team memberships, competitor links and wall memos
    (compliance/migrations/0005_database_roles.py). Append-only: no role may change or remove an entry.
    `actor_id` is the verified user of the transaction, or NULL for the system; `db_role` the role the
    connection logged in as.
    """

    at = models.DateTimeField()
    table_name = models.TextField()
    record_id = models.BigIntegerField()
    operation = models.TextField()
    actor_id = models.BigIntegerField(null=True)
    db_role = models.TextField()
    before = models.JSONField(null=True)
    after = models.JSONField(null=True)

    class Meta:
        managed = False
        db_table = "compliance_wallchange"
        ordering = ["-id"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.operation} {self.table_name} {self.record_id}"
