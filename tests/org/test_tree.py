"""The agency tree as of a date, and history rolled up through mergers."""

from datetime import date

from sqlalchemy import select

from survey.db import db, write_session
from survey.org.models import Agency, AgencySuccession, SuccessionKind
from survey.org.tree import AgencyTree, AgencyUnit

REFORM = date(2025, 7, 1)


def build_reorganised_province(session):
    """Province P; before the reform district D with communes A and B; after it ward W = A + B.

    Department S exists throughout; commune C was split into C1 and C2 on the reform date.
    """
    province = Agency(code="P", name="Tỉnh", kind="Tỉnh")
    department = Agency(code="S", name="Sở", kind="Sở", parent=province)
    district = Agency(code="D", name="Huyện", kind="UBND huyện", parent=province, valid_to=REFORM)
    commune_a = Agency(code="A", name="Xã A", kind="UBND xã", parent=district, valid_to=REFORM)
    commune_b = Agency(code="B", name="Xã B", kind="UBND xã", parent=district, valid_to=REFORM)
    commune_c = Agency(code="C", name="Xã C", kind="UBND xã", parent=district, valid_to=REFORM)
    ward = Agency(code="W", name="Phường W", kind="UBND phường", parent=province, valid_from=REFORM)
    split_1 = Agency(code="C1", name="Xã C1", kind="UBND xã", parent=province, valid_from=REFORM)
    split_2 = Agency(code="C2", name="Xã C2", kind="UBND xã", parent=province, valid_from=REFORM)
    session.add_all(
        [province, department, district, commune_a, commune_b, commune_c, ward, split_1, split_2]
    )
    session.flush()
    for predecessor, successor, kind in [
        (commune_a, ward, SuccessionKind.MERGER),
        (commune_b, ward, SuccessionKind.MERGER),
        (commune_c, split_1, SuccessionKind.SPLIT),
        (commune_c, split_2, SuccessionKind.SPLIT),
    ]:
        session.add(
            AgencySuccession(
                predecessor=predecessor, successor=successor, kind=kind, effective_date=REFORM
            )
        )
    session.flush()


def ids(session, *codes):
    return set(session.scalars(select(Agency.id).where(Agency.code.in_(codes))))


def test_subtree_as_of_a_date_shows_the_organisation_of_that_day(app_context):
    with write_session() as session:
        build_reorganised_province(session)
    tree = AgencyTree.load(db.session)
    province = ids(db.session, "P").pop()
    assert tree.subtree(province, date(2025, 6, 30)) == ids(
        db.session, "P", "S", "D", "A", "B", "C"
    )
    assert tree.subtree(province, REFORM) == ids(db.session, "P", "S", "W", "C1", "C2")
    assert tree.subtree(province) == ids(db.session, "P", "S", "D", "A", "B", "C", "W", "C1", "C2")


def test_a_unit_that_did_not_exist_has_an_empty_subtree(app_context):
    with write_session() as session:
        build_reorganised_province(session)
    tree = AgencyTree.load(db.session)
    ward = ids(db.session, "W").pop()
    assert tree.subtree(ward, date(2025, 6, 30)) == set()


def test_history_rolls_up_from_merged_communes_to_the_new_ward(app_context):
    with write_session() as session:
        build_reorganised_province(session)
    tree = AgencyTree.load(db.session)
    ward = ids(db.session, "W").pop()
    assert tree.rolled_up(ward, date(2026, 1, 1)) == ids(db.session, "W", "A", "B")
    assert tree.predecessors(ward) == ids(db.session, "A", "B")


def test_rolled_up_province_includes_every_unit_that_ever_was_in_it(app_context):
    with write_session() as session:
        build_reorganised_province(session)
    tree = AgencyTree.load(db.session)
    province = ids(db.session, "P").pop()
    # The old district has no successor: its communes are reached through their own links.
    assert tree.rolled_up(province, date(2026, 1, 1)) == ids(
        db.session, "P", "S", "W", "A", "B", "C", "C1", "C2"
    )


def test_current_successors_follow_mergers_and_splits(app_context):
    with write_session() as session:
        build_reorganised_province(session)
    tree = AgencyTree.load(db.session)
    today = date(2026, 1, 1)
    for old, new in [("A", {"W"}), ("B", {"W"}), ("C", {"C1", "C2"}), ("S", {"S"}), ("D", set())]:
        assert tree.current_successors(ids(db.session, old).pop(), today) == ids(db.session, *new)
    # Before the reform the commune still carries itself on.
    commune_a = ids(db.session, "A").pop()
    assert tree.current_successors(commune_a, date(2025, 1, 1)) == {commune_a}


def test_successions_through_two_reorganisations_are_followed_transitively():
    units = [
        AgencyUnit(1, None, None, date(2020, 1, 1)),
        AgencyUnit(2, None, date(2020, 1, 1), date(2025, 7, 1)),
        AgencyUnit(3, None, date(2025, 7, 1), None),
    ]
    tree = AgencyTree(units, [(1, 2), (2, 3)])
    assert tree.current_successors(1, date(2026, 1, 1)) == {3}
    assert tree.rolled_up(3, date(2026, 1, 1)) == {1, 2, 3}


def test_a_cycle_of_succession_links_does_not_hang():
    units = [AgencyUnit(1, None, None, None), AgencyUnit(2, None, None, None)]
    tree = AgencyTree(units, [(1, 2), (2, 1)])
    assert tree.successors(1) == {2}
    assert tree.rolled_up(1, date(2026, 1, 1)) == {1, 2}
