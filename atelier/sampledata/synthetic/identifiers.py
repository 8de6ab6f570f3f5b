"""Synthetic SIREN and SIRET numbers: valid (Luhn key by python-stdnum), and in a range of
their own — SIRENs are `9` + a 7-digit sequence + the key."""

from stdnum.luhn import calc_check_digit


def synthetic_siren(n: int) -> str:
    base = f"9{n:07d}"
    return base + calc_check_digit(base)


def synthetic_siret(siren: str, k: int) -> str:
    """The k-th establishment (1-based) of `siren`: NIC 0001x with a key making the SIRET valid."""
    base = siren + f"{k:04d}"
    return base + calc_check_digit(base)
