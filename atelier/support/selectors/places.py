"""The territories a commune lies in, as the "level:code" keys that perimeters and routing
filters use (country:FR, region:11, departement:75, epci:…, ept:…, commune:…,
arrondissement:…), read through atelier.territories' selectors."""

from __future__ import annotations

from atelier.territories.selectors import territory_detail, territory_get

COUNTRY_KEY = "country:FR"
LEVELS = ("country", "region", "departement", "epci", "ept", "commune", "arrondissement")


def commune_territory_keys(code: str) -> frozenset[str]:
    """Every key containing the commune or municipal arrondissement `code`: a Paris
    arrondissement (75119) gives arrondissement:75119, commune:75056, its EPCI/EPT, departement:75,
    region:11 and country:FR. Empty when the code is unknown."""
    detail = territory_detail("commune", code)
    if detail is None:
        return frozenset()
    keys = {COUNTRY_KEY}
    if detail.kind == "ARM":
        keys.add(f"arrondissement:{code}")
    else:
        keys.add(f"commune:{code}")
    for parent in detail.parents:
        keys.add(parent.key)  # the parent commune of an arrondissement is a commune key
        if parent.level == "commune":
            # Its groupings too (the reference may attach the EPCI to the commune only).
            above = territory_detail("commune", parent.code)
            if above is not None:
                keys.update(p.key for p in above.parents)
    return frozenset(keys)


def territory_key_valid(key: str) -> bool:
    """Whether `key` names an existing territory (for the routing filters' forms)."""
    level, sep, code = key.partition(":")
    if not sep or level not in LEVELS:
        return False
    if level == "country":
        return code == "FR"
    if level in ("commune", "arrondissement"):
        # A municipal arrondissement is named arrondissement:…, never commune:….
        detail = territory_detail("commune", code)
        return detail is not None and (detail.kind == "ARM") == (level == "arrondissement")
    return territory_get(level, code) is not None
