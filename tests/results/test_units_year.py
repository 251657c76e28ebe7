"""Issue 21, periods against each other, across the units' tables: the year's decision on
an official's lines (:func:`survey.results.official_periods.year_officials`) hides some
of their months as complements, and each month's decision on the units' tables
(:func:`survey.results.period_units.decided_units`) must not then print them.

Official O of commune A answered the satisfaction survey (SIPAS) 2, 6 and 8 times in the
first three months of 2026 and the quick form 20 times a month. The year's decision hid
the 2 and, as its complement, February's 6; February's decision, taking the 6 as hidden
after deciding, still printed O's ratings of every questionnaire in the coverage table
(26) beside O's quick-form line (20): 26 − 20 = 6, then 16 − 6 − 8 = 2. Now the coverage
line of a unit whose line the year hides is hidden beside it.
"""

from datetime import datetime

from survey.collect.store import store_responses
from survey.db import write_session
from survey.questionnaires.definition import load_definition, scoring_for_analysis
from survey.results.counts import fold_all
from survey.results.filters import Period
from tests.factories import make_agency, make_desk, make_official, make_published_version
from tests.results.dataset import add_headline_rows, hidden_count_widths, year_unit_figures

MIN = 5
#: Ratings in 2026 per official, questionnaire and month (1–12).
RATINGS = {
    ("O", "sipas"): (2, 6, 8, *(8,) * 9),
    ("O", "onestop-quick"): (20,) * 12,
    ("P", "sipas"): (10,) * 12,
    ("P", "onestop-quick"): (20,) * 12,
}


def _store(app) -> None:
    app.config["MIN_GROUP_SIZE"] = MIN
    with app.app_context(), write_session() as session:
        province = make_agency(session, name="Tỉnh", kind="UBND tỉnh")
        commune = make_agency(session, parent_id=province.id)
        desk = make_desk(session, agency=commune)
        officials = {name: make_official(session, desk, name=name) for name in ("O", "P")}
        rows, answers = [], {}
        for key in ("sipas", "onestop-quick"):
            version = make_published_version(session, key)
            definition = load_definition(version.definition)
            item = scoring_for_analysis(definition)["headline_item"]
            top = max(definition.item(item).scale.values)
            for (name, questionnaire), by_month in RATINGS.items():
                if questionnaire != key:
                    continue
                days = [
                    datetime(2026, month, 1 + day, 3, 0)
                    for month, count in enumerate(by_month, start=1)
                    for day in range(count)
                ]
                where = (version.id, commune.id, desk.id, officials[name].id)
                add_headline_rows(rows, answers, where, days, item, top)
        store_responses(session, rows, answers)
    with app.app_context():
        fold_all(write_session)


def test_no_hidden_line_of_an_official_follows_from_the_units_tables_of_the_year(app):
    _store(app)
    with app.app_context():
        widths = _year_widths()
    assert widths
    assert min(widths) >= 1


def _year_widths() -> list[float]:
    """:func:`hidden_count_widths` of every small figure hidden in the units' decisions of
    2026's months, quarters and the year, against every figure they show: the responses
    of each (agency, desk, official, questionnaire) in each month unknown."""
    return hidden_count_widths(*year_unit_figures(Period.parse("2026"), MIN), MIN)
