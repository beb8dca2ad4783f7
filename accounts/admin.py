from django.contrib import admin

from accounts import services
from accounts.models import Segment


# Accounts and their confidential rows are deliberately not in the admin: it would be a read path
# around the wall (compliance/access.py). Administrators manage segments, users and groups here.
@admin.register(Segment)
class SegmentAdmin(admin.ModelAdmin):
    list_display = ["name", "description"]
    search_fields = ["name"]

    def save_model(self, request, obj, form, change):
        if change:
            services.segment_update(segment=obj, name=obj.name, description=obj.description)
        else:
            obj.pk = services.segment_create(name=obj.name, description=obj.description).pk

    def has_delete_permission(self, request, obj=None):
        # Segments are referenced by accounts and competitor links (PROTECT); retire, don't delete.
        return False
