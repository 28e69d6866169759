"""Forms of the approvals pages: parse and validate input; the services do the writes."""

from django import forms
from django.utils.translation import gettext_lazy as _

from efficiency.models import Role, Unit, User

from .models import LEGAL_PAUSE_CHOICES, ApplicantKind, Material, RefusalGround, Score, ServiceItem, Status
from .validators import validate_applicant_id


class ServiceItemForm(forms.ModelForm):
    materials_text = forms.CharField(
        label=_("申请材料（每行一项）"), widget=forms.Textarea(attrs={"rows": 5}), required=False)
    joint_units = forms.ModelMultipleChoiceField(
        label=_("联审单位"), queryset=Unit.objects.filter(is_active=True), required=False,
        widget=forms.CheckboxSelectMultiple)
    pause_reasons = forms.MultipleChoiceField(
        label=_("可暂停计时的事由"), choices=LEGAL_PAUSE_CHOICES, required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("只适用于此后收件的办件；已收件的办件按收件时的规则办理。"))

    class Meta:
        model = ServiceItem
        fields = ["code", "name", "legal_basis", "conditions", "procedure", "fee", "legal_limit", "committed_limit",
                  "deemed_approval", "pause_reasons", "is_published", "one_visit"]
        widgets = {f: forms.Textarea(attrs={"rows": 3}) for f in ("legal_basis", "conditions", "procedure")}

    def __init__(self, *args, unit=None, **kwargs):
        super().__init__(*args, **kwargs)
        if unit is not None:
            self.instance.unit = unit
            self.fields["joint_units"].queryset = Unit.objects.filter(is_active=True).exclude(pk=unit.pk)
        if self.instance.pk:
            self.fields["materials_text"].initial = "\n".join(
                m.name for m in self.instance.materials.filter(required=True))
            self.fields["joint_units"].initial = list(self.instance.joint_units.all())

    def clean(self):
        data = super().clean()
        c, legal = data.get("committed_limit"), data.get("legal_limit")
        if c is not None and legal is not None and c > legal:
            # R16: also checked by the model and the service.
            self.add_error("committed_limit", _("承诺时限（%(c)s 个工作日）不得超过法定时限（%(l)s 个工作日）。")
                           % {"c": c, "l": legal})
        return data

    def service_kwargs(self) -> dict:
        d = self.cleaned_data
        fields = {name: d[name] for name in self.Meta.fields}
        return {**fields, "materials": d["materials_text"].splitlines(), "joint_units": list(d["joint_units"])}


class ServiceStepForm(forms.Form):
    """One 办理环节 (R61); the service refuses a step without its limit, leader or handler."""

    name = forms.CharField(label=_("环节名称"), max_length=64, required=False)
    limit_days = forms.IntegerField(label=_("环节时限（工作日）"), min_value=1, required=False)
    leader = forms.ModelChoiceField(label=_("责任领导"), queryset=User.objects.none(), required=False)
    handler = forms.ModelChoiceField(label=_("经办人"), queryset=User.objects.none(), required=False)

    def __init__(self, *args, unit=None, **kwargs):
        super().__init__(*args, **kwargs)
        members = User.objects.filter(unit=unit, is_active=True).order_by("full_name")
        self.fields["leader"].queryset = members.filter(role=Role.HEAD)
        self.fields["handler"].queryset = members.filter(role__in=[Role.CLERK, Role.HEAD])

    @property
    def is_blank(self) -> bool:
        d = getattr(self, "cleaned_data", {})
        return not any(d.get(k) for k in ("name", "limit_days", "leader", "handler"))


ServiceStepFormSet = forms.formset_factory(ServiceStepForm, extra=2)


