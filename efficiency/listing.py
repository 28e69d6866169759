"""The ledgers' lists: one FilterSet per ledger (`<app>/filters.py`) serves the page, the API
(DRF's DjangoFilterBackend reads the same class) and the Excel export, so the three always hold
the same rows. Each FilterSet filters a queryset the app has already scoped
(`efficiency.permissions` through the app's `*_visible(user)`), so no filter reaches another
unit's rows.

The shared parts: the search box `q` over a ledger's `search_fields`, a date range over its
`date_field` (days in China time), the `sort` whitelist, filters that feed the app's own
`*_where(params, now)` helper (the one the home page's to-do counts with, so a to-do link opens
exactly the counted rows), pagination with the total, and a streamed `.xlsx` (or, for a large one, a background job:
`efficiency.exports`)."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import django_filters
from django import forms
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from .models import Rung, Unit
from .workdays import SHANGHAI

PER_PAGE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

WINDOW_CHOICES = [("overdue", _("已过期")), ("3", _("3 天内到期")), ("7", _("7 天内到期")), ("30", _("30 天内到期"))]
RUNG_CHOICES = [(str(r.value), _("%(rung)s及以上") % {"rung": r.label}) for r in Rung if r.value > 0]


# --- filters ---------------------------------------------------------------------------------


class _ByWhere:
    """A filter whose value the ledger's `where` helper reads (with the others of its kind),
    rather than a lookup of its own."""

    def filter(self, qs, value):
        return qs


class WhereChoice(_ByWhere, django_filters.ChoiceFilter):
    pass


class WhereText(_ByWhere, django_filters.CharFilter):
    pass


def window_filter():
    return WhereChoice(label=_("期限"), choices=WINDOW_CHOICES, empty_label=_("不限"))


def rung_filter():
    return WhereChoice(label=_("预警"), choices=RUNG_CHOICES, empty_label=_("不限"))


def unit_filter(field: str = "unit", label=_("单位")):
    return django_filters.ModelChoiceFilter(
        field_name=field, label=label, empty_label=_("全部"), distinct="__" in field,
        queryset=Unit.objects.filter(is_active=True).order_by("code"))


class SortFilter(django_filters.OrderingFilter):
    """`sort`: only the whitelisted keys (`fields`, key → label); the primary key breaks ties so
    that pages never repeat or skip a row."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label", _("排序"))
        kwargs.setdefault("empty_label", _("默认"))
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if not value:
            return qs
        ordering = [self.get_ordering_value(v) for v in value if v]
        last = ordering[-1] if ordering else ""
        return qs.order_by(*ordering, "-pk" if last.startswith("-") else "pk")


class LedgerFilterSet(django_filters.FilterSet):
    """A ledger's filters. Subclasses set `search_fields` (the `q` box: number, title, parties —
    each a case-insensitive substring), `date_field` (the range `date_from`–`date_to`, whole days
    in China time for a datetime), and `where` (the app's `*_where(params, now)`: it receives the
    values of every `WhereChoice`/`WhereText` filter as strings, empty when not given)."""

    q = django_filters.CharFilter(label=_("搜索"), method="filter_q", max_length=100,
                                  widget=forms.TextInput(attrs={"type": "search"}))
    date_from = django_filters.DateFilter(label=_("起始日期"), method="filter_date_from",
                                          widget=forms.DateInput(attrs={"type": "date"}))
    date_to = django_filters.DateFilter(label=_("截止日期"), method="filter_date_to",
                                        widget=forms.DateInput(attrs={"type": "date"}))

    search_fields: Sequence[str] = ()
    search_placeholder = ""
    date_field = ""
    where: Callable | None = None

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None, now: datetime | None = None):
        super().__init__(data, queryset, request=request, prefix=prefix)
        self.now = now or timezone.now()
        if self.search_placeholder:
            self.filters["q"].extra["widget"] = forms.TextInput(
                attrs={"type": "search", "placeholder": str(self.search_placeholder)})
        if not self.date_field:
            self.filters.pop("date_from")
            self.filters.pop("date_to")

    def filter_q(self, qs, name, value):
        words = value.split()
        for word in words:
            any_field = Q()
            for field in self.search_fields:
                any_field |= Q(**{f"{field}__icontains": word})
            qs = qs.filter(any_field)
        return qs.distinct() if words and any("__" in f for f in self.search_fields) else qs

    def _day_start(self, day: date):
        field = self.queryset.model._meta.get_field(self.date_field.split("__")[0])
        if field.get_internal_type() == "DateField":
            return day
        return datetime.combine(day, time.min, tzinfo=SHANGHAI)

    def filter_date_from(self, qs, name, value):
        return qs.filter(**{f"{self.date_field}__gte": self._day_start(value)})

    def filter_date_to(self, qs, name, value):
        start = self._day_start(value)
        if isinstance(start, datetime):
            return qs.filter(**{f"{self.date_field}__lt": start + timedelta(days=1)})
        return qs.filter(**{f"{self.date_field}__lte": start})

    def filter_queryset(self, queryset):
        qs = super().filter_queryset(queryset)
        params = {name: str(self.form.cleaned_data.get(name) or "") for name, f in self.filters.items()
                  if isinstance(f, _ByWhere) and name in self.form.cleaned_data}
        if self.where is not None:
            qs = qs.filter(type(self).where(params, self.now))
        return qs

    def querystring(self) -> str:
        """The current filters as a query string (no page), for the export link."""
        if not self.is_bound:
            return ""
        keep = self.data.copy()
        keep.pop("page", None)
        return keep.urlencode()


