"""The retention job: drafts and closed cases go when their e-service's rule says so, with everything that hangs on
them; owners are warned a week before a draft goes, once; nothing else is touched."""

from __future__ import annotations

import logging
from datetime import date, timedelta

import pytest

from core import clock
from db import applications as drafts
from db import messages as conversations
from db.applications import Attachment, Draft, FormVersion
from db.cases import CaseEvent, CaseRecord
from db.messages import Message, SupplementRequest
from db.notices import Notification
from db.signing import CoApplicant
from jobs import JOBS
from jobs.runner import run_job
from tests.factories import make_case, make_service_with_form, make_user

pytestmark = pytest.mark.usefixtures("db")

DAY = timedelta(days=1)


async def _draft(service, owner_id, *, inactive_days: int):
    form = await FormVersion.objects().where(FormVersion.e_service == service.id).first()
    return await drafts.create_draft(
        owner_id=owner_id,
        anonymous_key="",
        e_service_id=service.id,
        form_version_id=form.id,
        answers={"namn": "Erik"},
        now=clock.now() - inactive_days * DAY,
    )


async def _run(settings):
    return await run_job(JOBS["retention"], settings)


async def test_drafts_older_than_their_services_rule_are_deleted_with_their_attachments(settings):
    user = await make_user()
    short = await make_service_with_form(retention_days_draft=10)
    default = await make_service_with_form(retention_days_draft=None)
    expired = await _draft(short, user.id, inactive_days=11)
    await drafts.add_attachment(
        expired.id,
        "bilaga",
        filename="a.pdf",
        content_type="application/pdf",
        size=3,
        sha256="x",
        content=b"pdf",
        now=clock.now(),
    )
    await CoApplicant.insert(CoApplicant(draft=expired.id, personal_number="199001012380"))
    kept = await _draft(short, user.id, inactive_days=9)
    under_default = await _draft(default, user.id, inactive_days=settings.default_retention_days_draft - 1)
    over_default = await _draft(default, user.id, inactive_days=settings.default_retention_days_draft + 1)

    result = await _run(settings)

    remaining = {row["id"] for row in await Draft.select(Draft.id)}
    assert remaining == {kept.id, under_default.id}
    assert over_default.id not in remaining
    assert result["drafts_deleted"] == 2
    assert await Attachment.count() == 0 and await CoApplicant.count() == 0


async def test_drafts_made_without_a_login_go_after_a_day_not_after_the_rule(settings):
    service = await make_service_with_form(retention_days_draft=None)
    owned = await _draft(service, (await make_user()).id, inactive_days=2)
    hours = timedelta(hours=1)
    with clock.travel(-25 * hours):
        forgotten = await _draft(service, None, inactive_days=0)
    with clock.travel(-23 * hours):
        recent = await _draft(service, None, inactive_days=0)

    result = await _run(settings)

    assert {row["id"] for row in await Draft.select(Draft.id)} == {owned.id, recent.id}
    assert forgotten.id not in {row["id"] for row in await Draft.select(Draft.id)}
    assert result["anonymous_drafts_deleted"] == 1


async def test_owners_are_warned_once_a_week_before_their_draft_is_deleted(settings):
    user = await make_user()
    await user.update_self({"email": "erik@example.se"})
    service = await make_service_with_form(retention_days_draft=30)
    soon = await _draft(service, user.id, inactive_days=24)
    await _draft(service, user.id, inactive_days=10)  # more than a week left

    assert (await _run(settings))["drafts_warned"] == 1
    mail = await Notification.select().where(Notification.kind == "draft_expiring")
    assert len(mail) == 1 and mail[0]["email"] == "erik@example.se"
    deletion = (soon.last_activity_at + 30 * DAY).astimezone(clock.now().tzinfo)
    assert str(deletion.day) in mail[0]["body"]
    assert service.title not in mail[0]["body"] + mail[0]["subject"]  # the service itself can be sensitive

    with clock.travel(2 * DAY):
        assert (await _run(settings))["drafts_warned"] == 0  # already warned about this period of inactivity
    assert await Notification.count().where(Notification.kind == "draft_expiring") == 1

    # Working on the draft again starts a new period: the next warning comes when that one nears its end.
    reloaded = await drafts.draft_by_public_id(str(soon.public_id))
    with clock.travel(3 * DAY):
        await drafts.save_answers(reloaded, {"namn": "Erika"}, clock.now())
        assert (await _run(settings))["drafts_warned"] == 0
    with clock.travel(3 * DAY + 24 * DAY):
        result = await _run(settings)
    assert result["drafts_warned"] == 1 and result["drafts_deleted"] == 1  # the other one was never continued
    assert await Notification.count().where(Notification.kind == "draft_expiring") == 2


async def test_owners_without_an_email_address_are_not_mailed_but_not_asked_again_either(settings):
    user = await make_user()
    service = await make_service_with_form(retention_days_draft=30)
    await _draft(service, user.id, inactive_days=25)
    assert (await _run(settings))["drafts_warned"] == 1
    assert await Notification.count() == 0
    assert (await _run(settings))["drafts_warned"] == 0


async def test_closed_cases_go_after_their_rule_with_messages_supplements_and_files(settings, caplog):
    user = await make_user()
    service = await make_service_with_form(slug="bygglov-test", retention_days_closed=100)
    now = clock.now()
    old = await make_case(service, user.id, received_at=now - 200 * DAY)
    recent = await make_case(service, user.id, status="closed", closed_at=now - 99 * DAY)
    ongoing = await make_case(service, user.id, received_at=now - 900 * DAY)
    message_id = await conversations.add_message(old.id, user.id, from_officer=False, body="Hej", now=now)
    await conversations.request_supplement(
        old.id, None, message="Skicka ritning", fields=[], due_date=date.today(), now=now
    )

    class File:
        filename, content_type, size, sha256 = "ritning.pdf", "application/pdf", 8, "0" * 64

    from db.cases import add_case_attachment

    await add_case_attachment(old.id, File(), b"%PDF-1.4", message_id=message_id, supplement_id=None, now=now)
    await CaseRecord.update({CaseRecord.status: "closed", CaseRecord.closed_at: now - 101 * DAY}).where(
        CaseRecord.id == old.id
    )

    with caplog.at_level(logging.INFO, logger="eplatform.retention"):
        result = await _run(settings)

    assert result["cases_deleted"] == 1
    assert {row["id"] for row in await CaseRecord.select(CaseRecord.id)} == {recent.id, ongoing.id}
    assert await Message.count() == 0 and await SupplementRequest.count() == 0 and await Attachment.count() == 0
    assert await CaseEvent.count().where(CaseEvent.case == old.id) == 0
    record = next(r for r in caplog.records if r.getMessage() == "retention_applied")
    assert record.e_service == "bygglov-test" and record.cases_deleted == 1 and record.closed_days == 100
    assert old.reference not in caplog.text and "198112189876" not in caplog.text


async def test_finished_mail_is_deleted_after_a_month_and_queued_mail_never(settings):
    from db.notices import queue_notification

    await queue_notification(
        user_id=None, email="a@example.se", kind="case_received", subject="s", body="b", now=clock.now()
    )
    await queue_notification(
        user_id=None, email="b@example.se", kind="case_received", subject="s", body="b", now=clock.now()
    )
    first = await Notification.select(Notification.id).first()
    await Notification.update({Notification.sent_at: clock.now()}).where(Notification.id == first["id"])
    with clock.travel(31 * DAY):
        assert (await _run(settings))["mail_deleted"] == 1
    assert [row["email"] for row in await Notification.select(Notification.email)] == ["b@example.se"]
