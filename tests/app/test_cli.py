"""The command-line contract: seed-demo, create-user, qr-codes, translate."""

import contextlib
import hashlib
from datetime import date, datetime, timedelta

import pytest
from babel.messages.pofile import read_po
from sqlalchemy import func, select

from survey import cli
from survey.accounts.models import AuditEvent, Role, User
from survey.collect.models import Answer, Response
from survey.collect.submit import TargetUnavailable, target_of
from survey.db import db, utcnow, write_session
from survey.demo import DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD, MERGED_INTO, REFORM_DATE
from survey.org.models import Agency, PublicCode
from survey.org.tree import AgencyTree
from tests.conftest import make_app, upgrade_to_head

SEED_ARGS = ["seed-demo", "--responses", "400", "--until", "2026-11-26"]


def data_fingerprint():
    """A digest of every response and answer, independent of database ids."""
    rows = db.session.execute(
        select(
            Response.uuid,
            Agency.code,
            Response.submitted_dt,
            Answer.item_key,
            Answer.value,
            Answer.text,
            Answer.is_not_applicable,
        )
        .join(Agency, Agency.id == Response.agency_id)
        .join(Answer)
        .order_by(Response.uuid, Answer.item_key)
    ).all()
    return hashlib.sha256(repr(rows).encode()).hexdigest(), len(rows)


def test_seed_demo_loads_a_believable_province_once(runner, app_context):
    result = runner.invoke(args=SEED_ARGS)
    assert result.exit_code == 0, result.output
    assert "400 responses added, 400 in the database" in result.output
    assert DEMO_ADMIN_EMAIL in result.output and DEMO_ADMIN_PASSWORD in result.output
    fingerprint = data_fingerprint()
    assert fingerprint[1] > 400  # every response has answers
    again = runner.invoke(args=SEED_ARGS)
    assert again.exit_code == 0, again.output
    assert "0 responses added, 400 in the database" in again.output
    assert data_fingerprint() == fingerprint
    assert db.session.scalar(select(func.count(User.id))) == 1
    admin = db.session.scalar(select(User))
    assert admin.role is Role.ADMINISTRATOR and admin.check_password(DEMO_ADMIN_PASSWORD)
    units = db.session.scalar(select(func.count(Agency.id)).where(Agency.kind.like("UBND%")))
    assert units >= 10


def test_seed_demo_adds_only_what_is_missing(runner, app_context):
    runner.invoke(args=["seed-demo", "--responses", "150", "--until", "2026-11-26"])
    result = runner.invoke(args=SEED_ARGS)
    assert "250 responses added, 400 in the database" in result.output


def test_seed_demo_is_deterministic_for_a_seed(app, runner, tmp_path, backend):
    runner.invoke(args=SEED_ARGS)
    with app.app_context():
        first = data_fingerprint()
    assert first[1] > 400
    other = make_app(
        f"sqlite:///{tmp_path}/other.sqlite3",
        tmp_path / "other-instance",
        DOSSIER_HASH_KEY="test-dossier-key",
    )
    upgrade_to_head(other)
    other.test_cli_runner().invoke(args=SEED_ARGS)
    with other.app_context():
        assert data_fingerprint() == first
        db.engine.dispose()
    different = make_app(f"sqlite:///{tmp_path}/different.sqlite3", tmp_path / "different-instance")
    upgrade_to_head(different)
    different.test_cli_runner().invoke(args=[*SEED_ARGS, "--seed", "7"])
    with different.app_context():
        assert data_fingerprint() != first
        db.engine.dispose()


def test_seeded_history_stays_with_the_merged_wards_and_rolls_up(runner, app_context):
    runner.invoke(args=["seed-demo", "--responses", "3000", "--until", "2025-12-31"])
    ward = db.session.scalar(select(Agency).where(Agency.code == MERGED_INTO))
    tree = AgencyTree.load(db.session)
    predecessors = tree.predecessors(ward.id)
    assert len(predecessors) == 2
    reform = datetime.combine(REFORM_DATE, datetime.min.time())
    before = db.session.scalar(
        select(func.count(Response.id)).where(Response.agency_id.in_(predecessors))
    )
    late = db.session.scalar(
        select(func.count(Response.id)).where(
            Response.agency_id.in_(predecessors), Response.submitted_dt >= reform
        )
    )
    at_ward_early = db.session.scalar(
        select(func.count(Response.id)).where(
            Response.agency_id == ward.id, Response.submitted_dt < reform - (reform - reform)
        )
    )
    assert before > 0 and late == 0 and at_ward_early == 0
    rolled_up = tree.rolled_up(ward.id, date(2025, 12, 31))
    assert predecessors <= rolled_up


def create_user(runner, *arguments, password="một mật khẩu dài"):
    return runner.invoke(args=["create-user", *arguments], input=password + "\n")


def test_create_user_reads_the_password_from_standard_input(runner, app_context):
    with write_session() as session:
        session.add(Agency(code="AG-X", name="Xã X", kind="UBND xã"))
    result = create_user(
        runner, "Can.Bo@Example.GOV.vn", "--role", "agency_manager", "--agency", "AG-X"
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User))
    assert user.email == "can.bo@example.gov.vn"
    assert user.role is Role.AGENCY_MANAGER and user.agency.code == "AG-X"
    assert user.check_password("một mật khẩu dài")
    assert "một mật khẩu dài" not in user.password_hash
    event = db.session.scalar(select(AuditEvent))
    assert event.action == "user.created" and event.target == f"user:{user.id}"
    assert "mật khẩu" not in repr(event.details)


