"""Attachments of a case: a few document types (PDF, images, office documents, text), up to
SUPPORT_ATTACHMENT_MAX_BYTES, checked by their first bytes as well as their name; stored under
a random name; never an identity document (the form says so)."""

from __future__ import annotations

import os
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..enums import CaseEventKind
from ..models import CaseAttachment
from .transitions import CaseActionError, locked_case, log_event

_ZIP = b"PK\x03\x04"
# extension -> (content type, accepted first bytes; None = text in UTF-8)
ALLOWED_TYPES: dict[str, tuple[str, tuple[bytes, ...] | None]] = {
    "pdf": ("application/pdf", (b"%PDF-",)),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "odt": ("application/vnd.oasis.opendocument.text", (_ZIP,)),
    "ods": ("application/vnd.oasis.opendocument.spreadsheet", (_ZIP,)),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (_ZIP,)),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (_ZIP,)),
    "txt": ("text/plain; charset=utf-8", None),
    "csv": ("text/csv; charset=utf-8", None),
}
MAX_NAME = 150


def allowed_extensions() -> str:
    return ", ".join(sorted(ALLOWED_TYPES))


def _check(upload: UploadedFile) -> tuple[str, str]:
    """(clean name, content type) of an acceptable upload; raises CaseActionError."""
    name = os.path.basename((upload.name or "").replace("\\", "/")).strip()[-MAX_NAME:]
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in ALLOWED_TYPES:
        raise CaseActionError(
            _("Type de fichier refusé (acceptés : %(types)s).") % {"types": allowed_extensions()}
        )
    size = upload.size or 0
    if size == 0:
        raise CaseActionError(_("Le fichier est vide."))
    limit = settings.SUPPORT_ATTACHMENT_MAX_BYTES
    if size > limit:
        raise CaseActionError(
            _("Le fichier dépasse la taille maximale (%(mb).1f Mo).") % {"mb": limit / 1024**2}
        )
    content_type, magic = ALLOWED_TYPES[ext]
    upload.seek(0)
    head = upload.read(4096)
    upload.seek(0)
    if magic is None:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            if exc.start < len(head) - 4:  # not just a character cut at the 4 KiB boundary
                raise CaseActionError(_("Ce fichier texte n'est pas en UTF-8.")) from None
        if b"\x00" in head:
            raise CaseActionError(_("Ce fichier n'est pas un fichier texte."))
    elif not head.startswith(magic):
        raise CaseActionError(
            _("Le contenu du fichier ne correspond pas à son type (.%(ext)s).") % {"ext": ext}
        )
    return name, content_type


@transaction.atomic
def case_attachment_add(
    *, case_id: int, user: Any, upload: UploadedFile, now: datetime | None = None
) -> CaseAttachment:
    """Attach `upload` to the case (advisors and staff of the case)."""
    now = now or timezone.now()
    name, content_type = _check(upload)
    case, _access = locked_case(
        case_id,
        user,
        lambda a: a.may_annotate,
        _("Vous ne pouvez pas joindre de document à ce dossier."),
    )
    attachment = CaseAttachment(
        case=case,
        name=name,
        content_type=content_type,
        size=upload.size or 0,
        uploaded_at=now,
        uploaded_by=user,
    )
    attachment.file.save(name, upload, save=False)
    stored = attachment.file.name
    try:  # a failed write must not leave the file behind
        attachment.save()
        log_event(case, user, CaseEventKind.ATTACHMENT, now, text=name)
    except Exception:
        if stored:
            attachment.file.storage.delete(stored)
        raise
    return attachment
