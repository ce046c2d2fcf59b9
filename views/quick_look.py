"""Quick look: a customer's status, money and status actions in a panel beside the list.

``/customers/<id>/quick-look?<the list's parameters>`` is the list as those parameters
say with the panel open: what a reload, a bookmark or a browser without JavaScript
gets. The list row's link asks for it with htmx (HX-Target ``quick-look``), and then
only the panel is sent; the address bar still names the customer and the list.
Status actions from the panel post to the customer's status route with ``look=1``
and are answered by ``status_from_panel``: the panel and the list row, redrawn.
"""
from flask import flash, make_response, redirect, render_template, request, url_for
from markupsafe import Markup

from data import billing, deletion, lifecycle
from data.errors import Conflict, Invalid

from .actor import current_viewer
from .customer_page import INLINE_ACTIONS
from .htmx import is_fragment_request, safe_back
from .list_columns import for_row
from .lookup import customer_or_404

PANEL = "customers/_quick_look.html"
# The panel shows the latest few; the customer's page has the rest.
PAYMENTS_SHOWN = 5


def _urls(customer_id, query):
    """The list's URL and this customer's quick look URL, both with the list's ``query``."""
    tail = "?" + query if query else ""
    return (url_for("customers.index") + tail,
            url_for("customers.quick_look", customer_id=customer_id) + tail)


def panel_context(customer, query, message=None):
    """What the panel shows of ``customer``; ``query``: the list's parameters it was opened from."""
    list_url, look_url = _urls(customer.id, query)
    viewer = current_viewer()
    actions = ([a for a in lifecycle.available_actions(customer) if a in INLINE_ACTIONS]
               if viewer.may("status") and not customer.is_terminated else [])
    return dict(c=customer, invoices=billing.open_invoices(customer.id),
                payments=billing.recent_payments(customer.id, limit=PAYMENTS_SHOWN),
                actions=actions, labels=lifecycle.ACTIONS, list_url=list_url, look_url=look_url,
                show_url=url_for("customers.show", customer_id=customer.id, back=list_url), message=message)


def _varied(response):
    response.vary.add("HX-Request")
    response.vary.add("HX-Target")
    return response


def quick_look(customer_id, list_page):
    customer = customer_or_404(customer_id)
    query = request.query_string.decode("utf-8", "replace")
    if is_fragment_request() and request.headers.get("HX-Target") == "quick-look":
        return _varied(make_response(render_template(PANEL, **panel_context(customer, query))))
    # The panel drawn here, into the list page (whose context has names of its own).
    panel = Markup(render_template(PANEL, **panel_context(customer, query)))
    return _varied(list_page(look=panel))


def status_from_panel(customer_id):
    """A status action from the panel: htmx gets the panel and the list row redrawn
    (the row out of band); a plain browser goes back to the quick look page."""
    customer = customer_or_404(customer_id)
    look_url = safe_back(request.form.get("back"))
    query = look_url.partition("?")[2]
    action = request.form.get("action", "")
    status = 200
    try:
        lifecycle.perform(customer_id, action, current_viewer(), request.form.get("version"))
        message = ("success", f"{lifecycle.ACTIONS.get(action, action)}: done.")
    except Invalid as invalid:
        status, message = 422, ("error", "; ".join(invalid.errors.values()))
    except Conflict as conflict:
        status, message = 409, ("error", conflict.message)
    if not is_fragment_request():
        flash(message[1], message[0])
        return redirect(look_url, 303)
    customer = customer_or_404(customer_id)
    context = panel_context(customer, query, message)
    cols, extras = for_row(customer, context["list_url"])
    return make_response(render_template(
        "customers/_quick_look_update.html", flags=deletion.row_flags([customer_id]),
        cols=cols, extras=extras, **context), status)


def register(bp, list_page):
    """``/customers/<id>/quick-look`` (endpoint ``customers.quick_look``); ``list_page``
    draws the list (views/customers.py)."""
    bp.add_url_rule("/<int:customer_id>/quick-look", "quick_look",
                    lambda customer_id: quick_look(customer_id, list_page), methods=["GET"])
