"""Celery wrappers over duty services."""

from celery import shared_task

from . import services


@shared_task(name="duty.contact_points_warn")
def contact_points_warn_task() -> int:
    # Beat: EVERY_WORKDAY_0900 (registered in DutyConfig.ready through efficiency.schedule).
    return services.contact_points_warn()
