"""The customer list's state as URL parameters, and back.

Every state of the list page is a URL: ``scope``, ``q``, ``flt<n>_<field>_<op>``,
``sort``, ``page`` and ``per_page`` (parameters at their default are left out).
How each canonical parameter is read and written is views/list_url.py.
The search form cannot name its inputs after what the admin picks, so it sends
``scope=<kind>&owner=<name>`` and condition rows as ``cf<n>`` (field), ``co<n>``
(operator), ``cv<n>`` (value); those are turned into the canonical parameters here.
"""
import re
from dataclasses import dataclass, field, replace
from functools import cached_property
from urllib.parse import urlencode

from flask import g, url_for

from data import listing
from data.conditions import FIELDS, MAX_CONDITIONS, NO_VALUE, build, too_many_conditions
from data.errors import InvalidCondition
from data.fields import MULTI_OPS
from data.search import Search

from . import list_position, list_url
from .list_url import InvalidQuery


@dataclass(frozen=True)
class ListState:
    scope: listing.Scope
    q: str = ""
    conditions: tuple = ()
    sort: tuple = list_url.DEFAULT_SORT
    page: int = 1
    per_page: int = list_url.DEFAULT_PAGE_SIZE
    advanced: bool = False
    columns: tuple | None = None   # ``cols``: a saved view's own columns; None: the user's choice
    position: object = None        # ``after`` / ``before`` (views.list_position.Position)
    viewer: object = field(default=None, compare=False)

    @cached_property
    def search(self):
        """What data/ is asked to find: one object per state, so it is compiled once
        (data.search.Search keeps its compiled form)."""
        return Search(self.scope, self.q, self.conditions, self.viewer)

    @property
    def sort_param(self):
        return list_url.sort_param(self.sort)

    def params(self, **changes):
        state = replace(self, **changes)
        return {**list_url.write(state), **list_position.write(state)}

    def url(self, endpoint="customers.index", **changes):
        """The URL of this state with ``changes`` applied (e.g. ``page=2``): what
        ``url_for(endpoint, **params)`` gives, its path looked up once a request."""
        if not changes and endpoint == "customers.index":
            return self._own_url
        return _address(endpoint, self.params(**changes))

    @cached_property
    def _own_url(self):
        # The list's own address: written several times a page (rows' back links, bulk bar, menus).
        return _address("customers.index", self.params())

    def selection_query(self):
        """The search alone (no sort, no page) as a query string: what a bulk action applies to."""
        return urlencode(list_url.selection_params(self))

    def csv_url(self):
        # The CSV keeps its public columns, whatever the list shows.
        return self.url("export.customers_csv", page=1, per_page=list_url.DEFAULT_PAGE_SIZE, columns=None)

    def all_customers_url(self):
        """The same search over all customers (offered when a scope finds nothing)."""
        return self.url(scope=listing.Scope("all"), page=1)

    def sort_urls(self, keys):
        """The URL sorting by each of ``keys``: sorting by the current key again flips the
        direction, a new key starts ascending; page 1. The state's parameters are written
        once (a list page has a sortable header for most of its columns)."""
        current, descending = self.sort
        # The sort's place among the parameters, whatever it is now (one at its default is left out).
        params = self.params(sort=("", True), page=1)
        urls = {}
        for key in keys:
            sort = (key, not descending if key == current else False)
            written = dict(params, sort=list_url.sort_param(sort))
            if sort == list_url.DEFAULT_SORT:
                del written["sort"]
            urls[key] = _address("customers.index", written)
        return urls

    def mode_url(self, advanced):
        """Switch between the simple and the advanced search form, keeping the scope."""
        return self.url(q="", conditions=(), advanced=advanced, page=1)


# What werkzeug's url_for leaves unescaped in a query (the WHATWG percent-encode set);
# tests/test_list_urls_fast.py checks the URLs equal url_for's.
URL_SAFE = "!$'()*,/:;?@"


def _address(endpoint, params):
    path = _path(endpoint)
    return f"{path}?{urlencode(params, safe=URL_SAFE)}" if params else path


