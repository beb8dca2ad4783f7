"""Django admin: segments and people's accounts.

Accounts and their confidential rows are deliberately not in the admin: it would be a read path
around the wall (compliance/access.py). Administrators (kam/roles.py) manage people's accounts here:
create them without a password, edit names, deactivate and reactivate them, and send a password-set
link. Passwords, groups (the KAM roles), permissions and staff status are a superuser's alone; and
superuser status is no one's to give from the web: `manage.py createsuperuser` on the server.
"""

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import forms, services
from accounts.models import Segment

User = get_user_model()


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


admin.site.unregister(User)
admin.site.unregister(Group)
# Second-factor devices hold secrets: no one reads them here. A compliance officer resets a
# person's second factor from the compliance console (accounts/signin/services.py).
admin.site.unregister(TOTPDevice)
admin.site.unregister(StaticDevice)


@admin.register(User)
class PeopleAdmin(UserAdmin):
    """Django's user admin for a superuser; for anyone else, people's accounts without their powers."""

    actions = ["send_password_set_link"]
    shown_not_changed = ("username", "is_staff", "is_superuser", "groups", "last_login", "date_joined")

    def get_fieldsets(self, request, obj=None):
        if request.user.is_superuser:
            return super().get_fieldsets(request, obj)
        if obj is None:
            return ((None, {"fields": services.USER_CREATE_FIELDS}),)
        return (
            (None, {"fields": ("username", "first_name", "last_name", "email", "is_active")}),
            (
                "Role and powers (a superuser changes these)",
                {"fields": ("is_staff", "is_superuser", "groups")},
            ),
            ("Important dates", {"fields": ("last_login", "date_joined")}),
        )

    def get_readonly_fields(self, request, obj=None):
        if request.user.is_superuser:
            # Superusers are made on the server (`createsuperuser`), never from the web.
            return (*super().get_readonly_fields(request, obj), "is_superuser")
        if obj is None:
            return super().get_readonly_fields(request, obj)
        # A password-set link goes to this address: whoever moves it could take the account over.
        kept_address = ("email",) if services.user_holds_power(obj) else ()
        return (*self.shown_not_changed, *kept_address)

    def get_form(self, request, obj=None, **kwargs):
        if not request.user.is_superuser:
            kwargs["form"] = forms.UserCreateForm if obj is None else forms.UserProfileForm
        return super().get_form(request, obj, **kwargs)

    def save_model(self, request, obj, form, change):
        if request.user.is_superuser:
            super().save_model(request, obj, form, change)
        elif change:
            services.user_update(user=obj, **{field: form.cleaned_data[field] for field in form.changed_data})
        else:
            created = services.user_create(**{field: form.cleaned_data[field] for field in form.fields})
            obj.pk = created.pk
            if created.email:
                self._send_link(request, created)

    def save_related(self, request, form, formsets, change):
        if request.user.is_superuser:
            super().save_related(request, form, formsets, change)

    def user_change_password(self, request, id, form_url=""):
        if not request.user.is_superuser:
            raise PermissionDenied
        return super().user_change_password(request, id, form_url)

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        # Deactivate instead: the access log names people by id.
        return request.user.is_superuser

    @admin.action(description="Send a password-set link", permissions=["change"])
    def send_password_set_link(self, request, queryset):
        for user in queryset.order_by("username"):
            self._send_link(request, user)

    def _send_link(self, request, user) -> None:
        try:
            services.user_password_link_send(user=user, site_url=request.build_absolute_uri("/"))
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.WARNING)
        else:
            self.message_user(request, f"A password-set link was e-mailed to {user.get_username()}.")


@admin.register(Group)
class RoleGroupAdmin(GroupAdmin):
    """Groups are the KAM roles and hold permissions (kam/roles.py): a superuser's alone to change."""

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser
