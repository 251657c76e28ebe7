"""The public results page (Decree 61/2018: results are published): no sign-in, GET only.

Each agency's satisfaction index and factor indices by quarter of a year, with confidence
intervals, numbers of responses and a plain-language note on method. Every quarter of every
agency with fewer than ``MIN_GROUP_SIZE`` responses is hidden, with complementary cells so
that it cannot be worked out from the totals. Official-level results only when the
administrator turns ``PUBLISH_OFFICIAL_RESULTS`` on.

Counts come from the count tables in one ``GROUP BY`` per quarter; the index intervals from
a bounded sample of respondents per agency and quarter (:data:`PUBLIC_MATRIX_LIMIT`), so the
page costs O(agencies × quarters), never O(responses). It is the same for every visitor in
a language, so caches may keep it (``Cache-Control: public``), and so does each process: the
figures, and the whole page as an anonymous visitor gets it, until the data they show
changes. A kept page costs one read (:func:`data_state`) and no rendering.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import datetime

from flask import Blueprint, current_app, render_template, request
from flask import session as flask_session
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import func, select
from wtforms import SelectField, StringField, ValidationError

from analysis import IndexBootstrapResult, SatisfactionRate, SipasIndex, satisfaction_rate
from survey.choices import options, values_of
from survey.collect.models import UncountedResponse
from survey.db import reports_session
from survey.forms import Form
from survey.i18n import current_language
from survey.org.models import Agency, Official
from survey.questionnaires.definition import scoring_for_analysis
from survey.questionnaires.models import QuestionnaireVersion
from survey.results.filters import Dimension, Period, ReportFilter, questionnaire_version_ids
from survey.results.fold import counts_as_of, fold_before_report
from survey.results.forms import FIRST_YEAR, LAST_YEAR
from survey.results.models import CountsFoldState
from survey.results.overview import UnitRating, satisfaction_overview, sipas_with_interval
from survey.results.queries import (
    LevelCounts,
    level_counts,
    level_counts_by,
    response_count,
    response_counts_by,
    suppress_table,
)
from survey.results.report import publishes_official_results, report_settings
from survey.results.versions import latest_definition, questionnaire_labels
from survey.vietnam_calendar import local_today

blueprint = Blueprint("public_results", __name__)

#: Respondents sampled per agency and quarter for the index intervals (bounded cost).
PUBLIC_MATRIX_LIMIT = 2000
#: How long browsers and proxies may keep the page, in seconds.
CACHE_SECONDS = 900


class PublicResultsForm(Form):
    class Meta:
        csrf = False  # GET only

    year = StringField(_l("Year"))
    #: Its choices are the questionnaires in the database (see :func:`results_page`).
    questionnaire = SelectField(_l("Survey"), validate_choice=False, default="sipas")

    def validate_year(self, field):
        text = (field.data or "").strip()
        if not (text.isdigit() and len(text) == 4 and FIRST_YEAR <= int(text) <= LAST_YEAR):
            raise ValidationError(
                _l(
                    "Choose a year between %(first)d and %(last)d.",
                    first=FIRST_YEAR,
                    last=LAST_YEAR,
                )
            )

    def validate_questionnaire(self, field):
        if field.data not in values_of(field.choices):
            raise ValidationError(_l("Choose one of the surveys in the list."))

    def offer_choices(self, labels: dict[str, str]) -> None:
        self.questionnaire.choices = options(labels.items())


@dataclass(frozen=True)
class QuarterResult:
    """One agency in one quarter; everything None when hidden or without data."""

    quarter: Period
    responses: int | None
    is_hidden: bool
    headline: SatisfactionRate | None
    sipas: SipasIndex | None
    interval: IndexBootstrapResult | None


@dataclass(frozen=True)
class AgencyResults:
    agency_id: int
    name: str
    quarters: tuple[QuarterResult, ...]


@dataclass(frozen=True)
class PublicResults:
    year: int
    questionnaire_key: str
    factor_titles: dict[Hashable, str]
    #: The whole province over the year, shown first (hidden below the minimum group size).
    province: QuarterResult
    agencies: tuple[AgencyResults, ...]
    min_group_size: int
    min_ratings_for_ranking: int
    #: None unless official-level results are published.
    officials: tuple[UnitRating, ...] | None
    official_names: dict[int, str]


@dataclass(frozen=True)
class PublicFigures:
    """The page's figures as HTML: the province's headline and the tables below the form."""

    headline: Markup
    tables: Markup


@dataclass
class KeptResults:
    """What a process keeps of one year, questionnaire and language for the data it shows."""

    figures: PublicFigures
    #: The whole page as an anonymous visitor gets it, rendered once (``None`` until then):
    #: the "data as of" and year as typed that it shows, and its HTML. Only a signed-in
    #: officer's page differs (the navigation bar), or one with a message to show once.
    page: tuple[datetime | None, str, str] | None = None


@dataclass(frozen=True)
class DataState:
    """What the page's database contents are, as far as a kept page goes stale with them."""

    #: The count tables' generation (:func:`survey.results.counts.counts_generation`).
    generation: int
    #: How many questionnaire versions are published: a published version is never changed
    #: nor deleted (a trigger refuses it), so the same number is the same versions, hence the
    #: same questionnaire choices and the same versions counted.
    published_versions: int


