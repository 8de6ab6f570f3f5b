"""SIREN and SIRET checks of the SIRENE import (python-stdnum), with their French reasons."""

from stdnum.fr import siret as stdnum_siret

from atelier.directory.services.sirene import siren_error, siret_error
from atelier.directory.tests.sirene_files import siren_of, siret_of


def test_siret_check_agrees_with_python_stdnum():
    import random

    rng = random.Random(3)
    numbers = [siret_of(siren_of(i), k) for i in range(50) for k in (1, 2)]
    numbers += ["".join(rng.choice("0123456789") for _ in range(14)) for _ in range(300)]
    numbers += ["35600000000048", "35600000049837", "35600000049838", "1234", "abcdefghijklmn"]
    for n in numbers:
        assert (siret_error(n) == "") == stdnum_siret.is_valid(n), n


def test_luhn_agrees_with_python_stdnum():
    import random

    from stdnum import luhn

    from atelier.directory.services.sirene.identifiers import _luhn_ok

    rng = random.Random(5)
    for size in (9, 14):
        for _ in range(2000):
            digits = "".join(rng.choice("0123456789") for _ in range(size))
            assert _luhn_ok(digits) == (luhn.checksum(digits) == 0), digits


def test_la_poste_sirets_follow_their_own_check():
    """La Poste's establishments (SIREN 356000000) are not Luhn-valid as SIRETs: python-stdnum
    knows their rule (sum of the digits a multiple of 5)."""
    assert siret_error("35600000000048") == ""
    assert siret_error("35600000049837") == ""
    assert siret_error("35600000049838") == "SIRET invalide : clé de contrôle fausse"
    assert siret_error("35600000049839").startswith("SIRET invalide")


def test_siren_and_siret_reasons_in_french():
    siren = siren_of(5)
    assert siren_error(siren) == ""
    assert siren_error(siren[:-1] + str((int(siren[-1]) + 1) % 10)) == (
        "SIREN invalide : clé de contrôle (Luhn) fausse"
    )
    assert siren_error("12345") == "SIREN invalide : 9 chiffres attendus"
    siret = siret_of(siren)
    assert siret_error(siret[:-1] + str((int(siret[-1]) + 1) % 10)) == (
        "SIRET invalide : clé de contrôle (Luhn) fausse"
    )
    assert siret_error("1234567890123a") == "SIRET invalide : 14 chiffres attendus"
