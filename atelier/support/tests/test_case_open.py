"""case_open: explicit consent, minimal contact, routing, the private token, the log and the
e-mails — and nothing written when the request is refused."""

import re

import pytest
from django.core import mail

from atelier.support.enums import CaseState, ContactWay, Need
from atelier.support.models import Case, CaseEvent, CaseRouting
from atelier.support.selectors.cases import case_by_token, token_hash
from atelier.support.services.cases import CONSENT_VERSION, CaseError, consent_wording

from .factories import contact, open_case, profile
from .scheme_factories import SchemeFactory

pytestmark = pytest.mark.django_db


def _nothing_written():
    assert not Case.objects.exists()
    assert not CaseEvent.objects.exists() and not CaseRouting.objects.exists()


def test_consent_is_required(world, django_capture_on_commit_callbacks):
    for consent in (False, None, "yes"):
        with django_capture_on_commit_callbacks(execute=True), pytest.raises(CaseError) as caught:
            open_case(consent=consent)
        assert "Votre accord est nécessaire" in caught.value.errors["consent"]
    _nothing_written()
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"first_name": "  "}, "first_name", "prénom ou un pseudonyme"),
        ({"first_name": "x" * 61}, "first_name", "dépasse 60"),
        ({"email": "", "phone": ""}, "email", "adresse électronique ou un numéro"),
        ({"email": "pas-une-adresse"}, "email", "n'est pas une adresse"),
        ({"phone": "12"}, "phone", "n'est pas un numéro"),
        ({"email": "", "phone": "06 12 34 56 78", "contact_way": "email"}, "email", "courriel"),
        ({"contact_way": "phone"}, "phone", "indiquez votre numéro"),
        ({"contact_way": "pigeon"}, "contact_way", "Choisissez"),
    ],
)
def test_the_contact_is_checked(world, fields, field, message):
    with pytest.raises(CaseError) as caught:
        open_case(contact=contact(**fields))
    assert message in caught.value.errors[field]
    _nothing_written()


def test_unknown_schemes_and_communes_are_refused(world):
    with pytest.raises(CaseError) as caught:
        open_case(schemes=["nope"], profile=profile(commune="99999"))
    assert "nope" in caught.value.errors["schemes"]
    assert "99999" in caught.value.errors["commune"]
    _nothing_written()


def test_a_request_nobody_covers_is_refused_without_a_default_network(world, settings):
    lyon = profile(commune="69123")
    with pytest.raises(CaseError) as caught:
        open_case(profile=lyon)
    assert "Aucune structure" in caught.value.errors[""]
    _nothing_written()
    settings.SUPPORT_DEFAULT_NETWORK = "atelier-idf"
    case = open_case(profile=lyon)
    assert case.network == world.idf and not case.routings.exists()
    assert "équipe du réseau" in case.events.get().text


def test_the_case_is_opened_routed_and_logged(world, django_capture_on_commit_callbacks):
    scheme = SchemeFactory(slug="pret-honneur", name="Prêt d'honneur")
    with django_capture_on_commit_callbacks(execute=True):
        case = open_case(
            profile=profile(needs=frozenset({Need.FINANCING, Need.ADVICE})),
            contact=contact(phone="06.12.34.56.78"),
            schemes=["pret-honneur", "pret-honneur", " "],
        )
    case.refresh_from_db()
    assert re.fullmatch(r"\d{4}-\d{5}", case.reference)
    # One structure in each network: the tie goes to the first network by name.
    assert case.state == CaseState.NEW and case.network == world.other
    assert case.commune == "75119" and case.departement == "75"
    assert case.profile["needs"] == ["advice", "financing"]
    assert case.schemes_shown == [scheme.slug]
    assert case.phone == "0612345678" and case.contact_way == ContactWay.EMAIL
    assert case.consent_version == CONSENT_VERSION and case.consent_at is not None
    assert set(case.routings.values_list("structure", flat=True)) == {
        world.paris.pk,
        world.other_structure.pk,
    }
    event = case.events.get()
    assert event.kind == "opened" and event.to_state == "new" and event.by is None
    assert "Couveuse de Paris" in event.text and "Finance IDF" in event.text
    # Two e-mails: the advisors of the structures (blind copies), the holder's link.
    advisors, holder = mail.outbox
    assert sorted(advisors.bcc) == ["conseil2@example.org", "conseil@example.org"]
    assert advisors.to == [] and "camille" not in advisors.body.lower()
    assert holder.to == ["camille@example.org"]
    assert f"/accompagnement/suivi/{case.holder_token}/" in holder.body


def test_the_token_is_secret_and_only_its_hash_is_stored(world):
    case = open_case()
    token = case.holder_token
    assert len(token) >= 40
    stored = Case.objects.get(pk=case.pk)
    assert stored.holder_token == "" and stored.holder_token_hash == token_hash(token)
    assert token not in str(Case.objects.filter(pk=case.pk).values().get())
    assert case_by_token(token) == stored
    assert case_by_token(token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    assert case_by_token("") is None
    assert open_case().holder_token != token


def test_the_network_given_restricts_the_routing(world):
    case = open_case(profile=profile(needs=frozenset({Need.FINANCING})), network_id=world.other.pk)
    assert case.network == world.other
    assert list(case.routings.values_list("structure", flat=True)) == [world.other_structure.pk]


def test_the_consent_wording_names_the_anonymisation_delay(settings):
    settings.SUPPORT_ANONYMISE_AFTER_DAYS = 200
    assert "200 jours après la clôture" in consent_wording()


def test_requests_are_limited_per_hour(world, settings):
    settings.SUPPORT_REQUESTS_PER_HOUR = 2
    for _ in range(2):
        open_case(client_ip="192.0.2.7")
    with pytest.raises(CaseError, match="Trop de demandes"):
        open_case(client_ip="192.0.2.8")  # the same e-mail address
    with pytest.raises(CaseError, match="Trop de demandes"):
        open_case(client_ip="192.0.2.7", contact=contact(email="autre@example.org"))  # same IP
    open_case(client_ip="192.0.2.9", contact=contact(email="autre@example.org"))
    assert Case.objects.count() == 3
