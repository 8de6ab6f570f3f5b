"""Rebuild data/legal_categories.csv from INSEE's nomenclature of catégories juridiques.

INSEE publishes the nomenclature at https://www.insee.fr/fr/information/2028129 as a spreadsheet
(sheet "Niveau III", columns "Code" and "Libellé"). Save that sheet as CSV (UTF-8, `;` or `,`
separated), then:

    python data/scripts/legal_categories.py path/to/niveau_III.csv   # writes the file
    python data/scripts/legal_categories.py --check                   # checks the committed one

The ESS family of each code follows the rules below (the legal forms that place an organisation
in the social and solidarity economy by themselves, loi du 31 juillet 2014, article 1)."""

import argparse
import csv
import re
import sys
from pathlib import Path

TARGET = Path(__file__).resolve().parent.parent / "legal_categories.csv"

# Cooperative legal forms whose label does not say "coopérative": cooperative and mutual banks
# (Banque populaire, Crédit mutuel, Crédit maritime, Crédit agricole, Caisses d'épargne) and
# mutual guarantee societies, which are cooperatives under the law of 13 March 1917.
COOPERATIVE_CODES = {"5191", "5192", "5193", "5194", "6100", "6595", "6596"}
# Mutuals: code de la mutualité (82xx) and mutual insurers (code des assurances, 6411).
MUTUAL_CODES = {"6411", "8210", "8250", "8290"}


def family(code: str, label: str) -> str:
    if code.startswith("92"):
        return "association"
    if code.startswith("93"):
        return "foundation"
    if code in MUTUAL_CODES:
        return "mutual"
    if code in COOPERATIVE_CODES or re.search(r"coopérative|\(SCOP\)", label, re.IGNORECASE):
        return "cooperative"
    return "other"


def read_insee(path: Path) -> list[tuple[str, str]]:
    text = path.read_text(encoding="utf-8-sig")
    dialect = csv.Sniffer().sniff(text.splitlines()[0], delimiters=";,\t")
    rows = []
    for row in csv.reader(text.splitlines(), dialect):
        if len(row) >= 2 and re.fullmatch(r"\d{4}", row[0].strip()):
            rows.append((row[0].strip(), " ".join(row[1].split())))
    return sorted(rows)


def render(rows: list[tuple[str, str]]) -> list[list[str]]:
    return [["code", "label", "ess_family"]] + [[c, lab, family(c, lab)] for c, lab in rows]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", nargs="?", type=Path, help="INSEE level III sheet, as CSV")
    parser.add_argument("--check", action="store_true", help="check the committed file")
    args = parser.parse_args()
    if args.check:
        with TARGET.open(encoding="utf-8", newline="") as handle:
            current = list(csv.reader(handle))
        expected = render([(row[0], row[1]) for row in current[1:]])
        wrong = [row for row, want in zip(current, expected, strict=True) if row != want]
        for row in wrong:
            print("famille à revoir :", ",".join(row), file=sys.stderr)
        return 1 if wrong else 0
    if args.source is None:
        parser.error("indiquez le fichier INSEE (CSV) ou --check")
    rows = read_insee(args.source)
    if not rows:
        parser.error(f"aucun code à 4 chiffres dans {args.source}")
    with TARGET.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(render(rows))
    print(f"{len(rows)} catégories écrites dans {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
