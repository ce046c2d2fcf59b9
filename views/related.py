"""A customer's xDRs and accounts: the pages the list's icons link to."""
from datetime import date

from flask import Blueprint, request, url_for

from data.related import customer_accounts, customer_xdrs

from .htmx import render, safe_back
from .list_url import DEFAULT_PAGE_SIZE, InvalidQuery, parse_page_size, parse_positive
from .lookup import customer_or_404, ids_within_range

bp = Blueprint("related", __name__, url_prefix="/customers/<int:customer_id>")
bp.url_value_preprocessor(ids_within_range)


def _date(param):
    text = request.args.get(param, "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidQuery(param, f"“{text}” is not a date (YYYY-MM-DD)") from None


def _page_args():
    return (parse_positive("page", request.args.get("page"), 1),
            parse_page_size(request.args.get("per_page")))


def _links(endpoint, customer, back, **params):
    """URL builder for this page keeping ``back`` and the filters (defaults left out)."""
    defaults = {"page": 1, "per_page": DEFAULT_PAGE_SIZE}

    def link(**changes):
        merged = {k: v for k, v in {**params, **changes}.items()
                  if v not in (None, "") and defaults.get(k) != v}
        return url_for(endpoint, customer_id=customer.id, back=back, **merged)
    return link


@bp.get("/xdrs")
def xdrs(customer_id):
    customer = customer_or_404(customer_id)
    back = safe_back(request.args.get("back"))
    form = {"from": request.args.get("from", ""), "to": request.args.get("to", "")}
    try:
        start, end = _date("from"), _date("to")
        if start and end and start > end:
            raise InvalidQuery("from", "must not be after “to”")
        page_number, per_page = _page_args()
    except InvalidQuery as error:
        return render("customers/xdrs.html", "customers/_xdr_results.html", status=400,
                      push_url="false", customer=customer, back=back, form=form, error=error,
                      link=_links("related.xdrs", customer, back))
    page = customer_xdrs(customer, start, end, page_number, per_page)
    dates = {"from": start and start.isoformat(), "to": end and end.isoformat()}
    link = _links("related.xdrs", customer, back, per_page=per_page, **dates)
    return render("customers/xdrs.html", "customers/_xdr_results.html", push_url=link(page=page.page),
                  customer=customer, back=back, form=form, page=page, link=link)


@bp.get("/accounts")
def accounts(customer_id):
    customer = customer_or_404(customer_id)
    back = safe_back(request.args.get("back"))
    try:
        page_number, per_page = _page_args()
    except InvalidQuery as error:
        return render("customers/accounts.html", "customers/_account_results.html", status=400,
                      push_url="false", customer=customer, back=back, error=error,
                      link=_links("related.accounts", customer, back))
    page = customer_accounts(customer, page_number, per_page)
    link = _links("related.accounts", customer, back, per_page=per_page)
    return render("customers/accounts.html", "customers/_account_results.html",
                  push_url=link(page=page.page), customer=customer, back=back, page=page, link=link)
