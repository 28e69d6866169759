"""The whole REST API has one valid OpenAPI 3 schema, without warnings (DESIGN.md: /api/schema/)."""

from django.core.management import call_command


def test_the_schema_of_every_app_validates_without_warnings(db, tmp_path):
    out = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    text = out.read_text()
    for prefix in ("/api/v1/documents/", "/api/v1/documents/{id}/pdf/", "/api/v1/supervision/", "/api/v1/inspection/", "/api/v1/approvals/",
                   "/api/v1/accountability/", "/api/v1/public/complaints/", "/api/v1/public/applications/"):
        assert prefix in text
