"""A minimal clock model for the core's own tests and for bench/sweep.py."""

from django.conf import settings
from django.db import models

from efficiency.models import Clock


class TimedItem(Clock):
    title = models.CharField(max_length=100, default="item")
    unit = models.ForeignKey("efficiency.Unit", models.PROTECT, related_name="+")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")

    class Meta(Clock.Meta):
        app_label = "clocktest"

    def __str__(self):
        return self.title


# Direct foreign-key object permissions (guardian), so a TimedItem can be shared with a co-unit.
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase  # noqa: E402


class TimedItemUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(TimedItem, models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        app_label = "clocktest"


class TimedItemGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(TimedItem, models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        app_label = "clocktest"
