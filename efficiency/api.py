"""The REST API frame: consistent error bodies, and the core's endpoints."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from django.utils.translation import gettext as _
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    """Every error body is {"error": {"code", "message", "fields"}} with a message in the
    user's language; a service's ValidationError is a 400, never a server error."""
    if isinstance(exc, DjangoValidationError):
        fields = exc.message_dict if hasattr(exc, "error_dict") else {}
        message = "；".join(exc.messages)
        exc = exceptions.ValidationError(fields or {"non_field_errors": exc.messages})
        response = drf_exception_handler(exc, context)
        response.data = {"error": {"code": "invalid", "message": message, "fields": fields}}
        return response
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(_("未找到，或您无权查看。"))
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    detail = response.data
    if isinstance(detail, dict) and "detail" in detail and len(detail) == 1:
        message, fields = str(detail["detail"]), {}
    elif isinstance(detail, dict):
        fields = detail
        message = "；".join(
            f"{k}: {v[0] if isinstance(v, list) and v else v}" if k != "non_field_errors" else str(v[0])
            for k, v in detail.items()
        )
    else:
        message, fields = "；".join(str(x) for x in detail), {}
    code = getattr(exc, "default_code", "error")
    response.data = {"error": {"code": code, "message": message, "fields": fields}}
    if response.status_code == status.HTTP_429_TOO_MANY_REQUESTS:
        response.data["error"]["message"] = _("请求过于频繁，请稍后再试。") + message
    return response


def error_response(message: str, *, code: str = "invalid", status_code: int = 400, fields=None,
                   retry_after: int | None = None) -> Response:
    """The API's error body; a 429 says when to come back (`Retry-After`, seconds)."""
    response = Response({"error": {"code": code, "message": message, "fields": fields or {}}}, status=status_code)
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


class KeepsSessionUser:
    """For a public endpoint without authentication (a code is the key) that still records who
    acted when a staff member's browser session makes the call (the gaming detectors'
    rating_by_staff): `self.session_user`, read before DRF's anonymous user replaces it."""

    session_user = None

    def dispatch(self, request, *args, **kwargs):
        self.session_user = getattr(request, "user", None)
        return super().dispatch(request, *args, **kwargs)