def _path(endpoint):
    # A list page writes some twenty URLs (sort headers, pages, scopes); url_for building
    # each from the routing map was a fifth of a quick search's time. The endpoints have
    # no path parameters, so everything but the query is the same all request long.
    paths = g.setdefault("list_state_paths", {})
    if endpoint not in paths:
        paths[endpoint] = url_for(endpoint)
    return paths[endpoint]


@dataclass
class Row:
    """One condition row of the advanced form, as shown (possibly incomplete)."""
    n: int
    field: str = "name"
    op: str = "contains"
    value: str = ""
    error: str = ""
    focus: bool = False       # a row just added: put the cursor in it
    redraw: bool = False      # its shape changed: draw it again (operators, value box)
    focus_value: bool = False  # a value box just appeared: put the cursor in it

    @property
    def spec(self):
        return FIELDS[self.field]

    @property
    def needs_value(self):
        return self.op not in NO_VALUE

    @property
    def many(self):
        """Several values (Is any of): drawn as checkboxes."""
        return self.op in MULTI_OPS

    @property
    def chosen(self):
        """The values ticked in a row of several values."""
        return {part.strip() for part in self.value.split(",")} if self.many else set()

    @property
    def box(self):
        """How the row's value is drawn, as ``ck<n>`` remembers it: one value box,
        checkboxes for several values, or none."""
        if not self.needs_value:
            return "none"
        return "many" if self.many else "value"


def next_row(rows):
    """The number the next added row gets."""
    return max((row.n for row in rows), default=-1) + 1


@dataclass
class FormInput:
    """What the request's form fields say, before they become a state.

    Only the rows that changed shape are redrawn (and only those are sent back
    out of band), so a value typed in another row meanwhile is never replaced.
    """
    rows: list = field(default_factory=list)
    removed: list = field(default_factory=list)
    from_form: bool = False   # sent by the form, not a canonical URL

    @property
    def reshaped(self):
        return bool(self.removed) or any(row.redraw or row.focus for row in self.rows)


class PendingOwner(Exception):
    """The form chose "subcustomers of reseller" but no (known) reseller yet."""

    def __init__(self, kind, typed=""):
        super().__init__(kind)
        self.kind = kind
        self.typed = typed


def scope_text(args, viewer=None):
    """The scope parameter, joining the form's ``scope`` kind and ``owner`` fields."""
    scope = args.get("scope") or list_url.default_scope(viewer)
    owner = args.get("owner")
    if owner is not None and scope in ("reseller", "distributor"):
        if not owner.strip():
            raise PendingOwner(scope)
        return f"{scope}:{owner}"
    return scope


_ROW_KEY = re.compile(r"cf(\d{1,4})", re.ASCII)


def _row_numbers(args):
    return sorted(int(m.group(1)) for m in map(_ROW_KEY.fullmatch, args) if m)


def _fits(field_name, op, value):
    """Whether ``value`` is still a valid value for the row's (new) field and operator."""
    try:
        build(field_name, op, value)
    except InvalidCondition:
        return False
    return True


def _form_rows(args):
    """Condition rows sent by the form (``cf<n>``/``co<n>``/``cv<n>``), add and remove applied.

    ``ck<n>`` says how the row was drawn (``<field>:value`` or ``<field>:none``).
    A row whose field changed, or whose operator now takes a value where the row
    has no box (or the other way round), is drawn again: otherwise the old
    operator and value would be applied to the new field (a 400), or a value
    box would be missing (the condition silently dropped) or left over (ignored).
    """
    numbers = _row_numbers(args)
    if len(numbers) > MAX_CONDITIONS:
        raise InvalidQuery(f"cf{numbers[MAX_CONDITIONS]}", too_many_conditions())
    form = FormInput(from_form=bool(numbers) or "add" in args)
    removed = args.get("remove", "")
    for n in numbers:
        if str(n) == removed:
            form.removed.append(n)
            continue
        field_name = args.get(f"cf{n}", "")
        if field_name not in FIELDS:
            raise InvalidQuery(f"cf{n}", f"there is no field “{field_name}” to search")
        spec = FIELDS[field_name]
        drawn_field, _, drawn_box = args.get(f"ck{n}", field_name).partition(":")
        op = args.get(f"co{n}", "")
        if op not in spec.ops:  # the old field's operator: start from the new field's first one
            op = spec.ops[0]
        # Checkboxes (Is any of) send one cv<n> per ticked value.
        values = args.getlist(f"cv{n}") if hasattr(args, "getlist") else [args.get(f"cv{n}", "")]
        row = Row(n, field_name, op, ",".join(values) if op in MULTI_OPS else (values[0] if values else ""))
        reboxed = drawn_field != field_name or (drawn_box or "value") != row.box
        if reboxed and row.needs_value and not _fits(field_name, op, row.value):
            row.value = ""    # "500" was a balance, it is no status
        if not row.needs_value:
            row.value = ""    # the box goes; what it held is not a condition any more
        row.redraw = (drawn_field != field_name or op != args.get(f"co{n}", "")
                      or (drawn_box or "value") != row.box)
        row.focus_value = row.redraw and row.needs_value and drawn_box == "none"
        form.rows.append(row)
    # add=<n> asks for row n; htmx may resend the last clicked button with later
    # requests, so a row that is already there is not added twice.
    added = _ROW_KEY.fullmatch("cf" + args.get("add", ""))
    if added and int(added.group(1)) not in numbers and len(form.rows) < MAX_CONDITIONS:
        form.rows.append(Row(int(added.group(1)), focus=True))
    return form


