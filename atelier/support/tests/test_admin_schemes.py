"""The Django admin of the catalogue: access per role, dated parameter values added (a change
on a date, history kept, who entered it), values in force frozen, stale entries flagged."""

import datetime

import pytest
from django.urls import reverse

from atelier.support.models import Scheme, SchemeParameter

from .users import ROLES, make_user

pytestmark = pytest.mark.django_db
LISTS = ["audiences", "stages", "projects", "legal_forms", "sectors", "needs"]


def _client(client, role):
    user = make_user(role)
    if user:
        client.force_login(user)
    return client, user


@pytest.mark.parametrize("role", ROLES)
def test_admin_access_per_role(catalogue, client, role):
    client, _user = _client(client, role)
    pie = Scheme.objects.get(slug="pie-pret-honneur")
    changelist = client.get(reverse("admin:support_scheme_changelist"))
    change = client.get(reverse("admin:support_scheme_change", args=[pie.pk]))
    expected = {
        "anonymous": 302,
        "member": 302,  # not staff: the admin's login page
        "staff_without_permission": 403,
        "catalogue_editor": 200,
        "superuser": 200,
    }[role]
    assert changelist.status_code == expected
    assert change.status_code == expected


def _data(scheme: Scheme, extra: dict | None = None) -> dict:
    data = {
        "slug": scheme.slug,
        "name": scheme.name,
        "summary": scheme.summary,
        "kind": scheme.kind,
        "operator": scheme.operator_id or "",
        "operator_name": scheme.operator_name,
        "variant_of": scheme.variant_of_id or "",
        "rule": scheme.rule,
        "state": scheme.state,
        "opens_on": "",
        "closes_on": "",
        "last_checked_on": scheme.last_checked_on.isoformat() if scheme.last_checked_on else "",
        "perimeter_text": "\n".join(scheme.perimeter),
        "sources_text": "\n".join(s["title"] for s in scheme.sources),
        **{name: getattr(scheme, name) for name in LISTS},
    }
    rows = list(scheme.parameters.order_by("name", "start"))
    prefix = "parameters"
    data.update({f"{prefix}-TOTAL_FORMS": len(rows) + 1, f"{prefix}-INITIAL_FORMS": len(rows),
                 f"{prefix}-MIN_NUM_FORMS": 0, f"{prefix}-MAX_NUM_FORMS": 1000})  # fmt: skip
    for i, row in enumerate(rows):
        values = {"id": row.pk, "scheme": scheme.pk, "name": row.name, "source": row.source,
                  "start": row.start.isoformat(), "value": str(row.value)}  # fmt: skip
        data.update({f"{prefix}-{i}-{k}": v for k, v in values.items()})
    data[f"{prefix}-{len(rows)}-scheme"] = scheme.pk
    data.update(extra or {})
    return data


def _new(scheme: Scheme, **values) -> dict:
    i = scheme.parameters.count()
    return {f"parameters-{i}-{k}": v for k, v in values.items()}


def test_a_change_on_a_date_is_a_new_value_and_the_history_is_kept(catalogue, client):
    client, editor = _client(client, "catalogue_editor")
    pie = Scheme.objects.get(slug="pie-pret-honneur")
    url = reverse("admin:support_scheme_change", args=[pie.pk])
    new = _new(pie, name="montant_maximum", start="2027-01-01", value="35000", source="test")
    response = client.post(url, _data(pie, new))
    assert response.status_code == 302, response.context["errors"]
    values = pie.parameters.filter(name="montant_maximum").order_by("start")
    assert [(v.start.year, int(v.value)) for v in values] == [(2021, 30000), (2027, 35000)]
    assert values[1].set_by == editor and values[0].set_by is None


def test_a_value_in_force_cannot_be_changed_nor_deleted(catalogue, client):
    client, _editor = _client(client, "catalogue_editor")
    pie = Scheme.objects.get(slug="pie-pret-honneur")
    url = reverse("admin:support_scheme_change", args=[pie.pk])
    data = _data(pie)
    i = next(
        k.split("-")[1] for k, v in data.items() if k.endswith("-name") and v == "montant_maximum"
    )
    data[f"parameters-{i}-value"] = "99999"
    assert client.post(url, data).status_code == 302
    assert pie.parameters.get(name="montant_maximum").value == 30000  # disabled field: kept
    data[f"parameters-{i}-DELETE"] = "on"
    response = client.post(url, data)
    assert response.status_code == 200
    assert (
        "ne peut pas être supprimée : des réponses ont pu l&#x27;appliquer"
        in response.content.decode()
    )
    assert pie.parameters.filter(name="montant_maximum").exists()


def test_a_value_to_come_may_be_corrected_or_deleted(catalogue, client):
    client, _editor = _client(client, "catalogue_editor")
    pie = Scheme.objects.get(slug="pie-pret-honneur")
    future = SchemeParameter.objects.create(
        scheme=pie,
        name="montant_maximum",
        start=datetime.date.today() + datetime.timedelta(days=30),
        value=35000,
    )
    url = reverse("admin:support_scheme_change", args=[pie.pk])
    data = _data(pie)
    i = next(k.split("-")[1] for k, v in data.items() if k.endswith("-id") and v == future.pk)
    data[f"parameters-{i}-DELETE"] = "on"
    assert client.post(url, data).status_code == 302
    assert not SchemeParameter.objects.filter(pk=future.pk).exists()


def test_a_perimeter_is_checked_against_the_reference(catalogue, client):
    client, _editor = _client(client, "catalogue_editor")
    pie = Scheme.objects.get(slug="pie-pret-honneur")
    url = reverse("admin:support_scheme_change", args=[pie.pk])
    response = client.post(url, _data(pie, {"perimeter_text": "departement:75\ndepartement:99"}))
    assert response.status_code == 200
    assert (
        "Territoire(s) inconnu(s) dans le périmètre : departement:99" in response.content.decode()
    )
    response = client.post(url, _data(pie, {"perimeter_text": "commune:75119"}))
    assert response.status_code == 302
    assert Scheme.objects.get(pk=pie.pk).perimeter == ["arrondissement:75119"]


def test_stale_entries_are_flagged_in_the_list(catalogue, client):
    client, _editor = _client(client, "catalogue_editor")
    Scheme.objects.filter(slug="cigales").update(last_checked_on=datetime.date.today())
    url = reverse("admin:support_scheme_changelist")
    stale = client.get(url, {"verification": "stale"}).context["cl"].queryset
    fresh = client.get(url, {"verification": "fresh"}).context["cl"].queryset
    assert [s.slug for s in fresh] == ["cigales"]
    assert "cigales" not in {s.slug for s in stale} and "dla" in {s.slug for s in stale}
    body = client.get(url).content.decode()
    assert "à vérifier" in body  # the column
