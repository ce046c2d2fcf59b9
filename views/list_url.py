"""The customer list's URL grammar: what each parameter is called and how it is written.

``scope``, ``q``, ``flt<n>_<field>_<op>``, ``sort``, ``page`` and ``per_page`` are
read here into typed values (a data.listing.Scope, data.conditions.Condition,
numbers) and written back. data/ only ever sees the typed values; the parameter
names, and the messages that name them (``InvalidQuery.param``), stay here.
Conditions are written Flask-Admin style, ``flt<n>_<field>_<op>=<value>``, ``n``
ordering the rows.
"""
import re

from data import list_columns, listing
from data.conditions import FIELDS, MAX_CONDITIONS, OPERATORS, build, too_many_conditions
from data.errors import Invalid, InvalidCondition
from data.search import Search
from data.text import clean

PAGE_SIZES = (25, 50, 100, 200)
DEFAULT_PAGE_SIZE = 50
DEFAULT_SORT = ("name", False)
MAX_QUERY_LENGTH = 200


class InvalidQuery(ValueError):
    """A search or list parameter that cannot be understood; ``param`` names it."""

    def __init__(self, param, message):
        super().__init__(f"{param}: {message}")
        self.param = param
        self.message = message


def default_scope(viewer=None):
    """Direct customers for the operator's people; staff see their own customers."""
    if viewer is not None and viewer.owner_kind:
        return f"{viewer.owner_kind}:{viewer.owner_name}"
    return "direct"


def scope_param(scope):
    """The scope as it appears in URLs: ``direct``, ``reseller:<name>``, ..."""
    return f"{scope.kind}:{scope.owner.name}" if scope.owner else scope.kind


def parse_scope(text, viewer=None):
    """``direct`` | ``all`` | ``reseller:<name>`` | ``distributor:<name>`` -> data.listing.Scope.

    Raises ``InvalidQuery`` naming the ``scope`` parameter.
    """
    text = (text or default_scope(viewer)).strip()
    if viewer is not None and viewer.owner_kind and text in ("direct", "all"):
        # Staff have one set of customers: their own are both their direct ones and
        # all they may see, so these name the same list (and the same URL) as the default.
        text = default_scope(viewer)
    kind, sep, name = text.partition(":")
    if kind not in listing.SCOPE_KINDS or bool(sep) != (kind in ("reseller", "distributor")):
        raise InvalidQuery("scope", "must be direct, all, reseller:<name> or distributor:<name>")
    if not sep:
        return listing.Scope(kind)
    if not name.strip():
        raise InvalidQuery("scope", f"choose a {kind}")
    owner = listing.find_owner(kind, name, viewer)
    if owner is None:
        raise InvalidQuery("scope", f"there is no {kind} named “{name.strip()}”")
    return listing.Scope(kind, owner)


def parse_query_text(q):
    """The simple-search text, cleaned; raises ``InvalidQuery`` if it is too long."""
    q = clean(q)
    if len(q) > MAX_QUERY_LENGTH:
        raise InvalidQuery("q", f"is longer than {MAX_QUERY_LENGTH} characters")
    return q


def parse_sort(text):
    """``name`` or ``-name`` (descending) -> (key, descending)."""
    text = (text or "name").strip()
    key = text.removeprefix("-")
    if key not in listing.SORTS:
        raise InvalidQuery("sort", f"cannot sort by “{key}”; use one of {', '.join(listing.SORTS)}")
    return key, text.startswith("-")


def sort_param(sort):
    key, descending = sort
    return ("-" if descending else "") + key


def parse_positive(param, text, default):
    """A whole number from 1 up written in ASCII digits; ``default`` when absent.

    ``str.isdigit`` also accepts superscripts and other digits that ``int``
    refuses (``page=²`` was a 500), so only 0-9 count.
    """
    if text is None or text == "":
        return default
    if not (text.isascii() and text.isdigit()) or len(text) > 9 or int(text) < 1:
        raise InvalidQuery(param, "must be a whole number from 1 up")
    return int(text)


def parse_page_size(text):
    size = parse_positive("per_page", text, DEFAULT_PAGE_SIZE)
    if size not in PAGE_SIZES:
        raise InvalidQuery("per_page", f"must be one of {', '.join(map(str, PAGE_SIZES))}")
    return size


def parse_columns(text):
    """``cols=xdrs,name,company_name``: the columns to show, in order (a saved view's
    own), or None when absent (the user's own choice). The ID column is always there."""
    if text is None or not text.strip():
        return None
    try:
        keys = list_columns.check_keys(tuple(k.strip() for k in text.split(",") if k.strip()))
    except Invalid as invalid:
        raise InvalidQuery("cols", invalid.errors["columns"]) from None
    return keys if "name" in keys else ("name", *keys)


