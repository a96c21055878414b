"""Mina sidor's cases: lists with counts and markers, the case page, who may see it, messages and supplements."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from core import clock
from core.i18n import LOCAL_TIMEZONE
from db import messages as conversations
from db.applications import Attachment
from db.cases import CaseRecord
from db.messages import Message, SupplementRequest
from db.signing import CoApplicant
from tests.factories import make_case, make_service_with_form, make_user
from tests.headings import assert_headings_nest
from tests.login import csrf_from, log_in

pytestmark = pytest.mark.usefixtures("db")
ERIK, MARIA, SARA, OFFICER = "198112189876", "198503129820", "199505199902", "197606239866"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


async def erik_with_case(client, app, **service_fields):
    service = await make_service_with_form(slug="tjanst", title="Bygglov", **service_fields)
    await log_in(client, app, ERIK)
    erik = await make_user(ERIK)
    case = await make_case(service, erik.id)
    return service, erik, case


async def test_case_page_shows_status_timeline_answers_and_receipt(client, app):
    _service, _erik, case = await erik_with_case(client, app)
    page = await client.get(f"/mina-sidor/arenden/{case.reference}")
    assert page.status_code == 200
    text = re.sub(r"\s+", " ", page.text)
    for expected in ("Bygglov", case.reference, "Inkommen", "Ärendet kom in", "Erik", "Alfa", "Meddelanden"):
        assert expected in text, expected
    receipt = await client.get(f"/mina-sidor/arenden/{case.reference}/kvitto.pdf")
    assert receipt.headers["Content-Type"] == "application/pdf"
    assert "allmän handling" in text  # why it cannot be deleted


@pytest.mark.parametrize("who", ["other citizen", "staff", "anonymous"])
async def test_strangers_get_404_for_a_case_and_its_parts(client, app, who):
    from db.staff import save_staff as add_staff

    _service, erik, case = await erik_with_case(client, app)
    message_id = await conversations.add_message(case.id, erik.id, from_officer=False, body="Hemligt", now=clock.now())
    client.cookies.clear()
    if who == "other citizen":
        await log_in(client, app, SARA)
    elif who == "staff":
        await add_staff(OFFICER, "officer", "Bygga, bo och miljö", clock.now())
        await log_in(client, app, OFFICER)
    for path in (
        f"/mina-sidor/arenden/{case.reference}",
        f"/mina-sidor/arenden/{case.reference}/kvitto.pdf",
        f"/mina-sidor/arenden/{case.reference}/meddelanden?efter=0",
        "/mina-sidor/arenden/2026-999999",
    ):
        htmx = "meddelanden" in path
        response = await client.get(path, headers={"HX-Request": "true"} if htmx else {})
        if who == "anonymous":  # sent to log in (htmx is told to go there itself)
            assert response.status_code == (200 if htmx else 303), path
            login = response.headers["HX-Redirect"] if htmx else response.headers["location"]
            assert login.startswith("/logga-in"), path
        else:
            assert response.status_code == 404, path
        assert "Hemligt" not in response.text
    assert message_id


async def test_co_applicants_see_the_case_too(client, app):
    _service, _erik, case = await erik_with_case(client, app)
    await CoApplicant.insert(CoApplicant(case=case.id, personal_number=MARIA, status="signed"))
    client.cookies.clear()
    await log_in(client, app, MARIA)
    assert (await client.get(f"/mina-sidor/arenden/{case.reference}")).status_code == 200
    assert case.reference in (await client.get("/mina-sidor")).text


async def test_overview_counts_cases_and_marks_unread_messages_and_supplements(client, app):
    service, erik, case = await erik_with_case(client, app)
    await make_case(service, erik.id, status="closed", closed_at=clock.now())
    await conversations.add_message(case.id, None, from_officer=True, body="Hej!", now=clock.now())
    await conversations.request_supplement(
        case.id, None, message="Skicka ritningen", fields=[], due_date=date.today() - timedelta(days=1), now=clock.now()
    )
    overview = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", (await client.get("/mina-sidor")).text))
    assert "Inskickade och pågående (1)" in overview and "Avslutade (1)" in overview
    assert "1 oläst meddelande" in overview
    assert "Komplettering försenad" in overview and "Handläggaren skriver: Skicka ritningen" in overview
    await client.get(f"/mina-sidor/arenden/{case.reference}")  # reading the case marks the message read
    assert "oläst" not in (await client.get("/mina-sidor")).text


async def test_long_lists_are_paginated(client, app):
    service, erik, _case = await erik_with_case(client, app)
    for _ in range(25):
        await make_case(service, erik.id)
    overview = await client.get("/mina-sidor")
    assert overview.text.count('class="case-list__item"') == 5
    assert "Visa alla 26" in overview.text
    first = await client.get("/mina-sidor/arenden?grupp=pagaende")
    assert first.text.count('class="case-list__item"') == 20
    second = await client.get("/mina-sidor/arenden?grupp=pagaende&sida=2")
    assert second.text.count('class="case-list__item"') == 6
    past_the_end = await client.get("/mina-sidor/arenden?grupp=pagaende&sida=9")
    assert past_the_end.text.count('class="case-list__item"') == 6
    assert re.search(r'aria-current="page"><span class="visually-hidden">Sida </span>2<', past_the_end.text)
    assert (await client.get("/mina-sidor/arenden?grupp=okand&sida=x")).status_code == 200


async def test_sending_a_message_with_htmx_and_without(client, app):
    _service, _erik, case = await erik_with_case(client, app)
    page = await client.get(f"/mina-sidor/arenden/{case.reference}")
    token = csrf_from(page.text)
    url = f"/mina-sidor/arenden/{case.reference}/meddelanden"
    sent = await client.post(
        url,
        data={"_csrf_token": token, "text": "Hej handläggaren"},
        headers={"HX-Request": "true"},
        files={"files": ("intyg.pdf", PDF, "application/pdf")},
    )
    assert sent.status_code == 200
    assert "Hej handläggaren" in sent.text and 'data-hx-swap-oob="beforeend:#message-list"' in sent.text
    assert "Ditt meddelande har skickats" in sent.text and "intyg.pdf" in sent.text
    mine = await Message.objects().where(Message.body == "Hej handläggaren").first()
    assert f'id="meddelande-{mine.id}" tabindex="-1" autofocus' in sent.text  # the focus goes to what was sent
    plain = await client.post(url, data={"_csrf_token": token, "text": "Utan JavaScript"})
    assert plain.status_code == 303
    assert plain.headers["location"] == f"/mina-sidor/arenden/{case.reference}?skickat=1#meddelanden"
    thread = await client.get(plain.headers["location"])
    assert_headings_nest(thread.text)  # the answers' steps are h3 under "Din ansökan"
    assert "Hej handläggaren" in thread.text and "Utan JavaScript" in thread.text and "Inte läst än" in thread.text
    assert "Ditt meddelande har skickats" in thread.text and "autofocus" not in thread.text
    assert "Ditt meddelande har skickats" not in (await client.get(f"/mina-sidor/arenden/{case.reference}")).text
    attachment = await Attachment.objects().where(Attachment.message_id.is_not_null()).first()
    download = await client.get(f"/mina-sidor/arenden/{case.reference}/bilagor/{attachment.public_id}")
    assert download.content == PDF


async def test_an_empty_message_is_refused_with_a_message_next_to_the_field(client, app):
    _service, _erik, case = await erik_with_case(client, app)
    page = await client.get(f"/mina-sidor/arenden/{case.reference}")
    url = f"/mina-sidor/arenden/{case.reference}/meddelanden"
    htmx = await client.post(
        url, data={"_csrf_token": csrf_from(page.text), "text": "  "}, headers={"HX-Request": "true"}
    )
    assert htmx.status_code == 400 and "Skriv ett meddelande eller bifoga en fil" in htmx.text
    plain = await client.post(url, data={"_csrf_token": csrf_from(page.text), "text": ""})
    assert plain.status_code == 400 and "error-message" in plain.text
    assert await Message.count() == 0


async def test_polling_costs_nothing_until_the_officer_writes(client, app):
    _service, _erik, case = await erik_with_case(client, app)
    poll = f"/mina-sidor/arenden/{case.reference}/meddelanden?efter=0"
    assert (await client.get(poll, headers={"HX-Request": "true"})).status_code == 204
    await conversations.add_message(case.id, None, from_officer=True, body="Vi behöver ritningen.", now=clock.now())
    news = await client.get(poll, headers={"HX-Request": "true"})
    assert news.status_code == 200 and "Vi behöver ritningen." in news.text
    assert "Nytt meddelande från handläggaren" in news.text
    latest = await conversations.latest_message_id(case.id)
    assert f"efter={latest}" in news.text
    message = await Message.objects().first()
    assert message.read_by_resident_at is not None  # shown in the open page: read


async def test_a_sent_message_brings_the_officers_messages_that_arrived_since_the_last_poll(client, app):
    _service, _erik, case = await erik_with_case(client, app)
    page = await client.get(f"/mina-sidor/arenden/{case.reference}")
    assert 'id="message-cursor" name="efter" value="0"' in page.text
    await conversations.add_message(case.id, None, from_officer=True, body="Har du ritningen?", now=clock.now())
    sent = await client.post(
        f"/mina-sidor/arenden/{case.reference}/meddelanden",
        data={"_csrf_token": csrf_from(page.text), "text": "Ja, här.", "efter": "0"},
        headers={"HX-Request": "true"},
    )
    assert sent.status_code == 200
    assert sent.text.index("Har du ritningen?") < sent.text.index("Ja, här.")  # both, in order
    latest = await conversations.latest_message_id(case.id)
    assert f'name="efter" value="{latest}"' in sent.text  # the poller moves past both
    officer_message = await Message.objects().where(Message.from_officer == "yes").first()
    assert officer_message.read_by_resident_at is not None


async def test_a_long_thread_shows_the_latest_messages_and_links_to_the_older(client, app):
    _service, erik, case = await erik_with_case(client, app)
    start = clock.now() - timedelta(hours=1)
    for number in range(25):
        await conversations.add_message(
            case.id, erik.id, from_officer=False, body=f"Meddelande nr {number}.", now=start + timedelta(minutes=number)
        )
    page = await client.get(f"/mina-sidor/arenden/{case.reference}")
    assert "Meddelande nr 24." in page.text and "Meddelande nr 5." in page.text and "Meddelande nr 4." not in page.text
    link = f'href="/mina-sidor/arenden/{case.reference}?meddelanden=alla#meddelanden"'
    assert link in page.text and "Visa 5 äldre meddelanden" in page.text
    everything = await client.get(f"/mina-sidor/arenden/{case.reference}?meddelanden=alla")
    assert "Meddelande nr 0." in everything.text and "äldre meddelanden" not in everything.text


async def test_a_co_applicant_reads_without_taking_the_applicants_unread_marker(client, app):
    _service, erik, case = await erik_with_case(client, app)
    await CoApplicant.insert(CoApplicant(case=case.id, personal_number=MARIA, status="signed"))
    await conversations.add_message(case.id, erik.id, from_officer=False, body="Eriks fråga", now=clock.now())
    await conversations.add_message(case.id, None, from_officer=True, body="Svar från kommunen", now=clock.now())
    client.cookies.clear()
    await log_in(client, app, MARIA)
    maria_sees = re.sub(
        r"\s+", " ", re.sub(r"<[^>]+>", " ", (await client.get(f"/mina-sidor/arenden/{case.reference}")).text)
    )
    assert "Erik Andersson" in maria_sees and " Du " not in maria_sees  # Erik's message is his, not hers
    assert (await Message.objects().where(Message.from_officer == "yes").first()).read_by_resident_at is None
    await conversations.add_message(
        case.id, (await make_user(MARIA)).id, from_officer=False, body="Maria", now=clock.now()
    )
    client.cookies.clear()
    await log_in(client, app, ERIK)
    assert "1 oläst meddelande" in (await client.get("/mina-sidor")).text
    page = (await client.get(f"/mina-sidor/arenden/{case.reference}")).text
    marias = page[page.rindex('<li class="message', 0, page.index(">Maria</div>")) : page.index(">Maria</div>")]
    assert "message--theirs" in marias and "Maria Andersson" in marias  # her message carries her name, not "Du"
    assert (await Message.objects().where(Message.from_officer == "yes").first()).read_by_resident_at is not None


async def test_the_first_message_from_the_officer_replaces_the_no_messages_hint(client, app):
    _service, _erik, case = await erik_with_case(client, app)
    assert 'id="no-messages"' in (await client.get(f"/mina-sidor/arenden/{case.reference}")).text
    await conversations.add_message(case.id, None, from_officer=True, body="Hej", now=clock.now())
    news = await client.get(f"/mina-sidor/arenden/{case.reference}/meddelanden?efter=0", headers={"HX-Request": "true"})
    assert '<p id="no-messages" data-hx-swap-oob="delete"></p>' in news.text


async def test_read_receipts_show_when_the_officer_has_read(client, app):
    _service, erik, case = await erik_with_case(client, app)
    await conversations.add_message(case.id, erik.id, from_officer=False, body="Fråga", now=clock.now())
    assert "Inte läst än" in (await client.get(f"/mina-sidor/arenden/{case.reference}")).text
    await conversations.mark_read(case.id, by_officer=True, now=clock.now())
    assert "Läst " in (await client.get(f"/mina-sidor/arenden/{case.reference}")).text


async def test_messaging_closes_some_days_after_the_case_is_closed(client, app, settings):
    service, erik, _case = await erik_with_case(client, app)
    closed = await make_case(service, erik.id, status="closed", closed_at=clock.now(), decision="Beviljas.")
    page = await client.get(f"/mina-sidor/arenden/{closed.reference}")
    assert "Beviljas." in page.text and 'id="message-form"' in page.text
    with clock.travel(timedelta(days=settings.messages_open_days_after_close + 1)):
        client.cookies.clear()
        await log_in(client, app, ERIK)
        late = await client.get(f"/mina-sidor/arenden/{closed.reference}")
        assert 'id="message-form"' not in late.text and "går inte längre att skicka meddelanden" in late.text
        refused = await client.post(
            f"/mina-sidor/arenden/{closed.reference}/meddelanden",
            data={"_csrf_token": csrf_from(late.text), "text": "x"},
        )
        assert refused.status_code == 403  # and the resident reads why, with and without JavaScript
        assert "Det går inte längre att skicka meddelanden i det här ärendet." in refused.text
        swapped = await client.post(
            f"/mina-sidor/arenden/{closed.reference}/meddelanden",
            data={"text": "x"},
            headers={"HX-Request": "true", "x-csrftoken": csrf_from(late.text)},
        )
        assert swapped.status_code == 403
        assert "Det går inte längre att skicka meddelanden i det här ärendet." in swapped.text
    assert await Message.count().where(Message.case == closed.id) == 0


async def test_e_services_without_messages_have_no_thread(client, app):
    _service, _erik, case = await erik_with_case(client, app, allows_messages=False)
    page = await client.get(f"/mina-sidor/arenden/{case.reference}")
    assert "Meddelanden" not in page.text
    poll = await client.get(f"/mina-sidor/arenden/{case.reference}/meddelanden", headers={"HX-Request": "true"})
    assert poll.status_code == 404


async def test_supplement_round_trip_keeps_both_versions(client, app):
    _service, _erik, case = await erik_with_case(client, app)
    request_id = await conversations.request_supplement(
        case.id,
        None,
        message="Ange rätt namn och skicka ritningen.",
        fields=["namn"],
        due_date=date.today() + timedelta(days=7),
        now=clock.now(),
    )
    page = re.sub(r"\s+", " ", (await client.get(f"/mina-sidor/arenden/{case.reference}")).text)
    assert "Handläggaren behöver mer från dig" in page and "Ange rätt namn och skicka ritningen." in page
    url = f"/mina-sidor/arenden/{case.reference}/komplettering/{request_id}"
    form = await client.get(url)
    assert 'value="Erik"' in form.text  # the reopened question, with the current answer
    bad = await client.post(url, data={"_csrf_token": csrf_from(form.text), "namn": "", "text": "Här"})
    assert bad.status_code == 400 and "Fyll i ”Namn”" in bad.text
    done = await client.post(
        url,
        data={"_csrf_token": csrf_from(form.text), "namn": "Erik Johan", "text": "Här är ritningen."},
        files={"files": ("ritning.pdf", PDF, "application/pdf")},
    )
    assert done.status_code == 303
    case_row = await CaseRecord.objects().where(CaseRecord.id == case.id).output(load_json=True).first()
    assert case_row.answers["namn"] == "Erik Johan" and case_row.status == "in_progress"
    request = await SupplementRequest.objects().output(load_json=True).first()
    assert request.previous_answers == {"namn": "Erik"} and request.new_answers == {"namn": "Erik Johan"}
    after = re.sub(r"\s+", " ", (await client.get(f"/mina-sidor/arenden/{case.reference}")).text)
    assert "<dt>Namn</dt><dd>Ändrat från Erik till Erik Johan</dd>" in after and "Kompletteringen skickades" in after
    again = await client.post(url, data={"_csrf_token": csrf_from(form.text), "namn": "X", "text": "igen"})
    assert again.status_code == 303  # already answered: nothing changes
    assert (await CaseRecord.objects().where(CaseRecord.id == case.id).output(load_json=True).first()).answers[
        "namn"
    ] == "Erik Johan"


async def test_a_supplement_answer_takes_today_in_swedish_time(client, app):
    """At 00:30 in Sweden it is still yesterday in UTC: a date 'no later than today' must accept Sweden's today."""
    form = (
        "steps:\n  - id: om\n    title: Om\n    fields:\n"
        "      - {id: namn, type: text, label: Namn}\n"
        "      - {id: intraffade, type: date, label: Datum, max_date: today}\n"
    )
    service = await make_service_with_form(form, slug="tjanst", title="Skadeanmälan")
    erik = await make_user(ERIK)
    case = await make_case(service, erik.id, answers={"namn": "Erik"})
    now = clock.now()
    half_past_eleven_utc = now.replace(hour=23, minute=30, second=0, microsecond=0)
    if half_past_eleven_utc <= now:
        half_past_eleven_utc += timedelta(days=1)
    with clock.travel(half_past_eleven_utc - now):
        swedish_today = clock.now().astimezone(LOCAL_TIMEZONE).date()
        assert swedish_today != clock.now().date()  # the moment this test is about
        await log_in(client, app, ERIK)
        request_id = await conversations.request_supplement(
            case.id, None, message="Ange datumet.", fields=["intraffade"], due_date=swedish_today, now=clock.now()
        )
        url = f"/mina-sidor/arenden/{case.reference}/komplettering/{request_id}"
        page = await client.get(url)
        answered = await client.post(
            url, data={"_csrf_token": csrf_from(page.text), "intraffade": swedish_today.isoformat(), "text": ""}
        )
        assert answered.status_code == 303, answered.text
    stored = await CaseRecord.objects().where(CaseRecord.id == case.id).output(load_json=True).first()
    assert stored.answers["intraffade"] == swedish_today.isoformat()


