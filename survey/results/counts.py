"""Keeping the count tables (and answer vectors) equal to the raw responses: fold and rebuild.

One definition of each kind of row (an answer, a response, a dossier's points on an index),
written as SQL over ``responses`` and ``answers``, serves three purposes:

- :func:`fold_counts` adds the responses queued in ``uncounted_responses`` (every stored
  response is queued in the transaction that stores it) with ``INSERT … SELECT … GROUP BY …
  ON CONFLICT DO UPDATE SET count = count + excluded.count``, and takes them off the queue in
  the same transaction; :func:`fold_all` runs it until the queue is empty (before every
  report request, every few seconds in each server process, and ``flask --app survey
  fold-counts``);
- :func:`rebuild_counts` empties the tables and the queue and fills the tables with one
  ``INSERT … SELECT … GROUP BY`` each (``flask --app survey rebuild-counts``);
- the query layer counts the same rows directly when a filter needs what the count
  tables do not keep (a period that is not whole months, the procedure field).

The tables are those of :data:`survey.results.grains.GRAINS`, each a kind of row
(:class:`~survey.results.grains.RowKind`) counted by some of the dimensions. Both the fold
and the rebuild group each kind of row once, by every dimension any of its tables keeps,
into a temporary table, and fill each of the kind's tables from it: a new grain in the
registry is folded and rebuilt with no change here. A new kind of row needs its SQL
definition below (``rows_of_kind`` in :func:`_count_steps`); a new dimension its expression
over a response (:func:`_dimension_expressions`).

So the three can only disagree if the data changes behind their back (a response deleted
by hand): run ``rebuild-counts`` then. Why a queue rather than the upserts in the
submission's own transaction: they were half of a submission's statements, and a citizen
waited for them; a report reads nothing before the queue is folded, so it is as exact.

The answer vectors (:class:`survey.results.models.AnswerVector`) are kept the same way, one
row per response to a questionnaire scored by factors: the respondent-level statistics of a
SIPAS index (its bootstrap interval, the factors' alphas) read a narrow row per respondent
instead of pivoting the raw answers. Their layout per version is :class:`VectorLayout`.

One-stop points (Circular 01/2018) are computed in SQL from each version's scoring rules:
each response's answers to the index's items are pivoted into one row (``MAX(CASE …)``
grouped by response) and the rules become one ``CASE`` with exactly the semantics of
:meth:`survey.questionnaires.definition.OnestopIndex.points_for` (first matching rule wins;
a rule naming an unanswered or not-applicable item gives no points).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import chain

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    bindparam,
    case,
    delete,
    event,
    func,
    insert,
    literal,
    null,
    or_,
    select,
    text,
    true,
    type_coerce,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.schema import CreateTable, DropTable
from sqlalchemy.sql import ColumnElement, Select
from sqlalchemy.sql.functions import FunctionElement

from survey.collect.models import Answer, Response, UncountedResponse
from survey.db import db, utcnow
from survey.org.models import Agency, AgencySuccession, Official
from survey.questionnaires.definition import OnestopIndex, parsed_definition
from survey.questionnaires.models import QuestionnaireVersion
from survey.results.grains import (
    COLUMNS,
    FULL_DETAIL,
    KINDS,
    NO_ID,
    NO_VALUE,
    UNKNOWN,
    RowKind,
    dimensions_of,
    grains_of,
)
from survey.results.models import (
    COUNT_MODELS,
    NOT_ANSWERED,
    VECTOR_ALPHABET,
    AnswerVector,
    CountsFoldState,
)

# --------------------------------------------------------------------------------------
# Vietnam-local months in SQL
# --------------------------------------------------------------------------------------


class vietnam_month(FunctionElement):
    """First day of the Vietnam-local (UTC+7) month of a naive UTC datetime, as a DATE."""

    type = Date()
    inherit_cache = True


@compiles(vietnam_month, "postgresql")
def _vietnam_month_postgresql(element, compiler, **kw):
    moment = compiler.process(element.clauses, **kw)
    return f"CAST(date_trunc('month', {moment} + INTERVAL '7 hours') AS DATE)"


@compiles(vietnam_month, "sqlite")
def _vietnam_month_sqlite(element, compiler, **kw):
    moment = compiler.process(element.clauses, **kw)
    return f"date({moment}, '+7 hours', 'start of month')"


class vietnam_date(FunctionElement):
    """The Vietnam-local (UTC+7) date of a naive UTC datetime, as a DATE."""

    type = Date()
    inherit_cache = True


@compiles(vietnam_date, "postgresql")
def _vietnam_date_postgresql(element, compiler, **kw):
    moment = compiler.process(element.clauses, **kw)
    return f"CAST({moment} + INTERVAL '7 hours' AS DATE)"


@compiles(vietnam_date, "sqlite")
def _vietnam_date_sqlite(element, compiler, **kw):
    moment = compiler.process(element.clauses, **kw)
    return f"date({moment}, '+7 hours')"


class quarter_start(FunctionElement):
    """First day of the quarter of a DATE that is the first day of a month."""

    type = Date()
    inherit_cache = True


@compiles(quarter_start, "postgresql")
def _quarter_start_postgresql(element, compiler, **kw):
    day = compiler.process(element.clauses, **kw)
    return f"CAST(date_trunc('quarter', {day}) AS DATE)"


@compiles(quarter_start, "sqlite")
def _quarter_start_sqlite(element, compiler, **kw):
    day = compiler.process(element.clauses, **kw)
    return f"date({day}, '-' || ((CAST(strftime('%m', {day}) AS INTEGER) - 1) % 3) || ' months')"


# --------------------------------------------------------------------------------------
# Rows: one per response, per answer, per (response, one-stop index)
# --------------------------------------------------------------------------------------

#: Every table kept from the responses: emptied and refilled by :func:`rebuild_counts`.
DERIVED_MODELS = (*COUNT_MODELS.values(), AnswerVector)


def _dimension_expressions() -> dict[str, ColumnElement]:
    """Each dimension of :data:`survey.results.grains.COLUMNS` as SQL over a response."""
    return {
        "month": vietnam_month(Response.submitted_dt),
        "agency_id": Response.agency_id,
        "service_point_id": func.coalesce(Response.service_point_id, NO_ID),
        "official_id": func.coalesce(Response.official_id, NO_ID),
        "questionnaire_version_id": Response.questionnaire_version_id,
        # As plain strings: the count tables store a sentinel the enums do not know.
        "channel": type_coerce(Response.channel, String(32)),
        "respondent_type": func.coalesce(
            type_coerce(Response.respondent_type, String(32)), UNKNOWN
        ),
        "is_flagged": Response.is_flagged,
        "procedure_id": func.coalesce(Response.procedure_id, NO_ID),
    }


def response_dimensions(names: Iterable[str] = FULL_DETAIL) -> list[ColumnElement]:
    """The dimensions ``names`` of a response as the count tables store them (sentinels for
    None); by default those of the full-detail tables."""
    expressions = _dimension_expressions()
    return [expressions[name].label(name) for name in names]


def response_rows(
    *, extra: Iterable[ColumnElement] = (), where: Iterable[ColumnElement] = ()
) -> Select:
    """One row per response ``where``: its dimensions (and ``extra`` columns)."""
    return select(*response_dimensions(), *extra).where(*where)


def answer_rows(
    *, extra: Iterable[ColumnElement] = (), where: Iterable[ColumnElement] = ()
) -> Select:
    """One row per answer of the responses ``where``, with the response's dimensions.

    Text answers keep no value (only that they were answered).
    """
    return (
        select(
            *response_dimensions(),
            *extra,
            Answer.item_key.label("item_key"),
            func.coalesce(Answer.value, NO_VALUE).label("value"),
            Answer.is_not_applicable.label("is_not_applicable"),
        )
        .join_from(Response, Answer, Answer.response_id == Response.id)
        .where(*where)
    )


def _points_case(index: OnestopIndex, values: Mapping[str, ColumnElement]) -> ColumnElement:
    """``OnestopIndex.points_for`` as an SQL CASE over the pivoted answers ``values``."""
    branches = []
    for rule in index.rules:
        keys = sorted(rule.when)
        branches.append((or_(*(values[key].is_(None) for key in keys)), null()))
        branches.append(
            (
                and_(*(values[key].in_(sorted(rule.when[key])) for key in keys)),
                literal(rule.points, Integer),
            )
        )
    return case(*branches, else_=null())


def onestop_rows(
    rules_by_version: Mapping[int, Iterable[OnestopIndex]],
    *,
    extra: Iterable[ColumnElement] = (),
    where: Iterable[ColumnElement] = (),
) -> Select | None:
    """One row per (response, index) that gives points: dimensions, ``index_number``, ``points``.

    ``rules_by_version`` maps questionnaire version ids to their questionnaire-sourced
    indices; ``where`` narrows the responses. None when there is no rule at all.
    """
    extra, where = list(extra), list(where)
    parts = []
    for version_id, indices in rules_by_version.items():
        # Each item the version's indices name, joined to the response by the answers'
        # primary key (response, item): at most one answer each, NULL when not answered.
        keys = sorted(set().union(*(index.item_keys for index in indices)))
        items = {key: Answer.__table__.alias(f"item_{n}") for n, key in enumerate(keys)}
        values = {key: item.c.value for key, item in items.items()}
        # Each response, once per index: the index's number and its points.
        numbers = union_all(
            *(select(literal(index.number, Integer).label("index_number")) for index in indices)
        ).subquery()
        points = case(
            *(
                (numbers.c.index_number == index.number, _points_case(index, values))
                for index in indices
            ),
            else_=null(),
        )
        responses = Response.__table__
        for key, item in items.items():
            responses = responses.outerjoin(
                item, and_(item.c.response_id == Response.id, item.c.item_key == key)
            )
        parts.append(
            select(
                *response_dimensions(),
                *extra,
                numbers.c.index_number.label("index_number"),
                points.label("points"),
            )
            .select_from(responses)
            .join(numbers, true())
            .where(Response.questionnaire_version_id == version_id, points.is_not(None), *where)
        )
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else union_all(*parts)


def _parsed_definitions(session: Session, version_ids: Collection[int] | None):
    """``(version id, parsed definition)`` of each version (all versions when None).

    Definitions are parsed once per distinct content (published versions never change).
    """
    statement = select(QuestionnaireVersion.id, QuestionnaireVersion.definition)
    if version_ids is not None:
        statement = statement.where(QuestionnaireVersion.id.in_(list(version_ids)))
    for version_id, definition in session.execute(statement):
        yield version_id, parsed_definition(definition)


def onestop_rules(
    session: Session, version_ids: Collection[int] | None = None
) -> dict[int, tuple[OnestopIndex, ...]]:
    """Questionnaire-sourced one-stop indices of each version (all versions when None)."""
    rules = {}
    for version_id, definition in _parsed_definitions(session, version_ids):
        onestop = definition.scoring.onestop
        indices = tuple(index for index in onestop.indices if index.rules) if onestop else ()
        if indices:
            rules[version_id] = indices
    return rules


def _first(pair):
    return pair[0]


def dossier_scored_indices(
    session: Session, version_ids: Collection[int] | None = None
) -> tuple[OnestopIndex, ...]:
    """The one-stop indices imported dossiers score (``dossier_rules``), from the newest of
    the versions (all when None) that has any: one rule set for every dossier, as a dossier
    answers no particular version."""
    newest: tuple[OnestopIndex, ...] = ()
    for _id, definition in sorted(_parsed_definitions(session, version_ids), key=_first):
        onestop = definition.scoring.onestop
        indices = tuple(i for i in onestop.indices if i.dossier_rules) if onestop else ()
        newest = indices or newest
    return newest


@dataclass(frozen=True)
class VectorLayout:
    """What the characters of one questionnaire version's :class:`AnswerVector` stand for.

    ``items`` are the criteria of the version's factors in factor order, ``levels`` each
    one's scale codes in ascending order; the n-th character of :data:`VECTOR_ALPHABET`
    stands for the n-th code. Reports read them back as numbers
    (:mod:`survey.results.queries`): the fold, which every command may run, needs no numpy.
    """

    items: tuple[str, ...]
    levels: tuple[tuple[int, ...], ...]

    def character(self, position: int, value: ColumnElement) -> ColumnElement:
        """SQL: the character of an item's code ``value`` (NULL: :data:`NOT_ANSWERED`)."""
        codes = {code: VECTOR_ALPHABET[n] for n, code in enumerate(self.levels[position])}
        return type_coerce(case(codes, value=value, else_=NOT_ANSWERED), String)