# --- page --------------------------------------------------------------------------------------


def paginate(request, qs, per_page: int = PER_PAGE):
    """The page asked for (`page`, out of range: the last), with `paginator.count` the total. The
    primary key breaks ties of the list's order, so no row is on two pages or on none."""
    order = list(qs.query.order_by or qs.model._meta.ordering)
    if "pk" not in order and "-pk" not in order:
        qs = qs.order_by(*order, "pk")
    return Paginator(qs, per_page).get_page(request.GET.get("page"))


class Head:
    """The first rows of a list a workspace shows in part, and how many there are in all, so the
    page says it shows only the first ones (nothing is cut silently)."""

    def __init__(self, qs, n: int = 100):
        self.rows = list(qs[:n])
        self.total = qs.count() if len(self.rows) == n else len(self.rows)
        self.more = self.total > len(self.rows)

    def __iter__(self):
        return iter(self.rows)

    def __len__(self):
        return len(self.rows)

    def __bool__(self):
        return bool(self.rows)


def list_context(request, filterset, *, export: str = "") -> dict:
    """What `_list_controls.html` and `_pagination.html` read: the form, the page, the total and
    the export link carrying the current filters."""
    page = paginate(request, filterset.qs)
    qs = filterset.querystring()
    return {"filter": filterset, "page": page, "items": page.object_list,
            "export_url": f"{export}?{qs}" if export and qs else export}


# --- export ------------------------------------------------------------------------------------


class Column:
    """One column of a ledger's export: a header (Chinese by default) and how to read the value."""

    def __init__(self, header, value: Callable, width: int = 14):
        self.header, self.value, self.width = header, value, width


def china_time(value: datetime | None) -> datetime | None:
    """A moment as Excel holds it: a wall-clock time without zone, in China time."""
    return timezone.localtime(value, SHANGHAI).replace(tzinfo=None) if value else None


def _cell(ws, value):
    if isinstance(value, datetime):
        cell = WriteOnlyCell(ws, china_time(value))
        cell.number_format = "yyyy-mm-dd hh:mm"
        return cell
    if isinstance(value, date):
        cell = WriteOnlyCell(ws, value)
        cell.number_format = "yyyy-mm-dd"
        return cell
    if value is None or isinstance(value, int | float | Decimal | bool):
        return WriteOnlyCell(ws, value)
    return WriteOnlyCell(ws, str(value))


def xlsx_write(out, rows: Iterable, columns: Sequence[Column], *, title: str = "",
               progress: Callable[[int], None] | None = None, every: int = 1000) -> int:
    """Write a workbook of `rows` to the file `out`: openpyxl's write-only mode keeps one row in
    memory while the rows are read in chunks (`QuerySet.iterator`). `progress(n)` hears the
    count every `every` rows (the background export's progress). Returns the rows written."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=(str(title) or "Sheet1")[:31])
    for n, col in enumerate(columns):
        ws.column_dimensions[get_column_letter(n + 1)].width = col.width
    header = []
    for col in columns:
        cell = WriteOnlyCell(ws, str(col.header))
        cell.font = Font(bold=True)
        header.append(cell)
    ws.append(header)
    if hasattr(rows, "iterator"):
        rows = rows.iterator(chunk_size=2000)
    written = 0
    for row in rows:
        ws.append([_cell(ws, col.value(row)) for col in columns])
        written += 1
        if progress is not None and written % every == 0:
            progress(written)
    wb.save(out)
    return written


def xlsx_response(rows: Iterable, columns: Sequence[Column], filename: str, *, title: str = "") -> FileResponse:
    """Stream a workbook of `rows` (`xlsx_write` to a temporary file, the response streams that
    file). No row cap: every row of the filtered ledger is written."""
    out = tempfile.TemporaryFile()
    xlsx_write(out, rows, columns, title=title)
    out.seek(0)
    return FileResponse(out, as_attachment=True, filename=filename, content_type=XLSX)
