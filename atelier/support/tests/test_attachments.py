"""Attachments: accepted types checked by their content, size limit, stored under a random
name, never an identity document (the form says so), downloaded by who sees the case."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from atelier.core.models import AccessLog
from atelier.support.forms import AttachmentForm
from atelier.support.models import CaseAttachment
from atelier.support.selectors.cases import CaseNotFound
from atelier.support.services.attachments import case_attachment_add
from atelier.support.services.transitions import CaseActionError

from .factories import open_case

pytestmark = pytest.mark.django_db


def _add(world, case, name, content, user=None):
    upload = SimpleUploadedFile(name, content, content_type="application/octet-stream")
    return case_attachment_add(case_id=case.pk, user=user or world.advisor, upload=upload)


def test_accepted_documents(world):
    case = open_case()
    pdf = _add(world, case, "Budget prévisionnel.PDF", b"%PDF-1.7 ...")
    assert pdf.content_type == "application/pdf" and pdf.size == 12
    assert pdf.name == "Budget prévisionnel.PDF"
    assert "Budget" not in pdf.file.name and pdf.file.name.startswith(f"support/cases/{case.pk}/")
    assert _add(world, case, "notes.txt", "Été".encode()).content_type.startswith("text/plain")
    assert _add(world, case, "plan.odt", b"PK\x03\x04...").name == "plan.odt"
    assert case.events.filter(kind="attachment").count() == 3


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("virus.exe", b"MZ", "Type de fichier refusé"),
        ("sans-extension", b"%PDF-", "Type de fichier refusé"),
        ("faux.pdf", b"<html>", "ne correspond pas"),
        ("photo.png", b"\xff\xd8\xff", "ne correspond pas"),
        ("vide.pdf", b"", "vide"),
        ("latin1.txt", "Été à Paris".encode("latin-1") * 10, "UTF-8"),
        ("binaire.csv", b"a;b\x00c", "pas un fichier texte"),
    ],
)
def test_refused_documents(world, name, content, message):
    case = open_case()
    with pytest.raises(CaseActionError, match=message):
        _add(world, case, name, content)
    assert not CaseAttachment.objects.exists()


def test_the_size_limit(world, settings):
    settings.SUPPORT_ATTACHMENT_MAX_BYTES = 100
    case = open_case()
    with pytest.raises(CaseActionError, match="taille maximale"):
        _add(world, case, "gros.pdf", b"%PDF-" + b"x" * 200)


def test_only_who_sees_the_case_attaches(world):
    case = open_case()
    with pytest.raises(CaseNotFound):
        _add(world, case, "a.pdf", b"%PDF-", user=world.advisor_plaine)


def test_the_form_says_no_identity_document(settings):
    help_text = str(AttachmentForm().fields["file"].help_text)
    assert "Jamais de pièce d'identité" in help_text and "pdf" in help_text


def test_download(world, client):
    case = open_case()
    doc = _add(world, case, "plan.pdf", b"%PDF-1.4 plan")
    url = reverse("support:case-attachment-download", args=[case.pk, doc.pk])
    client.force_login(world.advisor_plaine)
    assert client.get(url).status_code == 404
    client.force_login(world.advisor2)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 plan"
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert AccessLog.objects.filter(user=world.advisor2, detail=f"pièce jointe {doc.pk}").exists()
    other = open_case()
    assert (
        client.get(reverse("support:case-attachment-download", args=[other.pk, doc.pk])).status_code
        == 404
    )
