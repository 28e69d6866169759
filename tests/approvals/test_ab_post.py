"""R49 (2010 四 3②): AB岗 — a backup acts for an absent holder; items, to-do and notices follow."""

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from approvals import queries, services
from efficiency import permissions
from efficiency import services as org_services
from efficiency.events import event_emit
from efficiency.models import AuditLog, Notification, Role
from efficiency.notifications import notifications_fan_out
from efficiency.queries import home_todo
from tests.factories import make_user

from .helpers import MONDAY, make_item, receive

pytestmark = pytest.mark.django_db


def test_r49_the_backup_acts_for_an_absent_clerk_and_the_items_follow(org, client):
    clerk_a2 = make_user(Role.CLERK, unit=org.unit_a, username="clerk_a2", full_name="钱经办")
    item = make_item(org)
    with time_machine.travel(MONDAY, tick=False):
        app, _code = receive(org, item)
    assert app.owner == org.clerk_a
    with pytest.raises(ValidationError, match="未设B角"):  # no backup: the post cannot be left
        org_services.user_mark_absent(actor=org.clerk_a, user=org.clerk_a, absent=True)
    with pytest.raises(PermissionDenied):
        org_services.user_set_backup(actor=org.clerk_a, user=org.clerk_a, backup=clerk_a2)
    with pytest.raises(ValidationError):  # the backup is of the same unit
        org_services.user_set_backup(actor=org.head_a, user=org.clerk_a, backup=org.clerk_b)
    org_services.user_set_backup(actor=org.head_a, user=org.clerk_a, backup=clerk_a2)
    assert list(queries.clerk_open(clerk_a2)) == []
    org_services.user_mark_absent(actor=org.clerk_a, user=org.clerk_a, absent=True)
    clerk_a2.refresh_from_db()
    assert permissions.acting_for(clerk_a2) == [clerk_a2.pk, org.clerk_a.pk]
    assert list(queries.clerk_open(clerk_a2)) == [app]
    line = next(line for line in home_todo(clerk_a2) if line.todo.key == "acting")
    assert line.count == 1
    client.force_login(clerk_a2)
    assert app.receipt_number in client.get(line.url).content.decode()
    # The clock's notices to the owner reach the backup too; the backup acts on the item.
    event_emit("clock.reminder", subject=app, recipients=["owner"], payload={"day": "2025-11-03"})
    notifications_fan_out()
    assert set(Notification.objects.filter(channel="inbox").values_list("user_id", flat=True)) >= {
        org.clerk_a.pk, clerk_a2.pk}
    with time_machine.travel(MONDAY, tick=False):
        services.application_decide(actor=clerk_a2, application=app, outcome="approved")
    app.refresh_from_db()
    assert app.decided_by == clerk_a2
    assert AuditLog.objects.filter(object_type="efficiency.user", summary__contains="离岗").exists()
    org_services.user_mark_absent(actor=org.head_a, user=org.clerk_a, absent=False)
    clerk_a2.refresh_from_db()
    assert permissions.acting_for(clerk_a2) == [clerk_a2.pk]
