"""Official documents (efficiency.documents): numbering, immutability, rendering, scoped download,
and the 督办单 rung of the sweep."""

import threading
from datetime import datetime

import pytest
import time_machine
from django.db import DatabaseError, connection, connections, transaction
from django.urls import reverse

from efficiency import clocks, documents
from efficiency.clocks import Limit
from efficiency.models import AuditLog, Document, DocumentFile, ImmutableDocumentError, Region, Rung, Unit
from efficiency.sweep import sweep
from efficiency.workdays import SHANGHAI
from tests.clocktest.models import TimedItem
from tests.factories import make_unit
from tests.pdf import pdf_text

START = datetime(2025, 9, 1, 9, tzinfo=SHANGHAI)


def make_item(org, title="关于加快项目审批的事项", unit=None):
    item = TimedItem(unit=unit or org.unit_a, owner=org.clerk_a, title=title)
    clocks.clock_start(item, actor=None, limit=Limit(3), start=START, save=False)
    item.save()
    return item


def test_a_supervision_order_is_numbered_per_office_and_year_and_its_pdf_says_number_date_and_parties(org):
    org.office_unit.short_name = "鄂州市效能办"
    org.office_unit.save()
    item = make_item(org)
    # 2025-12-31 23:30 in Beijing is still 2025 there (15:30 UTC); the next is 2026.
    with time_machine.travel(datetime(2025, 12, 31, 23, 30, tzinfo=SHANGHAI), tick=False):
        first = documents.issue_document(kind="supervision_order", item=item, actor=org.office)
        second = documents.issue_document(kind="supervision_order", item=item, actor=org.office)
    with time_machine.travel(datetime(2026, 1, 1, 0, 30, tzinfo=SHANGHAI), tick=False):
        third = documents.issue_document(kind="supervision_order", item=item, actor=org.office)
    assert [first.number, second.number, third.number] == [
        "鄂州市效能办督〔2025〕1号", "鄂州市效能办督〔2025〕2号", "鄂州市效能办督〔2026〕1号"]
    assert first.fields["date"] == "2025年12月31日" and third.fields["date"] == "2026年1月1日"
    text = pdf_text(documents.document_pdf(first))
    for expected in ("鄂州市效能办督〔2025〕1号", "督办单", "2025年12月31日", org.unit_a.name, "鄂州市效能办",
                     "关于加快项目审批的事项", "印章位置", "张经办"):
        assert expected in text, expected
    assert first.addressee_unit == org.unit_a and first.office == org.office_unit
    assert AuditLog.objects.filter(action="doc.issue", object_id=str(first.pk)).exists()


def test_another_office_and_another_prefix_count_from_one(org):
    other_region = Region.objects.create(code="420100", name="武汉市", level=Region.Level.CITY)
    other_office = make_unit("武汉市效能办", region=other_region, code="WH-OFFICE", kind=Unit.Kind.OFFICE)
    unit_c = make_unit("武汉市某局", region=other_region, code="WH-C")
    a = documents.issue_document(kind="supervision_order", item=make_item(org), actor=org.office)
    c = documents.issue_document(kind="supervision_order", item=make_item(org, unit=unit_c), actor=org.office)
    assert (a.office, a.seq) == (org.office_unit, 1) and (c.office, c.seq) == (other_office, 1)


@pytest.mark.django_db(transaction=True)
def test_numbers_are_unique_and_without_gaps_under_concurrency(org):
    """Two threads issuing at once: the counter row's lock (INSERT … ON CONFLICT DO UPDATE …
    RETURNING) serialises them; twenty documents, numbers 1…20, none twice."""
    items = [make_item(org, title=f"事项{i}") for i in range(2)]
    barrier = threading.Barrier(2)
    errors = []

    def run(item):
        try:
            barrier.wait()
            for _i in range(10):
                with transaction.atomic():
                    documents.issue_document(kind="supervision_order", item=item, actor=org.office)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(item,)) for item in items]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    seqs = sorted(Document.objects.values_list("seq", flat=True))
    assert seqs == list(range(1, 21))
    assert Document.objects.values("number").distinct().count() == 20


