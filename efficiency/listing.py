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

import copy
import json
import tempfile
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import django_filters
from django import forms
from django.core import signing
from django.core.exceptions import EmptyResultSet, FieldDoesNotExist
from django.db import connections
from django.db.models import F, IntegerField, OrderBy, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.query import ModelIterable, ValuesIterable
from django.forms.renderers import DjangoTemplates
from django.http import FileResponse, QueryDict
from django.utils import timezone
from django.utils.choices import BaseChoiceIterator
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from . import queries
from .models import Rung, Unit
from .workdays import SHANGHAI

PER_PAGE = 50
# A list's total is counted exactly up to this many rows (the count stops there, so it costs the
# same at any table size); above, the page shows the planner's estimate as "约 N 条".
EXACT_COUNT_UP_TO = 1000
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


class _ActiveUnitChoices(BaseChoiceIterator):
    """A unit drop-down's choices: the empty label, then the active units in code order from
    this process's copy (`efficiency.queries.active_units`), read again at each render — no query
    a request, a unit added or renamed is listed on the next one. (A BaseChoiceIterator: Django
    keeps it lazy instead of freezing the choices into a list when the field is built.)"""

    def __init__(self, field):
        self.field = field

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        yield from queries.active_units()

    def __len__(self):
        return len(queries.active_units()) + (self.field.empty_label is not None)

    def __bool__(self):
        return self.field.empty_label is not None or bool(queries.active_units())


class UnitChoiceField(django_filters.fields.ModelChoiceField):
    """A ModelChoiceField over the active units (its `queryset`, which the API schema reads)
    whose choices and validation come from the process's copy of units: a value is an active
    unit's id, cleaned to that id (the filter's `unit=<id>`), anything else refused with
    Django's own "select a valid choice" error."""

    iterator = _ActiveUnitChoices

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            pk = int(str(value))
        except (TypeError, ValueError):
            pk = None
        if pk is None or pk not in dict(queries.active_units()):
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice",
                                        params={"value": value})
        return pk


class UnitFilter(django_filters.ModelChoiceFilter):
    field_class = UnitChoiceField


def unit_filter(field: str = "unit", label=_("单位")):
    return UnitFilter(field_name=field, label=label, empty_label=_("全部"), distinct="__" in field,
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


def _html_attrs(attrs) -> str:
    """Django's `django/forms/widgets/attrs.html` in Python: ` name="value"` each (escaped), a
    True attribute by its name alone, a False one left out."""
    return mark_safe("".join(format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value)
                             for name, value in attrs.items() if value is not False))


def _option_html(option) -> str:
    # select.html's line break and indent, then select_option.html with its closing line break
    return format_html('\n  <option value="{}"{}>{}</option>\n', option["value"], _html_attrs(option["attrs"]),
                       option["label"])


def _select_html(widget) -> str:
    """Django's `select.html` and its `select_option.html` per option, the same HTML (and the same
    escaping: every name, value and label through `format_html`) built in Python."""
    parts = [format_html('<select name="{}"{}>', widget["name"], _html_attrs(widget["attrs"]))]
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(format_html('\n  <optgroup label="{}">', group_name))
        parts.extend(_option_html(option) for option in options)
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return mark_safe("".join(parts))


class LedgerFormRenderer(DjangoTemplates):
    """The ledgers' filter forms' renderer: a `<select>` (a unit drop-down lists every active
    unit) is built in Python in one pass instead of one template render per option — the same
    HTML as Django's widget templates; every other widget through those templates."""

    def render(self, template_name, context, request=None):
        widget = context.get("widget")
        if (template_name == forms.Select.template_name and widget is not None and "optgroups" in widget
                and all(o["template_name"] == forms.Select.option_template_name
                        for _name, options, _index in widget["optgroups"] for o in options)):
            return _select_html(widget)
        return super().render(template_name, context, request)


_FORM_RENDERER = LedgerFormRenderer()
_FORM_CLASSES: dict = {}


