"""The Create / Edit Customer page and the changes made from it.

Every change answers htmx with the section it changed (422 with the form and
its inline errors, 409 when the customer changed meanwhile or the action is not
allowed) and plain browsers with a redirect back to the page and a message.
"""
import secrets
from decimal import Decimal

import pycountry
from flask import abort, flash, make_response, redirect, render_template, request, url_for

from data import billing, clock, deletion, editing, export, history, lifecycle, periodic, subscriptions
from data.errors import Conflict, Invalid
from data.models import BALANCE_CONTROLS, CUSTOMER_TYPES
from data.money import money_text
from data.status import applicable_statuses, spent_on

from .actor import current_viewer
from .errors import conflict_text
from .htmx import is_fragment_request, safe_back
from .lookup import customer_or_404, render_row

COUNTRIES = sorted(((c.alpha_2, c.name) for c in pycountry.countries), key=lambda c: c[1])
CURRENCIES = sorted((c.alpha_3, f"{c.alpha_3} – {c.name}") for c in pycountry.currencies)


def _choices(customer=None):
    return dict(countries=COUNTRIES, currencies=CURRENCIES, customer_types=CUSTOMER_TYPES,
                balance_controls=BALANCE_CONTROLS, payment_methods=billing.PAYMENT_METHODS,
                classes=editing.class_names(customer), credit_help=editing.credit_limit_help(current_viewer()))


def field_values(customer, form):
    """``v(name)``: the value a form field shows, as typed after an error, else as stored."""
    def v(name):
        if form is not None and name in form:
            return form[name]
        if customer is None:
            return ""
        if name in ("reseller", "distributor", "customer_class"):
            related = getattr(customer, name)
            return related.name if related is not None else ""
        value = getattr(customer, name)
        return money_text(value) if isinstance(value, Decimal) or name == "credit_limit" else value
    return v


def _page(customer, status=200, form=None, errors=None, section_errors=None, message=None):
    """The edit page: whole for browsers, its content block for htmx."""
    has_accounts, deletable = deletion.row_flags([customer.id])[customer.id]
    now = clock.utcnow()
    today = now.date()
    context = dict(
        customer=customer, form=form, errors=errors or {}, section_errors=section_errors or {},
        v=field_values(customer, form if errors else None),
        spent_today=spent_on(customer, today),
        message=message, back=safe_back(request.values.get("back")), has_accounts=has_accounts,
        deletable=deletable, statuses=applicable_statuses(customer, today),
        actions=lifecycle.available_actions(customer), action_labels=lifecycle.ACTIONS,
        deadline=lifecycle.reactivation_deadline(customer),
        invoices=billing.open_invoices(customer.id), payments=billing.recent_payments(customer.id),
        subscriptions=billing.subscriptions(customer.id), one_time_key=_one_time_key,
        preview=periodic.customer_preview(customer, now), period=periodic.period_of(now),
        next_period=periodic.next_period_start(now),
        history=history.entries(customer.id), **_choices(customer))
    template = "customers/_edit_content.html" if is_fragment_request() else "customers/edit.html"
    return make_response(render_template(template, **context), status)


def _one_time_key():
    """A new key for one payment or charge form: sending that form again records nothing twice."""
    return secrets.token_urlsafe(18)


def new():
    return render_template("customers/new.html", v=field_values(None, {}), errors={},
                           back=safe_back(request.args.get("back")), **_choices())


def create():
    try:
        customer = editing.create_customer(request.form.to_dict(), current_viewer())
    except Invalid as invalid:
        return render_template("customers/new.html", v=field_values(None, request.form), errors=invalid.errors,
                               back=safe_back(request.form.get("back")), **_choices()), 422
    flash(f"Customer “{customer.name}” was created.", "success")
    return redirect(url_for("customers.show", customer_id=customer.id), 303)


def show(customer_id):
    return _page(customer_or_404(customer_id))


def _refused(customer_id, error):
    """409: a stale version, a terminated customer, or an action not allowed now."""
    text = conflict_text(error)
    customer = customer_or_404(customer_id)
    if is_fragment_request():
        return _page(customer, 409, message=("error", text))
    flash(text, "error")
    return redirect(url_for("customers.show", customer_id=customer_id), 303)


def _done(customer_id, text):
    if is_fragment_request():
        return _page(customer_or_404(customer_id), message=("success", text))
    flash(text, "success")
    return redirect(url_for("customers.show", customer_id=customer_id), 303)


def _attempt(customer_id, change, success, section=None):
    """Run ``change()``; answer with the right status and section for each outcome.

    ``success`` is the message, or a function of what ``change()`` returned that makes it.
    A customer out of reach (404) or a change the role may not make (403) is
    answered by views/errors.py; here the page is shown again with what went wrong.
    """
    try:
        result = change()
    except Conflict as error:
        return _refused(customer_id, error)
    except Invalid as invalid:
        customer = customer_or_404(customer_id)
        return _page(customer, 422, form=request.form, errors=invalid.errors if section is None else {},
                     section_errors={section: invalid.errors} if section else {})
    return _done(customer_id, success(result) if callable(success) else success)


def save(customer_id):
    return _attempt(customer_id, lambda: editing.update_customer(
        customer_id, request.form.to_dict(), current_viewer(), request.form.get("version")), "Changes saved.")


