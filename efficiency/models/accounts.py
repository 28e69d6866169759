"""Credentials besides the password itself: API tokens and the password history."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ApiTokenQuerySet(models.QuerySet):
    def active(self, now):
        """Tokens that still authenticate: neither revoked nor past their expiry."""
        return self.filter(revoked_at__isnull=True, expires_at__gt=now)

    def inactive(self, now):
        return self.filter(Q(revoked_at__isnull=False) | Q(expires_at__lte=now))


class ApiToken(models.Model):
    """A bearer token for the REST API (`Authorization: Token <key>`).

    Only the SHA-256 of the key is stored (the key is shown once, when issued): a read of the
    table gives no usable token. A token expires `API_TOKEN_TTL_DAYS` after it is issued and can
    be revoked earlier by its owner or the security administrator (`efficiency.tokens`); a
    revoked token keeps its row, with who revoked it and when.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="api_tokens",
                             verbose_name=_("用户"))
    name = models.CharField(_("用途"), max_length=64, blank=True)
    prefix = models.CharField(_("令牌前缀"), max_length=8)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("签发时间"))
    expires_at = models.DateTimeField(_("过期时间"))
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("撤销人"))

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The security administrator's list: tokens still alive, newest first.
            models.Index(fields=["-created_at"], condition=Q(revoked_at__isnull=True), name="apitoken_unrevoked"),
        ]

    def __str__(self):
        return f"{self.prefix}… ({self.name or self.user_id})"

    def state(self, now) -> str:
        """"revoked", "expired" or "active" — the row's side of `ApiTokenQuerySet.active`."""
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if self.expires_at <= now else "active"


class PasswordHistory(models.Model):
    """The hashes of a person's recent passwords, newest first, so a change cannot go back to
    one of the last `PASSWORD_HISTORY_COUNT` (等保 2.0 level 3; OWASP ASVS). Written and read
    only by `efficiency.passwords.PasswordHistoryValidator`; older rows are removed."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="password_history")
    password = models.CharField(max_length=128)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("历史密码")
        verbose_name_plural = _("历史密码")
        indexes = [models.Index(fields=["user", "-created_at"], name="passwordhistory_user_newest")]
