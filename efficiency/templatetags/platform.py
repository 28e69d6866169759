"""Small template helpers of the core: `{% load platform %}`."""

from django import template

register = template.Library()


@register.filter
def minutes(value) -> int | str:
    """A timedelta as whole minutes (the lockout page says "30 分钟")."""
    try:
        return int(value.total_seconds() // 60)
    except AttributeError:
        return ""


@register.simple_tag(takes_context=True)
def active(context, prefix: str) -> str:
    """"active" when the current path starts with prefix (the nav highlights its section)."""
    request = context.get("request")
    if request is None:
        return ""
    if prefix == "/":
        return "active" if request.path == "/" else ""
    return "active" if request.path.startswith(prefix) else ""