class _SharedFields(dict):
    """A cached ledger form's `base_fields`: each form gets its own shallow copy of every field
    (sharing widgets and choices, which a filter form only reads) instead of Django's deep copy
    of every choice list and lazy label, on each request."""

    def __deepcopy__(self, memo):
        return {name: copy.copy(field) for name, field in self.items()}


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
        # django-filter's own __init__, but each filter a shallow copy of the class's (its own
        # object, model and parent; the choices and options shared, which nothing here changes)
        # rather than a deep copy of every choice list and lazy label on each request.
        if queryset is None:
            queryset = self._meta.model._default_manager.all()
        self.is_bound = data is not None
        self.data = data or QueryDict()
        self.queryset, self.request, self.form_prefix = queryset, request, prefix
        self.filters = {name: copy.copy(f) for name, f in self.base_filters.items()}
        for f in self.filters.values():
            f.model, f.parent = queryset.model, self
            if f.method is not None:
                f.method = f.method  # its FilterMethod bound to this copy (it finds the method on the parent)
        self.now = now or timezone.now()
        if self.search_placeholder:
            q = self.filters["q"]
            q.extra = {**q.extra, "widget": forms.TextInput(
                attrs={"type": "search", "placeholder": str(self.search_placeholder)})}
        if not self.date_field:
            self.filters.pop("date_from")
            self.filters.pop("date_to")

    def get_form_class(self):
        """The form class, built once per ledger (django-filter builds it on every request; the
        fields are copied per form anyway)."""
        form_class = _FORM_CLASSES.get(type(self))
        if form_class is None:
            form_class = super().get_form_class()
            form_class.base_fields = _SharedFields(form_class.base_fields)
            form_class.default_renderer = _FORM_RENDERER
            _FORM_CLASSES[type(self)] = form_class
        return form_class

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


class Total:
    """A list's total as the page shows it: exact (`共 N 条`) when the list is small — counted, but
    never more than `EXACT_COUNT_UP_TO` + 1 rows, so the count costs the same at any table
    size — else the planner's estimate (`约 N 条`: EXPLAIN's row estimate, which for an
    unfiltered list is pg_class.reltuples scaled to the table's current size)."""

    def __init__(self, n: int, estimated: bool = False, at_least: bool = False):
        self.n, self.estimated, self.at_least = n, estimated, at_least

    def __int__(self):
        return self.n

    def __eq__(self, other):
        return self.n == other if isinstance(other, int) else NotImplemented

    def __repr__(self):
        return f"Total({self.n}, estimated={self.estimated})"

    def __str__(self):
        return str(self.n)


def _plan_rows(cursor, sql: str, params) -> int:
    """The planner's row estimate for the query (no rows read)."""
    cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
    plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


def _bounded_count_sql(qs, exact_up_to: int, arms=None) -> tuple[str, tuple]:
    """The list's rows counted, but never more than `exact_up_to` + 1 of them (`arms`: as
    `_read`'s, each arm counted by its own read)."""
    if arms:
        parts = [qs.filter(arm).order_by().values("pk")[:int(exact_up_to) + 1] for arm in arms]
        sql, params = parts[0].union(*parts[1:], all=True).query.sql_with_params()
    else:
        sql, params = qs.order_by().values("pk").query.sql_with_params()
    return f"SELECT count(*) FROM ({sql} LIMIT {int(exact_up_to) + 1}) AS bounded", params


def _total_of(qs, n: int, exact_up_to: int) -> Total:
    """The total from a bounded count `n`: exact up to `exact_up_to`, else the planner's estimate."""
    if n <= exact_up_to:
        return Total(n)
    sql, params = qs.order_by().values("pk").query.sql_with_params()
    with connections[qs.db].cursor() as cursor:
        guess = _plan_rows(cursor, sql, params)
    if guess > exact_up_to:
        return Total(guess, estimated=True)
    return Total(exact_up_to, estimated=True, at_least=True)  # the planner guessed low: "more than N"


def count_total(qs, *, exact_up_to: int | None = None, arms=None) -> Total:
    """How many rows the list holds: exact up to `exact_up_to` (a count bounded by LIMIT), above it
    the planner's estimate, flagged as such."""
    exact_up_to = EXACT_COUNT_UP_TO if exact_up_to is None else exact_up_to
    sql, params = _bounded_count_sql(qs, exact_up_to, arms)
    with connections[qs.db].cursor() as cursor:
        cursor.execute(sql, params)
        n = cursor.fetchone()[0]
    return _total_of(qs, n, exact_up_to)


_COUNTED = "ledger_bounded_total"


# --- rows read as values -------------------------------------------------------------------------

class Row:
    """A list's row read as values (`values_rows`), not a model instance: its columns as
    attributes. A subclass adds what the page's template calls on a row."""

    def __init__(self, values: dict):
        self.__dict__.update(values)


