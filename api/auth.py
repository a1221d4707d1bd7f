"""Who may write: reads are public; every mutation needs an editor's bearer token."""

from __future__ import annotations

from typing import Any

from strawberry.permission import BasePermission

from api.context import Info, off_loop
from api.errors import AuthError
from events.tokens import InvalidTokenError, TokenHolder

EDITOR = "editor"


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, if one was sent."""
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else ""


async def require_editor(info: Info) -> TokenHolder:
    """The editor making this request; UNAUTHENTICATED or FORBIDDEN otherwise."""
    token = info.context.token
    if token is None:
        raise AuthError("This operation needs an editor's bearer token (Authorization: Bearer ...)",
                        "UNAUTHENTICATED")
    try:
        holder = await off_loop(info.context.store.tokens.holder, token)
    except InvalidTokenError as e:
        raise AuthError(f"{e}; nothing was recorded", "UNAUTHENTICATED") from None
    if holder.role != EDITOR:
        raise AuthError(f"Token {holder.name!r} has the {holder.role!r} role; recording decisions "
                        "needs the editor role", "FORBIDDEN")
    return holder


class IsEditor(BasePermission):
    """Checked before a mutation's arguments are used: a stranger learns nothing from it."""

    message = "This operation needs an editor's bearer token"

    async def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        info.context.holder = await require_editor(info)
        return True
