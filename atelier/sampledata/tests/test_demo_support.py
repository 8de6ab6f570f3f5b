"""The demo: `atelier load-demo` registers the real support structures of the demo Atlas in
atelier-idf and links `conseil` to Coopaname, so that a holder of Paris 19e who asks for
support is routed there and `conseil` takes the case. Idempotent."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from atelier.sampledata.tests.test_demo import ref  # noqa: F401 — the demo's reference data
from atelier.support.models import Case, StructureAdvisor, SupportStructure

pytestmark = pytest.mark.django_db


def test_the_demo_flow(ref, settings, client, capsys):  # noqa: F811
    settings.DEBUG = True
    call_command("load_demo")
    call_command("load_demo")  # idempotent
    assert "4 structures d'accompagnement" in capsys.readouterr().out
    labels = set(SupportStructure.objects.values_list("label", flat=True))
    assert labels == {
        "ADIE — Île-de-France",
        "Paris Initiative Entreprise",
        "Coopaname (coopérative d'activités et d'emploi)",
        "Astrolabe Conseil (couveuse)",
    }
    assert set(SupportStructure.objects.values_list("network__slug", flat=True)) == {"atelier-idf"}
    conseil = get_user_model().objects.get(username="conseil")
    link = StructureAdvisor.objects.get(user=conseil)
    assert link.structure.organisation.name == "Coopaname"
    demo_case = Case.objects.get()  # one demo request, waiting
    assert demo_case.state == "new" and demo_case.commune == "75119"
    # A holder in Paris 19e asks for support.
    url = reverse("support:case-request") + "?stage=idea&project=business&commune=75119"
    page = client.post(url, {"first_name": "Sam", "email": "sam@example.org", "consent": "on"})
    assert page.status_code == 201
    case = Case.objects.exclude(pk=demo_case.pk).get()
    routed = set(case.routings.values_list("structure__organisation__name", flat=True))
    assert "Coopaname" in routed and "Paris Initiative Entreprise" not in routed
    follow = re.search(r'id="follow-link" href="([^"]+)"', page.content.decode()).group(1)
    # `conseil` sees it and takes it.
    client.force_login(conseil)
    assert case.reference in client.get(reverse("support:case-list")).content.decode()
    client.post(reverse("support:case-take", args=[case.pk]))
    assert Case.objects.get(pk=case.pk).taken_by == conseil
    client.logout()
    assert "pris en charge" in client.get(follow).content.decode()
