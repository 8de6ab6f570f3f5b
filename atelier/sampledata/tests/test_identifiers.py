"""Synthetic SIREN/SIRET numbers: the same as ever (benchmarks compare runs), and valid."""

from stdnum.fr import siren as stdnum_siren
from stdnum.fr import siret as stdnum_siret

from atelier.sampledata.synthetic import synthetic_siren, synthetic_siret


def test_sirens_are_the_nine_range_with_their_luhn_key():
    sirens = [synthetic_siren(n) for n in (1, 2, 3, 1234567, 9999999)]
    assert sirens == ["900000019", "900000027", "900000035", "912345675", "999999998"]
    assert all(stdnum_siren.is_valid(s) for s in sirens)


def test_sirets_number_the_establishments_of_a_siren():
    sirets = [synthetic_siret("900000019", k) for k in (1, 2, 15)]
    assert sirets == ["90000001900019", "90000001900027", "90000001900159"]
    assert all(stdnum_siret.is_valid(s) for s in sirets)
