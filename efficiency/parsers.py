"""The API's parsers (settings.REST_FRAMEWORK); imported by DRF's settings, so it imports no view."""

from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.parsers import JSONParser


class JSONObjectParser(JSONParser):
    """Every write takes an object: a JSON `null`, list or string reached `request.data.get` or
    `"field" in request.data` in a view (a 500 on an inspection plan's PUT with `null`)."""

    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        if not isinstance(data, dict):
            raise exceptions.ParseError(_("请求体须为 JSON 对象。"))
        return data

