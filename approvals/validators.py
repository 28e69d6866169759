"""Applicant ID numbers: 居民身份证号码 (GB 11643) and 统一社会信用代码 (GB 32100)."""

from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100: no I, O, Z, S, V
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def id_card_check_digit(first17: str) -> str:
    return _ID_CHECK[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS)) % 11]


def validate_id_card(value: str) -> str:
    value = (value or "").strip().upper()
    if len(value) != 18 or not value[:17].isdigit() or not (value[17].isdigit() or value[17] == "X"):
        raise ValidationError(_("居民身份证号码应为 18 位，前 17 位为数字，末位为数字或 X。"))
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise ValidationError(_("居民身份证号码中的出生日期无效。")) from None
    if born > date.today() or born.year < 1900:
        raise ValidationError(_("居民身份证号码中的出生日期无效。"))
    if id_card_check_digit(value[:17]) != value[17]:
        raise ValidationError(_("居民身份证号码校验位不正确，请核对。"))
    return value


def uscc_check_char(first17: str) -> str:
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS))
    return _USCC_CHARS[(31 - total % 31) % 31]


def validate_uscc(value: str) -> str:
    value = (value or "").strip().upper()
    if len(value) != 18 or any(c not in _USCC_CHARS for c in value):
        raise ValidationError(_("统一社会信用代码应为 18 位数字或大写字母（不含 I、O、Z、S、V）。"))
    if uscc_check_char(value[:17]) != value[17]:
        raise ValidationError(_("统一社会信用代码校验位不正确，请核对。"))
    return value


def validate_applicant_id(kind: str, value: str) -> str:
    return validate_uscc(value) if kind == "enterprise" else validate_id_card(value)