_DATA_STATE = select(
    select(CountsFoldState.generation).scalar_subquery(),
    select(func.count())
    .select_from(QuestionnaireVersion)
    .where(QuestionnaireVersion.published_dt.isnot(None))
    .scalar_subquery(),
    select(UncountedResponse.response_id).exists(),
)


def data_state(session) -> DataState:
    """The :class:`DataState` in one read (the only one a kept page makes), after folding
    the queue of new responses if the read shows any (as every report folds before it
    reads; :mod:`survey.results.fold`)."""
    generation, published, queued = session.execute(_DATA_STATE).one()
    if queued:
        session.rollback()  # a new snapshot, which sees the fold
        fold_before_report()
        generation, published, _queued = session.execute(_DATA_STATE).one()
    return DataState(generation or 0, published)


def public_figures(
    session, year: int, questionnaire_key: str, language: str, state: DataState
) -> KeptResults:
    """The page's figures, computed and rendered, kept in this process by what they come from.

    Its key is the year, questionnaire, language, today's date, the settings, and the
    ``state`` of the data (:func:`data_state`, read before anything is counted: figures
    kept under it are never older than it). Every transaction that changes the counts (a
    fold adding responses, flagged ones too, or a rebuild) makes the next generation in
    that transaction, so in every server process a change to what the page counts changes
    the key, and a kept result is what a fresh computation gives. What a kept page saves
    is everything else: the responses and answers' counts per agency and quarter, the
    respondent samples of every interval, the officials' comparison, and the HTML, which
    is the same for every visitor in a language.
    """
    min_group_size, min_ratings = report_settings()
    key = (
        year,
        questionnaire_key,
        language,
        # A quarter still in progress is named "until <today>".
        local_today(),
        min_group_size,
        min_ratings,
        publishes_official_results(),
        state,
    )
    kept_results = _kept_pages()
    with _kept_lock:
        if key in kept_results:
            kept_results.move_to_end(key)
            return kept_results[key]
    definition = latest_definition(session, questionnaire_key)
    versions = questionnaire_version_ids(session, questionnaire_key)
    quarters = [Period.quarter(year, quarter) for quarter in (1, 2, 3, 4)]
    responses = _quarter_responses(session, versions, quarters)
    counts = _quarter_level_counts(session, definition, versions, quarters)
    results = _public_results(
        session, year, questionnaire_key, language, definition, versions, responses, counts
    )
    kept = KeptResults(
        PublicFigures(
            *(
                Markup(render_template("results/_public_figures.html", results=results, part=part))
                for part in ("headline", "tables")
            )
        )
    )
    with _kept_lock:
        kept_results[key] = kept
        while len(kept_results) > KEPT_PAGES:
            kept_results.popitem(last=False)
    return kept