class _RowIterable(ValuesIterable):
    """values() rows, each made into `row_class(values)`."""

    row_class: type = Row

    def __iter__(self):
        return map(self.row_class, super().__iter__())


_ROW_ITERABLES: dict[type, type] = {}


def values_rows(qs, row_class: type = Row, *fields, **expressions):
    """`qs.values(*fields, **expressions)` yielding `row_class` objects: a wide list's page reads
    only the columns its template shows and builds no model instance a row (Django's
    `Model.from_db` sets every field of the model, deferred or not). `ledger_page` pages and
    counts such a queryset like any other."""
    iterable = _ROW_ITERABLES.get(row_class)
    if iterable is None:
        iterable = _ROW_ITERABLES[row_class] = type(f"{row_class.__name__}Iterable", (_RowIterable,),
                                                    {"row_class": row_class})
    qs = qs.values(*fields, **expressions)
    qs._iterable_class = iterable
    return qs


def _with_count(qs, count_qs):
    """The page's rows carrying the list's bounded count (`_COUNTED`, a scalar subquery the
    database runs once): the page and its total in one statement, one round trip. None when the
    page's query groups rows (the subquery would join its GROUP BY) or reads plain values (dicts,
    tuples), not models or `Row`s."""
    if qs.query.group_by is not None or any(getattr(a, "contains_aggregate", False)
                                            for a in qs.query.annotations.values()):
        return None
    if not issubclass(qs._iterable_class, ModelIterable | _RowIterable):
        return None  # values() / values_list(): the rows' shape is the caller's
    try:
        sql, params = _bounded_count_sql(count_qs, EXACT_COUNT_UP_TO)
    except EmptyResultSet:  # `.none()`: no rows, nothing to count
        return None
    return qs.annotate(**{_COUNTED: RawSQL(sql, params, output_field=IntegerField())})


# --- keyset pages ------------------------------------------------------------------------------

class _Key:
    """One column of a list's order: its path (`due_at`, `assignment__number`, an annotation),
    direction and where NULLs go (PostgreSQL's default: last ascending, first descending)."""

    def __init__(self, path: str, descending: bool, nulls_last: bool | None = None):
        self.path, self.descending = path, descending
        self.nulls_last = (not descending) if nulls_last is None else nulls_last

    def flipped(self) -> "_Key":
        return _Key(self.path, not self.descending, not self.nulls_last)

    def order(self):
        expr = F(self.path)
        return expr.desc(nulls_last=True) if self.descending and self.nulls_last else (
            expr.desc(nulls_first=True) if self.descending else (
                expr.asc(nulls_last=True) if self.nulls_last else expr.asc(nulls_first=True)))

    def value(self, obj):
        if isinstance(obj, Row):  # a values row: the column, or its copy `ledger_page` annotated
            name = _keyset_name(self.path)
            return getattr(obj, name if name in vars(obj) else self.path)
        if "__" in self.path:  # read from the row (`ledger_page` annotates it), not the relation
            return getattr(obj, _keyset_name(self.path))
        for part in self.path.split("__"):
            if obj is None:
                return None
            obj = getattr(obj, "pk" if part == "pk" else part)
        return obj

    def equal(self, v) -> Q:
        return Q(**{f"{self.path}__isnull": True}) if v is None else Q(**{self.path: v})

    def after(self, v) -> Q | None:
        """Rows that come after the value `v` in this column's order (None: none do)."""
        if v is None:
            return None if self.nulls_last else Q(**{f"{self.path}__isnull": False})
        q = Q(**{f"{self.path}__{'lt' if self.descending else 'gt'}": v})
        return q | Q(**{f"{self.path}__isnull": True}) if self.nulls_last else q