def vector_layouts(
    session: Session, version_ids: Collection[int] | None = None
) -> dict[int, VectorLayout]:
    """The :class:`VectorLayout` of each version scored by factors (all versions when None)."""
    layouts = {}
    for version_id, definition in _parsed_definitions(session, version_ids):
        items = tuple(key for factor in definition.scoring.factors for key in factor.item_keys)
        if items:
            levels = tuple(tuple(sorted(definition.item(key).scale.values)) for key in items)
            layouts[version_id] = VectorLayout(items, levels)
    return layouts


#: The columns of :class:`AnswerVector`, as :func:`vector_inserts` selects them.
VECTOR_COLUMNS = tuple(column.name for column in AnswerVector.__table__.columns)


def vector_inserts(
    layouts: Mapping[int, VectorLayout], *, where: Iterable[ColumnElement] = ()
) -> list:
    """One ``INSERT … SELECT`` per version of ``layouts``: an :class:`AnswerVector` per
    response ``where``.

    Each criterion's answer is picked from the response's answers (``MAX(CASE …)`` grouped
    by response; a "not applicable" has no value) and turned into its character.
    """
    statements = []
    for version_id, layout in layouts.items():
        characters = [
            layout.character(position, func.max(case((Answer.item_key == key, Answer.value))))
            for position, key in enumerate(layout.items)
        ]
        vector = characters[0]
        for character in characters[1:]:
            vector = vector + character
        rows = (
            select(
                Response.id.label("response_id"),
                Response.submitted_dt.label("submitted_dt"),
                # The month is not kept: the moment is.
                *response_dimensions((*FULL_DETAIL[1:], "procedure_id")),
                vector.label("answers"),
            )
            .outerjoin(
                Answer,
                and_(Answer.response_id == Response.id, Answer.item_key.in_(layout.items)),
            )
            .where(Response.questionnaire_version_id == version_id, *where)
            .group_by(Response.id)
        )
        statements.append(insert(AnswerVector).from_select(VECTOR_COLUMNS, rows))
    return statements


