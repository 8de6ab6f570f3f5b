"""Builders shared by the organisation page, API, export and admin tests (orgpage task)."""

import datetime

from atelier.directory.enums import Approval, GeoPrecision, HeadcountBand, Theme
from atelier.directory.geo import lonlat_to_world
from atelier.directory.services.organisations import bits, organisation_refresh_derived
from atelier.directory.tests.factories import (
    EstablishmentFactory,
    MembershipFactory,
    NetworkFactory,
    OrganisationFactory,
)
from atelier.territories.models import LegalCategory, NafCode


def place(est, lat, lon, precision=GeoPrecision.ADDRESS):
    est.latitude, est.longitude, est.geo_precision = lat, lon, precision
    est.mx, est.my = lonlat_to_world(lon, lat)
    est.save()
    return est


def make_coopaname(ref, **overrides):
    """A cooperative with two open establishments, one closed, and two member networks."""
    fields = dict(
        name="Coopaname",
        acronym="COOP",
        siren="443121975",
        legal_category=LegalCategory.objects.get(code="5458"),
        naf=NafCode.objects.get(code="70.22Z"),
        description="Coopérative d'activités et d'emploi <généraliste>.",
        website="https://www.coopaname.coop",
        creation_date=datetime.date(2004, 1, 15),
        headcount_band=HeadcountBand.B21,
        approval_bits=bits([Approval.CAE, Approval.SCOP]),
        theme_bits=bits([Theme.CULTURE]),
    )
    fields.update(overrides)
    org = OrganisationFactory(**fields)
    head = EstablishmentFactory(
        organisation=org,
        siret="44312197500017",
        street="3-7 rue Albert Marquet",
        postcode="75020",
        commune=ref["arr20"],
        is_head_office=True,
    )
    place(head, 48.8530, 2.4100)
    second = EstablishmentFactory(
        organisation=org,
        siret="44312197500025",
        name="Coopaname Paris Sud",
        street="17 bis rue Jenner",
        postcode="75010",
        commune=ref["arr10"],
        is_head_office=False,
    )
    place(second, 48.87602, 2.36111, GeoPrecision.COMMUNE)
    EstablishmentFactory(
        organisation=org,
        siret="44312197500033",
        street="1 rue Fermée",
        postcode="93200",
        commune=ref["saint_denis"],
        is_head_office=False,
        is_open=False,
    )
    organisation_refresh_derived(organisation=org)
    regional = NetworkFactory(slug="atelier-idf", name="L'Atelier IDF")
    federation = NetworkFactory(slug="cg-scop", name="Confédération des SCOP", kind="federation")
    MembershipFactory(
        organisation=org,
        network=regional,
        contact_name="Camille Secret",
        contact_email="camille.secret@example.org",
        contact_phone="0102030405",
    )
    MembershipFactory(organisation=org, network=federation)
    return org


def make_outside_ess(ref, **overrides):
    """A SAS with no SIRENE flag and no staff approval: outside the ESS perimeter."""
    fields = dict(name="Société Ordinaire", legal_category=LegalCategory.objects.get(code="5710"))
    fields.update(overrides)
    org = OrganisationFactory(**fields)
    EstablishmentFactory(organisation=org, postcode="69001", commune=ref["lyon"])
    return organisation_refresh_derived(organisation=org)
