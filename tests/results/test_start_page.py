"""The officer's start page: the links each role may follow, and this quarter's headline,
the same numbers as the results overview shows for the same scope and quarter."""

from __future__ import annotations

import re
from datetime import date
from html import unescape

import pytest

from survey import start
from survey.accounts.access import may_open
from survey.accounts.models import Role, User
from survey.db import db

#: A day in 2026's first quarter: the data set has responses in it and in the quarter before.
IN_THE_DATA = date(2026, 2, 15)
#: A day in a quarter without any response.
AFTER_THE_DATA = date(2027, 5, 1)
RESULTS_PAGES = {
    "/officer/results/",
    "/officer/results/agencies",
    "/officer/results/officials",
    "/officer/results/criteria",
}
ROLES = ("administrator", "reform_office", "agency_manager", "viewer")


@pytest.fixture
def today(monkeypatch):
    """``today(day)``: the start page's today."""

    def set_today(day: date) -> None:
        monkeypatch.setattr(start, "local_today", lambda: day)

    set_today(IN_THE_DATA)
    return set_today


#: The feedback cases, with the links of their counts (open, overdue).
CASE_PAGES = {"/officer/cases/", "/officer/cases/?state=open", "/officer/cases/?overdue=y"}
#: The one-stop dossiers returned late (officers who read responses).
LATE_DOSSIERS = "/officer/results/late-dossiers"


def links(text: str, tag: str = "body", attributes: str = "") -> set[str]:
    """The addresses of the links inside the first ``<tag attributes>`` of the page."""
    found = re.search(rf"<{tag}\b{attributes}.*?</{tag}>", text, re.S)
    return set(re.findall(r'href="([^"]+)"', found.group(0) if found else ""))


def start_links(text: str) -> set[str]:
    return links(text, "nav", ' class="start-links"')


def figures(text: str) -> dict[str, str]:
    """The headline's figures, label → value as read on the screen."""
    block = re.search(r'<dl class="headline">(.*?)</dl>', text, re.S).group(1)
    pairs = re.findall(r"<dt>(.*?)</dt>\s*<dd>(.*?)</dd>", block, re.S)
    return {label: words(value) for label, value in pairs}


def change_sentence(text: str) -> str:
    return words(re.search(r'<p class="change">(.*?)</p>', text, re.S).group(1))


def words(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


@pytest.mark.parametrize("role", ROLES)
def test_each_role_is_offered_exactly_the_pages_it_may_open(results_world, officer, today, role):
    client = officer(role)
    text = client.get("/officer/?lang=en").get_data(as_text=True)
    expected = set(RESULTS_PAGES)
    if role in ("administrator", "reform_office"):
        expected.add("/admin/")
    if role == "administrator":
        expected.add("/admin/dossiers/import")
    if role != "viewer":
        expected |= CASE_PAGES | {LATE_DOSSIERS}
    assert start_links(text) == expected
    # Every link of the page to another page of the site leads where the officer may go
    # (the skip link and the language links stay on this page).
    for address in sorted(link for link in links(text) if link.startswith("/")):
        response = client.get(address)
        assert response.status_code == 200, f"{role}: {address} answers {response.status_code}"
    # The account stays on the page, below the links.
    assert text.index("start-links") < text.index("Change password")
    assert "/officer/password" in text


@pytest.mark.parametrize("role", ROLES)
def test_results_are_in_the_navigation_of_every_officer_page(results_world, officer, role):
    client = officer(role)
    for address in ("/officer/", "/officer/password", "/officer/results/criteria"):
        text = client.get(address).get_data(as_text=True)
        navigation = re.search(r'<nav class="officer-nav".*?</nav>', text, re.S).group(0)
        assert '<a href="/officer/results/">Kết quả</a>' in navigation, (role, address)


@pytest.mark.parametrize(("role", "scope"), [("reform_office", None), ("viewer", "ward")])
def test_the_headline_is_what_the_overview_shows(results_world, officer, today, role, scope):
    client = officer(role)
    home = client.get("/officer/").get_data(as_text=True)
    overview = client.get("/officer/results/?period=2026-Q1").get_data(as_text=True)
    shown = figures(home)
    assert len(shown) == 3 and "Số phiếu" in shown
    assert shown == figures(overview)
    if scope is None:
        assert change_sentence(home) == change_sentence(overview)
        assert "Quý 4/2025" in change_sentence(home)
    else:
        # the ward's 2025-Q4 is withheld (2025 has ended: its figures are decided at once,
        # survey.results.period_units.decided_year): no change on either page, and the
        # start page says why
        assert '<p class="change">' not in overview
        assert change_sentence(home).startswith("Chưa so sánh được với Quý 4/2025")
    assert "Quý 1/2026, đến ngày 15/02/2026: quý chưa kết thúc." in words(home)
    if scope is None:
        # The questionnaire is named by its definition's own title, as on the results pages.
        assert (
            "Tất cả cơ quan, đơn vị · Phiếu khảo sát sự hài lòng của người dân, tổ chức đối với "
            "sự phục vụ của cơ quan hành chính nhà nước" in words(home)
        )


def test_the_province_and_a_ward_have_their_own_numbers(results_world, officer, today):
    province = figures(officer("administrator").get("/officer/").get_data(as_text=True))
    ward = figures(officer("agency_manager").get("/officer/").get_data(as_text=True))
    assert province["Số phiếu"] != ward["Số phiếu"]


def test_a_small_group_is_not_shown(app, results_world, officer, today):
    app.config["MIN_GROUP_SIZE"] = 10_000
    text = officer("viewer").get("/officer/?lang=en").get_data(as_text=True)
    assert "Fewer than 10,000 responses this quarter: no result is shown yet" in text
    assert '<dl class="headline">' not in text
    assert start_links(text) == RESULTS_PAGES


def test_a_quarter_without_responses_says_so_and_still_leads_to_the_results(
    results_world, officer, today
):
    today(AFTER_THE_DATA)
    text = officer("reform_office").get("/officer/").get_data(as_text=True)
    assert "Chưa có phiếu nào trong quý này." in words(text)
    assert "Quý 2/2027, đến ngày 01/05/2027" in words(text)
    assert '<dl class="headline">' not in text
    assert start_links(text) == RESULTS_PAGES | {"/admin/"} | CASE_PAGES | {LATE_DOSSIERS}


def test_an_officer_without_an_agency_sees_no_numbers(app, results_world, today):
    from tests.factories import signed_in_client

    client, _user_id = signed_in_client(app, "viewer")
    text = client.get("/officer/?lang=en").get_data(as_text=True)
    assert "No responses yet this quarter." in text
    assert "your account has no agency yet" in text


def test_may_open_reads_the_roles_of_the_view(app, results_world):
    with app.test_request_context():
        users = {role: db.session.scalar(db.select(User).filter_by(role=role)) for role in Role}
        assert may_open(users[Role.REFORM_OFFICE], "admin.index")
        assert not may_open(users[Role.VIEWER], "admin.index")
        assert not may_open(users[Role.REFORM_OFFICE], "admin.users")
        assert may_open(users[Role.VIEWER], "results.criteria")
        assert not may_open(users[Role.VIEWER], "results.responses_csv")
        with pytest.raises(LookupError):
            may_open(users[Role.ADMINISTRATOR], "home.index")
