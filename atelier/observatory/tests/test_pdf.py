"""The territorial diagnostic PDF: a valid PDF naming the territory, with its support
structures and networks; cached per data version and invalidated when the aggregates are
rebuilt from changed data; large territories made in the background with a progress page."""

import re

import pytest
from django.test import override_settings
from weasyprint import HTML

from atelier.directory.enums import Approval, Theme
from atelier.directory.tests.factories import MembershipFactory, NetworkFactory
from atelier.observatory import pdf as pdf_service
from atelier.observatory.selectors.territory import territory_resolve
from atelier.observatory.services.rebuild import observatory_rebuild
from atelier.observatory.tests.factories import make_organisation, make_reference

pytestmark = pytest.mark.django_db
PDF = "/observatoire/ept/200057867/diagnostic.pdf"
PROGRESS = "/observatoire/ept/200057867/diagnostic/"


@pytest.fixture(autouse=True)
def pdf_dir(tmp_path, settings):
    settings.ATELIER_OBSERVATORY_PDF_DIR = tmp_path / "pdf"
    return tmp_path / "pdf"


@pytest.fixture
def data():
    ref = make_reference()
    for _ in range(4):
        make_organisation(ref, places=["saint_denis"], bands=["11"], naf="88.99B")
    cae = make_organisation(ref, places=["saint_denis"], name="Coopérative Alpha CAE")
    cae.approval_bits = 1 << int(Approval.CAE)
    cae.save()
    make_organisation(ref, places=["aubervilliers"], themes=[Theme.FINANCE], name="Finance Beta")
    make_organisation(ref, places=["lyon"], themes=[Theme.FINANCE], name="Lyon Gamma")
    network = NetworkFactory(name="Réseau Delta")
    MembershipFactory(network=network, organisation=cae)
    observatory_rebuild()
    return ref


def _body(response) -> bytes:
    return response.content


def test_the_pdf_is_valid_and_names_the_territory(client, data, pdf_dir):
    response = client.get(PDF)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="diagnostic-ess-ept-200057867.pdf"' in response["Content-Disposition"]
    content = _body(response)
    assert content.startswith(b"%PDF-")
    territory = territory_resolve("ept", "200057867")
    html = pdf_service.diagnostic_html(territory)
    assert "L'économie sociale et solidaire à Plaine Commune" in html.replace("&#x27;", "'")
    # Support structures of the territory (not Lyon's), the network, sources, the secret rule.
    assert "Coopérative Alpha CAE" in html and "Finance Beta" in html
    assert "Lyon Gamma" not in html
    assert "Réseau Delta" in html
    assert "Sources et dates" in html and 'id="secret-statistique"' in html
    assert '<svg viewBox="0 0 640' in html  # the same server-side charts
    assert "Principaux secteurs d" in html
    document = HTML(string=html).render()
    assert len(document.pages) >= 2
    first_page_text = " ".join(
        box.text for box in _texts(document.pages[0]._page_box) if getattr(box, "text", None)
    )
    assert "Plaine Commune" in first_page_text


def _texts(box):
    yield box
    for child in getattr(box, "children", []):
        yield from _texts(child)


def test_the_cache_is_reused_then_invalidated_by_a_data_change(client, data, pdf_dir, monkeypatch):
    calls = []
    real = pdf_service.render_pdf
    monkeypatch.setattr(pdf_service, "render_pdf", lambda html: calls.append(1) or real(html))
    assert client.get(PDF).status_code == 200
    assert client.get(PDF).status_code == 200
    assert len(calls) == 1  # the second one came from the file
    files = sorted(p.name for p in pdf_dir.glob("ept-200057867-v*.pdf"))
    assert len(files) == 1
    make_organisation(data, places=["aubervilliers"], name="Nouvelle Epsilon")
    observatory_rebuild()  # the aggregates now reflect a newer directory version
    assert client.get(PDF).status_code == 200
    assert len(calls) == 2
    assert sorted(p.name for p in pdf_dir.glob("ept-200057867-v*.pdf")) != files
    assert len(list(pdf_dir.glob("ept-200057867-v*.pdf"))) == 1  # the old one removed
    territory = territory_resolve("ept", "200057867")
    assert "Nouvelle Epsilon" not in pdf_service.diagnostic_html(territory)  # not support
    assert client.get("/observatoire/ept/999999999/diagnostic.pdf").status_code == 404


