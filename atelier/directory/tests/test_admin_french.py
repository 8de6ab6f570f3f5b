"""The admin is "Administration d'Atelier", in French throughout (issue 8): model and field
names of Atelier's apps are French words ("Réseau", not "Network"), English in /en/admin/."""

import pytest
from django.apps import apps

APPS = ["core", "accounts", "territories", "directory", "search"]
# Field names that are already French words (their default verbose name is right).
FRENCH_NAMES = {
    "action",
    "code",
    "commune",
    "latitude",
    "longitude",
    "message",
    "population",
    "section",
    "source",
    "version",
    "zone",
    "organisation",
}


def _models():
    for label in APPS:
        for model in apps.get_app_config(label).get_models():
            if not model.__name__.startswith("Historical"):
                yield model


def test_every_model_and_field_has_a_french_name():
    untranslated = []
    for model in _models():
        opts = model._meta
        # A French name given, and a plural given unless adding an "s" to one word is right.
        named = "verbose_name" in opts.original_attrs
        plural = "verbose_name_plural" in opts.original_attrs or " " not in opts.verbose_name
        if not (named and plural):
            untranslated.append(opts.label)
        for field in opts.concrete_fields:
            if field.auto_created or field.name in FRENCH_NAMES:
                continue
            if str(field.verbose_name) == field.name.replace("_", " "):
                untranslated.append(f"{opts.label}.{field.name}")
    assert untranslated == []


def test_plurals_are_french():
    from atelier.territories.models import PostalCode, ReferenceState

    assert str(PostalCode._meta.verbose_name_plural) == "codes postaux"
    assert str(ReferenceState._meta.verbose_name_plural) == "états du référentiel"


@pytest.mark.django_db
def test_admin_is_titled_and_french(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", "r@example.org", "x"))
    body = client.get("/admin/").content.decode()
    assert "Administration d&#x27;Atelier" in body
    assert "Réseaux" in body and "Network" not in body
    assert "Propositions de modification" in body
    body = client.get("/admin/accounts/user/add/").content.decode()
    assert "Rôles dans les réseaux" in body
    body = client.get("/admin/directory/organisationmembership/").content.decode()
    assert "Réseau" in body and ">Network<" not in body
