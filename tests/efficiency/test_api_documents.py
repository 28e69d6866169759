"""The documents API: an item's official documents, one document and its PDF, each scoped like the
item (another unit's user gets the item's 404, audited), bad input a 400."""

import pytest
from rest_framework.test import APIClient

from accountability import services as acc
from accountability.models import Measure
from efficiency.models import AuditLog, Document
from supervision import services as sup
from supervision.models import AssignmentKind
from tests.pdf import pdf_text

pytestmark = pytest.mark.django_db


def api(user=None):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def handed_out(org):
    """An assignment the office hands to unit A: its 交办单 (assignment_order) is issued with it."""
    return sup.assignment_create(actor=org.office, kind=AssignmentKind.INSTRUCTION, title="关于加快推进项目审批的批示",
                                 source_text="请加快推进。", issuing_leader="刘市长", lead_unit=org.unit_a)


def _list(user, subject_type, subject_id, **more):
    return api(user).get("/api/v1/documents/", {"subject_type": subject_type, "subject_id": subject_id, **more})


def test_the_units_clerk_and_the_office_list_the_items_documents(org, handed_out):
    (doc,) = Document.objects.filter(subject_type="supervision.assignment", subject_id=handed_out.pk)
    for user in (org.clerk_a, org.office):
        r = _list(user, "supervision.assignment", handed_out.pk)
        assert r.status_code == 200, r.content
        (row,) = r.json()
        assert row["id"] == doc.pk and row["number"] == doc.number and row["kind"] == "assignment_order"
        assert row["title"] == "交办单" and row["office_name"] == org.office_unit.name
        assert row["date"] == doc.fields["date"] and row["addressee"] == org.unit_a.name
        assert row["pdf_url"] == f"/api/v1/documents/{doc.pk}/pdf/"
    assert _list(org.office, "supervision.assignment", handed_out.pk, kind="supervision_order").json() == []


def test_another_units_clerk_gets_404_for_the_list_the_document_and_its_pdf(org, handed_out):
    (doc,) = Document.objects.filter(subject_type="supervision.assignment", subject_id=handed_out.pk)
    outsider = api(org.clerk_b)
    for r in (_list(org.clerk_b, "supervision.assignment", handed_out.pk),
              outsider.get(f"/api/v1/documents/{doc.pk}/"), outsider.get(f"/api/v1/documents/{doc.pk}/pdf/")):
        assert r.status_code == 404, r.content
        assert r.json()["error"]["code"] == "not_found"
        assert doc.number not in r.content.decode()
    assert AuditLog.objects.filter(action="denied", actor=org.clerk_b, object_id=str(handed_out.pk)).count() == 3
    assert not AuditLog.objects.filter(action="doc.download").exists()
    # The same requests by the unit's own clerk succeed.
    assert api(org.clerk_a).get(f"/api/v1/documents/{doc.pk}/").json()["number"] == doc.number


def test_the_pdf_is_the_printed_document_and_its_download_is_audited(org, handed_out):
    (doc,) = Document.objects.filter(subject_type="supervision.assignment", subject_id=handed_out.pk)
    r = api(org.clerk_a).get(f"/api/v1/documents/{doc.pk}/pdf/")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert r["Content-Disposition"] == f'attachment; filename="document-{doc.pk}.pdf"'
    text = pdf_text(r.content)
    for expected in (doc.number, "交办单", doc.fields["date"], org.unit_a.name, "刘市长"):
        assert expected in text
    assert AuditLog.objects.filter(action="doc.download", actor=org.clerk_a, object_id=str(doc.pk)).count() == 1


def test_bad_input_is_a_400_and_an_unknown_document_a_404(org, handed_out):
    for params, field in (({"subject_id": handed_out.pk}, "subject_type"),
                          ({"subject_type": "efficiency.unit", "subject_id": org.unit_a.pk}, "subject_type"),
                          ({"subject_type": "nosuch.model", "subject_id": 1}, "subject_type"),
                          ({"subject_type": "supervision.assignment", "subject_id": "x"}, "subject_id"),
                          ({"subject_type": "supervision.assignment"}, "subject_id")):
        r = api(org.office).get("/api/v1/documents/", params)
        assert r.status_code == 400, (params, r.content)
        assert field in r.json()["error"]["fields"]
    assert _list(org.office, "supervision.assignment", 999999).status_code == 404
    assert api(org.office).get("/api/v1/documents/999999/").status_code == 404
    assert api(org.office).get("/api/v1/documents/999999/pdf/").status_code == 404
    assert api().get("/api/v1/documents/", {"subject_type": "supervision.assignment",
                                            "subject_id": handed_out.pk}).status_code in (401, 403)


def test_r69_the_person_reads_the_decision_on_their_case_and_another_unit_does_not(org):
    case = acc.case_open(actor=org.office, unit=org.unit_a, person=org.clerk_a, reason="办件超期")
    case = acc.case_record_facts(case=case, actor=org.office, facts="超期属实", evidence="系统日志")
    acc.case_record_statement(case=case, actor=org.clerk_a, statement="无异议")
    case = acc.case_submit(case=case, actor=org.office, proposal="建议责令作出书面检查")
    acc.case_decide(case=case, actor=org.leader, decision="measure", reason="超期属实",
                    person_measures=[Measure.SELF_CRITICISM])
    rows = _list(org.clerk_a, "accountability.accountabilitycase", case.pk).json()
    assert [r["kind"] for r in rows] == ["accountability_decision"]
    assert rows[0]["office_name"] == org.leader.unit.name
    assert "责令作出书面检查" in pdf_text(api(org.clerk_a).get(rows[0]["pdf_url"]).content)
    assert _list(org.clerk_b, "accountability.accountabilitycase", case.pk).status_code == 404
    assert api(org.clerk_b).get(rows[0]["pdf_url"]).status_code == 404


def test_the_document_api_matrix_follows_the_items_scope(org):
    """Role × document → 200 or 404, for the document, its PDF and its item's list alike."""
    from tests.permission_matrix import assert_matrix, client_for_org

    docs = {}
    for name, unit in (("own", org.unit_a), ("other", org.unit_b)):
        item = sup.assignment_create(actor=org.office, kind=AssignmentKind.POLICY_INTERPRETATION, title="政策解读",
                                     source_text="请解读。", lead_unit=unit)
        docs[name] = Document.objects.get(subject_type="supervision.assignment", subject_id=item.pk)
    expected = {"clerk_a": {"own": 200, "other": 404}, "head_a": {"own": 200, "other": 404},
                "clerk_b": {"own": 404, "other": 200}, "office": {"own": 200, "other": 200},
                "leader": {"own": 200, "other": 200}}
    for url in (lambda d: f"/api/v1/documents/{d.pk}/", lambda d: f"/api/v1/documents/{d.pk}/pdf/",
                lambda d: f"/api/v1/documents/?subject_type={d.subject_type}&subject_id={d.subject_id}"):
        assert_matrix(client_for_org(org), url, docs, expected)