# --------------------------------------------------------------------------------------
# Maintaining the tables
# --------------------------------------------------------------------------------------


def _grouped(rows: Select, group_columns: tuple[str, ...]) -> Select:
    """``SELECT group_columns, count(*) FROM rows GROUP BY group_columns``."""
    subquery = rows.subquery()
    columns = [subquery.c[name] for name in group_columns]
    return select(*columns, func.count().label("count")).group_by(*columns)


def _staging_table(kind: RowKind) -> Table:
    """The temporary table of ``kind``'s finest grouping: every dimension of the kind's
    count tables (:func:`~survey.results.grains.dimensions_of`), then its key. A fold or
    rebuild groups the raw rows once into it (the join and pivot are the cost), then each
    count table of the kind sums that."""
    return Table(
        f"staged_{kind.name}",
        MetaData(),
        *(
            Column(name, COLUMNS[name].type(), nullable=False)
            for name in (*dimensions_of(kind), *kind.key)
        ),
        Column("count", BigInteger, nullable=False),
        prefixes=["TEMPORARY"],
    )


_STAGING = {kind: _staging_table(kind) for kind in KINDS}


@dataclass(frozen=True)
class _CountStep:
    """One kind's rows: staged from the raw rows, then summed into each count table."""

    staging: Table
    staged: Select
    #: (count model, key columns, SELECT key, SUM(count) FROM staging GROUP BY key)
    sums: tuple[tuple[type, tuple[str, ...], Select], ...]


