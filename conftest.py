"""Test database set-up with KAM's two roles, and the personas every test can use.

The test database is created and migrated by the owner role (`owner` alias); the tests themselves
run on `default`, the app role that owns nothing — the same role the app uses in production.
"""

import pytest
from django.db import connections

from kam.roles import Role


@pytest.fixture(scope="session")
def django_db_setup(django_test_environment, django_db_blocker):
    with django_db_blocker.unblock():
        owner = connections["owner"]
        app = connections["default"]
        old_name = owner.settings_dict["NAME"]
        test_name = owner.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
        app.close()
        app.settings_dict["NAME"] = test_name
    yield
    with django_db_blocker.unblock():
        app.close()
        owner.creation.destroy_test_db(old_name, verbosity=0)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Most tests create the personas; the production hasher would make that the slow part.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def personas(db):
    """alice leads a key account; bob leads its competitor; carol sponsors alice's; dave audits."""
    from accounts.tests.factories import persona_portfolio

    return persona_portfolio()


@pytest.fixture
def make_user(db):
    from accounts.tests.factories import UserFactory

    def make(username: str, role: Role | None = None, **kwargs):
        return UserFactory(username=username, role=role, **kwargs)

    return make
