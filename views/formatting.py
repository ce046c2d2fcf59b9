"""Template filters and globals: money with its currency, counts, dates, icons."""
from decimal import Decimal

from babel.numbers import format_currency, format_decimal
from flask import url_for
from markupsafe import Markup, escape

from data.status import BY_CODE


def money(amount, currency):
    """``1,234.50 USD``: the currency's usual decimals, more only if the amount has them.

    Exact: the Decimal is never rounded for display.
    """
    if amount is None:
        return ""
    return format_currency(amount, currency, format="#,##0.00 ¤¤", locale="en",
                           currency_digits=True, decimal_quantization=False)


def number(value):
    return format_decimal(value, locale="en")


def plural(count, singular, plural_form=None):
    word = singular if count == 1 else (plural_form or singular + "s")
    return f"{number(count)} {word}"


def icon(name, label=None, css=""):
    """An inline reference to a symbol of the vendored Lucide sprite."""
    href = url_for("static", filename="icons/sprite.svg") + "#" + name
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
    app.add_template_global(money)
    app.add_template_global(icon)
    app.add_template_global(plural)
    app.add_template_global(status_info)
    app.add_template_filter(number)
    app.add_template_filter(utc)
    app.add_template_filter(duration)
    app.jinja_env.globals["Decimal"] = Decimal
