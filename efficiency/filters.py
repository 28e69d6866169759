"""The inbox (通知) as a ledger (efficiency.listing): the page, the API and the export read the
same FilterSet over the user's own messages."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from . import listing
from .listing import Column
from .models import Notification


class NotificationFilter(listing.LedgerFilterSet):
    unread = django_filters.BooleanFilter(field_name="read_at", lookup_expr="isnull", label=_("只看未读"),
                                          help_text="true: 只看未读")
    sort = listing.SortFilter(fields={"created_at": "created_at", "read_at": "read_at"},
                              field_labels={"created_at": _("时间"), "read_at": _("已读时间")})

    search_fields = ("stored_title", "stored_body")
    search_placeholder = _("标题、内容")
    date_field = "created_at"

    def filter_q(self, qs, name, value):
        # A delivery the fan-out wrote has no stored text: its words are matched where its text
        # comes from (efficiency.notifications.notifications_text_q).
        from .notifications import notifications_text_q

        for word in value.split():
            qs = qs.filter(notifications_text_q(qs, word))
        return qs

    class Meta:
        model = Notification
        fields: list[str] = []


NOTIFICATION_COLUMNS = [
    Column(_("时间"), lambda n: n.created_at, 17),
    Column(_("标题"), lambda n: n.title, 40),
    Column(_("内容"), lambda n: n.body, 60),
    Column(_("已读时间"), lambda n: n.read_at, 17),
]
