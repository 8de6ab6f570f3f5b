"""Every API operation declares who may use it, in its OpenAPI description
(`x-atelier-access`); a test walks the schema to prove none was left without one.

Policies mirror atelier.core.perms: `public`, `authenticated`, `network:<roles>`.
"""

PUBLIC = "public"
AUTHENTICATED = "authenticated"


def access(policy: str) -> dict[str, str]:
    """`openapi_extra` for a router operation: `@router.get(..., openapi_extra=access(PUBLIC))`."""
    return {"x-atelier-access": policy}
