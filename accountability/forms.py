"""Forms of the public complaint page and the office's actions."""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from efficiency.models import Unit

from .models import Category, ExemptionGround, Measure, Rating


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*,application/pdf"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class ComplaintForm(forms.Form):
    category = forms.ChoiceField(label=_("投诉类别"), choices=[("", _("请选择"))] + list(Category.choices))
    subject_unit = forms.CharField(label=_("被投诉单位"), max_length=128,
                                   widget=forms.TextInput(attrs={
                                       "list": "unit-list", "autocomplete": "off", "placeholder": _("输入单位名称查找"),
                                       "hx-get": "/accountability/public/units.json?format=options",
                                       "hx-trigger": "input changed delay:300ms", "hx-target": "#unit-list",
                                       "hx-swap": "innerHTML"}))
    occurred_on = forms.DateField(label=_("发生日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    place = forms.CharField(label=_("发生地点"), max_length=200, required=False)
    description = forms.CharField(label=_("投诉内容（发生了什么）"), max_length=5000,
                                  widget=forms.Textarea(attrs={"rows": 6}))
    attachments = MultipleFileField(label=_("附件（图片或 PDF，每个不超过 10 MB）"), required=False)
    is_anonymous = forms.BooleanField(
        label=_("匿名投诉"), required=False, initial=False,
        help_text=_("默认实名投诉。选择匿名后，办理人员无法电话回访核实情况，答复也不能通过电话或短信告知您；"
                    "您仍可凭投诉编号和查询码在网上查询办理进度和答复。"))
    name = forms.CharField(label=_("姓名"), max_length=64, required=False)
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    captcha_id = forms.CharField(widget=forms.HiddenInput)
    captcha_answer = forms.CharField(label=_("验证码"), max_length=10,
                                     widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "latin"}))

    def clean_subject_unit(self):
        """The name, or the id a channel app sends, looked up by the filing's own statement
        (issue #17: no query here); `unit_missing` looks it up for a form with other errors."""
        from .services import UnitNamed

        return UnitNamed.parse(self.cleaned_data["subject_unit"])

    def unit_missing(self) -> bool:
        unit = self.cleaned_data.get("subject_unit")
        return unit is not None and not unit.exists()


class TrackForm(forms.Form):
    tracking_number = forms.CharField(label=_("投诉编号"), max_length=20)
    code = forms.CharField(label=_("查询码"), max_length=20, widget=forms.TextInput(attrs={"autocomplete": "off"}))


class RateForm(forms.Form):
    rating = forms.ChoiceField(label=_("评价"), choices=Rating.choices, widget=forms.RadioSelect)
    comment = forms.CharField(label=_("意见"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ReexamineForm(forms.Form):
    reason = forms.CharField(label=_("申请复查的理由"), widget=forms.Textarea(attrs={"rows": 3}))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("理由"), widget=forms.Textarea(attrs={"rows": 3}))


class AssignForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("承办单位"), queryset=Unit.objects.filter(is_active=True).exclude(kind=Unit.Kind.OFFICE))


class UnitReplyForm(forms.Form):
    """The unit reports its findings and what it did; whether it is substantiated is the office's."""

    reply = forms.CharField(label=_("调查核实情况和处理结果"), widget=forms.Textarea(attrs={"rows": 5}))


class ReplyForm(forms.Form):
    reply = forms.CharField(label=_("答复内容"), widget=forms.Textarea(attrs={"rows": 5}), required=False)
    substantiated = forms.NullBooleanField(label=_("效能办认定：投诉是否属实"), required=False, widget=forms.Select(
        choices=[("unknown", _("未认定")), ("true", _("属实")), ("false", _("不属实"))]))


class CaseOpenForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("责任单位"), queryset=Unit.objects.filter(is_active=True))
    person = forms.IntegerField(label=_("责任人（用户编号，可空）"), required=False)
    person_missing_reason = forms.CharField(label=_("不能指明责任人的原因（未填责任人时必填）"), required=False,
                                            widget=forms.Textarea(attrs={"rows": 2}))
    leader_missing_reason = forms.CharField(
        label=_("不能指明直接领导责任人的原因（默认为责任单位负责人；单位未登记负责人时必填）"), required=False,
        widget=forms.Textarea(attrs={"rows": 2}))
    reason = forms.CharField(label=_("问责事由"), widget=forms.Textarea(attrs={"rows": 3}))


