"""The catalogue file read as rule specs without a database (engine and ranking tests), and a
few places with their territory keys as atelier.support.selectors.places resolves them."""

import datetime
from decimal import Decimal
from pathlib import Path

import yaml

from atelier.support.rules.nodes import Context, Facts, ParamValue
from atelier.support.rules.spec import SchemeSpec

CATALOGUE = Path(__file__).resolve().parents[3] / "data" / "support" / "schemes.yaml"

PLACES = {
    "75119": ("Paris 19e Arrondissement", {"arrondissement:75119", "commune:75119",
              "commune:75056", "epci:200054781", "departement:75", "region:11", "country:FR"}),
    "75111": ("Paris 11e Arrondissement", {"arrondissement:75111", "commune:75111",
              "commune:75056", "epci:200054781", "departement:75", "region:11", "country:FR"}),
    "93066": ("Saint-Denis", {"commune:93066", "ept:200057867", "epci:200054781",
              "departement:93", "region:11", "country:FR"}),
    "69123": ("Lyon", {"commune:69123", "departement:69", "region:84", "country:FR"}),
}  # fmt: skip
CONTEXT = Context(
    territories={
        "departement:75": "Paris (75)",
        "region:11": "Île-de-France",
        "country:FR": "France",
    },
    sectors={"F": "Construction", "I": "Hébergement et restauration"},
)


def file_specs() -> tuple[list[SchemeSpec], dict[int, dict[str, list[ParamValue]]]]:
    data = yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))
    specs, histories = [], {}
    for i, item in enumerate(data["schemes"], 1):
        specs.append(
            SchemeSpec(
                id=i,
                slug=item["slug"],
                name=item["name"],
                kind=item["kind"],
                rule=item.get("rule", "standard"),
                perimeter=tuple(item["perimeter"]),
                state=item.get("state", "open"),
                audiences=frozenset(item.get("audiences", ())),
                stages=frozenset(item.get("stages", ())),
                projects=frozenset(item.get("projects", ())),
                legal_forms=frozenset(item.get("legal_forms", ())),
                needs=frozenset(item.get("needs", ())),
                sectors=frozenset(item.get("sectors", ())),
                variant_of=item.get("variant_of", ""),
                operator_name=item.get("operator") or item.get("operator_name", ""),
            )
        )
        for raw in item.get("parameters") or []:
            histories.setdefault(i, {}).setdefault(raw["name"], []).append(
                ParamValue(raw["name"], Decimal(str(raw["value"])), raw["start"],
                           bool(raw.get("is_example")), raw.get("source", ""))
            )  # fmt: skip
    return specs, histories


def facts(commune: str = "75119", on: datetime.date = datetime.date(2026, 1, 15), **kw) -> Facts:
    name, keys = PLACES[commune]
    values = {"stage": "starting", "project": "business", **kw}
    for name_ in ("situations", "needs"):
        values[name_] = frozenset(values.get(name_, ()))
    return Facts(commune=commune, commune_name=name, territory=frozenset(keys), on=on, **values)
