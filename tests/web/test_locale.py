"""Which language a page is in: choice, then session default, then browser, then English."""

from __future__ import annotations

import pytest

from tests.support.participants import load_demo, post_page
from voice_app.extensions import db
from voice_app.models import GroupSession


@pytest.fixture
def languages(app):
    app.extensions["voice_languages"] = ["en_GB", "pl", "ar"]
    return app.extensions["voice_languages"]


def html_tag(response) -> str:
    return response.get_data(as_text=True).split("<html", 1)[1].split(">", 1)[0]


def test_browser_language_is_used_when_nothing_was_chosen(client, languages):
    assert 'lang="pl" dir="ltr"' in html_tag(client.get("/", headers={"Accept-Language": "pl"}))
    arabic = client.get("/", headers={"Accept-Language": "ar-SA,ar;q=0.9"})
    assert 'lang="ar" dir="rtl"' in html_tag(arabic)


def test_unknown_browser_language_falls_back_to_english(client, languages):
    assert 'lang="en-GB"' in html_tag(client.get("/", headers={"Accept-Language": "xx, de"}))


def test_staff_pages_follow_the_same_rule(client, languages):
    page = client.get("/staff/login", headers={"Accept-Language": "ar"})
    assert 'lang="ar" dir="rtl"' in html_tag(page)


def test_the_sessions_default_beats_the_browser_and_a_choice_beats_both(
    app, client, runner, languages
):
    code = load_demo(runner)
    with app.app_context():
        session = db.session.query(GroupSession).one()
        session.languages = ["en_GB", "pl", "ar"]
        session.default_language = "pl"
        db.session.commit()
    headers = {"Accept-Language": "ar"}
    page = client.get("/", headers=headers)
    from tests.support.forms import csrf_token

    client.post(
        "/join",
        data={"csrf_token": csrf_token(page.get_data(as_text=True)), "code": code},
        headers=headers,
    )
    assert 'lang="pl"' in html_tag(client.get("/language", headers=headers))
    post_page(client, "/language", {"answer": "ar"})
    assert 'lang="ar" dir="rtl"' in html_tag(client.get("/who", headers=headers))


def test_a_language_the_session_does_not_offer_cannot_be_chosen(app, client, runner, languages):
    code = load_demo(runner)
    with app.app_context():
        db.session.query(GroupSession).one().languages = ["en_GB", "pl"]
        db.session.commit()
    from tests.support.forms import csrf_token

    page = client.get("/")
    client.post("/join", data={"csrf_token": csrf_token(page.get_data(as_text=True)), "code": code})
    refused = post_page(client, "/language", {"answer": "ar"})
    assert refused.status_code == 400
    assert "Choose one of the answers shown." in refused.get_data(as_text=True)


def test_numbers_follow_the_page_language(login_as, runner):
    from voice_app.models import Role

    load_demo(runner)
    client = login_as(Role.RESEARCHER)
    english = client.get("/research/languages").get_data(as_text=True)
    polish = client.get("/research/languages", headers={"Accept-Language": "pl"})
    assert "100.0%" in english
    assert "100,0" in polish.get_data(as_text=True) and "100.0%" not in polish.get_data(
        as_text=True
    )
