"""API tokens: issued for a password, expiring after `API_TOKEN_TTL_DAYS`, revocable by their
owner and by the security administrator (docs/foundation.md, "Sessions and tokens")."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from .audit import audit_record
from .models import ApiToken, Role, User

# A busy client must not write the row on every request: `last_used_at` is as coarse as this.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ExpiringTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>` as DRF's, against `ApiToken`: an expired, revoked or unknown
    token, or one of a disabled account, is a 401 that says which."""

    model = ApiToken

    def authenticate_credentials(self, key):
        token = ApiToken.objects.select_related("user").filter(digest=_digest(key)).first()
        if token is None:
            raise exceptions.AuthenticationFailed(_("令牌无效。"))
        now = timezone.now()
        state = token.state(now)
        if state == "revoked":
            raise exceptions.AuthenticationFailed(_("令牌已被撤销。"))
        if state == "expired":
            raise exceptions.AuthenticationFailed(_("令牌已过期，请重新获取。"))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("账号已停用。"))
        if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token


# --- writes -----------------------------------------------------------------------------------


@transaction.atomic
def token_issue(*, actor, user: User, name: str = "") -> tuple[ApiToken, str]:
    """A new token for `user`; the key is returned once and only its digest is kept."""
    key = secrets.token_hex(20)
    now = timezone.now()
    token = ApiToken.objects.create(
        user=user, name=name[:64], prefix=key[:8], digest=_digest(key), created_at=now,
        expires_at=now + timedelta(days=settings.API_TOKEN_TTL_DAYS),
    )
    audit_record("create", actor=actor, obj=token,
                 summary=f"签发 API 令牌 {token.prefix}…（{user.username}，{settings.API_TOKEN_TTL_DAYS} 天）")
    return token, key


@transaction.atomic
def token_revoke(*, actor, token: ApiToken, request=None) -> ApiToken:
    """Revoke a token now. Callers pass a token from `token_access`, so the actor is its owner or
    the security administrator; revoking a revoked token changes nothing."""
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is not None:
        return token
    token.revoked_at = timezone.now()
    token.revoked_by = actor
    token.save(update_fields=["revoked_at", "revoked_by"])
    whose = "本人" if actor.pk == token.user_id else "安全管理员"
    audit_record("update", actor=actor, obj=token, request=request,
                 summary=f"{whose}撤销 API 令牌 {token.prefix}…（{token.user.username}）",
                 after={"revoked_at": token.revoked_at})
    return token


# --- reads ------------------------------------------------------------------------------------


def token_list(user) -> QuerySet[ApiToken]:
    """One's own tokens; the security administrator's list is everybody's."""
    tokens = ApiToken.objects.select_related("user", "revoked_by")
    if user.role == Role.SECURITY_ADMIN:
        return tokens
    return tokens.filter(user=user)


def token_access(user, pk, *, request=None) -> ApiToken:
    """A token the user may see and revoke, or 404 (and an audit row for someone else's)."""
    try:
        return token_list(user).get(pk=pk)
    except (ApiToken.DoesNotExist, ValueError, TypeError):
        if ApiToken.objects.filter(pk=pk if str(pk).isdigit() else 0).exists():
            audit_record("denied", actor=user, object_type="efficiency.apitoken", object_id=str(pk),
                         summary="越权访问被拒", request=request)
        raise Http404 from None