def test_an_issued_document_cannot_be_changed_or_deleted_by_the_service_or_the_database(org):
    doc = documents.issue_document(kind="supervision_order", item=make_item(org), actor=org.office)
    documents.document_pdf(doc)
    doc.addressee = "别的单位"
    with pytest.raises(ImmutableDocumentError):
        doc.save()
    with pytest.raises(ImmutableDocumentError):
        doc.delete()
    with pytest.raises(ImmutableDocumentError):
        Document.objects.filter(pk=doc.pk).update(addressee="别的单位")
    with pytest.raises(ImmutableDocumentError):
        DocumentFile.objects.filter(pk=doc.pk).delete()
    for sql in ("UPDATE efficiency_document SET addressee = 'x' WHERE id = %s",
                "DELETE FROM efficiency_document WHERE id = %s",
                "UPDATE efficiency_documentfile SET pdf = 'x' WHERE document_id = %s"):
        with pytest.raises(DatabaseError, match="never changed"), transaction.atomic(), connection.cursor() as cur:
            cur.execute(sql, [doc.pk])
    doc.refresh_from_db()
    assert doc.addressee == org.unit_a.name


def test_a_correction_is_a_new_document_naming_the_one_it_replaces(org):
    item = make_item(org)
    doc = documents.issue_document(kind="supervision_order", item=item, actor=org.office)
    with pytest.raises(documents.ValidationError):
        documents.issue_document(kind="supervision_order", item=item, actor=org.office, replaces=doc)  # no reason
    fixed = documents.issue_document(kind="supervision_order", item=item, actor=org.office, replaces=doc,
                                     reason="责任人姓名有误")
    assert fixed.pk != doc.pk and fixed.replaces == doc and fixed.seq == doc.seq + 1
    assert doc.number in pdf_text(documents.document_pdf(fixed))
    assert Document.objects.get(pk=doc.pk).fields == doc.fields


def test_the_pdf_is_rendered_from_the_frozen_fields_never_the_live_item(org):
    item = make_item(org, title="原标题")
    doc = documents.issue_document(kind="supervision_order", item=item, actor=org.office)
    TimedItem.objects.filter(pk=item.pk).update(title="改过的标题")
    org.unit_a.name = "改名后的单位"
    org.unit_a.save()
    pdf = documents.document_pdf(doc)
    text = pdf_text(pdf)
    assert "原标题" in text and "改过的标题" not in text and "改名后的单位" not in text
    assert documents.render_pdf(doc.fields) == pdf  # deterministic: same fields, same bytes
    assert DocumentFile.objects.count() == 1
    assert documents.document_pdf(Document.objects.get(pk=doc.pk)) == pdf


def test_download_is_scoped_like_the_item(client, org):
    doc = documents.issue_document(kind="supervision_order", item=make_item(org), actor=org.office)
    url = reverse("document_pdf", args=[doc.pk])
    client.force_login(org.clerk_b)  # another unit
    assert client.get(url).status_code == 404
    assert AuditLog.objects.filter(action="denied", actor=org.clerk_b).exists()
    client.force_login(org.clerk_a)
    resp = client.get(url)
    assert resp.status_code == 200 and resp["Content-Type"] == "application/pdf"
    assert doc.number.replace(" ", "") in pdf_text(resp.content)
    client.force_login(org.office)
    assert client.get(url).status_code == 200
    assert client.get(reverse("document_pdf", args=[doc.pk + 999])).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302  # to the login page