def _order_keys(qs) -> list[_Key] | None:
    """The queryset's order as keys, the primary key last (added when missing, so the order is
    total); None when an order term is not a plain column path (then pages go by OFFSET)."""
    keys = []
    for term in list(qs.query.order_by or qs.model._meta.ordering):
        if isinstance(term, str):
            if term == "?" or "." in term:
                return None
            keys.append(_Key(term.lstrip("-"), term.startswith("-")))
        elif isinstance(term, OrderBy) and isinstance(term.expression, F):
            nulls = True if term.nulls_last else (False if term.nulls_first else None)
            keys.append(_Key(term.expression.name, term.descending, nulls))
        else:
            return None
    pk_names = {"pk", "id", qs.model._meta.pk.name}
    if not any(k.path in pk_names for k in keys):
        keys.append(_Key("pk", keys[-1].descending if keys else False))
    for k in keys:
        head = k.path.split("__")[0]
        if head in qs.query.annotations or head == "pk":
            continue
        try:
            field = qs.model._meta.get_field(head)
        except FieldDoesNotExist:
            return None
        if field.is_relation and "__" not in k.path:
            return None  # ordering by a relation means the related model's ordering
    return keys


def _keyset_name(path: str) -> str:
    return "keyset_" + path.replace("__", "_")


def _after(keys: list[_Key], values: list) -> Q:
    """Rows strictly after `values` in the order of `keys`, lexicographically."""
    q, same = Q(pk__in=[]), Q()
    for key, v in zip(keys, values):
        step = key.after(v)
        if step is not None:
            q |= same & step
        same &= key.equal(v)
    return q


def _read(qs, arms, start: int, stop: int) -> list:
    """`qs[start:stop]`; with `arms` (disjoint conditions that together make the list, e.g. a
    unit user's own rows and those shared with it: `permissions.scope_arms`), the rows whose keys
    are in a UNION ALL of each arm's first `stop` keys in the list's order: each arm read by its
    own index (or, for the few shared ones, sorted alone) instead of one scan of the list's order
    across every unit's rows, and the page's joins made for those ≤ 2 × `stop` rows only. A
    DISTINCT list (a search over a relation) is one read: its keys' query would select its order's
    columns too."""
    if not arms or qs.query.distinct:
        return list(qs[start:stop])
    keys = [qs.filter(arm).values("pk")[:stop] for arm in arms]
    firsts = keys[0].union(*keys[1:], all=True) if len(keys) > 1 else keys[0]
    return list(qs.filter(pk__in=firsts)[start:stop])


def _rows_after(qs, keys: list[_Key], values: list, limit: int, arms=None) -> list:
    """The first `limit` rows after `values`, with the first key's bound (`k >= v`, `k <= v`
    descending, `k IS NULL` inside the NULLs) as a condition PostgreSQL can start the index scan
    at: the lexicographic `_after` alone is an OR that the index can only filter, so page N read
    every entry before it (2.3 s at row 200,000 of the complaint list). Where NULLs come after
    a non-null cursor, they are a second read (only when the first one ends before `limit`)."""
    k, v = keys[0], values[0]
    after = _after(keys, values)
    if v is None:
        if not k.nulls_last:  # NULLs first: the rows after are mostly non-null; plain filter
            return _read(qs.filter(after), arms, 0, limit)
        return _read(qs.filter(Q(**{f"{k.path}__isnull": True}) & after), arms, 0, limit)
    rows = _read(qs.filter(Q(**{f"{k.path}__{'lte' if k.descending else 'gte'}": v}) & after), arms, 0, limit)
    if k.nulls_last and len(rows) < limit:
        rows += _read(qs.filter(**{f"{k.path}__isnull": True}), arms, 0, limit - len(rows))
    return rows


_SIGNER = signing.Signer(salt="efficiency.listing.cursor")


def _token(keys, obj, number: int) -> str:
    values = [_encode(k.value(obj)) for k in keys]
    return _SIGNER.sign_object({"v": values, "n": number}, compress=True)


def _encode(v):
    if isinstance(v, datetime):
        return {"t": "dt", "v": v.isoformat()}
    if isinstance(v, date):
        return {"t": "d", "v": v.isoformat()}
    if isinstance(v, Decimal):
        return {"t": "dec", "v": str(v)}
    if v is None or isinstance(v, int | float | str | bool):
        return v
    return str(v)


def _decode(v):
    if isinstance(v, dict):
        kind, text = v.get("t"), v.get("v")
        return {"dt": datetime.fromisoformat, "d": date.fromisoformat, "dec": Decimal}[kind](text)
    return v


def _read_token(token: str, keys) -> tuple[list, int] | None:
    """A cursor back from a page link; a forged, stale or garbled one is no cursor (page 1)."""
    try:
        data = _SIGNER.unsign_object(token)
        values = [_decode(v) for v in data["v"]]
        number = int(data["n"])
    except (signing.BadSignature, ValueError, TypeError, KeyError, AttributeError):
        return None
    if len(values) != len(keys) or number < 1:
        return None
    return values, number