#: Public pages' figures kept per process, most recently used last.
KEPT_PAGES = 32
_kept_lock = threading.Lock()


def _kept_pages() -> OrderedDict[tuple, KeptResults]:
    """This application's kept figures: one per process in a server, and a new one with
    every application made on the same database (tests empty it between applications)."""
    return current_app.extensions.setdefault("survey.public_figures", OrderedDict())


def _questionnaire_labels(session, language: str, state: DataState) -> dict[str, str]:
    """The questionnaire choices (:func:`questionnaire_labels`), kept by the published
    versions they come from."""
    kept = current_app.extensions.setdefault("survey.public_labels", {})
    key = (language, state.published_versions)
    if key not in kept:
        kept[key] = questionnaire_labels(session, language)
    return kept[key]


def _public_results(
    session, year, questionnaire_key, language, definition, versions, responses, counts
) -> PublicResults:
    quarters = [Period.quarter(year, quarter) for quarter in (1, 2, 3, 4)]
    min_group_size, min_ratings = report_settings()
    table = suppress_table(responses, quarters, min_group_size)
    names = {
        agency.id: agency.localized_name(language)
        for agency in session.scalars(select(Agency).where(Agency.id.in_(sorted(responses))))
    }
    agencies = tuple(
        AgencyResults(
            agency_id,
            names.get(agency_id, ""),
            tuple(
                _quarter_result(
                    session,
                    definition,
                    versions,
                    quarter,
                    agency_id,
                    responses[agency_id].get(quarter, 0),
                    table.is_hidden(agency_id, quarter),
                    counts.get((agency_id, quarter), {}),
                    min_group_size,
                )
                for quarter in quarters
            ),
        )
        for agency_id in sorted(responses, key=lambda key: names.get(key, ""))
    )
    officials = None
    official_names: dict[int, str] = {}
    if publishes_official_results():
        overview = satisfaction_overview(
            session,
            ReportFilter(Period.year(year), questionnaire_version_ids=versions),
            definition,
            min_group_size=min_group_size,
            min_ratings_for_ranking=min_ratings,
            matrix_limit=PUBLIC_MATRIX_LIMIT,
        )
        officials = overview.officials
        official_names = dict(
            session.execute(
                select(Official.id, Official.name).where(
                    Official.id.in_(sorted(unit.key for unit in officials))
                )
            ).all()
        )
    return PublicResults(
        year=year,
        questionnaire_key=questionnaire_key,
        factor_titles={
            factor.key: definition.text(factor.title, language)
            for factor in definition.scoring.factors
        },
        province=_province(session, definition, versions, year, min_group_size),
        agencies=agencies,
        min_group_size=min_group_size,
        min_ratings_for_ranking=min_ratings,
        officials=officials,
        official_names=official_names,
    )


def _province(session, definition, versions, year: int, min_group_size: int) -> QuarterResult:
    """Every agency together over ``year``: hidden below the minimum group size."""
    period = Period.year(year)
    year_filter = ReportFilter(period, questionnaire_version_ids=versions)
    n = response_count(session, year_filter)
    by_item = level_counts(session, year_filter, _scored_items(definition))
    return _quarter_result(
        session,
        definition,
        versions,
        period,
        None,
        n,
        0 < n < min_group_size,
        by_item,
        min_group_size,
    )


def _scored_items(definition) -> list[str]:
    """The items the page's figures count: the headline question, criteria, overall ones."""
    scoring = scoring_for_analysis(definition)
    item_keys = [scoring["headline_item"]] if scoring["headline_item"] else []
    for factor in scoring["factors"]:
        item_keys += [*factor["criterion_items"], factor["overall_item"]]
    return [key for key in item_keys if key]