def _dialog_action(customer_id, form):
    """The dialog's boxes, as the spec names them, turned into actions.

    "Blocked" checked or cleared means block or unblock; lifting a suspension
    wants the "Suspended" box cleared as well as a date.
    """
    action = form.get("action", "")
    if action == "set_blocked":
        wanted = bool(form.get("blocked"))
        if wanted == customer_or_404(customer_id).blocked:
            return None
        return "block" if wanted else "unblock"
    if action == "lift_suspension" and form.get("suspended"):
        raise Invalid({"suspended": "clear the Suspended box to lift the suspension"})
    return action


def change_status(customer_id):
    if request.form.get("look"):
        # From the list's quick look panel: it answers with itself (views/quick_look.py
        # imports this module's actions, hence the import here).
        from .quick_look import status_from_panel
        return status_from_panel(customer_id)
    if request.form.get("row") and is_fragment_request():
        return _row_status(customer_id, request.form.get("action", ""))
    try:
        action = _dialog_action(customer_id, request.form)
    except Invalid as invalid:
        return _page(customer_or_404(customer_id), 422, section_errors={"status": invalid.errors})
    if action is None:
        return _done(customer_id, "Nothing to change.")
    label = lifecycle.ACTIONS.get(action, action)
    return _attempt(customer_id, lambda: lifecycle.perform(
        customer_id, action, current_viewer(), request.form.get("version"),
        until=request.form.get("until"), limit=request.form.get("limit")), f"{label}: done.", section="status")


def _row_status(customer_id, action):
    """An inline status change from the list: answer with the row, redrawn."""
    try:
        lifecycle.perform(customer_id, action, current_viewer(), request.form.get("version"))
    except Invalid as invalid:
        return render_row(customer_id, message=("error", "; ".join(invalid.errors.values()))), 422
    except Conflict as conflict:
        return render_row(customer_id, message=("error", conflict.message)), 409
    return render_row(customer_id, message=("success", f"{lifecycle.ACTIONS[action]}: done."))


def status_menu(customer_id):
    """The inline "change status" menu of a list row (htmx); without htmx, the customer's Status section."""
    customer = customer_or_404(customer_id)
    if not current_viewer().may("status"):
        abort(403, description="Your role can look at customers but not change them.")
    if not is_fragment_request():
        return redirect(url_for("customers.show", customer_id=customer_id, _anchor="status"))
    return render_template("customers/_row_status_menu.html", c=customer,
                           actions=[a for a in lifecycle.available_actions(customer) if a in INLINE_ACTIONS],
                           labels=lifecycle.ACTIONS, back=safe_back(request.args.get("back")))


# Actions that need no extra value can be done straight from a list row.
INLINE_ACTIONS = ("block", "unblock", "restore", "activate", "unfreeze_payments", "reset_spending",
                  "provisionally_terminate", "permanently_terminate")


def record_payment(customer_id):
    form = request.form
    if form.get("outcome") == "failed":
        return _attempt(customer_id, lambda: billing.record_failed_payment(
            customer_id, form.get("amount"), form.get("reason") or "declined", current_viewer(),
            key=form.get("key")), "Failed payment recorded.", section="payment")
    return _attempt(customer_id, lambda: billing.record_payment(
        customer_id, form.get("amount"), form.get("method"), current_viewer(), form.get("version"),
        key=form.get("key")), _payment_recorded, section="payment")


def _payment_recorded(customer):
    if customer.payment_frozen:
        return ("Payment recorded. Payments stay frozen until an administrator chooses “Unfreeze payments” "
                "once the customer's payment method is fixed.")
    return "Payment recorded."


def add_charge(customer_id):
    form = request.form
    return _attempt(customer_id, lambda: billing.charge(
        customer_id, form.get("amount"), form.get("description"), current_viewer(), form.get("version"),
        key=form.get("key")), "Charge added.", section="charge")


def add_subscription(customer_id):
    return _attempt(customer_id, lambda: subscriptions.add(
        customer_id, request.form.to_dict(), current_viewer(), request.form.get("version")),
        "Subscription added.", section="subscription")


def end_subscription(customer_id, subscription_id):
    return _attempt(customer_id, lambda: subscriptions.end(
        customer_id, subscription_id, request.form.get("ended_on"), current_viewer(), request.form.get("version")),
        "Subscription ended.", section="end_subscription")


def set_password(customer_id):
    return _attempt(customer_id, lambda: editing.set_password(
        customer_id, request.form.get("password"), current_viewer(), request.form.get("version")),
        "Web self-care password saved.", section="password")


def export_file(customer_id):
    """Mark the customer Exported and download it for another installation."""
    try:
        customer = lifecycle.perform(customer_id, "export", current_viewer(), request.form.get("version"))
    except Conflict as error:
        return _refused(customer_id, error)
    response = make_response(export.installation_file(customer))
    response.mimetype = "text/csv"
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in customer.name)[:60]
    response.headers["Content-Disposition"] = f'attachment; filename="customer-{safe}.csv"'
    return response


def register(bp):
    """Add the page's routes to the customers blueprint (``/customers/...``, endpoints ``customers.<view>``)."""
    bp.get("/new")(new)
    bp.post("/new")(create)
    bp.get("/<int:customer_id>")(show)
    bp.post("/<int:customer_id>")(save)
    bp.post("/<int:customer_id>/status")(change_status)
    bp.get("/<int:customer_id>/status-menu")(status_menu)
    bp.post("/<int:customer_id>/payments")(record_payment)
    bp.post("/<int:customer_id>/charges")(add_charge)
    bp.post("/<int:customer_id>/password")(set_password)
    bp.post("/<int:customer_id>/subscriptions")(add_subscription)
    bp.post("/<int:customer_id>/subscriptions/<int:subscription_id>/end")(end_subscription)
    bp.post("/<int:customer_id>/export-file")(export_file)