class LedgerPage:
    """One page of a ledger: its rows, its number, the total (`Total`, exact or estimated), and
    links to the next and previous pages. Pages follow the list's order by keyset (`after` /
    `before`: the last or first row's values of the order's columns, the primary key last), so
    a page costs the same at any depth and table size and no row is skipped or repeated when
    rows come and go between two pages. `page=N` (OFFSET, in the same total order) still works
    for a link to a given page."""

    def __init__(self, rows, *, number, per_page, total, has_next, has_previous, keys):
        self.object_list, self.number, self.per_page, self.total = rows, number, per_page, total
        self.has_next, self.has_previous, self._keys = has_next, has_previous, keys

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)

    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous

    @property
    def num_pages(self) -> int | None:
        """The number of pages when the total is exact; None when it is an estimate."""
        if self.total.estimated:
            return None
        return max(1, -(-self.total.n // self.per_page))

    @property
    def next_token(self) -> str:
        if not (self.has_next and self._keys and self.object_list):
            return ""
        return _token(self._keys, self.object_list[-1], self.number + 1)

    @property
    def prev_token(self) -> str:
        if not (self.has_previous and self._keys and self.object_list):
            return ""
        return _token(self._keys, self.object_list[0], self.number - 1)

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1


def _page_number(text) -> int:
    try:
        return max(1, int(text))
    except (TypeError, ValueError):
        return 1


def ledger_page(qs, params, *, per_page: int = PER_PAGE, total: bool = True, count_qs=None,
                arms=None) -> LedgerPage:
    """The page `params` asks for (`after` / `before` a cursor, or `page=N`; none: the first).
    `count_qs`: the same rows without the page's annotations (their joins are not needed to
    count); `qs` itself by default. `arms`: disjoint conditions that together make the list
    (`permissions.scope_arms`), each read on its own and merged (`_read`); the total is then a
    statement of its own."""
    count_qs = qs if count_qs is None else count_qs
    if not isinstance(qs, QuerySet):  # a list already in memory: plain page numbers
        rows = list(qs)
        number = min(_page_number(params.get("page")), max(1, -(-len(rows) // per_page)))
        return LedgerPage(rows[(number - 1) * per_page:number * per_page], number=number, per_page=per_page,
                          total=Total(len(rows)), has_next=number * per_page < len(rows),
                          has_previous=number > 1, keys=None)
    keys = _order_keys(qs)
    if keys is not None:
        qs = qs.order_by(*(k.order() for k in keys))
        # The order's values each row must carry for the page's cursors: a related column's copy
        # on a model row; on a values row (`values_rows`), any the row does not read itself.
        fields = qs._fields if issubclass(qs._iterable_class, _RowIterable) else None
        related = {_keyset_name(k.path): F(k.path) for k in keys
                   if "__" in k.path or (fields is not None and k.path not in fields)}
        if related:
            qs = qs.annotate(**related)
    else:
        order = list(qs.query.order_by or qs.model._meta.ordering)
        qs = qs.order_by(*order, "pk")
    counting = _with_count(qs, count_qs) if total and not arms else None
    if counting is not None:
        qs = counting
    after = _read_token(params.get("after", ""), keys) if keys and params.get("after") else None
    before = _read_token(params.get("before", ""), keys) if keys and params.get("before") else None
    if after:
        values, number = after
        rows = _rows_after(qs, keys, values, per_page + 1, arms)
        has_next, has_previous = len(rows) > per_page, True
        rows = rows[:per_page]
    elif before:
        values, number = before
        flipped = [k.flipped() for k in keys]
        rows = _rows_after(qs.order_by(*(k.order() for k in flipped)), flipped, values, per_page + 1, arms)
        has_previous = len(rows) > per_page and number > 1
        rows = rows[:per_page][::-1]
        has_next = True
        if not has_previous:
            number = 1
    else:
        number = _page_number(params.get("page"))
        rows = _read(qs, arms, (number - 1) * per_page, number * per_page + 1)
        if not rows and number > 1:  # past the end: the last page
            n = count_total(count_qs, arms=arms).n if total else 0
            number = max(1, -(-n // per_page))
            rows = _read(qs, arms, (number - 1) * per_page, number * per_page + 1)
        has_next, has_previous = len(rows) > per_page, number > 1
        rows = rows[:per_page]
    if not total:
        counted = Total(0, estimated=True)
    elif number == 1 and not has_next:
        counted = Total(len(rows))  # the whole list is on this page
    elif counting is not None and rows:
        counted = _total_of(count_qs, getattr(rows[0], _COUNTED), EXACT_COUNT_UP_TO)
    else:
        counted = count_total(count_qs, arms=arms)
    return LedgerPage(rows, number=number, per_page=per_page, total=counted, has_next=has_next,
                      has_previous=has_previous, keys=keys)


def paginate(request, qs, per_page: int = PER_PAGE, *, count_qs=None, arms=None) -> LedgerPage:
    """The page the request asks for (`efficiency.listing.ledger_page`)."""
    return ledger_page(qs, request.GET, per_page=per_page, count_qs=count_qs, arms=arms)


class Head:
    """The first rows of a list a workspace shows in part, and how many there are in all, so the
    page says it shows only the first ones (nothing is cut silently). The total (`Total`) is
    counted as a ledger's (`count_total`): exact up to EXACT_COUNT_UP_TO rows (or `n`, when
    larger), above it the planner's estimate — never a count(*) over the whole table."""

    def __init__(self, qs, n: int = 100):
        self.rows = list(qs[:n])
        if len(self.rows) < n:
            self.total = Total(len(self.rows))
        else:
            self.total = count_total(qs, exact_up_to=max(EXACT_COUNT_UP_TO, n))
        self.more = self.total.n > len(self.rows) or (self.total.estimated and len(self.rows) == n)

    def __iter__(self):
        return iter(self.rows)

    def __len__(self):
        return len(self.rows)

    def __bool__(self):
        return bool(self.rows)


def list_context(request, filterset, *, export: str = "", rows: Callable | None = None, arms=None) -> dict:
    """What `_list_controls.html` and `_pagination.html` read: the form, the page, the total and
    the export link carrying the current filters. `rows(qs)`: the page's own read of the filtered
    rows (the columns its template shows, related values annotated onto the row), so a page does
    not fetch and build every column of every joined model. `arms`: `ledger_page`'s."""
    qs = filterset.qs
    page = paginate(request, rows(qs) if rows is not None else qs, count_qs=qs, arms=arms)
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


# --- API -----------------------------------------------------------------------------------------


class LedgerPagination(BasePagination):
    """The API's lists, paged like the pages (`ledger_page`): `page=N`, or the `after` / `before`
    cursors of the `next` / `previous` links; `count` is exact up to EXACT_COUNT_UP_TO rows and
    otherwise the planner's estimate, and `count_estimated` says which."""

    page_size = PER_PAGE

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.page = ledger_page(queryset, request.query_params, per_page=self.page_size)
        return list(self.page.object_list)

    def _link(self, **params) -> str | None:
        url = self.request.build_absolute_uri()
        for name in ("page", "after", "before"):
            url = remove_query_param(url, name)
        for name, value in params.items():
            url = replace_query_param(url, name, value)
        return url

    def get_next_link(self):
        if not self.page.has_next:
            return None
        if self.page.next_token:
            return self._link(after=self.page.next_token)
        return self._link(page=self.page.next_page_number)

    def get_previous_link(self):
        if not self.page.has_previous:
            return None
        if self.page.prev_token:
            return self._link(before=self.page.prev_token)
        return self._link(page=self.page.previous_page_number)

    def get_paginated_response(self, data):
        return Response({"count": self.page.total.n, "count_estimated": self.page.total.estimated,
                         "next": self.get_next_link(), "previous": self.get_previous_link(), "results": data})

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object", "required": ["count", "count_estimated", "results"],
            "properties": {
                "count": {"type": "integer", "example": 123,
                          "description": "exact up to %d rows, else the planner's estimate" % EXACT_COUNT_UP_TO},
                "count_estimated": {"type": "boolean"},
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "previous": {"type": "string", "nullable": True, "format": "uri"},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {"name": "page", "required": False, "in": "query", "schema": {"type": "integer"},
             "description": "page number (OFFSET in the list's order)"},
            {"name": "after", "required": False, "in": "query", "schema": {"type": "string"},
             "description": "cursor of the `next` link"},
            {"name": "before", "required": False, "in": "query", "schema": {"type": "string"},
             "description": "cursor of the `previous` link"},
        ]
