from kam.roles import roles_of


def navigation(request):
    """What the navigation bar offers: by permission, so each role sees what it may use."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav": {
            "roles": sorted(role.label for role in roles_of(user)),
            "accounts": user.has_perm("accounts.view_account") or user.has_perm("accounts.view_portfolio"),
            "new_account": user.has_perm("accounts.add_account"),
            "competitors": user.has_perm("accounts.view_competitorlink"),
            "admin": user.is_staff,
        }
    }
