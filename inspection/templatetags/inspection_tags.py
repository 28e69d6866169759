from django import template
from django.utils.translation import gettext

from inspection.models import Rectification

register = template.Library()


@register.filter
def rect_status(code: str) -> str:
    """A rectification status code from a closing report, as the page shows it."""
    if code in Rectification.Status.values:
        return str(Rectification.Status(code).label)
    return gettext("待反馈")
