"""Small helpers for answering htmx and plain browser requests from one view."""
from urllib.parse import urlsplit

from flask import abort, make_response, render_template, request, url_for


def is_fragment_request():
    """True for htmx requests that want a fragment.

    A history-restore request (back button after htmx's cache was dropped) is
    also sent by htmx, but it needs the whole page.
    """
    return (request.headers.get("HX-Request") == "true"
            and request.headers.get("HX-History-Restore-Request") != "true")


def render(page_template, fragment_template, status=200, push_url=None, whole=False, **context):
    """The full page, or only the fragment for htmx; ``push_url`` sets the address bar;
    ``whole``: the full page for htmx too (it selects the part it swaps)."""
    fragment = is_fragment_request() and not whole
    response = make_response(
        render_template(fragment_template if fragment else page_template, fragment=fragment, **context),
        status)
    if fragment and push_url is not None:
        response.headers.update(history_headers(push_url))
    response.vary.add("X-History")
    return response


def history_headers(url):
    """How an htmx answer at ``url`` updates the browser history.

    A new entry (HX-Push-Url), except: the same address as the page already
    shows adds none (leaving a search box after typing re-sends the search),
    and while typing goes on (``X-History: replace`` from static/js/search-history.js)
    the current entry is updated (HX-Replace-Url): one entry per settled search.
    """
    if url == "false":
        return {"HX-Push-Url": "false"}
    current = urlsplit(request.headers.get("HX-Current-URL", ""))
    target = urlsplit(url)
    if (current.path, current.query) == (target.path, target.query):
        return {"HX-Replace-Url": url}
    if request.headers.get("X-History") == "replace":
        return {"HX-Replace-Url": url}
    return {"HX-Push-Url": url}


def safe_back(value, default_endpoint="customers.index", prefix="/customers"):
    """A same-site path under ``prefix`` to return to (``back``, ``next``); never another host.

    Backslashes are refused too: browsers read ``/\\host`` as ``//host``.
    Control characters (CR, LF...) are a 400, before anything is done: no link of
    ours carries them, and in a redirect's Location header they would end in a
    500 after the change (a delete) had been made.
    """
    if value and any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        from .errors import error_response  # errors imports this module
        abort(error_response(400, "The return address (“back” or “next”) contains control "
                                  "characters; no link of this site does. Start again from the list."))
    if value:
        parts = urlsplit(value)
        if (not parts.scheme and not parts.netloc and value.startswith(prefix)
                and not value.startswith("//") and "\\" not in value):
            return value
    return url_for(default_endpoint)