class PersonsForm(forms.Form):
    """R46: the person at fault and the directly responsible leader, or why not."""

    person = forms.ModelChoiceField(label=_("责任人（当事人）"), queryset=None, required=False)
    person_missing_reason = forms.CharField(label=_("不能指明责任人的原因"), required=False,
                                            widget=forms.Textarea(attrs={"rows": 2}))
    leader = forms.ModelChoiceField(label=_("直接领导责任人"), queryset=None, required=False)
    leader_missing_reason = forms.CharField(label=_("不能指明直接领导责任人的原因"), required=False,
                                            widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, case, **kwargs):
        from efficiency.models import Role, User

        super().__init__(*args, **kwargs)
        people = User.objects.filter(is_active=True).order_by("full_name")
        self.fields["person"].queryset = people.filter(unit=case.unit)
        self.fields["leader"].queryset = people.filter(Q(unit=case.unit) | Q(role=Role.LEADER))
        for f in ("person", "leader"):
            self.fields[f].label_from_instance = lambda u: f"{u.full_name}（{u.post or u.get_role_display()}）"


class SubmitForm(forms.Form):
    proposal = forms.CharField(label=_("处理建议（提请决定机关决定）"), widget=forms.Textarea(attrs={"rows": 3}))


class JudicialForm(forms.Form):
    organ = forms.CharField(label=_("接收移送的司法机关"), max_length=128)
    transferred_on = forms.DateField(label=_("移送日期"), widget=forms.DateInput(attrs={"type": "date"}))


class FactsForm(forms.Form):
    facts = forms.CharField(label=_("调查事实"), widget=forms.Textarea(attrs={"rows": 4}))
    evidence = forms.CharField(label=_("证据"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class StatementForm(forms.Form):
    statement = forms.CharField(label=_("陈述申辩"), widget=forms.Textarea(attrs={"rows": 4}))


class DecideForm(forms.Form):
    """The deciding body's decision; for 容错免责 the facts of each of the 三个区分开来 and each
    local condition (本地默认, 种子未规定) the administrator set."""

    decision = forms.ChoiceField(label=_("处理决定"), choices=[("none", _("不予追责")), ("exempt", _("容错免责")),
                                                           ("measure", _("问责"))])
    grounds = forms.MultipleChoiceField(label=_("容错依据（三个区分开来）：适用的项"), choices=ExemptionGround.choices,
                                        required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, conditions=(), **kwargs):
        super().__init__(*args, **kwargs)
        fields = {}
        for g in ExemptionGround:
            fields[f"facts_{g.value}"] = forms.CharField(
                label=_("“%(g)s”：事实（适用或不适用的理由）") % {"g": g.label}, required=False,
                widget=forms.Textarea(attrs={"rows": 2}))
        for c in conditions:
            fields[f"cond_{c.pk}_met"] = forms.BooleanField(
                label=_("本地容错条件（本地默认，种子未规定）：%(c)s — 已满足") % {"c": c.label}, required=False)
            fields[f"cond_{c.pk}_facts"] = forms.CharField(label=_("该条件的事实"), required=False,
                                                           widget=forms.Textarea(attrs={"rows": 2}))
        # after the grounds, before the measures
        order = ["decision", "grounds", *fields, "person_measures", "head_measures", "reason"]
        self.fields.update(fields)
        self.order_fields(order)
    person_measures = forms.MultipleChoiceField(label=_("对责任人"), choices=Measure.choices, required=False,
                                                widget=forms.CheckboxSelectMultiple)
    head_measures = forms.MultipleChoiceField(label=_("对单位负责人（部门首长问责）"), choices=Measure.choices,
                                              required=False, widget=forms.CheckboxSelectMultiple)
    reason = forms.CharField(label=_("决定理由"), widget=forms.Textarea(attrs={"rows": 3}))


class ResultForm(forms.Form):
    result = forms.CharField(label=_("复核结果"), widget=forms.Textarea(attrs={"rows": 3}))


class BulletinForm(forms.Form):
    title = forms.CharField(label=_("标题"), max_length=200)
    kind = forms.ChoiceField(label=_("类别"), choices=[("mixed", _("典型案例通报")), ("criticism", _("通报批评")),
                                                    ("commendation", _("通报表扬"))])
    cases = forms.ModelMultipleChoiceField(label=_("问责案件"), queryset=None, required=False,
                                           widget=forms.CheckboxSelectMultiple)
    complaints = forms.ModelMultipleChoiceField(label=_("效能投诉"), queryset=None, required=False,
                                                widget=forms.CheckboxSelectMultiple)
    body = forms.CharField(label=_("正文（留空则按所选案件和投诉生成草稿）"), required=False,
                           widget=forms.Textarea(attrs={"rows": 8}))

    def __init__(self, *args, **kwargs):
        from .models import AccountabilityCase, Complaint

        super().__init__(*args, **kwargs)
        self.fields["cases"].queryset = AccountabilityCase.objects.exclude(decision="").select_related("unit")
        self.fields["complaints"].queryset = Complaint.objects.filter(answered_at__isnull=False).select_related("subject_unit")
        self.fields["complaints"].label_from_instance = lambda c: f"{c.tracking_number} {c.subject_unit.name} {c.get_category_display()}"
