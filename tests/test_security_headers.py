from tests.conftest import soup


def test_strict_headers_everywhere(client):
    for url in ("/customers", "/customers/1", "/static/app.css"):
        with client.get(url) as response:
            headers = response.headers
        csp = headers["Content-Security-Policy"]
        assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
        assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"]


def test_pages_carry_no_inline_script_or_style(client):
    html = soup(client.get("/customers"))
    assert all(script.get("src") for script in html.find_all("script"))
    assert not html.find_all("style") and not html.select("[style]")
    config = html.find("meta", attrs={"name": "htmx-config"})["content"]
    assert '"allowEval": false' in config and '"includeIndicatorStyles": false' in config


def test_htmx_is_the_vendored_2_0_11(client):
    html = soup(client.get("/customers"))
    assert html.find("script")["src"] == "/static/vendor/htmx-2.0.11.min.js"
    with client.get("/static/vendor/htmx-2.0.11.min.js") as response:
        assert response.status_code == 200


def test_nul_characters_are_refused_everywhere_before_they_reach_the_database(client, anonymous):
    """PostgreSQL cannot take NUL in text at all (Hypothesis found a charge description with
    one answering 500 there); every field of every request is refused with a 400 instead."""
    from data.records import Xdr
    from tests import factories
    from tests.conftest import csrf_headers

    c = factories.customer("Nul Test")
    headers = csrf_headers(client)
    charged = client.post(f"/customers/{c.id}/charges", headers=headers,
                          data={"amount": "1", "description": "\x00", "version": c.version})
    assert charged.status_code == 400 and "NUL" in charged.get_data(as_text=True)
    assert not Xdr.select().where(Xdr.customer == c.id).exists()
    assert client.get("/customers?q=%00").status_code == 400
    assert anonymous.post("/sign-in", data={"name": "a\x00", "password": "x"}).status_code == 400


def test_signed_in_answers_are_never_stored_in_caches(client):
    for url, headers in (("/customers", {}), ("/customers", {"HX-Request": "true"}), ("/customers.csv", {}),
                         ("/customers/999999", {})):
        with client.get(url, headers=headers) as response:
            assert response.headers["Cache-Control"] == "no-store", url
    with client.get("/static/app.css") as static:
        assert "no-store" not in static.headers.get("Cache-Control", "")


def test_a_csv_export_that_fails_at_once_is_an_error_page_with_the_usual_headers(client, monkeypatch):
    from data import search

    def broken(_search, _columns):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(search, "ordered", broken)  # the export's one statement
    with client.get("/customers.csv") as response:
        assert response.status_code == 500 and response.mimetype == "text/html"
        assert "Content-Security-Policy" in response.headers and response.headers["Cache-Control"] == "no-store"
        assert "Something went wrong" in response.get_data(as_text=True)
