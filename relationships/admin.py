"""Administrators see the scoring runs and edit the health weights and thresholds.

Only models without account content are registered: scores, revenue and alerts name an account's
confidential state and are read through compliance/access.py, never here.
"""

from django.contrib import admin

from relationships.models import ScoringRun, ScoringRunChunk, ScoringSettings
from relationships.scoring.services import SETTINGS_FIELDS, scoring_settings_update


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ScoringRunChunkInline(admin.TabularInline):
    model = ScoringRunChunk
    fields = ["first_account_id", "last_account_id", "accounts", "failed", "error", "finished_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ScoringRun)
class ScoringRunAdmin(ReadOnlyAdmin):
    list_display = [
        "id", "scored_on", "trigger", "status", "started_at", "finished_at", "seconds", "accounts",
        "chunks_done", "chunks_failed", "chunks_total",
    ]  # fmt: skip
    list_filter = ["status", "trigger"]
    date_hierarchy = "started_at"
    exclude = ["segment_retention"]
    inlines = [ScoringRunChunkInline]


@admin.register(ScoringSettings)
class ScoringSettingsAdmin(admin.ModelAdmin):
    fieldsets = [
        ("Measure weights (renormalized over the measures that have data)", {"fields": [
            f for f in SETTINGS_FIELDS if f.startswith("weight_")
        ]}),
        ("Bands", {"fields": ["green_from", "amber_from", "min_coverage"]}),
        ("Measures", {"fields": ["half_life_days", "recency_zero_days", "firefighting_share"]}),
        ("Retention for CLV", {"fields": [
            "retention_at_health_0", "retention_at_health_100", "default_retention",
        ]}),
    ]  # fmt: skip

    def has_add_permission(self, request):
        return False  # one row, created on first use

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        scoring_settings_update(actor=request.user, **{name: getattr(obj, name) for name in SETTINGS_FIELDS})