def _count_steps(
    session: Session, where: list[ColumnElement], version_ids: Collection[int] | None
) -> list[_CountStep]:
    """Every count table's rows over the responses ``where``, kind by kind."""
    rules = onestop_rules(session, version_ids)
    rows_of_kind = {
        "responses": response_rows,
        "answers": answer_rows,
        "points": lambda **parts: onestop_rows(rules, **parts),
    }
    steps = []
    for kind in KINDS:
        # The dimensions the full-detail rows lack (the procedure).
        extra = response_dimensions(n for n in dimensions_of(kind) if n not in FULL_DETAIL)
        kind_rows = rows_of_kind[kind.name](extra=extra, where=where)
        if kind_rows is None:  # no one-stop scoring rules
            continue
        staging = _STAGING[kind]
        sums = []
        for grain in grains_of(kind):
            columns = [staging.c[name] for name in grain.key]
            total = select(*columns, func.sum(staging.c["count"]).label("count"))
            sums.append((COUNT_MODELS[grain.table], grain.key, total.group_by(*columns)))
        fine_key = [column.name for column in staging.columns if column.name != "count"]
        steps.append(_CountStep(staging, _grouped(kind_rows, tuple(fine_key)), tuple(sums)))
    return steps


def _count_statements(steps: Iterable[_CountStep], write: Callable, models=None) -> list:
    """The statements of ``steps`` in order: create the staging table, stage, write each
    count table (``write(model, key, select)`` gives the statement), drop the staging table.
    Only the tables among ``models`` when given."""
    statements = []
    for step in steps:
        sums = [(m, key, total) for m, key, total in step.sums if models is None or m in models]
        if not sums:
            continue
        statements.append(CreateTable(step.staging))
        staged_columns = [column.name for column in step.staging.columns]
        statements.append(insert(step.staging).from_select(staged_columns, step.staged))
        statements += [write(model, key, total) for model, key, total in sums]
        statements.append(DropTable(step.staging))
    return statements


