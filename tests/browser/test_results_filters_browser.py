"""The report filter with a real province: desks and officials grouped by agency, each
label naming its agency, and a type-to-search box over a long list (plain select without JS)."""

from __future__ import annotations

from survey.db import write_session
from tests.factories import OFFICER_PASSWORD, make_agency, make_desk, make_official, make_user

COMMUNES = ("Phường Bến Thành", "Xã Tân Phú", "Phường Đa Kao")


def a_province(app) -> str:
    """Three communes, each with "Quầy số 1" and 12 officials; the reform office's e-mail."""
    with app.app_context(), write_session() as session:
        province = make_agency(session, name="Tỉnh thử nghiệm", kind="UBND tỉnh")
        for commune in COMMUNES:
            agency = make_agency(session, name=f"UBND {commune}", parent=province)
            desk = make_desk(session, agency, name="Quầy số 1")
            for n in range(12):
                make_official(session, desk, name=f"Công chức {n:02d} {commune}")
        make_official(session, desk, name="Nguyễn Thị Đào")
        return make_user(session, "reform_office", email="filters@hailong.example").email


def signed_in(live_server, context, email):
    page = context.new_page()
    page.goto(f"{live_server.url}/sign-in")
    page.fill("#email", email)
    page.fill("#password", OFFICER_PASSWORD)
    page.locator("main button[type=submit]").click()
    page.goto(f"{live_server.url}/officer/results/officials")
    return page


def test_desks_and_officials_are_grouped_and_searchable(live_server, new_context):
    email = a_province(live_server.app)
    page = signed_in(live_server, new_context(locale="vi-VN"), email)
    desks = page.locator("#service_point optgroup")
    assert sorted(desks.evaluate_all("groups => groups.map(g => g.label)")) == sorted(
        f"UBND {commune}" for commune in COMMUNES
    )
    labels = page.locator("#service_point option").all_inner_texts()
    # "Quầy số 1" three times, each named by its agency.
    assert sorted(label for label in labels if label.startswith("Quầy")) == sorted(
        f"Quầy số 1 – UBND {commune}" for commune in COMMUNES
    )
    # 37 officials: more than the picker's threshold, so a search box; three desks: none.
    assert page.locator("#service_point-search").count() == 0
    search = page.locator("#official-search")
    assert search.is_visible()
    search.fill("dao")  # "Đào", typed without accents as many do
    visible = page.locator("#official option:not([hidden])").all_inner_texts()
    assert [label for label in visible if label != "Tất cả"] == [
        "Nguyễn Thị Đào – UBND Phường Đa Kao"
    ]
    hidden_groups = page.locator("#official optgroup[hidden]").count()
    assert hidden_groups == len(COMMUNES) - 1
    # One match: it is chosen, and the report is filtered by it.
    page.locator("form.report-filter button[type=submit]").click()
    page.wait_for_url("**official=**")
    assert "Nguyễn Thị Đào" in page.locator(".report-filters").inner_text()
    search = page.locator("#official-search")
    search.fill("tan phu 03")
    visible = page.locator("#official option:not([hidden])").all_inner_texts()
    assert [label for label in visible if label != "Tất cả"] == [
        "Công chức 03 Xã Tân Phú – UBND Xã Tân Phú"
    ]


def test_without_javascript_the_lists_are_plain_selects(live_server, new_context):
    email = a_province(live_server.app)
    page = signed_in(live_server, new_context(locale="vi-VN", java_script_enabled=False), email)
    assert page.locator("input[type=search]").count() == 0
    page.select_option("#official", label="Nguyễn Thị Đào – UBND Phường Đa Kao")
    page.locator("form.report-filter button[type=submit]").click()
    page.wait_for_url("**official=**")
    assert "Nguyễn Thị Đào" in page.locator(".report-filters").inner_text()


def test_the_filter_fits_a_phone(live_server, new_context):
    """At 360 px the filter's fields stack: no page-wide horizontal scroll (a fieldset is as
    wide as its widest content unless told otherwise)."""
    email = a_province(live_server.app)
    context = new_context(locale="vi-VN", viewport={"width": 360, "height": 740})
    page = signed_in(live_server, context, email)
    for path in ("/officer/results/", "/officer/results/officials", "/officer/results/agencies"):
        page.goto(f"{live_server.url}{path}")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, path
        box = page.locator("form.report-filter fieldset").first.bounding_box()
        assert box is not None and box["x"] + box["width"] <= 360, path
