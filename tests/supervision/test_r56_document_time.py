"""R56 (2019 (七)): 要求制发实施意见、方案、配套措施的，必须在规定时间内完成 — an assignment from an
upper-level document that requires an implementing opinion, plan or measures runs to the time
the document sets (not a default rule), recorded with the document's clause."""

from datetime import date

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from efficiency.models import Event
from supervision import services
from supervision.models import Assignment, AssignmentKind as K, RequiredOutput

from .conftest import FRIDAY, at

pytestmark = pytest.mark.django_db
DOC = dict(source_document="省政府《关于进一步提升执行力的意见》（鄂政发〔2024〕12号）",
           required_output=RequiredOutput.OPINION, deadline=date(2024, 10, 31), deadline_clause="第七条第二款")


def _through_deploy(org, target):
    with time_machine.travel(at(2024, 9, 13, 15, 0), tick=False):
        services.target_acknowledge(actor=org.clerk_a, target=target)
    with time_machine.travel(at(2024, 9, 18, 10, 0), tick=False):
        services.target_deploy(actor=org.clerk_a, target=target, note="已部署起草实施意见")
    target.refresh_from_db()
    return target


def test_r56_the_implementing_opinion_runs_to_the_documents_own_time_with_its_clause(org, make_assignment):
    item = make_assignment(K.UPPER_DOC, **DOC)
    assert (item.source_document, item.required_output, item.deadline_clause) == (
        DOC["source_document"], "opinion", "第七条第二款")
    target = _through_deploy(org, item.targets.get())
    # The document's 31 October, not the default first-report rule (a month from deployment).
    assert target.step == "deadline" and target.time_rule is None
    assert target.due_at == at(2024, 10, 31, 23, 59, 59)
    started = Event.objects.filter(kind="clock.started", subject_type="supervision.assignmenttarget",
                                   subject_id=target.pk).latest("id")
    assert "第七条第二款" in started.message and "鄂政发〔2024〕12号" in started.message


def test_r56_an_upper_document_item_without_the_documents_time_clause_or_name_is_refused(org, make_assignment):
    for missing in ("deadline", "deadline_clause", "source_document"):
        values = {**DOC, missing: None if missing == "deadline" else ""}
        with pytest.raises(ValidationError) as e:
            make_assignment(K.UPPER_DOC, **values)
        assert missing in e.value.message_dict
    with pytest.raises(ValidationError) as e:  # only an upper-level document requires an opinion
        make_assignment(K.INSTRUCTION, **DOC)
    assert "required_output" in e.value.message_dict
    with pytest.raises(ValidationError):
        make_assignment(K.UPPER_DOC, **{**DOC, "required_output": "poem"})
    with pytest.raises(ValidationError) as e:  # a document's time always names its clause
        make_assignment(K.UPPER_DOC, **{**DOC, "required_output": "", "deadline_clause": ""})
    assert "deadline_clause" in e.value.message_dict
    assert not Assignment.objects.exists()


def test_r56_the_office_cannot_extend_the_time_the_upper_document_set(org, make_assignment):
    target = _through_deploy(org, make_assignment(K.UPPER_DOC, **DOC).targets.get())
    with time_machine.travel(at(2024, 9, 20, 10, 0), tick=False):
        assert "extend" not in services.target_actions(org.office, target)
        with pytest.raises(ValidationError, match="上级文件规定"):
            services.target_extend(actor=org.office, target=target, value=5, reason="起草任务重")
    target.refresh_from_db()
    assert target.due_at == at(2024, 10, 31, 23, 59, 59) and not target.extension_value
    # An item whose deadline the office set itself can still be extended.
    other = _through_deploy(org, make_assignment(K.UPPER_DOC, deadline=date(2024, 10, 31),
                                                 title="另一件").targets.get())
    with time_machine.travel(at(2024, 9, 20, 10, 0), tick=False):
        services.target_extend(actor=org.office, target=other, value=5, reason="起草任务重")
    other.refresh_from_db()
    assert other.extension_value == 5


def test_r56_the_registration_page_records_the_document_and_shows_what_is_missing(client, org):
    client.force_login(org.office)
    form = {"kind": K.UPPER_DOC, "title": "制发实施意见", "source_text": "请各地各部门制发实施意见",
            "issuing_leader": "刘市长", "source_document": DOC["source_document"], "required_output": "opinion",
            "deadline": "2024-10-31", "deadline_clause": "", "lead_unit": org.unit_a.pk}
    with time_machine.travel(FRIDAY, tick=False):
        r = client.post(reverse("supervision:assignment_new"), form)
        assert r.status_code == 200 and "请注明上级文件规定该时限的条款" in r.content.decode()
        assert not Assignment.objects.exists()
        r = client.post(reverse("supervision:assignment_new"), {**form, "deadline_clause": "第七条"})
        item = Assignment.objects.get()
        assert r.status_code == 302 and item.deadline_clause == "第七条" and item.deadline == date(2024, 10, 31)
        page = client.get(item.get_absolute_url()).content.decode()
    assert "第七条" in page and "实施意见" in page
