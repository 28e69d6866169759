"""Background jobs (`efficiency.models.BackgroundJob`): a person asks, a Celery task works while
the page polls the job's progress."""

import logging

from django.utils import timezone
from django.utils.translation import gettext as _

from .celery import app as celery_app

log = logging.getLogger(__name__)


def job_enqueue(model, job_id: int, task: str) -> None:
    """Ask for the Celery task `task` of a `BackgroundJob` (by name: the task module wraps the
    caller); with the broker down the job fails at once saying so, and the page does not."""
    try:
        celery_app.signature(task, args=(job_id,)).delay()
    except Exception:  # noqa: BLE001 - the broker is down: say so on the job, do not fail the page
        log.warning("broker unavailable; %s job %s not started", task, job_id, exc_info=True)
        model.objects.filter(pk=job_id, state=model.State.QUEUED).update(
            state=model.State.FAILED, finished_at=timezone.now(),
            message=_("任务队列暂不可用，未能开始，请稍后重试。"))