def _quarter_responses(session, versions, quarters) -> dict[int, dict[Period, int]]:
    """Counted responses per agency and quarter."""
    responses: dict = {}  # the agency dimension's keys are agency ids
    for quarter in quarters:
        quarter_filter = ReportFilter(quarter, questionnaire_version_ids=versions)
        for agency_id, n in response_counts_by(session, quarter_filter, Dimension.AGENCY).items():
            responses.setdefault(agency_id, {})[quarter] = n
    return responses


def _quarter_level_counts(
    session, definition, versions, quarters
) -> dict[tuple[int, Period], dict[str, LevelCounts]]:
    """The level counts of the scored items per agency and quarter."""
    item_keys = _scored_items(definition)
    counts: dict = {}  # the agency dimension's keys are agency ids
    for quarter in quarters:
        quarter_filter = ReportFilter(quarter, questionnaire_version_ids=versions)
        for agency_id, by_item in level_counts_by(
            session, quarter_filter, Dimension.AGENCY, item_keys
        ).items():
            counts[agency_id, quarter] = by_item
    return counts


def _quarter_result(
    session, definition, versions, quarter, agency_id, n, hidden, by_item, min_group_size
) -> QuarterResult:
    """One agency's figures in one quarter, or (``agency_id`` None) every agency's in a
    period; none when hidden or without responses, and no rate on fewer answers than
    ``min_group_size``, however many responded."""
    if hidden or n == 0:
        return QuarterResult(quarter, None if hidden else 0, hidden, None, None, None)
    scoring = scoring_for_analysis(definition)
    headline_key = scoring["headline_item"]
    headline = None
    if headline_key and by_item.get(headline_key, LevelCounts()).answered >= min_group_size:
        levels = sorted(definition.item(headline_key).scale.values)
        headline = satisfaction_rate(
            by_item[headline_key].aligned(levels),
            levels,
            scoring["satisfied_values"][headline_key],
        )
    sipas = interval = None
    if scoring["factors"]:
        agency_filter = ReportFilter(
            quarter,
            agency_ids=None if agency_id is None else frozenset({agency_id}),
            questionnaire_version_ids=versions,
        )
        sipas, interval, _size, _alphas = sipas_with_interval(
            session, agency_filter, scoring["factors"], by_item, PUBLIC_MATRIX_LIMIT
        )
    return QuarterResult(quarter, n, False, headline, sipas, interval)


@blueprint.get("/results")
def results_page():
    session = reports_session()
    language = current_language()
    state = data_state(session)
    form = PublicResultsForm(request.args)
    form.offer_choices(_questionnaire_labels(session, language, state))
    if not form.year.data:
        form.year.data = str(local_today().year)
    if not form.validate():
        return _cacheable(render_template("results/public.html", form=form, figures=None), 400)
    kept = public_figures(session, int(form.year.data), form.questionnaire.data, language, state)
    return _cacheable(_page(kept, form, counts_as_of(session)), 200)


def _page(kept: KeptResults, form: PublicResultsForm, data_as_of: datetime | None) -> str:
    """The whole page around ``kept`` figures: an anonymous visitor's rendered once."""
    shared = not current_user.is_authenticated and "_flashes" not in flask_session
    if shared and kept.page is not None and kept.page[:2] == (data_as_of, form.year.data):
        return kept.page[2]
    page = render_template(
        "results/public.html", form=form, figures=kept.figures, data_as_of=data_as_of
    )
    if shared:
        kept.page = (data_as_of, form.year.data, page)
    return page


def _cacheable(page: str, status: int):
    return (
        page,
        status,
        {
            "Cache-Control": f"public, max-age={CACHE_SECONDS}",
            # The language comes from ?lang=, the cookie or Accept-Language.
            "Vary": "Cookie, Accept-Language",
        },
    )