@pytest.mark.parametrize(
    ("arguments", "password", "message"),
    [
        (
            ["not-an-email", "--role", "viewer", "--agency", "AG-X"],
            "một mật khẩu dài",
            "not an e-mail",
        ),
        (["a@b.vn", "--role", "king"], "một mật khẩu dài", "Invalid value for '--role'"),
        (["a@b.vn", "--role", "viewer"], "một mật khẩu dài", "needs an agency"),
        (["a@b.vn", "--role", "viewer", "--agency", "NOPE"], "một mật khẩu dài", "no agency"),
        (["a@b.vn", "--role", "administrator"], "short", "at least 12"),
        (["a@b.vn", "--role", "administrator"], "q1w2e3r4t5y6", "attackers try first"),
        (["a@b.vn", "--role", "administrator", "--password", "x" * 20], "", "No such option"),
    ],
)
def test_create_user_refuses_bad_input_and_writes_nothing(
    runner, app_context, arguments, password, message
):
    with write_session() as session:
        session.add(Agency(code="AG-X", name="Xã X", kind="UBND xã"))
    result = create_user(runner, *arguments, password=password)
    assert result.exit_code != 0
    assert message in result.output
    assert db.session.scalar(select(func.count(User.id))) == 0
    assert db.session.scalar(select(func.count(AuditEvent.id))) == 0


def test_create_user_refuses_a_second_account_for_the_same_email(runner, app_context):
    assert create_user(runner, "a@b.vn", "--role", "administrator").exit_code == 0
    result = create_user(runner, "A@B.vn", "--role", "reform_office")
    assert result.exit_code != 0 and "already exists" in result.output
    assert db.session.scalar(select(func.count(User.id))) == 1


def test_qr_codes_lists_every_code_that_takes_ratings_with_its_address(runner, app_context):
    runner.invoke(args=["seed-demo", "--responses", "0"])
    result = runner.invoke(args=["qr-codes"])
    assert result.exit_code == 0
    lines = result.output.strip().splitlines()
    usable = []
    for public_code in db.session.scalars(
        select(PublicCode).where(PublicCode.revoked_dt.is_(None))
    ):
        with contextlib.suppress(TargetUnavailable):
            usable.append(target_of(public_code).public_code)
    assert sorted(line.split("\t")[0] for line in lines) == sorted(usable)
    assert len(usable) > 100
    code, target, url = lines[0].split("\t")
    assert url == f"http://127.0.0.1:8000/q/{code}"
    assert target.startswith(("service point: ", "official: "))
    # The desks of the wards merged away in 2025 take no more ratings.
    assert "Vĩnh Thanh Vân" not in result.output and "Vĩnh Lạc" not in result.output


def test_qr_codes_of_one_agency_and_never_revoked_ones(runner, app_context):
    runner.invoke(args=["seed-demo", "--responses", "0"])
    ward = db.session.scalar(select(Agency).where(Agency.code == MERGED_INTO))
    lines = runner.invoke(args=["qr-codes", "--agency", MERGED_INTO]).output.strip().splitlines()
    assert lines and all(ward.name in line for line in lines)
    revoked = lines[0].split("\t")[0]
    with write_session() as session:
        code = session.scalar(select(PublicCode).where(PublicCode.code == revoked))
        code.revoked_dt = utcnow()
    # End the test's read transaction, as each real `flask` command runs in a process of its own.
    db.session.rollback()
    after = runner.invoke(args=["qr-codes", "--agency", MERGED_INTO]).output
    assert revoked not in after
    assert len(after.strip().splitlines()) == len(lines) - 1


def test_qr_codes_of_one_agency_follow_the_organisation_chart_of_vietnams_day(
    runner, app_context, monkeypatch
):
    # The ward was formed by the 2025 reform: the day before, it had no desks of its own.
    # The command asks for Vietnam's date (not the machine's, a day behind from 17:00 UTC).
    runner.invoke(args=["seed-demo", "--responses", "0"])
    assert runner.invoke(args=["qr-codes", "--agency", MERGED_INTO]).output.strip()
    monkeypatch.setattr(cli, "local_today", lambda: REFORM_DATE - timedelta(days=1))
    result = runner.invoke(args=["qr-codes", "--agency", MERGED_INTO])
    assert result.exit_code == 0 and result.output.strip() == ""


def test_qr_codes_for_an_unknown_agency_is_a_clear_error(runner, app_context):
    result = runner.invoke(args=["qr-codes", "--agency", "NOPE"])
    assert result.exit_code != 0 and "no agency has the code 'NOPE'" in result.output


def test_translate_compile_builds_the_catalogs(runner):
    result = runner.invoke(args=["translate", "compile"])
    assert result.exit_code == 0, result.output


def test_translate_init_starts_the_catalog_of_a_declared_language(runner, monkeypatch, tmp_path):
    monkeypatch.setattr(cli, "TRANSLATIONS", tmp_path / "translations")
    monkeypatch.setattr(cli, "TRANSLATED_LANGUAGES", (*cli.TRANSLATED_LANGUAGES, "lo"))
    result = runner.invoke(args=["translate", "init", "lo"])
    assert result.exit_code == 0, result.output
    with open(tmp_path / "translations" / "lo" / "LC_MESSAGES" / "messages.po", "rb") as handle:
        catalog = read_po(handle, locale="lo")
    assert "Send my rating" in catalog and not catalog["Send my rating"].string
    again = runner.invoke(args=["translate", "init", "lo"])
    assert again.exit_code != 0 and "already exists" in again.output


def test_translate_init_refuses_a_language_not_declared(runner, monkeypatch, tmp_path):
    monkeypatch.setattr(cli, "TRANSLATIONS", tmp_path / "translations")
    result = runner.invoke(args=["translate", "init", "lo"])
    assert result.exit_code != 0 and "survey/languages.py" in result.output
    assert not (tmp_path / "translations").exists()
