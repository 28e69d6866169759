"""The OpenAPI schema's generator (settings.REST_FRAMEWORK): the schema says what the API
answers, and schemathesis checks that it does (tests/efficiency/test_api_fuzz.py)."""

import copy
from http import HTTPStatus

from django.core.exceptions import FieldDoesNotExist
from drf_spectacular import openapi
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework import serializers
from rest_framework.permissions import AllowAny


ERROR = {  # the body of every error answer (efficiency.api.exception_handler)
    "type": "object",
    "properties": {"error": {
        "type": "object",
        "properties": {"code": {"type": "string"}, "message": {"type": "string"}, "fields": {"type": "object"}},
        "required": ["code", "message", "fields"],
    }},
    "required": ["error"],
}


class AutoSchema(openapi.AutoSchema):
    """Every operation documents its error answers (efficiency.api.exception_handler's body), and a
    read-only choice stored blank or null may be "" or null."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        error = ResolvedComponent(name="Error", type=ResolvedComponent.SCHEMA, object="Error", schema=ERROR)
        self.registry.register_on_missing(error)
        for code in self._error_codes():
            responses.setdefault(code, {"content": {"application/json": {"schema": error.ref}},
                                        "description": HTTPStatus(int(code)).phrase})
        return responses

    def _error_codes(self) -> list[str]:
        # 400: a malformed or invalid request, and a NUL anywhere (efficiency.middleware) on any operation.
        # 401: no, a bad, an expired or a revoked token, or an idle session — on any operation, a
        # public one included (credentials that were sent are checked; efficiency.tokens).
        codes = ["400", "401"]
        public = all(isinstance(p, AllowAny) for p in self.view.get_permissions())
        if not public:
            codes.append("403")  # a forbidden action on an item the user sees (efficiency.permissions)
        # 404: anything outside the user's scope (efficiency.permissions), an unknown number.
        if not public or "{" in self.path:
            codes.append("404")
        if self.method in ("POST", "PUT", "PATCH"):
            codes.append("415")  # a body in a media type the parsers do not take (or none named)
        if public or self.view.get_throttles():
            codes.append("429")  # the public endpoints are rate limited
        return codes

    def _map_serializer_field(self, field, direction, bypass_extend_schema_guess=False):
        if isinstance(field, serializers.ChoiceField) and field.read_only and not field.allow_blank:
            model_field = _model_field(field)
            if model_field is not None and (model_field.blank or model_field.null):
                field = copy.copy(field)
                field.allow_blank, field.allow_null = model_field.blank, model_field.null
        return super()._map_serializer_field(field, direction, bypass_extend_schema_guess)


def _model_field(field):
    model = getattr(getattr(field.parent, "Meta", None), "model", None)
    if model is None or "." in field.source:
        return None
    try:
        return model._meta.get_field(field.source)
    except FieldDoesNotExist:
        return None
