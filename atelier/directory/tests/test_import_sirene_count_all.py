"""`import-sirene --count-all`: every active establishment (ESS or not) counted per commune ×
NAF section × headcount band during the columnar scan, stored in EconomyCount (replaced for
the communes an import covers), CSV and Parquet alike."""

from collections import Counter

import pytest

from atelier.directory.models import EconomyCount, EconomyCoverage, Establishment
from atelier.directory.tests.sirene_files import etab, run_import, siren_of, siret_of, unit
from atelier.territories.tests.factories import make_small_reference

pytestmark = pytest.mark.django_db


@pytest.fixture
def ref():
    return make_small_reference()


def dataset():
    """Two ESS associations, two SAS outside the ESS, establishments in three communes, some
    closed, one abroad, one with a band outside the INSEE list, one NAF outside NAF rév. 2."""
    ess, ess2, sas, sas2 = (siren_of(200 + i) for i in range(4))
    units = [
        unit(ess),
        unit(ess2),
        unit(sas, categorieJuridiqueUniteLegale="5710", economieSocialeSolidaireUniteLegale="N"),
        unit(sas2, categorieJuridiqueUniteLegale="5710", economieSocialeSolidaireUniteLegale="N"),
    ]
    etabs = [
        etab(siret_of(ess, 1), trancheEffectifsEtablissement="11"),
        etab(siret_of(ess, 2), codeCommuneEtablissement="93066", etablissementSiege="false"),
        etab(siret_of(ess2, 1), codeCommuneEtablissement="93066"),
        etab(
            siret_of(sas, 1),
            activitePrincipaleEtablissement="70.22Z",
            trancheEffectifsEtablissement="12",
        ),  # fmt: skip
        etab(
            siret_of(sas, 2),
            activitePrincipaleEtablissement="70.22Z",
            codeCommuneEtablissement="93066",
            etablissementSiege="false",
        ),  # fmt: skip
        etab(siret_of(sas, 3), etatAdministratifEtablissement="F", etablissementSiege="false"),
        etab(
            siret_of(sas2, 1), codeCommuneEtablissement="69123", trancheEffectifsEtablissement="99"
        ),  # fmt: skip
        etab(
            siret_of(sas2, 2),
            codeCommuneEtablissement="69123",
            etablissementSiege="false",
            nomenclatureActivitePrincipaleEtablissement="NAFRev1",
            trancheEffectifsEtablissement="",
        ),  # fmt: skip
        etab(
            siret_of(sas2, 3),
            codeCommuneEtablissement="",
            codePaysEtrangerEtablissement="99127",
            etablissementSiege="false",
        ),  # fmt: skip
    ]
    return units, etabs


EXPECTED = {
    ("75110", "Q", "11"): 1,
    ("93066", "Q", "01"): 2,
    ("75110", "M", "12"): 1,
    ("93066", "M", "01"): 1,
    ("69123", "Q", "NN"): 1,  # band 99 is not an INSEE band: no estimate
    ("69123", "", "NN"): 1,  # NAF rév. 1: no section
}


def stored():
    return Counter(
        {
            (c.commune, c.naf_section, c.headcount_band): c.establishments
            for c in EconomyCount.objects.all()
        }
    )


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_every_active_establishment_is_counted_whatever_the_perimeter(tmp_path, ref, fmt):
    units, etabs = dataset()
    _error, out = run_import(tmp_path, units, etabs, fmt=fmt, ess_only=True, count_all=True)
    assert stored() == Counter(EXPECTED)
    assert "7 établissements actifs comptés" in out
    # Every place of the reference is covered, even those without any establishment.
    assert set(EconomyCoverage.objects.values_list("commune", flat=True)) == {
        "75056", "75110", "75120", "93066", "69123",
    }  # fmt: skip
    # --ess-only still imports the ESS only.
    assert Establishment.objects.count() == 3


def test_a_territory_import_replaces_only_its_communes(tmp_path, ref):
    units, etabs = dataset()
    run_import(tmp_path, units, etabs, ess_only=True, count_all=True)
    fewer = [e for e in etabs if e["siret"] != siret_of(siren_of(201), 1)]
    run_import(tmp_path, units, fewer, ess_only=True, count_all=True, territory="93066")
    expected = Counter(EXPECTED)
    expected[("93066", "Q", "01")] = 1
    assert stored() == expected
    # Without the option the counts stay as they are.
    run_import(tmp_path, units, etabs[:1], ess_only=True)
    assert stored() == expected
