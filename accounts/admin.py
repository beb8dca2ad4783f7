from django.contrib import admin

from accounts.models import Segment


# Accounts and their confidential rows are deliberately not in the admin: it would be a read path
# around the wall (compliance/access.py). Administrators manage segments, users and groups here.
@admin.register(Segment)
class SegmentAdmin(admin.ModelAdmin):
    list_display = ["name", "description"]
    search_fields = ["name"]
