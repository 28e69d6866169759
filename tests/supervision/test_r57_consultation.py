"""R57 (2019 (四)): 被征询单位……所提意见经主要负责同志签字后及时反馈；在最后决定阶段，除非有新的
原则性意见，否则不再提出异议. A consulted unit's opinion is returned only under its principal's
signature (a clerk cannot return it); at the final decision stage an objection is refused unless
it is flagged as a new opinion of principle with its reason."""

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from efficiency.models import Event, Role
from supervision import services
from supervision.models import AssignmentKind as K, Consultation, ConsultationOpinion

from ..factories import make_unit, make_user
from .conftest import at

pytestmark = pytest.mark.django_db
LATER = at(2024, 9, 18, 10, 0)


@pytest.fixture
def consultation(org, make_assignment):
    item = make_assignment(K.UPPER_DOC)
    with time_machine.travel(LATER, tick=False):
        return services.consultation_open(actor=org.clerk_a, assignment=item, subject="实施意见（征求意见稿）",
                                          draft="一、总体要求……", units=[org.unit_b])


def _return(actor, c, **kw):
    with time_machine.travel(LATER, tick=False):
        return services.opinion_return(actor=actor, consultation=c, **{"stance": "amend", "text": "建议第三条增加时限",
                                                                       **kw})


def test_r57_a_consulted_units_opinion_is_signed_by_its_principal_not_a_clerk(org, consultation):
    with pytest.raises(PermissionDenied, match="主要负责同志"):
        _return(org.clerk_b, consultation)
    deputy = make_user(Role.HEAD, unit=org.unit_b, username="deputy_b", full_name="钱副局长")
    with pytest.raises(PermissionDenied, match="赵局长"):  # the unit named its principal (R42): that person
        _return(deputy, consultation)
    assert not ConsultationOpinion.objects.exists()
    op = _return(org.head_b, consultation)
    assert (op.signed_by, op.unit, op.stage, op.new_principle) == (org.head_b, org.unit_b, "consulting", False)
    e = Event.objects.get(kind="assignment.opinion_returned")
    assert "赵局长" in e.message and e.unit_id == org.unit_a.pk


def test_r57_a_unit_not_consulted_cannot_return_an_opinion(org, consultation):
    unit_c = make_unit("鄂州市住房和城乡建设局", region=org.region, code="C")
    head_c = make_user(Role.HEAD, unit=unit_c, username="head_c")
    for who in (head_c, org.head_a, org.office):
        with pytest.raises(PermissionDenied):
            _return(who, consultation)
    with pytest.raises(ValidationError):  # bad input: no stance, no text
        _return(org.head_b, consultation, stance="maybe")
    with pytest.raises(ValidationError):
        _return(org.head_b, consultation, text=" ")
    _return(org.head_b, consultation)
    with pytest.raises(ValidationError, match="已反馈"):
        _return(org.head_b, consultation)


def test_r57_at_the_final_stage_an_objection_needs_a_new_opinion_of_principle_with_its_reason(org, consultation):
    with time_machine.travel(LATER, tick=False):
        with pytest.raises(ValidationError, match="尚未反馈"):
            services.consultation_finalize(actor=org.clerk_a, consultation=consultation)
    _return(org.head_b, consultation, stance="agree", text="同意")
    with time_machine.travel(LATER, tick=False):
        with pytest.raises(PermissionDenied):  # the consulted unit does not move the stage
            services.consultation_finalize(actor=org.head_b, consultation=consultation)
        services.consultation_finalize(actor=org.clerk_a, consultation=consultation)
    consultation.refresh_from_db()
    assert consultation.stage == Consultation.Stage.FINAL
    with pytest.raises(ValidationError, match="除非有新的原则性意见"):
        _return(org.head_b, consultation, stance="object", text="不同意第三条")
    with pytest.raises(ValidationError) as e:
        _return(org.head_b, consultation, stance="object", text="不同意第三条", new_principle=True)
    assert "principle_reason" in e.value.message_dict
    with pytest.raises(PermissionDenied):  # still the principal's signature
        _return(org.clerk_b, consultation, stance="object", text="不同意", new_principle=True, principle_reason="新情况")
    assert consultation.opinions.count() == 1
    op = _return(org.head_b, consultation, stance="object", text="第三条与新出台的省级规定冲突",
                 new_principle=True, principle_reason="省政府 9 月 17 日印发新规定，征求意见时尚未出台")
    assert (op.stage, op.new_principle) == ("final", True)
    with time_machine.travel(LATER, tick=False):
        services.consultation_decide(actor=org.head_a, consultation=consultation, decision="按新规定修改第三条后印发")
    consultation.refresh_from_db()
    assert (consultation.stage, consultation.decided_by) == ("decided", org.head_a)
    with pytest.raises(ValidationError):
        _return(org.head_b, consultation, stance="object", text="再提", new_principle=True, principle_reason="x")


def test_r57_the_consultation_page_takes_the_principals_signature_and_refuses_others(client, org, consultation):
    url = reverse("supervision:consultation", args=[consultation.assignment_id, consultation.pk])
    outsider_unit = make_unit("鄂州市住房和城乡建设局", region=org.region, code="C")
    with time_machine.travel(LATER, tick=False):
        client.force_login(make_user(Role.CLERK, unit=outsider_unit, username="clerk_c"))
        assert client.get(url).status_code == 404
        client.force_login(org.clerk_b)
        page = client.get(url).content.decode()
        assert "实施意见（征求意见稿）" in page and 'id="opinion-form"' not in page
        assert client.post(url, {"step": "opinion", "stance": "agree", "text": "同意"}).status_code == 403
        client.force_login(org.head_b)
        assert 'id="opinion-form"' in client.get(url).content.decode()
        r = client.post(url, {"step": "opinion", "stance": "agree", "text": ""}, follow=True)
        assert "请选择意见并填写意见内容" in r.content.decode()
        r = client.post(url, {"step": "opinion", "stance": "agree", "text": "同意"})
        assert r.status_code == 302
        client.force_login(org.clerk_a)
        assert client.post(url, {"step": "final"}).status_code == 302
        client.force_login(org.head_b)
        r = client.post(url, {"step": "opinion", "stance": "object", "text": "不同意"}, follow=True)
        assert "除非有新的原则性意见" in r.content.decode()
    assert list(consultation.opinions.values_list("stage", "stance")) == [("consulting", "agree")]


def test_r57_only_the_office_or_the_lead_unit_opens_a_consultation(org, make_assignment):
    item = make_assignment(K.UPPER_DOC)
    with time_machine.travel(LATER, tick=False):
        with pytest.raises(PermissionDenied):
            services.consultation_open(actor=org.clerk_b, assignment=item, subject="x", draft="y", units=[org.unit_a])
        with pytest.raises(ValidationError):  # nobody to consult but itself
            services.consultation_open(actor=org.clerk_a, assignment=item, subject="x", draft="y", units=[org.unit_a])
        c = services.consultation_open(actor=org.office, assignment=item, subject="x", draft="y", units=[org.unit_b])
    assert c.unit == org.office_unit
    assert Event.objects.filter(kind="assignment.consulted", unit=org.unit_b, recipients=["head"]).exists()