#: Upsert statements by dialect and questionnaire versions (ids with their publication
#: times: the statements embed each version's scoring rules, and a published version never
#: changes): built once, then reused with the response ids as an expanding parameter.
#: Building them costs far more than running them, and this runs on every fold.
_upserts: dict[tuple, list] = {}


def _upsert_statements(session: Session, versions: tuple[tuple[int, object], ...]) -> list:
    dialect = session.get_bind().dialect.name
    cached = _upserts.get((dialect, versions))
    if cached is not None:
        return cached
    module = {"postgresql": postgresql, "sqlite": sqlite}.get(dialect)
    if module is None:
        raise RuntimeError(f"unsupported database {dialect!r}")
    where = [Response.id.in_(bindparam("response_ids", expanding=True))]
    version_ids = [version_id for version_id, _published in versions]

    def upsert(model, key, total):
        statement = module.insert(model).from_select([*key, "count"], total)
        return statement.on_conflict_do_update(
            index_elements=list(key),
            set_={"count": model.__table__.c["count"] + statement.excluded["count"]},
        )

    statements = _count_statements(_count_steps(session, where, version_ids), upsert)
    statements += vector_inserts(vector_layouts(session, version_ids), where=where)
    if len(_upserts) >= 64:  # a few published versions in practice; never grow without bound
        _upserts.clear()
    _upserts[(dialect, versions)] = statements
    return statements


_PUBLISHED_VERSIONS = (
    select(QuestionnaireVersion.id, QuestionnaireVersion.published_dt)
    .where(QuestionnaireVersion.id.in_(bindparam("version_ids", expanding=True)))
    .order_by(QuestionnaireVersion.id)
)


