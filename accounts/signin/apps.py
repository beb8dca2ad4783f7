from django.contrib.admin.apps import AdminConfig


class SecondFactorAdminConfig(AdminConfig):
    """django.contrib.admin with a site that demands a passed second factor."""

    default_site = "accounts.signin.admin_site.SecondFactorAdminSite"