@override_settings(ATELIER_OBSERVATORY_PDF_BACKGROUND_COMMUNES=1)
def test_a_large_territory_goes_through_the_background_task(client, data, pdf_dir, monkeypatch):
    from atelier.observatory import tasks

    queued = []
    real_task = tasks.observatory_pdf_task

    class QueueOnly:  # a worker that has not picked the task yet
        @staticmethod
        def enqueue(*args):
            queued.append(args)

    monkeypatch.setattr(tasks, "observatory_pdf_task", QueueOnly)
    response = client.get(PDF)  # Plaine Commune has 2 communes here: large
    assert response.status_code == 302 and response["Location"] == PROGRESS
    assert queued == [("ept", "200057867")]
    page = client.get(PROGRESS).content.decode()
    assert "en cours de préparation : en attente du traitement en arrière-plan" in page
    assert 'href="/observatoire/ept/200057867/diagnostic/">Actualiser</a>' in page
    assert 'src="/static/observatory/progress.js"' in page and "<script>" not in page
    client.get(PDF)
    assert len(queued) == 1  # not queued twice while it runs
    # The worker runs the task: its steps are recorded, then the file is ready.
    steps = []
    real_mark = pdf_service.mark
    monkeypatch.setattr(
        pdf_service, "mark", lambda t, step, **kw: steps.append(step) or real_mark(t, step, **kw)
    )
    real_task.func("ept", "200057867")
    assert steps == ["figures", "html", "pdf"]
    ready = client.get(PROGRESS).content.decode()
    assert "Le diagnostic est prêt" in ready and "progress.js" not in ready
    assert _body(client.get(PDF)).startswith(b"%PDF-")


@override_settings(ATELIER_OBSERVATORY_PDF_BACKGROUND_COMMUNES=1)
def test_the_background_path_with_the_inline_task_backend(client, data, pdf_dir):
    response = client.get(PDF)  # tests run tasks at once (ImmediateBackend)
    assert response.status_code == 200
    assert _body(response).startswith(b"%PDF-")
    assert not list(pdf_dir.glob("*.status.json"))


def test_a_failed_run_says_so_and_offers_to_retry(client, data, pdf_dir):
    territory = territory_resolve("ept", "200057867")
    pdf_service.mark(territory, "pdf", state=pdf_service.FAILED, error="OSError")
    page = client.get(PROGRESS).content.decode()
    assert "La préparation du diagnostic a échoué" in page
    assert f'href="{PDF}"' in page


def test_the_pdf_prints_the_last_years_of_the_series_only(data):
    import datetime

    for year in range(1990, 2021):
        make_organisation(data, places=["saint_denis"], created=datetime.date(year, 6, 1))
    observatory_rebuild()
    territory = territory_resolve("ept", "200057867")
    html = pdf_service.diagnostic_html(territory)
    series = html.split('id="evolution"')[1].split("</table>")[0]
    assert "les 20 dernières années" in series
    years = re.findall(r"<tr><th scope=\"row\">([^<]*)</th>", series)
    assert len(years) == 20, years
    assert years == [str(year) for year in range(2001, 2021)], years


def test_top_sectors_are_the_known_sections_with_most_establishments(data):
    from atelier.observatory.selectors.document import top_sectors
    from atelier.observatory.selectors.indicators import indicators

    for _ in range(3):
        make_organisation(data, places=["aubervilliers"], naf="70.22Z")
    for _ in range(2):  # the unknown section gets 4 organisations: no cell is secret
        make_organisation(data, places=["aubervilliers"])
    observatory_rebuild()
    sectors = top_sectors(indicators(territory_resolve("ept", "200057867")))
    # 4 establishments in Q (88.99B), 3 in M (70.22Z); the unknown section is not a sector.
    assert [(c.value, c.establishments) for c in sectors] == [("Q", 4), ("M", 3)]


def test_a_breakdown_with_many_values_prints_its_largest_ones(data, monkeypatch):
    from atelier.observatory.selectors import document as document_selectors

    for _ in range(6):
        make_organisation(data, places=["aubervilliers"], naf="70.22Z")
    for _ in range(3):  # the unknown section: 5 organisations
        make_organisation(data, places=["aubervilliers"])
    observatory_rebuild()
    territory = territory_resolve("ept", "200057867")
    full = {t.id: t for t, _chart in document_selectors.document(territory).tables}
    naf = full["repartition-naf"]
    assert [row[2] for row in naf.rows] == [5, 6, 4]  # unknown, M, Q: all published
    monkeypatch.setattr(document_selectors, "BREAKDOWN_ROWS", 2)
    monkeypatch.setattr(document_selectors, "CHART_BARS", 2)
    doc = document_selectors.document(territory)
    table, chart = next((t, c) for t, c in doc.tables if t.id == "repartition-naf")
    # The 2 values with most establishments (M: 6, unknown: 5), most first; Q in the CSV.
    assert [row[0] for row in table.rows] == [naf.rows[1][0], naf.rows[0][0]]
    assert f"les 2 valeurs comptant le plus d'établissements, sur {len(naf.rows)}" in table.caption
    assert [bar.label for bar in chart.bars] == [row[0] for row in table.rows]
    assert "les 2 valeurs les plus fréquentes" in chart.title
    # Tables with few values are printed whole.
    assert len(next(t for t, _c in doc.tables if t.id == "repartition-family").rows) == len(
        full["repartition-family"].rows
    )


def test_secret_cells_are_plain_words_in_the_pdf(client, data):
    territory = territory_resolve("ept", "200057867")
    page = client.get("/observatoire/ept/200057867/").content.decode()
    assert 'class="obs-secret" href="#secret-statistique"' in page  # the page links them
    html = pdf_service.diagnostic_html(territory)
    assert ">secret<" in html and 'class="obs-secret"' not in html
    assert 'id="secret-statistique"' in html  # the rule is explained in the document
