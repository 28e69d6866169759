from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from efficiency.models import Region, Role, Unit, User
from efficiency.workdays import local_date

from .models import Finding, InspectionPlan, InspectorPool, Method, TargetPool

# An <input type="date"> takes only ISO dates, whatever the language renders dates as.
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _units():
    return Unit.objects.filter(is_active=True).order_by("code")


class PlanForm(forms.Form):
    topic = forms.CharField(label=_("督查主题"), max_length=200)
    scope = forms.CharField(label=_("检查内容与范围"), widget=forms.Textarea(attrs={"rows": 3}))
    method = forms.ChoiceField(label=_("方式"), choices=Method.choices)
    issuing_unit = forms.ModelChoiceField(label=_("发文单位"), queryset=Unit.objects.none())
    region = forms.ModelChoiceField(label=_("区域"), queryset=Region.objects.all())
    start_date = forms.DateField(label=_("开始日期"), widget=DATE)
    end_date = forms.DateField(label=_("结束日期"), widget=DATE)
    units = forms.ModelMultipleChoiceField(label=_("检查范围内单位"), queryset=Unit.objects.none(),
                                           widget=forms.SelectMultiple(attrs={"size": 8}))
    sample_size = forms.IntegerField(label=_("抽查单位数"), min_value=1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["issuing_unit"].queryset = _units()
        self.fields["units"].queryset = _units()


class PlanEditForm(forms.Form):
    """What the office may change in a draft or returned plan (issuing body and region stay)."""

    topic = forms.CharField(label=_("督查主题"), max_length=200)
    scope = forms.CharField(label=_("检查内容与范围"), widget=forms.Textarea(attrs={"rows": 3}))
    method = forms.ChoiceField(label=_("方式"), choices=Method.choices)
    start_date = forms.DateField(label=_("开始日期"), widget=DATE)
    end_date = forms.DateField(label=_("结束日期"), widget=DATE)
    units = forms.ModelMultipleChoiceField(label=_("检查范围内单位"), queryset=Unit.objects.none(),
                                           widget=forms.SelectMultiple(attrs={"size": 8}))
    sample_size = forms.IntegerField(label=_("抽查单位数"), min_value=1)

    def __init__(self, *args, plan: InspectionPlan, **kwargs):
        kwargs.setdefault("initial", {
            "topic": plan.topic, "scope": plan.scope, "method": plan.method, "start_date": plan.start_date,
            "end_date": plan.end_date, "units": list(plan.units.values_list("pk", flat=True)),
            "sample_size": plan.sample_size,
        })
        super().__init__(*args, **kwargs)
        # Units already in scope stay choosable even if since made inactive.
        self.fields["units"].queryset = Unit.objects.filter(Q(is_active=True) | Q(pk__in=plan.units.all())).order_by("code")


class CloseForm(forms.Form):
    summary = forms.CharField(label=_("督查检查总结"), widget=forms.Textarea(attrs={"rows": 5}))
    closed_on = forms.DateField(label=_("完成日期"), widget=DATE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["closed_on"].initial = local_date(timezone.now())


class AssessmentForm(forms.Form):
    assessor = forms.CharField(label=_("第三方评估机构"), max_length=200)
    report = forms.FileField(label=_("评估报告（PDF）"), required=False)


class ApproveForm(forms.Form):
    note = forms.CharField(label=_("审批意见"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    override_reason = forms.CharField(label=_("超限审批理由（超出年度上限或抽查比例时必填）"), required=False,
                                      widget=forms.Textarea(attrs={"rows": 2}))


class NoteForm(forms.Form):
    note = forms.CharField(label=_("意见"), widget=forms.Textarea(attrs={"rows": 2}))


class DrawForm(forms.Form):
    target_pool = forms.ModelChoiceField(label=_("检查对象库"), queryset=TargetPool.objects.all())
    inspector_pool = forms.ModelChoiceField(label=_("检查人员库"), queryset=InspectorPool.objects.all())
    n_targets = forms.IntegerField(label=_("抽取对象数"), min_value=1)
    per_target = forms.IntegerField(label=_("每个对象检查人员数"), min_value=1, initial=2)
    seed = forms.IntegerField(label=_("随机种子（留空由系统生成）"), required=False, min_value=0, max_value=2**64 - 1)


class VisitForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("被检查单位"), queryset=Unit.objects.none())
    kind = forms.ChoiceField(label=_("方式"), choices=Method.choices)
    research = forms.BooleanField(label=_("决策调研（计入暗访调研占比，目标 ≥ 50%）"), required=False)
    visited_on = forms.DateField(label=_("检查日期"), widget=DATE)
    place = forms.CharField(label=_("地点"), required=False)
    people_met = forms.CharField(label=_("接触人员"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    summary = forms.CharField(label=_("检查情况"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    draw = forms.ModelChoiceField(label=_("对应的双随机抽取"), queryset=None, required=False)

    def __init__(self, *args, plan: InspectionPlan, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = plan.units.order_by("code")
        self.fields["draw"].queryset = plan.draws.all()
        self.fields["visited_on"].initial = local_date(timezone.now())


class PhotoForm(forms.Form):
    image = forms.FileField(label=_("现场照片"))
    caption = forms.CharField(label=_("说明"), required=False)


class FindingForm(forms.Form):
    title = forms.CharField(label=_("问题"), max_length=200)
    description = forms.CharField(label=_("问题描述"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    severity = forms.ChoiceField(label=_("性质"), choices=Finding.Severity.choices)
    rectify_target = forms.CharField(label=_("整改目标"), widget=forms.Textarea(attrs={"rows": 2}))
    rectify_days = forms.IntegerField(label=_("整改期限（自然日）"), min_value=1, max_value=365, initial=30)
    feedback_date = forms.DateField(label=_("反馈日期"), widget=DATE)
    responsible = forms.ModelChoiceField(label=_("责任人"), queryset=User.objects.none(), required=False)

    def __init__(self, *args, unit: Unit, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible"].queryset = User.objects.filter(
            unit=unit, role__in=[Role.CLERK, Role.HEAD], is_active=True)
        self.fields["feedback_date"].initial = local_date(timezone.now())


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("移送问责理由"), widget=forms.Textarea(attrs={"rows": 2}))


class ReportForm(forms.Form):
    measures = forms.CharField(label=_("整改措施"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    report = forms.CharField(label=_("整改情况"), widget=forms.Textarea(attrs={"rows": 3}))


class CapForm(forms.Form):
    issuing_unit = forms.ModelChoiceField(label=_("发文单位"), queryset=Unit.objects.none())
    year = forms.IntegerField(label=_("年度"), min_value=2019, max_value=2100)
    base_2018 = forms.IntegerField(label=_("2018年督查检查次数（基数）"), min_value=0)
    cap = forms.IntegerField(label=_("年度上限"), min_value=0)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["issuing_unit"].queryset = _units()


class TargetPoolForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100)
    units = forms.ModelMultipleChoiceField(label=_("检查对象"), queryset=Unit.objects.none(),
                                           widget=forms.SelectMultiple(attrs={"size": 8}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["units"].queryset = _units()


class InspectorPoolForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100)
    members = forms.ModelMultipleChoiceField(
        label=_("检查人员"), queryset=User.objects.filter(role__in=[Role.OFFICE, Role.CLERK, Role.HEAD], is_active=True)
        .select_related("unit").order_by("unit__code", "username"), widget=forms.SelectMultiple(attrs={"size": 8}))


class MeasuresForm(forms.Form):
    measures = forms.CharField(label=_("整改措施（整改方案）"), widget=forms.Textarea(attrs={"rows": 3}))
    owner = forms.ModelChoiceField(label=_("整改责任人（单位负责人指定）"), queryset=User.objects.none(), required=False)

    def __init__(self, *args, unit, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = User.objects.filter(unit=unit, role__in=[Role.CLERK, Role.HEAD], is_active=True)
