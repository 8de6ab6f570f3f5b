from typing import Any

from .models import AccessLog


def access_log_record(*, user: Any, action: str, obj: Any, detail: str = "") -> AccessLog:
    """Record that `user` performed `action` on personal data held by `obj`."""
    return AccessLog.objects.create(
        user=user if getattr(user, "is_authenticated", False) else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        detail=detail[:255],
    )
