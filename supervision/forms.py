from django import forms
from django.utils.translation import gettext_lazy as _

from efficiency.models import Unit

from .models import (
    AssignmentKind, ConsultationOpinion, Coordination, InternalProcedure, PolicyDocument, ProjectProcedure, RequiredOutput,
)


class AssignmentForm(forms.Form):
    kind = forms.ChoiceField(label=_("来源类别"), choices=AssignmentKind.choices)
    title = forms.CharField(label=_("标题"), max_length=200)
    source_text = forms.CharField(label=_("来源内容（批示/文件/决定原文）"), widget=forms.Textarea(attrs={"rows": 4}))
    issuing_leader = forms.CharField(label=_("批示/交办领导"), max_length=64, required=False)
    deadline = forms.DateField(label=_("办理时限（可空，空则按规则）"), required=False,
                               widget=forms.DateInput(attrs={"type": "date"}))
    # R56: an upper-level document that requires an implementing opinion, plan or measures.
    source_document = forms.CharField(label=_("上级文件名称及文号"), max_length=200, required=False)
    required_output = forms.ChoiceField(label=_("要求制发"), choices=[("", _("（无）")), *RequiredOutput.choices],
                                        required=False,
                                        help_text=_("上级文件要求制发实施意见、方案或配套措施的，办理时限按文件规定"))
    deadline_clause = forms.CharField(label=_("规定完成时限的条款"), max_length=200, required=False)
    is_confidential = forms.BooleanField(label=_("保密或敏感事项（不向社会公布）"), required=False)
    lead_unit = forms.ModelChoiceField(label=_("牵头单位"), queryset=Unit.objects.filter(is_active=True),
                                       required=False, help_text=_("调研/现场办公问题可先登记，再分解交办"))
    co_units = forms.ModelMultipleChoiceField(label=_("配合单位"), queryset=Unit.objects.filter(is_active=True),
                                              required=False)


class DispatchForm(forms.Form):
    lead_unit = forms.ModelChoiceField(label=_("牵头单位"), queryset=Unit.objects.filter(is_active=True))
    co_units = forms.ModelMultipleChoiceField(label=_("配合单位"), queryset=Unit.objects.filter(is_active=True),
                                              required=False)


class ReassignForm(forms.Form):
    """Acting on a coordination opinion: the unit to move the disputing unit's part to (转办), or
    the co-unit to make the lead (调整牵头)."""

    to_unit = forms.ModelChoiceField(label=_("调整给"), queryset=Unit.objects.filter(is_active=True))
    mode = forms.ChoiceField(label=_("调整方式"), choices=Coordination.Reassign.choices, required=False,
                             initial=Coordination.Reassign.TRANSFER)

    def clean_mode(self):
        return self.cleaned_data["mode"] or Coordination.Reassign.TRANSFER


class ProgressForm(forms.Form):
    percent = forms.IntegerField(label=_("完成进度（%）"), min_value=0, max_value=100)
    narrative = forms.CharField(label=_("进展情况"), widget=forms.Textarea(attrs={"rows": 3}))
    attachment = forms.FileField(label=_("附件"), required=False)


