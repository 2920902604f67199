"""Health, headers and error pages every visitor meets."""

from __future__ import annotations

from voice_app import __version__


def test_health_reports_version_and_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "version": __version__, "database": "ok"}


def test_health_says_when_the_database_does_not_answer(app, client, monkeypatch):
    from voice_app.extensions import db

    monkeypatch.setattr(type(db), "ping", lambda self: False)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"


def test_pages_are_never_cached_and_carry_a_strict_policy(client):
    for url in ("/", "/staff/login", "/no-such-page"):
        response = client.get(url)
        assert response.headers["Cache-Control"] == "no-store"
        policy = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy
        assert "object-src 'none'" in policy and "frame-ancestors 'none'" in policy
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "geolocation=()" in response.headers["Permissions-Policy"]


def test_static_files_may_be_cached(client):
    response = client.get("/static/css/voice.css")
    assert response.status_code == 200
    assert response.headers.get("Cache-Control") != "no-store"


def test_unknown_page_gets_a_friendly_404(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_wrong_method_gets_a_friendly_page(client):
    response = client.post("/healthz")
    assert response.status_code in {400, 405}  # CSRF refuses before routing, or 405
    assert "<h1" in response.get_data(as_text=True)


def test_html_names_its_language_and_direction(client):
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="en-GB" dir="ltr">' in page


def test_every_page_offers_a_skip_link_to_the_main_content(client):
    page = client.get("/staff/login").get_data(as_text=True)
    assert 'href="#main"' in page and 'id="main"' in page


def test_a_failed_database_write_still_gives_the_friendly_error_page_to_a_signed_in_user(
    app, login_as
):
    """Staff pages look up the user while rendering; a broken transaction must not stop
    the error page itself (it used to fail with PendingRollbackError)."""
    from voice_app.extensions import db
    from voice_app.models import Area, Role

    def write_that_fails() -> str:
        db.session.add_all([Area(code="dup", name="One"), Area(code="dup", name="Two")])
        db.session.flush()
        return "not reached"

    app.add_url_rule("/staff/broken-write", "auth.broken_write", write_that_fails)
    client = login_as(Role.ADMIN)
    response = client.get("/staff/broken-write")
    assert response.status_code == 500
    assert "Sorry, something went wrong" in response.get_data(as_text=True)
