"""Shared records, edited by the right people (issue 8): one test per role and per route.

Roles: the superuser, the staff of a network the organisation is a member of ("editor"),
the staff of another network, a member of a network, an instance moderator (permission
`directory.moderate_changeproposal`, no admin access), a visitor. Routes: the proposal form,
the confirmation link, the moderation queue, accept, refuse, the admin change page."""

import re

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.urls import reverse

from atelier.accounts.enums import Role
from atelier.accounts.services import network_role_grant
from atelier.directory.enums import ProposalStatus
from atelier.directory.models import ChangeProposal, Organisation
from atelier.directory.services.proposals import proposal_token
from atelier.directory.tests.factories import NetworkFactory
from atelier.directory.tests.orgpage_fixtures import make_coopaname
from atelier.territories.tests.factories import make_small_reference

pytestmark = pytest.mark.django_db

ROLES = ["superuser", "editor", "other_staff", "member", "moderator", "visitor"]


@pytest.fixture
def org():
    return make_coopaname(make_small_reference())  # member of atelier-idf and cg-scop


@pytest.fixture
def users(org, django_user_model):
    # The directory's model permissions, not the moderation one (that is the moderator's).
    directory_perms = Permission.objects.filter(content_type__app_label="directory").exclude(
        codename="moderate_changeproposal"
    )
    out = {}
    out["superuser"] = django_user_model.objects.create_superuser("admin", "admin@example.org", "x")
    for name, network in (("editor", "atelier-idf"), ("other_staff", "cae-paris")):
        user = django_user_model.objects.create_user(
            name, f"{name}@example.org", "x", is_staff=True
        )
        user.user_permissions.set(directory_perms)
        network_role_grant(user=user, network=NetworkFactory(slug=network), role=Role.STAFF)
        out[name] = user
    member = django_user_model.objects.create_user("membre", "membre@example.org", "x")
    network_role_grant(user=member, network=NetworkFactory(slug="atelier-idf"), role=Role.MEMBER)
    out["member"] = member
    moderator = django_user_model.objects.create_user("modo", "modo@example.org", "x")
    moderator.user_permissions.add(Permission.objects.get(codename="moderate_changeproposal"))
    out["moderator"] = moderator
    out["visitor"] = None
    return out


def _login(client, users, role):
    if users[role] is not None:
        client.force_login(users[role])


def _propose_url(org):
    return reverse("directory:organisation-propose", args=[org.pk])


def _form_data(org, **changes):
    data = {
        "name": org.name,
        "acronym": org.acronym,
        "website": org.website,
        "description": org.description,
        "legal_category": org.legal_category_id or "",
        "naf": org.naf_id or "",
        "creation_date": org.creation_date.isoformat() if org.creation_date else "",
        "headcount_band": org.headcount_band,
        "is_active": "1" if org.is_active else "0",
        "message": "",
    }
    data.update(changes)
    return data


def _confirmed_proposal(org, **values):
    return ChangeProposal.objects.create(
        organisation=org,
        email="visiteur@example.org",
        values=values or {"acronym": "CPN"},
        status=ProposalStatus.CONFIRMED,
    )


# -- the form ----------------------------------------------------------------------------------


def test_the_organisation_page_links_to_the_form(client, org):
    body = client.get(reverse("directory:organisation", args=[org.pk])).content.decode()
    assert "Signaler une erreur / proposer une modification" in body
    assert _propose_url(org) in body


@pytest.mark.parametrize("role", ROLES)
def test_form_is_open_to_every_role(client, org, users, role):
    _login(client, users, role)
    response = client.get(_propose_url(org))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'name="acronym"' in body and 'value="COOP"' in body
    assert ('name="email"' in body) == (role == "visitor")


@pytest.mark.parametrize("role", [r for r in ROLES if r != "visitor"])
def test_signed_in_roles_submit_directly(client, org, users, role):
    _login(client, users, role)
    response = client.post(_propose_url(org), _form_data(org, acronym="CPN", message="Sigle"))
    assert response.status_code == 302
    proposal = ChangeProposal.objects.get()
    assert proposal.status == ProposalStatus.CONFIRMED
    assert proposal.proposer == users[role]
    assert proposal.values == {"acronym": "CPN"}  # only what changed
    assert Organisation.objects.get(pk=org.pk).acronym == "COOP"  # nothing applied yet
    assert mail.outbox == []


def test_visitor_gets_a_confirmation_link_by_email(client, org):
    response = client.post(
        _propose_url(org),
        _form_data(org, website="https://coopaname.coop", email="visiteur@example.org"),
    )
    assert response.status_code == 200
    assert "Vérifiez votre messagerie" in response.content.decode()
    proposal = ChangeProposal.objects.get()
    assert proposal.status == ProposalStatus.PROPOSED
    assert proposal.proposer is None and proposal.email == "visiteur@example.org"
    assert proposal.values == {"website": "https://coopaname.coop"}
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["visiteur@example.org"]
    assert re.search(r"http://testserver/atlas/propositions/confirmer/\S+/", mail.outbox[0].body)


