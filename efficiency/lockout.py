"""What a locked-out login gets: the Chinese page, or the API's JSON error body."""

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def locked_out(request, credentials=None, *args, **kwargs):
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    message = _("连续登录失败次数过多，账号已锁定 %(minutes)s 分钟，请稍后再试或联系安全管理员解锁。") % {"minutes": minutes}
    if request.path.startswith("/api/"):
        return JsonResponse({"error": {"code": "locked_out", "message": message, "fields": {}}}, status=429)
    context = {"failure_limit": settings.AXES_FAILURE_LIMIT, "cooloff_timedelta": settings.AXES_COOLOFF_TIME}
    return render(request, settings.AXES_LOCKOUT_TEMPLATE, context, status=429)
