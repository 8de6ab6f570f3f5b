"""Moderators are told of a new proposal (issue 8): when a proposal becomes pending — at once
for a signed-in user, after the e-mail confirmation for a visitor — one e-mail, in French, goes
to the staff of the organisation's networks and to the instance's moderators, with a link to
the proposal in the moderation queue; nobody else receives it, and no address is exposed."""

import re

import pytest
from django.contrib.auth.models import Group, Permission
from django.core import mail
from django.urls import reverse

from atelier.accounts.enums import Role
from atelier.accounts.services import network_role_grant
from atelier.directory.enums import MembershipStatus, ProposalStatus
from atelier.directory.models import ChangeProposal
from atelier.directory.services.proposals import (
    ProposalError,
    proposal_confirm,
    proposal_moderator_addresses,
    proposal_submit,
    proposal_token,
)
from atelier.directory.tests.factories import MembershipFactory, NetworkFactory
from atelier.directory.tests.orgpage_fixtures import make_coopaname
from atelier.territories.tests.factories import make_small_reference

pytestmark = pytest.mark.django_db

# Who is told: the staff of atelier-idf and cg-scop (Coopaname's networks), the moderator (by
# permission), the moderator by group, the superuser.
TOLD = {
    "editor@example.org",
    "federation@example.org",
    "modo@example.org",
    "groupe@example.org",
    "admin@example.org",
}


@pytest.fixture
def org():
    return make_coopaname(make_small_reference())  # active member of atelier-idf and cg-scop


@pytest.fixture
def people(org, django_user_model):
    create = django_user_model.objects.create_user
    out = {"superuser": django_user_model.objects.create_superuser("admin", "admin@example.org")}
    for name, slug, role in [
        ("editor", "atelier-idf", Role.STAFF),
        ("federation", "cg-scop", Role.STAFF),
        ("other_staff", "cae-paris", Role.STAFF),  # a network the organisation is not in
        ("member", "atelier-idf", Role.MEMBER),
        ("advisor", "atelier-idf", Role.ADVISOR),
    ]:
        out[name] = create(name, f"{name}@example.org", "x", is_staff=role == Role.STAFF)
        network_role_grant(user=out[name], network=NetworkFactory(slug=slug), role=role)
    permission = Permission.objects.get(codename="moderate_changeproposal")
    out["moderator"] = create("modo", "modo@example.org", "x")
    out["moderator"].user_permissions.add(permission)
    group = Group.objects.create(name="Modérateurs")
    group.permissions.add(permission)
    out["group_moderator"] = create("groupe", "groupe@example.org", "x")
    out["group_moderator"].groups.add(group)
    # Never told: an inactive staff member, a staff member without an address, a visitor.
    out["inactive"] = create("ancien", "ancien@example.org", "x", is_active=False)
    network_role_grant(
        user=out["inactive"], network=NetworkFactory(slug="atelier-idf"), role=Role.STAFF
    )
    out["no_email"] = create("sansmail", "", "x")
    network_role_grant(
        user=out["no_email"], network=NetworkFactory(slug="atelier-idf"), role=Role.STAFF
    )
    out["plain"] = create("visiteur", "visiteur-compte@example.org", "x")
    return out


def _announcements():
    return [m for m in mail.outbox if m.subject.startswith("Proposition de modification à modérer")]


def _check_announcement(message, proposal):
    assert message.subject == "Proposition de modification à modérer : « Coopaname »"
    assert set(message.bcc) == TOLD
    assert message.to == [] and message.cc == []  # nobody sees another's address
    assert "To" not in message.message()
    body = message.body
    assert "Une proposition de modification de la fiche « Coopaname » attend une décision" in body
    assert f"(proposition n° {proposal.pk})" in body
    assert f"http://testserver/atlas/moderation/{proposal.pk}/" in body
    assert "Champs concernés : sigle." in body
    assert not re.search(r"[\w.+-]+@[\w-]+\.\w+", body + message.subject)  # no address at all


def test_a_signed_in_proposal_is_announced_at_once(
    client, org, people, django_capture_on_commit_callbacks
):
    client.force_login(people["plain"])
    data = {
        "name": org.name,
        "acronym": "CPN",
        "website": org.website,
        "description": org.description,
        "legal_category": org.legal_category_id,
        "naf": org.naf_id,
        "creation_date": org.creation_date.isoformat(),
        "headcount_band": org.headcount_band,
        "is_active": "1",
        "message": "Le sigle a changé",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("directory:organisation-propose", args=[org.pk]), data)
    assert response.status_code == 302
    proposal = ChangeProposal.objects.get()
    assert proposal.status == ProposalStatus.CONFIRMED
    (message,) = mail.outbox  # one e-mail, and nothing to the proposer
    _check_announcement(message, proposal)
    assert "Elle est accompagnée d'un message." in message.body
    assert "visiteur-compte@example.org" not in message.bcc
    # What the proposer sees names no moderator.
    page = client.get(response["Location"]).content.decode()
    assert not any(address in page for address in TOLD)


def test_a_visitor_proposal_is_announced_after_its_confirmation(
    client, org, people, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        proposal = proposal_submit(
            organisation=org, values={"acronym": "CPN"}, email="visiteur@example.org"
        )
    assert [m.to for m in mail.outbox] == [["visiteur@example.org"]]  # the link only
    assert _announcements() == []  # not pending yet: nobody is told
    url = reverse("directory:proposal-confirm", args=[proposal_token(proposal)])
    assert client.get(url).status_code == 200
    assert _announcements() == []  # showing the page confirms nothing
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url).status_code == 200
    (message,) = _announcements()
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.CONFIRMED
    _check_announcement(message, proposal)
    assert "visiteur@example.org" not in message.bcc
    # A second click confirms nothing more and tells nobody again.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url)
        proposal_confirm(token=proposal_token(proposal))
    assert len(_announcements()) == 1


def test_nobody_outside_those_roles_is_told(org, people):
    proposal = ChangeProposal.objects.create(
        organisation=org, email="v@example.org", values={"acronym": "X"}
    )
    assert set(proposal_moderator_addresses(proposal)) == TOLD
    # A lapsed membership's network is no longer one of the organisation's.
    org.memberships.filter(network__slug="cg-scop").update(status=MembershipStatus.LAPSED)
    assert "federation@example.org" not in proposal_moderator_addresses(proposal)


def test_a_moderator_is_not_told_of_their_own_proposal(
    org, people, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        proposal_submit(organisation=org, values={"acronym": "CPN"}, user=people["moderator"])
    (message,) = mail.outbox
    assert set(message.bcc) == TOLD - {"modo@example.org"}
    assert message.body.count("/atlas/moderation/") == 1


def test_an_organisation_without_network_tells_the_instance_moderators(
    org, people, django_capture_on_commit_callbacks
):
    org.memberships.all().delete()
    MembershipFactory(organisation=org, network=NetworkFactory(slug="vide"))  # no staff there
    with django_capture_on_commit_callbacks(execute=True):
        proposal_submit(organisation=org, values={"acronym": "CPN"}, user=people["plain"])
    (message,) = mail.outbox
    assert set(message.bcc) == {"modo@example.org", "groupe@example.org", "admin@example.org"}


def test_a_refused_submission_tells_nobody(org, people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(ProposalError):
            proposal_submit(organisation=org, values={}, user=people["plain"])
    assert mail.outbox == []