async def _notices_to(user_id: int) -> list[dict]:
    from db.notices import Notification

    return await Notification.select(Notification.kind, Notification.subject, Notification.body).where(
        Notification.user == user_id
    )


async def test_officer_messages_supplement_requests_and_decisions_reach_the_timeline_and_the_mailbox(client, app):
    from db import cases
    from db.accounts import UserAccount

    _service, erik, case = await erik_with_case(client, app)
    await UserAccount.update({UserAccount.email: "erik@example.se"}).where(UserAccount.id == erik.id)
    await conversations.add_message(case.id, None, from_officer=True, body="Hemlig fråga", now=clock.now())
    request_id = await conversations.request_supplement(
        case.id, None, message="Skicka läkarintyget", fields=[], due_date=date.today(), now=clock.now()
    )
    assert await cases.decide(case.id, None, "Ansökan beviljas.", clock.now())
    assert not await cases.decide(case.id, None, "Igen", clock.now())  # once
    page = re.sub(r"\s+", " ", (await client.get(f"/mina-sidor/arenden/{case.reference}")).text)
    for event in ("Handläggaren skickade ett meddelande", "Handläggaren bad om komplettering", "Beslut fattades"):
        assert event in page, event
    assert "Ärendet avslutades" in page and "Ansökan beviljas." in page
    assert "Handläggaren behöver mer från dig" not in page  # a closed case takes no supplements
    supplement_url = f"/mina-sidor/arenden/{case.reference}/komplettering/{request_id}"
    assert (await client.get(supplement_url)).status_code == 404
    refused = await client.post(supplement_url, data={"_csrf_token": csrf_from(page), "text": "Här"})
    assert refused.status_code == 404
    assert (await CaseRecord.objects().where(CaseRecord.id == case.id).first()).status == "closed"
    assert "Komplettering" not in (await client.get("/mina-sidor")).text
    notices = await _notices_to(erik.id)
    assert [n["kind"] for n in notices] == ["message_received", "supplement_requested", "status_changed"]
    for notice in notices:  # the reference number, nothing of what was written or decided
        assert case.reference in notice["body"]
        assert not {"Hemlig", "läkarintyget", "beviljas"} & set(re.findall(r"\w+", notice["body"] + notice["subject"]))