def test_visitor_must_give_an_email_and_a_change(client, org):
    response = client.post(_propose_url(org), _form_data(org, acronym="CPN"))
    assert response.status_code == 400
    response = client.post(_propose_url(org), _form_data(org, email="v@example.org"))
    assert response.status_code == 400
    assert "Rien à proposer" in response.content.decode()
    assert not ChangeProposal.objects.exists()


def test_invalid_codes_are_refused(client, org):
    data = _form_data(org, legal_category="0000", naf="99.99Z", email="v@example.org")
    response = client.post(_propose_url(org), data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "Cette catégorie juridique n" in body and "Ce code NAF n" in body


def test_proposals_are_limited_per_email_and_per_ip(client, org, settings):
    settings.ATELIER_PROPOSALS_PER_HOUR = 2
    for n in range(2):
        data = _form_data(org, acronym=f"C{n}", email="v@example.org")
        assert client.post(_propose_url(org), data).status_code == 200
    data = _form_data(org, acronym="C3", email="v@example.org")
    response = client.post(_propose_url(org), data)
    assert response.status_code == 400
    assert "beaucoup de propositions" in response.content.decode()
    # Another address from the same IP address is limited too.
    data = _form_data(org, acronym="C4", email="autre@example.org")
    assert client.post(_propose_url(org), data).status_code == 400
    assert ChangeProposal.objects.count() == 2


# -- the confirmation link ---------------------------------------------------------------------


def test_confirmation_link_confirms_once(client, org):
    proposal = ChangeProposal.objects.create(
        organisation=org, email="v@example.org", values={"acronym": "CPN"}
    )
    url = reverse("directory:proposal-confirm", args=[proposal_token(proposal)])
    response = client.get(url)
    assert response.status_code == 200
    assert "Confirmer la proposition" in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.PROPOSED  # a GET (a link preview) confirms nothing
    response = client.post(url)
    assert response.status_code == 200 and "Proposition confirmée" in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.CONFIRMED and proposal.confirmed_at
    assert "déjà" in client.get(url).content.decode()


def test_a_tampered_or_expired_link_is_refused(client, org, settings):
    proposal = ChangeProposal.objects.create(organisation=org, email="v@example.org")
    token = proposal_token(proposal)
    response = client.get(reverse("directory:proposal-confirm", args=[token[:-2] + "xx"]))
    assert response.status_code == 400 and "pas valide" in response.content.decode()
    settings.ATELIER_PROPOSAL_CONFIRM_SECONDS = -1
    response = client.post(reverse("directory:proposal-confirm", args=[token]))
    assert response.status_code == 400 and "expiré" in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.PROPOSED


# -- the queue, accept, refuse -----------------------------------------------------------------

QUEUE = {  # role -> (status, sees the proposal)
    "superuser": (200, True),
    "editor": (200, True),
    "other_staff": (200, False),
    "member": (403, False),
    "moderator": (200, True),
    "visitor": (302, False),
}


@pytest.mark.parametrize("role", ROLES)
def test_queue_per_role(client, org, users, role):
    proposal = _confirmed_proposal(org)
    ChangeProposal.objects.create(organisation=org, email="x@example.org")  # unconfirmed
    _login(client, users, role)
    response = client.get(reverse("directory:moderation"))
    status, sees = QUEUE[role]
    assert response.status_code == status
    if status == 200:
        body = response.content.decode()
        assert (f"Proposition n° {proposal.pk} " in body) == sees
        assert body.count("Proposition n°") == (1 if sees else 0)  # never the unconfirmed one


DECIDE = {  # role -> status of the POST; 302 (to the queue) when the decision is taken
    "superuser": 302,
    "editor": 302,
    "other_staff": 404,
    "member": 403,
    "moderator": 302,
    "visitor": 302,  # to the login page
}


@pytest.mark.parametrize("role", ROLES)
def test_accept_per_role(client, org, users, role):
    proposal = _confirmed_proposal(org, acronym="CPN", headcount_band="22")
    _login(client, users, role)
    url = reverse("directory:moderation-accept", args=[proposal.pk])
    response = client.post(url, {"reason": "Vérifié sur le site"})
    assert response.status_code == DECIDE[role]
    proposal.refresh_from_db()
    fresh = Organisation.objects.get(pk=org.pk)
    if role in ("superuser", "editor", "moderator"):
        assert response["Location"] == reverse("directory:moderation")
        assert proposal.status == ProposalStatus.ACCEPTED
        assert proposal.decided_by == users[role] and proposal.decided_at
        assert (fresh.acronym, fresh.headcount_band) == ("CPN", "22")
        assert fresh.locked_fields == ["acronym", "headcount_band"]
        last = fresh.history.order_by("-history_date", "-history_id").first()
        who = users[role].get_username()
        assert last.history_change_reason == f"Proposition n° {proposal.pk} acceptée par {who}"
        assert last.history_user == users[role]
        assert len(mail.outbox) == 1 and mail.outbox[0].to == ["visiteur@example.org"]
        assert "acceptée" in mail.outbox[0].subject and "Vérifié sur le site" in mail.outbox[0].body
    else:
        assert proposal.status == ProposalStatus.CONFIRMED
        assert fresh.acronym == "COOP" and mail.outbox == []


@pytest.mark.parametrize("role", ROLES)
def test_refuse_per_role(client, org, users, role):
    proposal = _confirmed_proposal(org)
    _login(client, users, role)
    url = reverse("directory:moderation-refuse", args=[proposal.pk])
    response = client.post(url, {"reason": "Le sigle officiel reste COOP."})
    assert response.status_code == DECIDE[role]
    proposal.refresh_from_db()
    if role in ("superuser", "editor", "moderator"):
        assert proposal.status == ProposalStatus.REFUSED
        assert proposal.reason == "Le sigle officiel reste COOP."
        assert "refusée" in mail.outbox[0].subject
        assert "Le sigle officiel reste COOP." in mail.outbox[0].body
    else:
        assert proposal.status == ProposalStatus.CONFIRMED and mail.outbox == []
    assert Organisation.objects.get(pk=org.pk).acronym == "COOP"


def test_refusing_needs_a_reason_and_a_decided_proposal_is_not_decided_again(client, org, users):
    proposal = _confirmed_proposal(org)
    client.force_login(users["editor"])
    response = client.post(reverse("directory:moderation-refuse", args=[proposal.pk]), {})
    assert response.status_code == 400 and "motif du refus" in response.content.decode()
    client.post(reverse("directory:moderation-accept", args=[proposal.pk]), {})
    response = client.post(
        reverse("directory:moderation-refuse", args=[proposal.pk]), {"reason": "non"}
    )
    assert response.status_code == 400
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.ACCEPTED


def test_moderation_page_of_a_proposal(client, org, users):
    proposal = _confirmed_proposal(org)
    client.force_login(users["moderator"])
    url = reverse("directory:moderation-proposal", args=[proposal.pk])
    response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert "COOP" in body and "CPN" in body  # current and proposed values
    client.force_login(users["other_staff"])
    assert client.get(url).status_code == 404


# -- the admin change page ---------------------------------------------------------------------

ADMIN = {  # role -> (GET status, editable form, POST status)
    "superuser": (200, True, 302),
    "editor": (200, True, 302),
    "other_staff": (200, False, 403),
    "member": (302, False, 302),  # to the admin login page: no admin access
    "moderator": (302, False, 302),
    "visitor": (302, False, 302),
}


def _admin_post_data(org, **changes):
    data = {
        "name": org.name,
        "acronym": org.acronym,
        "siren": org.siren,
        "legal_category": org.legal_category_id,
        "naf": org.naf_id,
        "description": org.description,
        "website": org.website,
        "creation_date": org.creation_date.isoformat(),
        "headcount_band": org.headcount_band,
        "is_active": "on",
        "source": org.source,
        "themes": [str(t.value) for t in org.themes],
        "approvals": [str(a.value) for a in org.approvals],
        "establishments-TOTAL_FORMS": "0",
        "establishments-INITIAL_FORMS": "0",
        "establishments-MIN_NUM_FORMS": "0",
        "establishments-MAX_NUM_FORMS": "1000",
    }
    data.update(changes)
    return data


@pytest.mark.parametrize("role", ROLES)
def test_admin_change_per_role(client, org, users, role):
    _login(client, users, role)
    url = reverse("admin:directory_organisation_change", args=[org.pk])
    get_status, editable, post_status = ADMIN[role]
    response = client.get(url)
    assert response.status_code == get_status
    if get_status == 200:
        body = response.content.decode()
        assert ('name="acronym"' in body) == editable
        # The read-only page says why and where to propose instead.
        assert (reverse("directory:organisation-propose", args=[org.pk]) in body) != editable
    history_rows = org.history.count()
    response = client.post(url, _admin_post_data(org, acronym="LAT"))
    assert response.status_code == post_status
    fresh = Organisation.objects.get(pk=org.pk)
    if editable:
        assert fresh.acronym == "LAT"
        assert fresh.locked_fields == ["acronym"]
        # One history row per save, with no made-up reason.
        assert org.history.count() == history_rows + 1
        last = org.history.order_by("-history_date", "-history_id").first()
        assert last.history_change_reason is None and last.acronym == "LAT"
    else:
        assert fresh.acronym == "COOP"
        assert org.history.count() == history_rows


def test_other_networks_staff_cannot_delete(client, org, users):
    client.force_login(users["other_staff"])
    url = reverse("admin:directory_organisation_delete", args=[org.pk])
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert Organisation.objects.filter(pk=org.pk).exists()