def conditions_from(form):
    """Complete rows become conditions; a row still missing its value is skipped."""
    return tuple(list_url.condition(row.field, row.op, row.value, f"cv{row.n}") for row in form.rows
                 if not (row.needs_value and not row.value.strip()))


def parse(args, viewer=None):
    """Build the state from request args, within ``viewer``'s reach.

    Returns ``(state, form)``; raises ``InvalidQuery`` (naming the parameter) or
    ``PendingOwner``.
    """
    form = _form_rows(args)
    conditions = list_url.parse_filters(args)
    if form.from_form:
        conditions += conditions_from(form)
        if len(conditions) > MAX_CONDITIONS:  # flt<n> and form rows together
            raise InvalidQuery(f"cf{form.rows[-1].n}", too_many_conditions())
    else:
        form.rows = [Row(n, c.field, c.op, c.value_text) for n, c in enumerate(conditions)]
    advanced = bool(conditions) or form.from_form or args.get("advanced") == "1"
    if advanced and not form.rows:
        form.rows = [Row(0)]
    try:
        scope = list_url.parse_scope(scope_text(args, viewer), viewer)
    except InvalidQuery as error:
        if "owner" in args:  # still typing the owner's name in the form
            raise PendingOwner(args.get("scope"), args.get("owner", "")) from error
        raise
    plain = list_url.read(args)
    state = ListState(scope=scope, conditions=conditions, advanced=advanced, viewer=viewer,
                      position=list_position.read(args, plain["page"]), **plain)
    return state, form


def form_values(args, state=None, viewer=None):
    """What the scope/search fields show: the parsed state, or the raw input after an error."""
    if state is not None:
        owner = state.scope.owner.name if state.scope.owner else ""
        return dict(kind=state.scope.kind, owner=owner, q=state.q,
                    sort=state.sort_param, per_page=state.per_page, advanced=state.advanced,
                    cols=",".join(state.columns or ()))
    kind, _, owner = (args.get("scope") or list_url.default_scope(viewer)).partition(":")
    advanced = any(k.startswith(("flt", "cf")) for k in args) or args.get("advanced") == "1"
    return dict(kind=kind, owner=args.get("owner", owner), q=args.get("q", ""),
                sort=args.get("sort", "name"), per_page=args.get("per_page", list_url.DEFAULT_PAGE_SIZE),
                advanced=advanced, cols=args.get("cols", ""))


def rows_after_error(args):
    """The condition rows to show again after a bad request, as the admin wrote them."""
    try:
        form = _form_rows(args)
    except InvalidQuery:
        return [Row(0)]
    if form.rows:
        return form.rows
    rows = []
    for name in args:
        parts = list_url.split_param(name) if name.startswith("flt") else None
        if parts and parts[1] in FIELDS and parts[2] and len(rows) < MAX_CONDITIONS:
            rows.append(Row(len(rows), parts[1], parts[2], args.get(name, "")))
    return rows or [Row(0)]
