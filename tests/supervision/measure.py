"""Rough figures: python manage.py shell < tests/supervision/measure.py (dev DB after seed_demo; adds 300 items)."""
import time
from datetime import timedelta
from django.utils import timezone
from efficiency.models import Unit, User
from efficiency.sweep import sweep
from supervision import services, queries
from supervision.models import AssignmentTarget, KeyTask

office = User.objects.get(username="xiaoneng2")
units = list(Unit.objects.filter(code__in=["EZ-ZRZY", "EZ-SCJG", "EZ-ZWSJ", "EZ-ZJ"]))
N = 300
t0 = time.perf_counter()
for i in range(N):
    services.assignment_create(actor=office, kind="field_research", title=f"测量 {i}", source_text="测量",
                               lead_unit=units[i % 4], co_units=[units[(i + 1) % 4]])
t1 = time.perf_counter()
print(f"create+dispatch: {N} assignments ({2*N} targets) in {t1-t0:.2f}s = {1000*(t1-t0)/N:.1f} ms each")

t = time.perf_counter(); rows = list(queries.target_list(office, status="open")[:200]); d = time.perf_counter() - t
print(f"work list (office, first 200 of {AssignmentTarget.objects.count()}): {1000*d:.1f} ms")
t = time.perf_counter(); ov = queries.overview(); d = time.perf_counter() - t
print(f"overview ({len(ov)} units): {1000*d:.1f} ms")
t = time.perf_counter(); lag = queries.lagging(KeyTask.objects.all()).count(); d = time.perf_counter() - t
print(f"lagging query: {1000*d:.1f} ms")
t = time.perf_counter(); c = sweep(now=timezone.now() + timedelta(days=120)); d = time.perf_counter() - t
print(f"sweep 120 days ahead: {c.get('supervision.assignmenttarget')} targets moved, {sum(c.values())} clocks, {d:.2f}s")