class NodeForm(forms.Form):
    title = forms.CharField(label=_("名称"), max_length=200)
    kind = forms.ChoiceField(label=_("类型"), choices=[("subtask", _("子任务")), ("milestone", _("节点")),
                                                      ("project", _("项目"))])
    parent = forms.IntegerField(label=_("上级节点"), required=False, widget=forms.HiddenInput)
    post = forms.CharField(label=_("责任岗位"), max_length=64, required=False)
    deadline = forms.DateField(label=_("完成时限"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Excel 文件（.xlsx）"))


class TaskListForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    title = forms.CharField(label=_("清单名称"), max_length=200, required=False)
    lag_margin = forms.IntegerField(label=_("预警阈值（百分点）"), min_value=1, max_value=100, initial=20)




class PolicyDocumentForm(forms.Form):
    number = forms.CharField(label=_("文号"), max_length=64)
    title = forms.CharField(label=_("文件标题"), max_length=200)
    issuer = forms.ChoiceField(label=_("发文名义"), choices=PolicyDocument.Issuer.choices)
    issued_on = forms.DateField(label=_("印发日期"), widget=forms.DateInput(attrs={"type": "date"}))
    unit = forms.ModelChoiceField(label=_("牵头起草部门"), queryset=Unit.objects.filter(is_active=True))


class ExecutionReportForm(forms.Form):
    """R55: the three parts of the year-end report, each required."""

    execution = forms.CharField(label=_("政策执行的具体情况"), widget=forms.Textarea(attrs={"rows": 4}))
    problems = forms.CharField(label=_("存在问题"), widget=forms.Textarea(attrs={"rows": 3}))
    measures = forms.CharField(label=_("解决的措施建议"), widget=forms.Textarea(attrs={"rows": 3}))


class ConsultationForm(forms.Form):
    subject = forms.CharField(label=_("征求意见事项"), max_length=200)
    draft = forms.CharField(label=_("征求意见稿"), widget=forms.Textarea(attrs={"rows": 4}))
    units = forms.ModelMultipleChoiceField(label=_("被征询单位"), queryset=Unit.objects.filter(is_active=True))


class OpinionForm(forms.Form):
    stance = forms.ChoiceField(label=_("意见"), choices=ConsultationOpinion.Stance.choices)
    text = forms.CharField(label=_("意见内容"), widget=forms.Textarea(attrs={"rows": 3}))
    new_principle = forms.BooleanField(label=_("新的原则性意见（仅最后决定阶段）"), required=False)
    principle_reason = forms.CharField(label=_("新的原则性意见的理由"), required=False,
                                       widget=forms.Textarea(attrs={"rows": 2}))


class InternalProcedureForm(forms.Form):
    kind = forms.ChoiceField(label=_("类别"), choices=InternalProcedure.Kind.choices)
    title = forms.CharField(label=_("名称"), max_length=200)
    body = forms.CharField(label=_("内容"), widget=forms.Textarea(attrs={"rows": 5}))


# --- key projects (R51) and county hard problems (R62) ---------------------------------------------

def _people():
    from efficiency.models import BUSINESS_ROLES, User

    return User.objects.filter(is_active=True, role__in=BUSINESS_ROLES).select_related("unit").order_by("unit_id", "id")


class PersonChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.full_name}（{obj.unit.name if obj.unit_id else '—'} {obj.get_rank_display()}）"


class ProjectForm(forms.Form):
    name = forms.CharField(label=_("项目名称"), max_length=200)
    enterprise = forms.CharField(label=_("投资企业"), max_length=200)
    enterprise_contact = forms.CharField(label=_("企业联系人及电话"), max_length=100)
    investment = forms.DecimalField(label=_("总投资（万元）"), min_value=0, max_digits=14, decimal_places=2)
    leader = PersonChoice(label=_("代办服务组组长（处级干部）"), queryset=_people())
    units = forms.ModelMultipleChoiceField(label=_("参加的有关部门"), queryset=Unit.objects.filter(is_active=True))


class ProcedureForm(forms.Form):
    kind = forms.ChoiceField(label=_("类别"), choices=ProjectProcedure.Kind.choices)
    title = forms.CharField(label=_("代办事项"), max_length=200)
    unit = forms.ModelChoiceField(label=_("办理单位"), queryset=Unit.objects.filter(is_active=True))
    owner = PersonChoice(label=_("代办人"), queryset=_people(), required=False)
    deadline = forms.DateField(label=_("办理时限（可空，空则按本地默认时限）"), required=False,
                               widget=forms.DateInput(attrs={"type": "date"}))


class ProcedureDoneForm(forms.Form):
    result = forms.CharField(label=_("办理结果"), widget=forms.Textarea(attrs={"rows": 2}))
    zero_contact = forms.BooleanField(label=_("零接触：企业未与群众、部门直接接触"), required=False, initial=True)
    contact_note = forms.CharField(label=_("有接触的，说明情况"), required=False)


class ProblemForm(forms.Form):
    region = forms.ModelChoiceField(label=_("县区"), queryset=None)
    title = forms.CharField(label=_("难题"), max_length=200)
    description = forms.CharField(label=_("难题情况"), widget=forms.Textarea(attrs={"rows": 3}))
    plan = forms.CharField(label=_("破解方案"), widget=forms.Textarea(attrs={"rows": 4}))
    leader = PersonChoice(label=_("责任领导"), queryset=_people())
    unit = forms.ModelChoiceField(label=_("工作班子牵头单位"), queryset=Unit.objects.filter(is_active=True))
    team_units = forms.ModelMultipleChoiceField(label=_("工作班子成员单位"), queryset=Unit.objects.filter(is_active=True),
                                                required=False)

    def __init__(self, *args, **kwargs):
        from efficiency.models import Region

        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = Region.objects.filter(level=Region.Level.COUNTY)


class MilestoneForm(forms.Form):
    title = forms.CharField(label=_("事项"), max_length=200, required=False)
    deadline = forms.DateField(label=_("完成时限（工作日）"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    requirements = forms.CharField(label=_("工作要求"), required=False)
    unit = forms.ModelChoiceField(label=_("责任单位"), queryset=Unit.objects.filter(is_active=True), required=False)
    owner = PersonChoice(label=_("责任人"), queryset=_people(), required=False)


MilestoneFormSet = forms.formset_factory(MilestoneForm, extra=3)


class MilestoneDoneForm(forms.Form):
    result = forms.CharField(label=_("完成情况"), widget=forms.Textarea(attrs={"rows": 2}))
