"""The event kinds of scorecards (the catalogue: efficiency.event_kinds)."""

from django.utils.translation import pgettext_lazy

from efficiency.event_kinds import Audience as A, EventKind as K, Severity as S

KINDS = (
    K("scorecards.published", pgettext_lazy("event", "发布月度考评"), A.LEADER),
    K("scorecards.reopened", pgettext_lazy("event", "重新开放月度考评"), A.LEADER, S.WARNING),
)
