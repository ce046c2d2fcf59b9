"""The customer list (scopes, live search, sort, pages), a customer's page, and delete."""
from dataclasses import replace
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for

from data import deletion, listing, search, search_pages
from data.conditions import FIELDS, MAX_CONDITIONS, OPERATORS
from data.errors import Conflict, NotFound
from data.fields import SIMPLE_SEARCH_HINT
from data.models import Customer

from . import customer_page, list_columns, list_position, list_state, list_summary, list_url, quick_look, saved_views
from .actor import current_viewer
from .highlight import Marks
from .htmx import is_fragment_request, render, safe_back
from .list_url import InvalidQuery
from .lookup import customer_or_404, ids_within_range, render_row

bp = Blueprint("customers", __name__, url_prefix="/customers")
bp.url_value_preprocessor(ids_within_range)

PAGE, RESULTS = "customers/index.html", "customers/_results.html"


def _owner_options(kind, text):
    return listing.owner_choices(kind, text, viewer=current_viewer()) if kind in ("reseller", "distributor") else []


def _picker_options(form, state):
    """The scope picker's first options, asked for only by the whole page (a fragment has no
    picker). For the owner whose customers are shown (the picker holds its name), that owner:
    customer names are unique, so only longer names could contain it, and the browser would
    offer nothing else for that text; a new text is looked up live (``owners``), or on submit
    without JavaScript. Looking up names containing a whole one cost a scan of several trigram
    lists on PostgreSQL (4 ms, a third of an owner's list page)."""
    if state is not None and state.scope.owner is not None:
        return [state.scope.owner.name]
    return _owner_options(form["kind"], form["owner"])


def _render_list(status=200, push_url=None, state=None, rows=(), **context):
    form = list_state.form_values(request.args, state, current_viewer())
    # A chip asks for the whole page (list_summary.whole_page), whatever the answer is.
    response = render(PAGE, RESULTS, status=status, push_url=push_url, state=state, form=form, rows=rows,
                      whole=list_summary.whole_page(),
                      fields=FIELDS.values(), operators=OPERATORS, page_sizes=list_url.PAGE_SIZES,
                      search_hint=SIMPLE_SEARCH_HINT,
                      next_row=list_state.next_row, max_conditions=MAX_CONDITIONS,
                      owner_options=lambda: _picker_options(form, state), **context)
    response.vary.add("HX-Target")
    return response


@bp.get("")
def index():
    opened = saved_views.opening()   # ?view=<id>, or the landing view
    if opened is not None:
        return opened
    return list_page()


def list_page(look=None):
    """The list as its URL's parameters say; ``look``: the quick look panel (views/quick_look.py,
    drawn), open beside the list (its page without JavaScript)."""
    try:
        state, form = list_state.parse(request.args, current_viewer())
    except list_state.PendingOwner as pending:
        return _render_list(prompt=pending, rows=list_state.rows_after_error(request.args), look=look)
    except InvalidQuery as error:
        rows = list_state.rows_after_error(request.args)
        for row in rows:
            if error.param in (f"cv{row.n}", f"cf{row.n}"):
                row.error = error.message
        return _render_list(status=400, push_url="false", error=error, rows=rows, look=look)
    if is_fragment_request() and state.search.is_slow() and "go" not in request.args:
        # Typing a 1-2 character substring would scan the whole table on every
        # keystroke; say so and let the admin run it on purpose.
        # The address still follows the box (Back and reload must match what it shows).
        return _render_list(push_url=state.url(), state=state, rows=form.rows, reshaped=form.reshaped,
                            removed=form.removed, slow=True)
    page = search_pages.find_page(state.search, state.sort, state.page, state.per_page,
                                  state.position.seek() if state.position else None)
    fixed = replace(state, page=page.page)
    complete = len(form.rows) == len(state.conditions) or not state.advanced
    canonicalise = ("owner" in request.args or form.from_form) and complete and not form.reshaped
    if look is None and not is_fragment_request() and (canonicalise or fixed.page != state.page):
        # Plain form submits and stale page numbers land on the canonical URL.
        return redirect(fixed.url())
    flags = deletion.row_flags([c.id for c in page.rows])
    cols, extras, compact = list_columns.table(fixed, page.rows)
    return _render_list(push_url=fixed.url(), state=fixed, page=page, flags=flags, cols=cols, extras=extras,
                        compact=compact,
                        rows=form.rows, reshaped=form.reshaped, removed=form.removed,
                        marks=Marks.of(fixed, cols), look=look, page_link=list_position.pager_link(fixed, page),
                        summary_urls=list_summary.summary_urls(fixed, list_summary.clicked_chip()))


@bp.get("/owners")
def owners():
    """``<option>``s for the reseller/distributor picker (a datalist)."""
    kind = request.args.get("scope", "")
    # The scope picker sends ``owner``; the edit form's Reseller/Distributor inputs send their own name.
    names = _owner_options(kind, request.args.get("owner", request.args.get(kind, "")))
    return render_template("customers/_owner_options.html", names=names)


@bp.get("/<int:customer_id>/row")
def row(customer_id):
    """One list row as it is now (htmx): what Cancel in the row's status menu puts back."""
    if not is_fragment_request():
        return redirect(url_for("customers.show", customer_id=customer_id))
    return render_row(customer_id)


def _list_count():
    """The result count of the list the request came from (htmx includes its form)."""
    try:
        state, _ = list_state.parse(request.args, current_viewer())
    except (InvalidQuery, list_state.PendingOwner):
        return None
    return search.count(state.search)


@bp.delete("/<int:customer_id>")
def delete(customer_id):
    """Delete from the list row (htmx): the row goes, the count and a message update."""
    if not is_fragment_request():
        return delete_confirmed(customer_id)
    try:
        name = deletion.delete_customer(customer_id, current_viewer())
    except NotFound:
        return render_template("customers/_deleted.html", total=_list_count(),
                               message=("error", "That customer no longer exists.")), 404
    except Conflict as conflict:
        return render_row(customer_id, ("error", f"{conflict.message}: {'; '.join(conflict.reasons)}.")), 409
    return render_template("customers/_deleted.html", total=_list_count(),
                           message=("success", f"Customer “{name}” was deleted."))


@bp.get("/<int:customer_id>/delete")
def confirm_delete(customer_id):
    """The confirmation page for browsers without JavaScript."""
    customer = customer_or_404(customer_id)
    return render_template("customers/delete.html", customer=customer,
                           reasons=deletion.delete_blockers(customer),
                           back=safe_back(request.args.get("back")))


@bp.post("/<int:customer_id>/delete")
def delete_confirmed(customer_id):
    back = safe_back(request.values.get("back"))
    try:
        name = deletion.delete_customer(customer_id, current_viewer())
    except Conflict as conflict:
        customer = Customer.get_by_id(customer_id)
        return render_template("customers/delete.html", customer=customer,
                               reasons=conflict.reasons, back=back), 409
    flash(f"Customer “{name}” was deleted.", "success")
    own_page = url_for("customers.show", customer_id=customer_id)
    path = urlsplit(back).path
    if path == own_page or path.startswith(own_page + "/"):
        back = url_for("customers.index")  # its own pages are gone with it
    return redirect(back, 303)


# The edit page's routes live on this blueprint too (their endpoints are customers.show,
# customers.save, ...), added here explicitly rather than by importing the module;
# so do the list's status chips and totals (customers.status_counts, customers.totals).
customer_page.register(bp)
list_summary.register(bp)
quick_look.register(bp, list_page)
