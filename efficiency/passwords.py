"""Password policy (等保 2.0 level 3): three character classes of four."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

CLASSES = [r"[a-z]", r"[A-Z]", r"[0-9]", r"[^a-zA-Z0-9]"]


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
