"""`{% documents_panel user item subjects %}`: an item's official documents (number, title, date,
download link) and, for those who may issue them, the issue form."""

from django import template
from django.utils.translation import gettext as _

from .. import documents, permissions

register = template.Library()


@register.inclusion_tag("efficiency/_documents.html", takes_context=True)
def documents_panel(context, item, subjects=None):
    """`subjects`: the items a document may be issued on from this page (the item itself and,
    e.g., an assignment's receiving units); the list shows the documents of all of them."""
    user = context["request"].user
    subjects = [item, *[s for s in (subjects or []) if s is not None]]
    docs = documents.documents_of_many(subjects)
    choices = []
    for subject in subjects:
        for kind in documents.kinds_for(type(subject)):
            if permissions.has_role(user, *kind.roles):
                unit = getattr(subject, getattr(subject, "clock_unit_field", "unit"), None)
                label = f"{kind.title} → {unit.name if unit else subject}"
                if kind.code == documents.SUPERVISION_ORDER and getattr(subject, "closed_at", None):
                    continue  # nothing to urge on a finished item
                choices.append((f"{subject._meta.label_lower}:{subject.pk}", kind.code, label))
    return {"docs": docs, "choices": choices, "leaders": documents.leaders_for_signoff() if choices else [],
            "next": context["request"].get_full_path(), "csrf_token": context.get("csrf_token"),
            "signoff_hint": _("领导批示件、突发事件的督办单须经领导签批")}
