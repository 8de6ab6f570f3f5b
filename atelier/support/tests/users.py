"""Users of each role for the access tests of the support app's pages and admin."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

EDITOR_PERMISSIONS = [
    "view_scheme",
    "add_scheme",
    "change_scheme",
    "view_schemeparameter",
    "add_schemeparameter",
    "change_schemeparameter",
    "delete_schemeparameter",
]
ROLES = ["anonymous", "member", "staff_without_permission", "catalogue_editor", "superuser"]


def make_user(role: str):
    """None for an anonymous visitor; otherwise a user of that role (password "x")."""
    users = get_user_model().objects
    if role == "anonymous":
        return None
    if role == "superuser":
        return users.create_superuser("root", password="x")
    user = users.create_user(role, password="x", is_staff=role != "member")
    if role == "catalogue_editor":
        user.user_permissions.set(
            Permission.objects.filter(
                content_type__app_label="support", codename__in=EDITOR_PERMISSIONS
            )
        )
    return user
