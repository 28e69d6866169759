"""The event kinds of the duty app (the catalogue: efficiency.event_kinds)."""

from django.utils.translation import pgettext_lazy

from efficiency.event_kinds import Audience as A, EventKind as K, Severity as S

KINDS = (
    K("duty.contact_lagging", pgettext_lazy("event", "联系点本月未走访"), A.LEADER, S.WARNING),
)
