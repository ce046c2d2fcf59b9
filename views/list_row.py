"""The rows of the customer list, drawn in Python.

A list page draws 50-200 rows of a dozen cells, and drawn by a Jinja macro they were
most of its time (some 120 µs a row on a two-core server): every call from a template
goes through Jinja's ``context.call`` and every value through ``escape``, markup the
row made itself included. Here a row is one string: its text escaped once and reused
(the name appears in five labels), the icons' fixed parts made once, a cell a function
of its column. Every value from the database goes through ``escape``; only this
module's own markup is written as it is.

A new column: a cell function here (``CELLS``), a header in views/list_heads.py and an
entry in data/list_columns.py.
"""
from functools import cache

from markupsafe import Markup, escape

from data.list_columns import Layout

from .formatting import icon_markup, money, sprite_url, status_info
from .highlight import Marks, highlight

# Without cols: the spec's columns, as a user who chose none sees them where owners do not mix.
DEFAULT = tuple(key for key in Layout().columns if key != "owner")
_NO_MARKS = Marks()
_OOB = ' data-hx-swap-oob="true"'
_DIRECT = '<span class="muted">Direct</span>'


class _Row:
    """One customer's row as its cells read it."""

    __slots__ = ("c", "name", "href", "flags", "page")

    def __init__(self, c, href, flags, page):
        # href: the row's links, escaped already (RowLinks.escaped).
        self.c, self.name, self.href, self.flags, self.page = c, escape(c.name), href, flags, page

    def icon(self, name, label_html):
        return icon_markup(name, label_html, sprite=self.page.sprite)

    def text(self, column):
        """The customer's ``column``, escaped, with what the search matched marked."""
        return _marked(getattr(self.c, column), self.page.marks.get(column))


class _Page:
    """What every row of a page shares."""

    __slots__ = ("marks", "extras", "may_status", "may_delete", "sprite")

    def __init__(self, marks, extras, may_status, may_delete):
        self.marks, self.extras, self.may_status, self.may_delete = marks, extras, may_status, may_delete
        self.sprite = sprite_url()


def _marked(value, terms):
    # highlight() hands an unmarked value back as it is: escaped here like any other.
    return escape(highlight(value, terms) if terms else value)


@cache
def status_badge(code):
    """The badge of status ``code`` (none for an active customer), made once per status;
    the templates' ``status_badge`` too."""
    info = status_info(code)
    if info.is_active:
        return Markup("")
    return Markup('<span class="badge status-{}" title="{}">{}</span>').format(
        code.replace("_", "-"), info.description, info.label)


def _name(row):
    where = row.page.marks.matched_in(row.c)
    matched = f' <small class="matched-in">matched in {escape(", ".join(where))}</small>' if where else ""
    return f'\n  <td class="id-col"><a href="{row.href.show}">{row.text("name")}</a>{matched}</td>'


def _email(row):
    email = row.c.email
    link = f'<a href="mailto:{escape(email)}">{row.text("email")}</a>' if email else ""
    return f'\n  <td class="email" data-label="Email">{link}</td>'


def _status(row):
    c, change = row.c, ""
    if not c.is_terminated and row.page.may_status:
        change = (f'\n  <a class="row-status-link" href="{row.href.show}#status" '
                  f'data-hx-get="{row.href.status_menu}"\n     data-hx-target="closest td" '
                  f'data-hx-swap="innerHTML" title="Change status">'
                  f'{row.icon("pencil", f"Change the status of {row.name}")}</a>')
    return f'\n  <td class="status-cell">{status_badge(c.status)}{change}\n</td>'


def _money_cell(label, shown, amount, currency):
    return f'\n  <td class="num" data-label="{label}">{escape(money(amount, currency)) if shown else ""}</td>'


def _balance(row):
    c = row.c
    return _money_cell("Balance", c.balance_control == "postpaid", c.balance, c.currency)


def _available_funds(row):
    c = row.c
    return _money_cell("Available funds", c.balance_control == "prepaid", c.available_funds, c.currency)


def _credit_limit(row):
    c = row.c
    if c.credit_limit is None:
        return '\n  <td class="num" data-label="Credit limit"><span class="muted" title="No credit limit">—</span></td>'
    return _money_cell("Credit limit", True, c.credit_limit, c.currency)


def _currency(row):
    return f'\n  <td data-label="Currency">{escape(row.c.currency)}</td>'


def _balance_control(row):
    return f'\n  <td data-label="Balance control">{escape(row.c.balance_control.capitalize())}</td>'


def _xdrs(row):
    return (f'\n  <td class="icon-col"><a href="{row.href.xdrs}" title="View xDRs">'
            f'{row.icon("file-text", f"View xDRs of {row.name}")}</a></td>')


def _accounts(row):
    href = row.href.accounts
    if row.flags[0]:
        link = f'<a href="{href}" title="Accounts">{row.icon("users", f"Accounts of {row.name}")}</a>'
    else:
        link = (f'<a class="no-accounts" href="{href}" title="No accounts">'
                f'{row.icon("user-x", f"{row.name} has no accounts")}</a>')
    return f'\n  <td class="icon-col">{link}</td>'