def record_counts(
    session: Session, response_ids: Collection[int], version_ids: Collection[int]
) -> None:
    """Add stored responses (with their answers) to the count tables.

    ``version_ids`` are the questionnaire versions the responses answer. Adding a response
    twice counts it twice: :func:`fold_counts` calls this for the responses it takes off the
    queue, in the same transaction.
    """
    if not response_ids:
        return
    versions = tuple(
        (version_id, published)
        for version_id, published in session.execute(
            _PUBLISHED_VERSIONS, {"version_ids": sorted(set(version_ids))}
        )
    )
    connection = session.connection()  # Core execution: ORM parameters would mean bulk rows
    for statement in _upsert_statements(session, versions):
        connection.execute(statement, {"response_ids": list(response_ids)})


#: Responses folded per transaction: bounds how long a fold holds SQLite's write lock.
FOLD_BATCH = 5_000

#: PostgreSQL advisory lock that makes folds take turns (two folds adding to the same
#: count rows in different orders could deadlock; a report's fold waits for a running one,
#: so it then reads every response stored before it started).
_FOLD_LOCK = 0x4861694C6F6E67  # "HaiLong"

_QUEUED = (
    select(UncountedResponse.response_id, Response.questionnaire_version_id)
    .join(Response, Response.id == UncountedResponse.response_id)
    .order_by(UncountedResponse.response_id)
    .limit(bindparam("batch"))
)
_DEQUEUE = delete(UncountedResponse).where(
    UncountedResponse.response_id.in_(bindparam("response_ids", expanding=True))
)


def fold_counts(session: Session, batch: int = FOLD_BATCH) -> int:
    """Add up to ``batch`` queued responses to the count tables; returns how many.

    Runs in the caller's write transaction (``write_session``): the responses leave the
    queue in the transaction that counts them, so each is counted exactly once. A fold that
    empties the queue records when it read it (:class:`CountsFoldState`): every response
    stored before then is counted.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(_FOLD_LOCK)))
    # Before the queue is read: whatever committed earlier is in what the read sees.
    started = utcnow()
    queued = session.execute(_QUEUED, {"batch": batch}).all()
    if queued:
        response_ids = [response_id for response_id, _version in queued]
        record_counts(session, response_ids, {version_id for _id, version_id in queued})
        session.connection().execute(_DEQUEUE, {"response_ids": response_ids})
    _record_fold(
        session, counted_through=started if len(queued) < batch else None, changed=bool(queued)
    )
    return len(queued)


def _record_fold(session: Session, *, counted_through: datetime | None, changed: bool) -> None:
    """Update the one row of :class:`CountsFoldState` in the transaction that changed the
    counts (``changed``: one more generation) or found them complete (``counted_through``).
    Folds take turns: no race to create the row."""
    values: dict = {}
    if counted_through is not None:
        values["counted_through_dt"] = counted_through
    if changed:
        values["generation"] = CountsFoldState.generation + 1
    if not values:
        return
    connection = session.connection()
    if connection.execute(update(CountsFoldState).values(values)).rowcount == 0:
        connection.execute(
            insert(CountsFoldState).values(
                id=1, counted_through_dt=counted_through, generation=int(changed)
            )
        )


#: What the counted units are called and how they nest: the public page's kept figures name
#: them, so a change to one is a change to what it shows (:func:`_units_changed`).
_NAMED_UNITS = (Agency, AgencySuccession, Official)


@event.listens_for(Session, "before_flush")
def _units_changed(session: Session, _context, _instances) -> None:
    """A new generation in the transaction that renames, moves, adds or removes a unit, as
    for a change to the counts: every server process's kept figures carry its names."""
    if any(
        isinstance(instance, _NAMED_UNITS)
        for instance in chain(session.new, session.dirty, session.deleted)
    ):
        _record_fold(session, counted_through=None, changed=True)


def counted_through(connection) -> datetime | None:
    """When the count tables were last known complete (UTC), as ``connection`` sees them."""
    return connection.scalar(select(CountsFoldState.counted_through_dt))


def counts_generation(connection) -> int:
    """How many times the count tables have changed, as ``connection``'s transaction sees
    them (:attr:`CountsFoldState.generation`; 0 before the first change)."""
    return connection.scalar(select(CountsFoldState.generation)) or 0


