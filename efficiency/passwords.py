"""Password policy (等保 2.0 level 3): three character classes of four."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

CLASSES = [r"[a-z]", r"[A-Z]", r"[0-9]", r"[^a-zA-Z0-9]"]


def password_must_change(user) -> bool:
    """A first-login (temporary) password, or one older than PASSWORD_MAX_AGE_DAYS."""
    from datetime import timedelta

    from django.conf import settings
    from django.utils import timezone

    max_age = timedelta(days=settings.PASSWORD_MAX_AGE_DAYS)
    return user.must_change_password or user.password_changed_at < timezone.now() - max_age


class CharacterClassValidator:
    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def validate(self, password, user=None):
        found = sum(1 for pattern in CLASSES if re.search(pattern, password))
        if found < self.min_classes:
            raise ValidationError(
                _("密码必须包含小写字母、大写字母、数字、符号中的至少 %(n)d 类。") % {"n": self.min_classes},
                code="password_too_simple",
            )

    def get_help_text(self):
        return _("密码必须包含小写字母、大写字母、数字、符号中的至少 %(n)d 类。") % {"n": self.min_classes}


class PasswordHistoryValidator:
    """None of a person's last `count` passwords may be set again (等保 2.0 level 3: the 90-day
    change must be a change). Django calls `password_changed` after every save of a new password
    (the change page, an administrator's reset, `changepassword`), so each path keeps the history."""

    def __init__(self, count: int = 5):
        self.count = count

    def _recent(self, user):
        from .models import PasswordHistory

        return PasswordHistory.objects.filter(user=user).order_by("-created_at", "-id")

    def validate(self, password, user=None):
        if user is None or user.pk is None or self.count < 1:
            return
        from django.contrib.auth.hashers import check_password

        hashes = list(self._recent(user).values_list("password", flat=True)[: self.count])
        if not hashes and user.has_usable_password():
            hashes = [user.password]  # an account from before the history: its current password
        if any(check_password(password, encoded) for encoded in hashes):
            raise ValidationError(
                _("新密码不能与最近 %(n)d 次使用过的密码相同。") % {"n": self.count}, code="password_reused",
            )

    def password_changed(self, password, user=None):
        if user is None or user.pk is None or not user.has_usable_password():
            return
        from django.utils import timezone

        from .models import PasswordHistory

        PasswordHistory.objects.create(user=user, password=user.password, created_at=timezone.now())
        stale = self._recent(user).values_list("pk", flat=True)[self.count:]
        PasswordHistory.objects.filter(pk__in=list(stale)).delete()

    def get_help_text(self):
        return _("新密码不能与最近 %(n)d 次使用过的密码相同。") % {"n": self.count}
