"""Small template helpers of the core: `{% load platform %}`."""

from django import template

from efficiency import event_kinds

register = template.Library()

# How events read on pages: only through the catalogue (efficiency.event_kinds), never the code.
register.filter("event_label", event_kinds.event_label)
register.filter("event_severity", event_kinds.event_severity)
register.filter("kind_label", event_kinds.kind_label)


@register.filter
def unread_badge(count: int) -> str:
    """The unread count as the badge shows it: "99+" once it reaches the bound the count stops at
    (`notifications.UNREAD_BOUND`)."""
    from efficiency.notifications import UNREAD_BOUND

    return f"{UNREAD_BOUND - 1}+" if count >= UNREAD_BOUND else str(count)


@register.simple_tag
def unit_label(unit_id) -> str:
    """The header's unit: its short name, else its name, from this process's copy of the units
    (`efficiency.queries.unit_label`: no query a page)."""
    from efficiency.queries import unit_label as label

    return label(unit_id) if unit_id else ""


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
