"""Template filters and globals: money with its currency, counts, dates, icons."""
from datetime import date
from functools import cache, lru_cache

from babel.numbers import format_decimal, get_currency_precision
from flask import g, url_for
from markupsafe import Markup, escape

from data import clock
from data.access import ROLES
from data.conditions import FIELDS, OPERATORS
from data.money import money_text
from data.status import BY_CODE

from .highlight import Marks, highlight
from .list_url import split_param
from .row_links import RowLinks


@cache
def _currency_digits(currency):
    return get_currency_precision(currency)


def money(amount, currency):
    """``1,234.50 USD``: the currency's usual decimals, more only if the amount has them.

    Exact: the Decimal is formatted as a Decimal (never through float) with at
    least as many places as it has, so nothing is rounded away.
    """
    if amount is None:
        return ""
    exponent = amount.normalize().as_tuple().exponent
    places = max(_currency_digits(currency), -exponent if isinstance(exponent, int) else 0)
    return f"{amount:,.{places}f} {currency}"


def number(value):
    """``1,234,567``: counts and page numbers, grouped as English writes them."""
    if type(value) is int:
        # Babel's general formatting costs ~0.1 ms a call (a list page makes several);
        # for a whole number in English it is Python's own grouping.
        return f"{value:,}"
    return format_decimal(value, locale="en")


def plural(count, singular, plural_form=None):
    word = singular if count == 1 else (plural_form or singular + "s")
    return f"{number(count)} {word}"


def sprite_url():
    """The address of the icons' sprite: one url_for a request, not one per icon (a list
    page draws hundreds)."""
    url = g.get("sprite_url")
    if url is None:
        url = g.sprite_url = url_for("static", filename="icons/sprite.svg")
    return url


@lru_cache(maxsize=512)
def _icon_shell(href, css):
    # The parts of an icon that do not depend on its label, escaped once.
    return f'<svg class="icon {escape(css)}"', f' focusable="false"><use href="{escape(href)}"></use></svg>'


def icon(name, label=None, css=""):
    """An inline reference to a symbol of the vendored Lucide sprite."""
    return Markup(icon_markup(name, escape(label) if label else None, css))


def icon_markup(name, label_html=None, css="", sprite=None):
    """``icon`` as a plain string, its label given already escaped (the list's rows
    escape a customer's name once for the five labels that hold it); ``sprite``: the
    sprite's address, for a caller drawing hundreds (``sprite_url()``)."""
    start, end = _icon_shell((sprite or sprite_url()) + "#" + name, css)
    aria = f' role="img" aria-label="{label_html}"' if label_html else ' aria-hidden="true"'
    return start + aria + end


# The status actions that cannot simply be undone, and what each does, told before
# it is done (the spec's words). Their buttons look destructive and ask first.
DESTRUCTIVE = {
    "provisionally_terminate": "All services of the customer stop. It can be restored within the reactivation "
                               "period of its class (30 days unless the class sets another); after that the "
                               "termination becomes permanent.",
    "permanently_terminate": "The customer is closed for good and kept only for informational and regulatory "
                             "purposes. No further operations are possible. This cannot be undone.",
}


# URL parameters as a person knows them: the label of the control that sends them.
PARAM_LABELS = {
    "scope": "Show", "owner": "Reseller or distributor", "q": "Search", "sort": "Sort order",
    "page": "Page", "per_page": "Per page", "from": "From date", "to": "To date",
}
# The advanced form's row inputs (cf0, co0, cv0), named as their labels name them.
_ROW_PARTS = {"cf": "Field", "co": "Operator", "cv": "Value"}


def param_heading(param):
    """How an error names a bad parameter: ``Value of condition 1`` for a form row's
    input (its name, ``cv0``, means nothing to a person), else the parameter as it
    stands in the address bar with the control it belongs to: ``Invalid parameter
    “per_page” (Per page)``."""
    part, number = param[:2], param[2:]
    if part in _ROW_PARTS and number.isdigit():
        return f"{_ROW_PARTS[part]} of condition {int(number) + 1}"
    heading = f"Invalid parameter “{param}”"
    split = split_param(param) if param.startswith("flt") else None
    if split and split[1] in FIELDS and split[2]:
        return f"{heading} (condition {split[0] + 1}: {FIELDS[split[1]].label} {OPERATORS[split[2]]})"
    return f"{heading} ({PARAM_LABELS[param]})" if param in PARAM_LABELS else heading


def scope_heading(state=None, form=None):
    """The list's heading: the spec's name of the scope shown ("Subcustomers of reseller Acme")."""
    if state is not None:
        kind, owner = state.scope.kind, state.scope.owner.name if state.scope.owner else ""
    else:  # a bad or unfinished scope: what the form says
        kind, owner = (form or {}).get("kind", "direct"), ((form or {}).get("owner") or "").strip()
    if kind == "reseller":
        return f"Subcustomers of reseller {owner}" if owner else "Subcustomers of a reseller"
    if kind == "distributor":
        return f"Customers of distributor {owner}" if owner else "Customers of a distributor"
    return "All customers" if kind == "all" else "Direct customers"


def date_value(text):
    """``text`` if it is a ``YYYY-MM-DD`` date, else empty: the only values an
    ``<input type="date">`` may carry (a bad one is named in the error message instead)."""
    try:
        return date.fromisoformat(text).isoformat() if text and len(text) == 10 else ""
    except ValueError:
        return ""


def status_info(code):
    return BY_CODE[code]


def utc(moment):
    return "" if moment is None else moment.strftime("%Y-%m-%d %H:%M") + " UTC"


def duration(seconds):
    minutes, seconds = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


def register(app):
    @app.context_processor
    def _viewer():
        return {"viewer": g.get("viewer"), "roles": ROLES}

    app.add_template_global(clock.today, "today")
    app.add_template_filter(money_text)
    app.add_template_global(RowLinks, "row_links")
    app.add_template_global(money)
    app.add_template_global(icon)
    app.add_template_global(plural)
    app.add_template_global(status_info)
    app.add_template_global(param_heading)
    app.add_template_global(scope_heading)
    app.add_template_global(DESTRUCTIVE, "destructive")
    app.add_template_filter(number)
    app.add_template_filter(utc)
    app.add_template_filter(date_value)
    app.add_template_filter(duration)
    # The list's matched text (views/highlight.py); a row drawn on its own marks nothing.
    app.add_template_filter(highlight)
    app.add_template_global(Marks(), "no_marks")
