""" "Premières heures": a structure's monthly statement as CSV and as PDF (WeasyPrint).

CSV as the project's other CSVs: `;`, UTF-8 with a byte order mark (spreadsheets set to French
read the accents), amounts with a point and two decimals, every cell through `csv_cell` (no
formula runs). One line per beneficiary, then a line of totals.

PDF from a standalone French template (`support/premieres_heures/statement_pdf.html`) and its
stylesheet, as the observatory's diagnostic. Made on request: a statement is a few lines."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from atelier.directory.services.exports import csv_cell

from .enums import ExitOutcome
from .selectors.ph_statement import Statement
from .selectors.premieres_heures import day_text


def _amount(value: Decimal) -> str:
    return f"{value:.2f}"


def _outcomes(line_exits: tuple) -> str:
    return ", ".join(str(ExitOutcome(e.outcome).label) for e in line_exits)


def _total_label(n: int) -> str:
    """ "Total : 1 bénéficiaire", "Total : 2 bénéficiaires" (French: 0 and 1 are singular)."""
    if n < 2:
        return _("Total : %(n)d bénéficiaire") % {"n": n}
    return _("Total : %(n)d bénéficiaires") % {"n": n}


def statement_filename(statement: Statement, extension: str) -> str:
    return f"premieres-heures-{statement.structure_id}-{statement.month_key}.{extension}"


def statement_csv(statement: Statement) -> str:
    """The statement as CSV text (without the byte order mark: see statement_csv_bytes)."""
    with translation.override(settings.LANGUAGE_CODE):
        headers = [
            _("Référence bénéficiaire"),
            _("Heures travaillées"),
            _("Entrée dans le mois"),
            _("Sortie dans le mois"),
            _("Issue de la sortie"),
            _("Forfait mensuel (€)"),
            _("Motif du forfait"),
            _("Palier"),
            _("Forfait du palier (€)"),
            _("Motif du palier"),
            _("Prime de sortie (€)"),
            _("Motif de la prime"),
            _("Total (€)"),
            _("Montants d'exemple"),
            _("Explication"),
        ]
        out = io.StringIO()
        writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
        writer.writerow(headers)
        for line in statement.lines:
            a = line.amounts
            writer.writerow(
                [
                    csv_cell(v)
                    for v in (
                        line.reference,
                        line.hours,
                        ", ".join(day_text(d) for d in line.entries),
                        ", ".join(day_text(e.on) for e in line.exits),
                        _outcomes(line.exits),
                        _amount(a.flat_amount),
                        a.flat_reason,
                        a.tier_label,
                        _amount(a.tier_amount),
                        a.tier_reason,
                        _amount(a.bonus_amount),
                        a.bonus_reason,
                        _amount(a.total),
                        _("oui") if a.uses_examples else _("non"),
                        a.explanation,
                    )
                ]
            )
        writer.writerow(
            [
                csv_cell(v)
                for v in (
                    _total_label(len(statement.lines)),
                    statement.hours,
                    statement.entries,
                    statement.exits,
                    "",
                    _amount(statement.flat_total),
                    "",
                    "",
                    _amount(statement.tier_total),
                    "",
                    _amount(statement.bonus_total),
                    "",
                    _amount(statement.total),
                    _("oui") if statement.has_examples else _("non"),
                    "",
                )
            ]
        )
    return out.getvalue()


def statement_csv_bytes(statement: Statement) -> bytes:
    return ("\ufeff" + statement_csv(statement)).encode("utf-8")


def statement_html(statement: Statement) -> str:
    """The standalone HTML the PDF is made from (French)."""
    with translation.override(settings.LANGUAGE_CODE):
        return render_to_string(
            "support/premieres_heures/statement_pdf.html",
            {"statement": statement, "generated": timezone.localtime()},
        )


def _stylesheet() -> str:
    found = finders.find("support/statement.css")
    return str(found[0] if isinstance(found, list) else found)


def statement_pdf(statement: Statement) -> bytes:
    from weasyprint import CSS, HTML  # heavy import: only where a PDF is made

    return HTML(string=statement_html(statement)).write_pdf(
        stylesheets=[CSS(filename=_stylesheet())]
    )
