from django import template

from inspection.events import label

register = template.Library()


@register.filter
def event_label(kind: str) -> str:
    return label(kind)