def test_the_sweep_issues_a_supervision_order_at_the_notice_rung_before_the_accountability_proposal(org):
    """The ladder's 督办单 rung: a real 督办单 to the unit, by its office, dated in China time; an
    item crossing 督办单 and 问责建议 in one sweep gets its 督办单 first."""
    item = make_item(org)
    sweep(now=datetime(2025, 9, 5, 9, tzinfo=SHANGHAI))
    item.refresh_from_db()
    assert item.breach_level < Rung.NOTICE and not Document.objects.exists()
    sweep(now=item.notice_at)
    item.refresh_from_db()
    assert item.breach_level == Rung.NOTICE
    doc = Document.objects.get()
    assert (doc.kind, doc.subject_type, doc.subject_id, doc.addressee_unit, doc.office) == (
        "supervision_order", "clocktest.timeditem", item.pk, org.unit_a, org.office_unit)
    assert doc.fields["date"] == f"{item.notice_at.astimezone(SHANGHAI):%Y年%-m月%-d日}"
    assert "督办单" in pdf_text(documents.document_pdf(doc))
    sweep(now=item.notice_at)  # again: nothing more
    assert Document.objects.count() == 1
    # Straight past both rungs in one sweep: the 督办单 is written before the proposal.
    late = make_item(org, title="长期未办")
    sweep(now=late.escalate_at)
    order = Document.objects.get(subject_id=late.pk)
    from efficiency.models import Event

    proposal = Event.objects.get(kind="accountability.propose", subject_id=late.pk)
    assert order.fields["number"] == order.number and proposal.payload["source"] == "red_card"
    assert AuditLog.objects.filter(action="doc.issue", object_id=str(order.pk)).exists()


def test_the_ladders_supervision_orders_take_a_constant_number_of_statements(org, django_assert_num_queries):
    few = [make_item(org, title=f"少{i}") for i in range(2)]
    many = [make_item(org, title=f"多{i}") for i in range(20)]
    now = datetime(2025, 9, 30, 9, tzinfo=SHANGHAI)
    documents.supervision_orders_for(TimedItem, [few[0].pk], now=now)  # warm the counter row
    with django_assert_num_queries(6):
        documents.supervision_orders_for(TimedItem, [i.pk for i in few], now=now)
    with django_assert_num_queries(6):
        documents.supervision_orders_for(TimedItem, [i.pk for i in many], now=now)
    assert sorted(Document.objects.values_list("seq", flat=True)) == list(range(1, 24))


def test_hand_issue_needs_the_office_and_the_items_scope(client, org):
    item = make_item(org)
    url = reverse("document_issue")
    data = {"choice": f"clocktest.timeditem:{item.pk}|supervision_order", "next": "/"}
    client.force_login(org.clerk_b)
    assert client.post(url, data).status_code == 404  # not in the clerk's scope
    client.force_login(org.clerk_a)
    assert client.post(url, data).status_code == 403  # in scope, not the office
    client.force_login(org.office)
    assert client.post(url, {**data, "choice": f"clocktest.timeditem:{item.pk}|no_such_kind"}).status_code == 400
    assert client.post(url, {**data, "signed_by": str(org.clerk_a.pk)}).status_code == 400  # not a leader
    # A model off the ladder (a unit, the audit log) takes no 督办单; an unknown label is a 404.
    assert client.post(url, {**data, "choice": f"efficiency.unit:{org.unit_a.pk}|supervision_order"}).status_code == 400
    assert client.post(url, {**data, "choice": "efficiency.auditlog:1|supervision_order"}).status_code == 400
    assert client.post(url, {**data, "choice": "nope.nothing:1|supervision_order"}).status_code == 404
    assert client.post(url, {"choice": "", "next": "/"}).status_code == 400
    resp = client.post(url, {**data, "signed_by": str(org.leader.pk)})
    assert resp.status_code == 302
    doc = Document.objects.get()
    assert doc.signed_by == org.leader and doc.issued_by == org.office and doc.fields["signer"] == "刘市长"
    assert "刘市长" in pdf_text(documents.document_pdf(doc))