async def test_saved_applications_are_a_group_of_their_own_with_pages(client, app):
    from db.applications import create_draft
    from tests.factories import make_form, make_service

    await log_in(client, app, ERIK)
    erik = await make_user(ERIK)
    for number in range(7):
        service = await make_service(title=f"Tjänst {number}", requires_login=True, allows_drafts=True)
        form = await make_form(service)
        await create_draft(
            owner_id=erik.id,
            anonymous_key="",
            e_service_id=service.id,
            form_version_id=form.id,
            answers={},
            now=clock.now() - timedelta(minutes=number),
        )
    overview = await client.get("/mina-sidor")
    assert overview.text.count('/ta-bort">Ta bort') == 5 and "Visa alla 7" in overview.text
    assert 'href="/mina-sidor/arenden?grupp=sparade"' in overview.text
    listed = await client.get("/mina-sidor/arenden?grupp=sparade")
    assert listed.status_code == 200 and "7 sparade ansökningar" in listed.text
    assert listed.text.count('class="case-list__item"') == 7
    assert listed.text.index("Tjänst 0") < listed.text.index("Tjänst 6")  # the latest activity first
    assert '<a href="/mina-sidor/arenden?grupp=sparade" aria-current="page">Sparade</a>' in listed.text
    to_sign = await client.get("/mina-sidor/arenden?grupp=att-signera")
    assert to_sign.status_code == 200 and "0 ansökningar att skriva under" in to_sign.text
