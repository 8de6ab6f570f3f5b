"""Premières heures: the monthly statement as CSV (French headers, `;`, one line per
beneficiary and the totals) and as PDF (WeasyPrint: a valid PDF whose pages hold the lines,
their explanation and the parameters marked as examples)."""

import csv
import io
from datetime import date

import pytest
from weasyprint import CSS, HTML

from atelier.support import ph_documents
from atelier.support.selectors.ph_statement import structure_statement
from atelier.support.tests.ph_factories import make_structure, person, seed

pytestmark = pytest.mark.django_db
MARCH = date(2025, 3, 1)


@pytest.fixture
def statement():
    seed()
    structure = make_structure(name="Chantier « Alpha »")
    person(structure, "PH-02", date(2025, 1, 1), hours={MARCH: 12})
    person(
        structure,
        "=PH-01",  # a formula-looking reference must not run in a spreadsheet
        date(2025, 2, 1),
        end=date(2025, 3, 20),
        outcome="employment",
        hours={MARCH: 73},
    )
    return structure_statement(structure.pk, MARCH)


def test_the_csv(statement):
    data = ph_documents.statement_csv_bytes(statement)
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["Référence bénéficiaire", "Heures travaillées", "Entrée dans le mois"]
    assert rows[0][-3:] == ["Total (€)", "Montants d'exemple", "Explication"]
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["Référence bénéficiaire"] == "'=PH-01"
    assert first["Heures travaillées"] == "73"
    assert first["Sortie dans le mois"] == "20/03/2025"
    assert first["Issue de la sortie"] == "retour à l'emploi"
    assert first["Forfait mensuel (€)"] == "100.00" and first["Forfait du palier (€)"] == "0.00"
    assert first["Motif du palier"] == "au-delà de 72 h, aucun palier"
    assert first["Prime de sortie (€)"] == "500.00" and first["Total (€)"] == "600.00"
    assert first["Montants d'exemple"] == "oui"
    assert first["Explication"].startswith("73 h travaillées : forfait mensuel 1 h ou plus")
    second = dict(zip(rows[0], rows[2], strict=True))
    assert (second["Référence bénéficiaire"], second["Palier"]) == ("PH-02", "palier 5–22 h")
    assert second["Total (€)"] == "250.00"
    total = dict(zip(rows[0], rows[3], strict=True))
    assert total["Référence bénéficiaire"] == "Total : 2 bénéficiaires"
    assert (total["Heures travaillées"], total["Total (€)"]) == ("85", "850.00")
    assert len(rows) == 4
    assert ph_documents.statement_filename(statement, "csv") == (
        f"premieres-heures-{statement.structure_id}-2025-03.csv"
    )


def squash(text: str) -> str:
    return "".join(text.split())


def _texts(box):
    yield box
    for child in getattr(box, "children", []):
        yield from _texts(child)


def test_the_pdf_holds_the_lines_and_the_example_values(statement):
    content = ph_documents.statement_pdf(statement)
    assert content.startswith(b"%PDF-") and b"%%EOF" in content[-32:]
    html = ph_documents.statement_html(statement)
    document = HTML(string=html).render(stylesheets=[CSS(filename=ph_documents._stylesheet())])
    words = " ".join(
        box.text
        for page in document.pages
        for box in _texts(page._page_box)
        if getattr(box, "text", None)
    ).replace("\u00a0", " ")
    # Lines wrap anywhere (after the hyphen of "au-delà" too): compare without white space.
    text = "".join(words.split())
    assert squash("Relevé mensuel de mars 2025") in text
    assert squash("Chantier « Alpha »") in text
    assert squash("=PH-01") in text and "PH-02" in text
    assert (
        squash("12 h travaillées : forfait mensuel 1 h ou plus (100,00 €) + palier 5–22 h") in text
    )
    assert squash("au-delà de 72 h, aucun palier") in text
    assert squash("prime de sortie le 20/03/2025") in text
    assert squash("850,00 €") in text  # the total
    assert squash("Bénéficiaires sous contrat : 2 · entrées dans le mois : 0 · sorties : 1") in text
    assert squash("(montant d'exemple)") not in text  # for screen readers only
    assert squash("Montants d'exemple") in text
    assert squash("exemple, à fixer par l'opérateur") in text
    assert squash("Paramètres en vigueur le 01/03/2025") in text
