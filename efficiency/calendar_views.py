"""The working-day calendar page: the years held and their source, the provisional years
that open deadlines fall in, and — for the system administrator — the import of a year's
official calendar from CSV (rows `date,kind,name`; kind holiday/放假 or workday/上班).

Mounted by efficiency/urls.py:
    path("calendar/", calendar_views.calendar_page, name="calendar"),
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .calendar import CalendarImportError, calendar_import_year
from .models import CalendarDay, CalendarYear, Role
from .queries import provisional_years_with_open_deadlines


class CalendarImportForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("年份"), min_value=2004, max_value=2100)
    file = forms.FileField(
        label=gettext_lazy("CSV 文件"),
        help_text=gettext_lazy("每行：日期,类别,名称；类别为 放假/holiday 或 上班/workday"),
    )

    def clean_file(self):
        f = self.cleaned_data["file"]
        if f.size > 200_000:
            raise forms.ValidationError(_("文件过大。"))
        try:
            return f.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise forms.ValidationError(_("文件须为 UTF-8 编码的 CSV。")) from None


@login_required
def calendar_page(request):
    is_admin = request.user.role == Role.SYSTEM_ADMIN
    form = CalendarImportForm()
    if request.method == "POST":
        if not is_admin:
            raise PermissionDenied
        form = CalendarImportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                result = calendar_import_year(actor=request.user, year=form.cleaned_data["year"],
                                              content=form.cleaned_data["file"])
            except CalendarImportError as exc:
                for error in exc.errors:
                    form.add_error("file", error)
            else:
                messages.success(request, _("已导入 %(year)s 年官方日历，重新计算了 %(n)s 个期限。")
                                 % {"year": form.cleaned_data["year"], "n": result["recomputed"]})
                return redirect(request.path)
    years = list(CalendarYear.objects.order_by("-year")[:6])
    days = {y.year: list(CalendarDay.objects.filter(date__year=y.year).order_by("date")) for y in years[:3]}
    return render(request, "efficiency/calendar_import.html", {
        "years": years, "days": days, "form": form if is_admin else None,
        "provisional_open": provisional_years_with_open_deadlines(),
    }, status=400 if form.errors else 200)