def read(args):
    """The list's plain parameters, typed: ``q``, ``sort``, ``page``, ``per_page``, ``cols``
    (the scope and the conditions have their own readers)."""
    return dict(q=parse_query_text(args.get("q", "")), sort=parse_sort(args.get("sort")),
                page=parse_positive("page", args.get("page"), 1), per_page=parse_page_size(args.get("per_page")),
                columns=parse_columns(args.get("cols")))


def write(state):
    """A list state's canonical parameters; those at their default are left out.

    ``state`` has ``scope``, ``q``, ``conditions``, ``advanced``, ``sort``, ``page``,
    ``per_page`` and ``viewer`` (views.list_state.ListState).
    """
    params = {}
    if scope_param(state.scope) != default_scope(state.viewer):
        params["scope"] = scope_param(state.scope)
    if state.q:
        params["q"] = state.q
    for n, built in enumerate(state.conditions):
        name, value = filter_param(built, n)
        params[name] = value
    if state.advanced and not state.conditions:
        params["advanced"] = 1
    if state.sort != DEFAULT_SORT:
        params["sort"] = sort_param(state.sort)
    if state.per_page != DEFAULT_PAGE_SIZE:
        params["per_page"] = state.per_page
    if getattr(state, "columns", None):
        params["cols"] = ",".join(state.columns)
    if state.page != 1:
        params["page"] = state.page
    return params


def condition(field_name, op, raw, param):
    """One typed condition (data.conditions.build); a bad one is an ``InvalidQuery`` naming ``param``."""
    try:
        return build(field_name, op, raw)
    except InvalidCondition as error:
        raise InvalidQuery(param, error.message) from None


# Operators sorted longest first so "name_not_contains" is not read as "name_not" + "contains".
_OPS_BY_LENGTH = sorted(OPERATORS, key=len, reverse=True)
_FILTER = re.compile(r"^flt(\d{1,4})_([a-z_]+)$", re.ASCII)


def filter_param(condition, n):
    """``condition`` as the URL parameter of row ``n``: ``(name, value)``."""
    return f"flt{n}_{condition.field}_{condition.op}", condition.value_text


def split_param(name):
    """``flt3_company_name_contains`` -> ``(3, "company_name", "contains")``; None if not a filter."""
    match = _FILTER.match(name)
    if not match:
        return None
    rest = match.group(2)
    for op in _OPS_BY_LENGTH:
        if rest.endswith("_" + op) and rest[: -len(op) - 1] in FIELDS:
            return int(match.group(1)), rest[: -len(op) - 1], op
    return int(match.group(1)), rest, None


def parse_filters(args):
    """All ``flt<n>_<field>_<op>`` parameters of ``args``, as conditions ordered by ``n``.

    Raises ``InvalidQuery`` naming the first bad parameter.
    """
    found = []
    for name in args:
        if not name.startswith("flt"):
            continue
        parts = split_param(name)
        if parts is None:
            raise InvalidQuery(name, "is not a filter; write flt<n>_<field>_<operator>=<value>")
        n, field_name, op = parts
        if op is None:
            if field_name in FIELDS:
                raise InvalidQuery(name, f"has no operator; {field_name} takes {', '.join(FIELDS[field_name].ops)}")
            raise InvalidQuery(name, "names no known field and operator")
        values = args.getlist(name) if hasattr(args, "getlist") else [args[name]]
        if len(values) > 1:
            raise InvalidQuery(name, "is given more than once")
        found.append((n, name, condition(field_name, op, values[0], name)))
    found.sort(key=lambda item: item[0])
    if len(found) > MAX_CONDITIONS:
        raise InvalidQuery(found[MAX_CONDITIONS][1], too_many_conditions())
    return [built for _, _, built in found]


def selection(args, viewer=None):
    """What a bulk action applies to: the list's search in ``args`` (``scope``, ``q``,
    ``flt<n>_<field>_<op>``; sort and page do not change which customers match) as a
    data.search.Search within ``viewer``'s reach. Raises ``InvalidQuery``."""
    return Search(parse_scope(args.get("scope"), viewer), parse_query_text(args.get("q", "")),
                  tuple(parse_filters(args)), viewer)


def selection_params(state):
    """The part of a list state's parameters that says which customers match (for a bulk action)."""
    return {k: v for k, v in write(state).items() if k not in ("sort", "page", "per_page", "advanced", "cols")}
