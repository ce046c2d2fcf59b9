"""Template filters and globals: money with its currency, counts, dates, icons."""
from functools import cache

from babel.numbers import format_decimal, get_currency_precision
from flask import g, url_for
from markupsafe import Markup, escape

from data import clock
from data.access import ROLES
from data.money import money_text
from data.status import BY_CODE

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
    return format_decimal(value, locale="en")


def plural(count, singular, plural_form=None):
    word = singular if count == 1 else (plural_form or singular + "s")
    return f"{number(count)} {word}"


def _sprite():
    # One url_for per request, not one per icon (a list page draws hundreds).
    if "sprite_url" not in g:
        g.sprite_url = url_for("static", filename="icons/sprite.svg")
    return g.sprite_url


def icon(name, label=None, css=""):
    """An inline reference to a symbol of the vendored Lucide sprite."""
    href = _sprite() + "#" + name
    aria = f' role="img" aria-label="{escape(label)}"' if label else ' aria-hidden="true"'
    return Markup(f'<svg class="icon {escape(css)}"{aria} focusable="false">'
                  f'<use href="{escape(href)}"></use></svg>')


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
    app.add_template_filter(number)
    app.add_template_filter(utc)
    app.add_template_filter(duration)
