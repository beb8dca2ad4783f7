"""The benchmarks' people: users with a role and an unusable password (they never log in by form)."""

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group

from kam.roles import Role, group_name


def bench_users_create(*, role: Role, usernames: list[str]) -> list:
    """Create `usernames` in one statement, in `role`'s group; return them with their ids."""
    user_model = get_user_model()
    users = user_model.objects.bulk_create(
        [
            user_model(
                username=username,
                first_name=username.replace("_", " ").capitalize(),
                email=f"{username}@example.com",
                password=make_password(None),
            )
            for username in usernames
        ]
    )
    Group.objects.get(name=group_name(role)).user_set.add(*users)
    return users


def bench_users(*usernames: str) -> dict:
    """The users of a kept bench database, by username."""
    return get_user_model().objects.in_bulk(list(usernames), field_name="username")