def _delete(row):
    href, name, link = row.href, row.name, ""
    if row.flags[1] and row.page.may_delete:
        link = (f'<a class="delete" href="{href.confirm_delete}"\n     data-hx-delete="{href.delete}" '
                f'data-hx-include="#search-form"\n     '
                f'data-hx-confirm="Delete customer “{name}”? This cannot be undone."\n     '
                f'data-hx-target="closest tr" data-hx-swap="outerHTML" title="Delete">'
                f'{row.icon("trash-2", f"Delete {name}")}</a>')
    elif row.page.may_delete:
        # No Delete icon: say why (hover), and open the page that lists the reasons (touch, keyboard, no JS).
        why = escape(row.flags.why_not)
        link = (f'<a class="delete-blocked" href="{href.confirm_delete}" title="Cannot be deleted: {why}">'
                f'{row.icon("trash-2", f"{name} cannot be deleted: {why}")}</a>')
    return f'\n  <td class="icon-col">{link}</td>'


def _owner(row):
    links = []
    for kind, owner_name, url in row.page.extras.get("owners", {}).get(row.c.id, ()):
        title = "Subcustomers of reseller " if kind == "reseller" else "Customers of distributor "
        links.append(f'<a href="{escape(url)}" title="{title}{escape(owner_name)}">'
                     f'{_marked(owner_name, row.page.marks.get(kind))}</a> <small class="muted">{escape(kind)}</small>')
    return f'\n  <td class="owner-col" data-label="Owner">{"<br>".join(links) or _DIRECT}</td>'


def _company_name(row):
    return f'\n  <td class="extra-col" data-label="Company">{row.text("company_name")}</td>'


def _country(row):
    return f'\n  <td data-label="Country">{row.text("country")}</td>'


def _customer_class(row):
    name = row.page.extras.get("classes", {}).get(row.c.customer_class_id, "")
    return f'\n  <td class="extra-col" data-label="Class">{escape(name)}</td>'


def _phone(row):
    return f'\n  <td class="nowrap" data-label="Phone">{row.text("phone")}</td>'


def _created_at(row):
    at = row.c.created_at
    shown = f'<time datetime="{at.isoformat()}Z">{at.strftime("%Y-%m-%d")}</time>' if at else ""
    return f'\n  <td class="nowrap" data-label="Created">{shown}</td>'


def _last_change(row):
    at = row.page.extras.get("last", {}).get(row.c.id)
    shown = (f'<time datetime="{at.isoformat()}Z" title="{at.strftime("%Y-%m-%d %H:%M")} UTC">'
             f'{at.strftime("%Y-%m-%d")}</time>') if at else ""
    return f'\n  <td class="nowrap" data-label="Last change">{shown}</td>'


CELLS = {"name": _name, "email": _email, "status": _status, "balance": _balance,
         "available_funds": _available_funds, "credit_limit": _credit_limit, "currency": _currency,
         "balance_control": _balance_control, "xdrs": _xdrs, "accounts": _accounts, "delete": _delete,
         "owner": _owner, "company_name": _company_name, "country": _country,
         "customer_class": _customer_class, "phone": _phone, "created_at": _created_at,
         "last_change": _last_change}


def _draw(c, href, flags, page, cells, oob):
    row = _Row(c, href, flags, page)
    name, look = row.name, href.quick_look
    # The box belongs to the bulk form above the table (form="bulk-form"). Quick look
    # (static/js/list-keys.js: Enter on a row): the panel beside the list; a page of its own without JS.
    return "".join((
        f'<tr id="customer-{c.id}" data-customer="{c.id}"{_OOB if oob else ""}>\n'
        f'  <td class="select-col"><input type="checkbox" name="id" value="{c.id}" form="bulk-form" '
        f'aria-label="Select {name}">\n    <a class="quick-look-link" href="{look}" data-hx-get="{look}" '
        f'data-hx-target="#quick-look"\n       data-hx-swap="innerHTML" data-hx-push-url="true" '
        f'title="Quick look">{row.icon("eye", f"Quick look at {name}")}</a></td>',
        *(cell(row) for cell in cells), "\n</tr>"))


def customer_rows(customers, links, flags, may_status, may_delete, cols=None, extras=None, marks=None, oob=False):
    """The ``<tr>`` of each of ``customers``, as Markup.

    ``links``: a ``RowLinks``; ``flags``: ``deletion.row_flags`` by id; ``may_status``,
    ``may_delete``: the viewer's rights; ``cols``: the column keys to draw
    (views/list_columns.py; None: the spec's); ``extras``: the page's batched values for
    them (owners, classes, last changes); ``marks``: what the search matched
    (views/highlight.py ``Marks``); ``oob``: an out-of-band swap.
    """
    cells = [CELLS[key] for key in (cols or DEFAULT)]
    page = _Page(marks or _NO_MARKS, extras or {}, may_status, may_delete)
    html = links.escaped()
    return Markup("".join(_draw(c, html.row(c.id), flags[c.id], page, cells, oob) for c in customers))


def customer_row(c, links, flags, may_status, may_delete, cols=None, extras=None, marks=None, oob=False):
    """The ``<tr>`` of customer ``c`` alone (a row redrawn after a change), as Markup."""
    return customer_rows((c,), links, flags, may_status, may_delete, cols, extras, marks, oob)


def register(app):
    app.add_template_global(customer_rows)
    app.add_template_global(customer_row)
    app.add_template_global(status_badge)