_ANY_QUEUED = select(UncountedResponse.response_id).limit(1)


def fold_all(
    session_factory: Callable, batch: int = FOLD_BATCH, *, refresh_seconds: float | None = None
) -> int:
    """Fold the queue until it is empty, one transaction per ``batch``; returns how many.

    ``session_factory`` opens a write transaction (``survey.db.write_session``). An empty
    queue costs one read on the application's database and takes no write lock (on SQLite a
    write transaction would queue behind citizens' submissions), unless ``refresh_seconds``
    is given and the recorded :func:`counted_through` is older than that: then an empty
    fold records that the counts are complete now (reports on a replica say how fresh they
    are from it, and would otherwise name the last response's time on a quiet day).
    """
    folded = 0
    with db.engine.connect() as connection:
        if connection.execute(_ANY_QUEUED).first() is None and (
            refresh_seconds is None or not _stale(connection, refresh_seconds)
        ):
            return 0
    while True:
        with session_factory() as session:
            done = fold_counts(session, batch)
        folded += done
        if done < batch:
            return folded


def _stale(connection, seconds: float) -> bool:
    recorded = counted_through(connection)
    return recorded is None or recorded < utcnow() - timedelta(seconds=seconds)


def rebuild_counts(session: Session) -> dict[str, int]:
    """Recompute every count table and the answer vectors from the raw responses.

    Runs in the caller's transaction, so readers see the old counts until it commits. The
    queue of uncounted responses is emptied too: the rebuild counts them. Returns the rows
    of each table.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(_FOLD_LOCK)))
    _record_fold(session, counted_through=utcnow(), changed=True)
    for model in (*DERIVED_MODELS, UncountedResponse):
        session.execute(delete(model))
    for statement in _plain_inserts(session, [], DERIVED_MODELS):
        session.execute(statement)
    if session.get_bind().dialect.name == "postgresql":
        # Statistics of the new contents (taken inside this transaction): until autovacuum
        # comes round, the planner would plan report queries for the old tables (measured:
        # the province overview over 1M responses took 382 ms before, 174 ms after).
        for model in DERIVED_MODELS:
            session.execute(text(f"ANALYZE {model.__tablename__}"))
    return {
        model.__tablename__: session.scalar(select(func.count()).select_from(model))
        for model in DERIVED_MODELS
    }


def fill_new_tables(session: Session, models: Collection[type]) -> None:
    """Fill the new, empty tables ``models`` from the responses already counted.

    For the migration that adds a table to :data:`DERIVED_MODELS`: the responses still
    queued are left out, so the next fold adds them to the new tables as to all the others
    (counting them here too would count them twice).
    """
    queued = select(UncountedResponse.response_id)
    for statement in _plain_inserts(session, [Response.id.not_in(queued)], models):
        session.execute(statement)


def _plain_inserts(session: Session, where: list[ColumnElement], models: Collection[type]):
    """``INSERT … SELECT`` of the rows of ``models`` (among :data:`DERIVED_MODELS`) from the
    responses ``where``."""
    statements = _count_statements(
        _count_steps(session, where, None),
        lambda model, key, total: insert(model).from_select([*key, "count"], total),
        models,
    )
    if AnswerVector in models:
        statements += vector_inserts(vector_layouts(session), where=where)
    return statements


def vacuum_counts() -> None:
    """On PostgreSQL, VACUUM (ANALYZE) the count tables: run after a rebuild has committed.

    Rows just written are not yet marked visible to every transaction, so the covering
    indexes cannot answer alone and every row is fetched from the table as well, until
    autovacuum comes round. Measured on 1M responses: the officials' answer counts 132 ->
    17 ms, the one-stop overview page 200 -> 130 ms. VACUUM cannot run in a transaction,
    hence a connection of its own in autocommit mode.
    """
    if db.engine.dialect.name != "postgresql":
        return
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        for model in DERIVED_MODELS:
            connection.execute(text(f"VACUUM (ANALYZE) {model.__tablename__}"))
