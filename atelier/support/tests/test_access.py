"""Access per role and per route: anonymous, member, signed in without role, advisor of the
case's structure, advisor of another structure, staff of the case's network, staff of another
network, superuser; the holder's link right and wrong. A case one may not see is "not found"."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from atelier.core.models import AccessLog
from atelier.support.models import Case
from atelier.support.services.attachments import case_attachment_add

from .factories import open_case

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "member",
    "nobody",
    "advisor",
    "advisor_plaine",
    "staff",
    "staff_other",
    "superuser",
]
# What each role gets on a case routed to the Paris structure of the idf network.
CASE_PAGES = {
    "anonymous": 302,  # to the sign-in page
    "member": 403,  # no advisor or staff role anywhere
    "nobody": 403,
    "advisor": 200,
    "advisor_plaine": 404,  # an advisor, of another structure
    "staff": 200,
    "staff_other": 404,  # staff, of another network
    "superuser": 200,
}
LIST_PAGE = {**CASE_PAGES, "advisor_plaine": 200, "staff_other": 200}  # their own (empty) list
STATS_PAGES = {**CASE_PAGES, "advisor": 403, "advisor_plaine": 403, "staff_other": 200}
ACTIONS = {**CASE_PAGES, "advisor": 302, "staff": 302, "superuser": 302}  # back to the case


@pytest.fixture
def case(world):
    return open_case()


def _client(client, world, role):
    if role != "anonymous":
        client.force_login(getattr(world, role))
    return client


@pytest.mark.parametrize("role", ROLES)
def test_case_list(client, world, case, role):
    response = _client(client, world, role).get(reverse("support:case-list"))
    assert response.status_code == LIST_PAGE[role]
    if response.status_code == 302:
        assert "/comptes/connexion/" in response["Location"]
    if response.status_code == 200:
        shown = case.reference in response.content.decode()
        assert shown is (CASE_PAGES[role] == 200), role


@pytest.mark.parametrize("role", ROLES)
def test_case_detail(client, world, case, role):
    response = _client(client, world, role).get(reverse("support:case-detail", args=[case.pk]))
    assert response.status_code == CASE_PAGES[role]
    logged = AccessLog.objects.filter(action="view", object_id=str(case.pk))
    if response.status_code == 200:
        body = response.content.decode()
        assert "camille@example.org" in body
        assert logged.get().user == getattr(world, role)  # every read is logged
    else:
        assert not logged.exists()


def _attachment(world, case):
    upload = SimpleUploadedFile("a.pdf", b"%PDF-1.4", content_type="application/pdf")
    return case_attachment_add(case_id=case.pk, user=world.staff, upload=upload)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("support:case-take", {}),
        ("support:case-transition", {"to_state": "in_progress"}),
        ("support:case-close", {"outcome": "abandoned"}),
        ("support:case-reopen", {}),
        ("support:case-note", {"text": "Une note"}),
        ("support:case-next-action", {"on": ""}),
        ("support:case-attachment", "file"),
        ("support:case-route", "structure"),
    ],
)
def test_case_actions(client, world, case, role, name, data):
    if data == "file":
        data = {"file": SimpleUploadedFile("b.pdf", b"%PDF-1.4", content_type="application/pdf")}
    elif data == "structure":
        data = {"structure": world.plaine.pk}
    before = Case.objects.filter(pk=case.pk).values().get()
    events = case.events.count()
    response = _client(client, world, role).post(reverse(name, args=[case.pk]), data)
    assert response.status_code == ACTIONS[role], (name, role)
    if response.status_code == 302 and role != "anonymous":
        assert response["Location"] == reverse("support:case-detail", args=[case.pk])
    if ACTIONS[role] != 302 or role == "anonymous":
        assert Case.objects.filter(pk=case.pk).values().get() == before
        assert case.events.count() == events


@pytest.mark.parametrize("role", ROLES)
def test_the_actions_refuse_get(client, world, case, role):
    response = _client(client, world, role).get(reverse("support:case-take", args=[case.pk]))
    # A role that reaches the view: the method is refused before the case is even read.
    expected = CASE_PAGES[role] if role in ("anonymous", "member", "nobody") else 405
    assert response.status_code == expected


@pytest.mark.parametrize("role", ROLES)
def test_attachment_download(client, world, case, role):
    doc = _attachment(world, case)
    url = reverse("support:case-attachment-download", args=[case.pk, doc.pk])
    assert _client(client, world, role).get(url).status_code == CASE_PAGES[role]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", ["support:case-stats", "support:case-stats-csv"])
def test_statistics(client, world, case, role, name):
    response = _client(client, world, role).get(reverse(name))
    assert response.status_code == STATS_PAGES[role]


def test_the_staff_of_another_network_count_only_their_cases(client, world, case):
    client.force_login(world.staff_other)
    text = client.get(reverse("support:case-stats-csv")).content.decode("utf-8-sig")
    assert "total;;Tous les dossiers;0;" in text
    client.force_login(world.staff)
    text = client.get(reverse("support:case-stats-csv")).content.decode("utf-8-sig")
    assert "total;;Tous les dossiers;1;" in text


def test_the_staff_of_a_network_see_the_cases_routed_to_its_structures(client, world):
    from atelier.support.enums import Need

    from .factories import profile

    case = open_case(profile=profile(needs=frozenset({Need.FINANCING})))  # idf and other
    client.force_login(world.staff_other)
    assert client.get(reverse("support:case-detail", args=[case.pk])).status_code == 200


@pytest.mark.parametrize("role", ROLES)
def test_the_holder_link(client, world, case, role):
    c = _client(client, world, role)
    right = reverse("support:case-follow", args=[case.holder_token])
    response = c.get(right)
    assert response.status_code == 200  # the link is the key, whoever holds it
    assert case.reference in response.content.decode()
    assert response["Referrer-Policy"] == "no-referrer"
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]
    wrong = reverse("support:case-follow", args=[case.holder_token[:-2] + "xx"])
    assert c.get(wrong).status_code == 404
    assert c.get(reverse("support:case-follow-erase", args=["nope"])).status_code == 404
    assert (
        c.post(reverse("support:case-follow-erase", args=["nope"]), {"confirm": "yes"}).status_code
        == 404
    )


def test_the_holder_sees_only_their_case_and_no_notes(client, world):
    from atelier.support.services.transitions import case_note_add

    mine = open_case()
    other = open_case()
    case_note_add(case_id=mine.pk, user=world.advisor, text="Note interne secrète")
    body = client.get(reverse("support:case-follow", args=[mine.holder_token])).content.decode()
    assert mine.reference in body and other.reference not in body
    assert "Note interne secrète" not in body and "conseil" not in body
    log = AccessLog.objects.get(object_id=str(mine.pk))
    assert (log.action, log.user, log.detail) == ("view", None, "lien de suivi")


@pytest.mark.parametrize("role", ROLES)
def test_the_request_page_is_public(client, world, role):
    url = reverse("support:case-request") + "?stage=idea&project=business&commune=75119"
    assert _client(client, world, role).get(url).status_code == 200


def test_every_route_declares_its_policy():
    from django.urls import resolve

    policies = {
        "/accompagnement/demande/": "public",
        "/accompagnement/suivi/abc/": "public",
        "/accompagnement/suivi/abc/effacer/": "public",
        "/accompagnement/dossiers/": "network:advisor,staff+superuser",
        "/accompagnement/dossiers/1/": "network:advisor,staff+superuser",
        "/accompagnement/dossiers/1/prendre/": "network:advisor,staff+superuser",
        "/accompagnement/dossiers/1/documents/2/": "network:advisor,staff+superuser",
        "/accompagnement/statistiques/": "network:staff+superuser",
        "/accompagnement/statistiques.csv": "network:staff+superuser",
    }
    for path, policy in policies.items():
        assert resolve(path).func.access_policy == policy, path