class IntakeForm(forms.Form):
    applicant_kind = forms.ChoiceField(label=_("申请人类型"), choices=ApplicantKind.choices)
    applicant_name = forms.CharField(label=_("申请人（姓名或单位名称）"), max_length=128)
    applicant_id_number = forms.CharField(label=_("身份证号码 / 统一社会信用代码"), max_length=18,
                                          min_length=1)
    applicant_phone = forms.CharField(label=_("联系电话"), max_length=20)
    project = forms.CharField(label=_("申请事由/项目名称"), max_length=200, required=False)
    materials = forms.ModelMultipleChoiceField(label=_("已收材料（逐项核对打勾）"), queryset=Material.objects.none(),
                                               required=False, widget=forms.CheckboxSelectMultiple)
    submitted_at = forms.DateTimeField(
        label=_("材料到达时间"), required=False,
        help_text=_("网上申报的提交时间，或材料先于登记送达窗口的时间；当场收件请留空。"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"])

    def __init__(self, *args, item: ServiceItem, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["materials"].queryset = item.materials.filter(required=True)

    def clean(self):
        data = super().clean()
        if data.get("applicant_kind") and data.get("applicant_id_number"):
            try:
                data["applicant_id_number"] = validate_applicant_id(data["applicant_kind"], data["applicant_id_number"])
            except forms.ValidationError as exc:
                self.add_error("applicant_id_number", exc)
        return data


class CompleteForm(forms.Form):
    materials = forms.ModelMultipleChoiceField(label=_("补齐的材料"), queryset=Material.objects.none(),
                                               widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, application, **kwargs):
        super().__init__(*args, **kwargs)
        ids = [m["id"] for m in application.missing_materials]
        self.fields["materials"].queryset = Material.objects.filter(pk__in=ids)


class DecideForm(forms.Form):
    outcome = forms.ChoiceField(label=_("决定"), choices=[(Status.APPROVED, _("准予许可")), (Status.REJECTED, _("不予许可"))],
                                widget=forms.RadioSelect)
    reason = forms.CharField(label=_("理由（不予许可必填）"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class RefuseAcceptanceForm(forms.Form):
    """不予受理 (行政许可法 §32): the ground, the reasons, and for another agency's power, which."""

    ground = forms.ChoiceField(label=_("不予受理情形"), choices=RefusalGround.choices)
    reason = forms.CharField(label=_("不予受理理由"), widget=forms.Textarea(attrs={"rows": 2}))
    refer_to = forms.CharField(label=_("告知向其申请的机关（不属于本机关职权范围时必填）"), max_length=128, required=False)


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("撤回说明"), max_length=200, required=False)


class PauseForm(forms.Form):
    reason = forms.ChoiceField(label=_("暂停事由（依法不计入时限）"), choices=LEGAL_PAUSE_CHOICES)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


class ExtensionForm(forms.Form):
    reason = forms.CharField(label=_("延期理由"), widget=forms.Textarea(attrs={"rows": 2}))


class ReassignForm(forms.Form):
    """The head's 改派承办人 form. The choices are the unit's other active clerks; the service
    checks the same again (an id from elsewhere gets its message, not a form error)."""

    to_user = forms.ModelChoiceField(label=_("改派给"), queryset=User.objects.none(), empty_label=_("请选择经办人"))
    reason = forms.CharField(label=_("改派理由"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, application, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_user"].queryset = (User.objects.filter(unit_id=application.unit_id, role=Role.CLERK,
                                                               is_active=True)
                                           .exclude(pk=application.owner_id).order_by("full_name", "pk"))


class StepForm(forms.Form):
    consent = forms.TypedChoiceField(label=_("会审意见"), coerce=lambda v: v == "1",
                                     choices=[("1", _("同意")), ("0", _("不同意"))], widget=forms.RadioSelect)
    opinion = forms.CharField(label=_("意见及理由（不同意须说明理由，否则视为同意）"),
                              widget=forms.Textarea(attrs={"rows": 3}), required=False)


class FollowUpForm(forms.Form):
    note = forms.CharField(label=_("回访/整改情况"), widget=forms.Textarea(attrs={"rows": 2}))


class LookupForm(forms.Form):
    receipt_number = forms.CharField(label=_("受理编号"), max_length=32)
    code = forms.CharField(label=_("查询码"), max_length=16)


class RatingForm(forms.Form):
    score = forms.TypedChoiceField(label=_("评价"), coerce=int, choices=Score.choices, widget=forms.RadioSelect)
    comment = forms.CharField(label=_("意见建议"), widget=forms.Textarea(attrs={"rows": 3}), required=False,
                              max_length=2000)
