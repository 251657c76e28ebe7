"""The audit log page: every change browsed and filtered by user, action, target and dates."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from survey.accounts.models import AuditEvent, Role
from survey.admin.audit_log import PAGE_SIZE
from survey.db import db
from tests.factories import make_user, signed_in_client


@pytest.fixture
def log(app):
    """Events of two officers on two days (UTC 17:30 on 1/3 is 00:30 on 2/3 in Vietnam)."""
    with app.app_context():
        alice = make_user(db.session, Role.ADMINISTRATOR, email="alice@hailong.example")
        bob = make_user(db.session, Role.ADMINISTRATOR, email="bob@hailong.example")
        rows = [
            (
                alice,
                "settings.changed",
                "settings",
                datetime(2026, 3, 1, 10, 0),
                {"MIN_GROUP_SIZE": {"before": 5, "after": 8}},
            ),
            (
                alice,
                "user.created",
                "user:7",
                datetime(2026, 3, 1, 17, 30),
                {"email": "nguyễn@hailong.example"},
            ),
            (bob, "user.deactivated", "user:7", datetime(2026, 3, 5, 3, 0), None),
            (
                None,
                "kiosk.registered",
                "kiosk:1",
                datetime(2026, 3, 6, 3, 0),
                {"via": "command line"},
            ),
        ]
        for user, action, target, moment, details in rows:
            db.session.add(
                AuditEvent(
                    user_id=user.id if user else None,
                    action=action,
                    target=target,
                    occurred_dt=moment,
                    details=details,
                )
            )
        db.session.commit()


@pytest.fixture
def admin(app):
    return signed_in_client(app, Role.ADMINISTRATOR)[0]


def shown_actions(response) -> list[str]:
    page = response.get_data(as_text=True)
    actions = ["settings.changed", "user.created", "user.deactivated", "kiosk.registered"]
    return [action for action in actions if f'<code class="audit-code">{action}</code>' in page]


def test_every_event_is_shown_newest_first_with_before_and_after(admin, log):
    response = admin.get("/admin/audit")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert page.index("kiosk.registered</code>") < page.index("settings.changed</code>")
    # Actions in the reader's language; a change as a table of before and after.
    assert "Thiết lập: đã thay đổi" in page and "Tài khoản cán bộ: đã tạo" in page
    assert re.search(
        r'<th scope="row"><code>MIN_GROUP_SIZE</code></th>'
        r'<td class="before">5</td><td class="after">8</td>',
        page,
    )
    assert "nguyễn@hailong.example" in page  # Vietnamese kept readable
    assert "01/03/2026 17:00" in page  # 10:00 UTC in Vietnam time


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"user": "ALICE"}, ["settings.changed", "user.created"]),
        ({"action": "user."}, ["user.created", "user.deactivated"]),
        ({"target": "user:7"}, ["user.created", "user.deactivated"]),
        ({"since": "2026-03-02", "until": "2026-03-05"}, ["user.created", "user.deactivated"]),
        ({"until": "2026-03-01"}, ["settings.changed"]),
        ({"target": "%"}, []),
    ],
)
def test_filters(admin, log, query, expected):
    response = admin.get("/admin/audit", query_string=query)
    assert response.status_code == 200
    assert shown_actions(response) == expected


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"since": "2026-03-05", "until": "2026-03-01"}, "Ngày kết thúc đứng trước ngày bắt đầu."),
        ({"action": "x" * 65}, "Tối đa 64 ký tự."),
    ],
)
def test_a_bad_filter_gets_a_translated_message(admin, log, query, message):
    response = admin.get("/admin/audit", query_string=query)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_the_log_is_paged(app, admin):
    with app.app_context():
        for number in range(PAGE_SIZE + 3):
            db.session.add(AuditEvent(action="test.event", target=f"thing:{number}"))
        db.session.commit()
    first = admin.get("/admin/audit", query_string={"action": "test."}).get_data(as_text=True)
    assert first.count("test.event</code>") == PAGE_SIZE
    assert 'rel="next"' in first
    second = admin.get("/admin/audit", query_string={"action": "test.", "page": 2})
    assert second.get_data(as_text=True).count("test.event</code>") == 3


@pytest.mark.parametrize("role", [Role.REFORM_OFFICE, Role.AGENCY_MANAGER, Role.VIEWER])
def test_only_administrators_read_the_audit_log(app, role):
    client = signed_in_client(app, role)[0]
    assert client.get("/admin/audit").status_code == 403
