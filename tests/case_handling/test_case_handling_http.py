"""An officer's working day over HTTP (a browser without JavaScript): the inbox, the case view, and every change to
a case, each on the timeline and told to the resident; stale pages cannot overwrite newer changes."""

from __future__ import annotations

import asyncio
import re
from datetime import date, timedelta

from core import clock
from db.accounts import UserAccount
from db.case_handling import InternalNote
from db.cases import CaseEvent, CaseRecord, StatusPeriod
from db.messages import Message, SupplementRequest
from db.notices import Notification
from tests.case_handling.conftest import ERIK, EVA, INGRID, OLOF, PETRA
from tests.factories import make_case
from tests.login import csrf_from, log_in

VERSION = re.compile(r'name="version" value="(\d+)"')


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", html)


async def case_page(client, reference: str):
    page = await client.get(f"/handlaggare/arenden/{reference}")
    assert page.status_code == 200, page.text
    return page


async def act(client, reference: str, action: str, data: dict, *, page=None):
    """Post one of the case view's forms as the page the officer has open would."""
    page = page or await case_page(client, reference)
    form = {"_csrf_token": csrf_from(page.text), "version": VERSION.search(page.text).group(1), **data}
    return await client.post(f"/handlaggare/arenden/{reference}/{action}", data=form)


async def test_the_inbox_tabs_count_and_list_what_each_promises(client, app, office):
    await log_in(client, app, EVA)
    reference = office.cases["erik"].reference
    inbox = text_of((await client.get("/handlaggare")).text)
    assert reference in inbox and office.cases["protected"].reference not in inbox  # no permission
    assert office.cases["school"].reference not in inbox  # another unit's
    for label, count in (("Att hantera", 1), ("Mina", 0), ("Ej tilldelade", 1), ("Alla", 1), ("Flaggade", 0)):
        assert f'{label} <span class="tabs__count">({count})</span>' in inbox, label
    assert (await act(client, reference, "tilldela", {"till": "mig"})).status_code == 303
    assert (await act(client, reference, "flagga", {"flagga": "ja"})).status_code == 303
    inbox = text_of((await client.get("/handlaggare")).text)
    for label, count in (("Att hantera", 0), ("Mina", 1), ("Ej tilldelade", 0), ("Alla", 1), ("Flaggade", 1)):
        assert f'{label} <span class="tabs__count">({count})</span>' in inbox, label
    mine = (await client.get("/handlaggare?flik=mina")).text
    assert reference in mine and "Eva Karlsson" in mine
    assert reference in (await client.get("/handlaggare?flik=flaggade")).text


async def test_search_filter_sort_and_pages(client, app, office):
    from db.cases import CaseRecord as Case

    erik = office.cases["erik"]
    service = await Case.select(Case.e_service).where(Case.id == erik.id).first()
    from db.catalogue import EService

    bygglov = await EService.objects().where(EService.id == service["e_service"]).first()
    now = clock.now()
    for number in range(30):
        name = "asa ostlund" if number == 7 else f"per persson {number}"  # stored as submission normalises it
        await make_case(bygglov, None, received_at=now - timedelta(days=number + 1), search_text=name)
    await log_in(client, app, EVA)
    everything = await client.get("/handlaggare?flik=alla")
    assert "Visar 1–25 av 31" in text_of(everything.text)
    second = await client.get("/handlaggare?flik=alla&sida=2")
    assert "Visar 26–31 av 31" in text_of(second.text)
    assert len(re.findall(r'<li class="inbox-item', second.text)) == 6
    by_number = await client.get(f"/handlaggare?flik=alla&q={ERIK}")
    assert erik.reference in by_number.text and "av 31" not in by_number.text
    by_name = await client.get("/handlaggare?flik=alla&q=ÅSA Östlund")  # any case, no diacritics needed
    assert len(re.findall(r'<li class="inbox-item', by_name.text)) == 1
    by_reference = await client.get(f"/handlaggare?flik=alla&q={erik.reference}")
    assert len(re.findall(r'<li class="inbox-item', by_reference.text)) == 1
    week = (now - timedelta(days=7)).date().isoformat()
    recent = await client.get(f"/handlaggare?flik=alla&fran={week}")
    assert "av 31" not in recent.text and len(re.findall(r'<li class="inbox-item', recent.text)) == 8
    nobody = await client.get("/handlaggare?flik=alla&handlaggare=ingen&sortering=deadline")
    assert "Visar 1–25 av 31" in text_of(nobody.text)
    fragment = await client.get("/handlaggare?flik=alla&q=ostlund", headers={"HX-Request": "true"})
    assert "<html" not in fragment.text and fragment.headers["HX-Push-Url"] == "/handlaggare?flik=alla&q=ostlund"
    assert "Vary" in fragment.headers
    for odd in ("?flik=okand&sortering=x&sida=²", "?fran=2026-13-45&till=igår&status=x&handlaggare=%C2%B2"):
        assert (await client.get(f"/handlaggare{odd}")).status_code == 200


async def test_deadline_marks_at_60_and_90_percent_overdue_and_after_six_months(client, app, office):
    await log_in(client, app, EVA)  # "Inkommen": five days
    with clock.travel(timedelta(days=3, hours=1)):
        await log_in(client, app, EVA)
        page = text_of((await client.get("/handlaggare?flik=alla")).text)
        assert 'tag--attention">1 dag kvar' in page
    with clock.travel(timedelta(days=4, hours=13)):
        await log_in(client, app, EVA)
        assert 'tag--overdue">0 dagar kvar' in text_of((await client.get("/handlaggare?flik=alla")).text)
    with clock.travel(timedelta(days=8, hours=1)):
        await log_in(client, app, EVA)
        page = text_of((await client.get("/handlaggare?flik=alla")).text)
        assert "Försenat med 3 dagar" in page and "Öppet mer än sex månader" not in page
    with clock.travel(timedelta(days=190)):
        await log_in(client, app, EVA)
        assert "Öppet mer än sex månader" in text_of((await client.get("/handlaggare?flik=alla")).text)


async def test_the_case_view_shows_everything_and_protected_identities_without_address(client, app, office):
    await log_in(client, app, EVA)
    page = text_of((await case_page(client, office.cases["erik"].reference)).text)
    for expected in ("Ansökan om bygglov", "Inkommen", "Erik Andersson", "19811218-9876", "Ingen ännu", "Tidslinje"):
        assert expected in page, expected
    client.cookies.clear()
    await log_in(client, app, INGRID)
    protected = text_of((await case_page(client, office.cases["protected"].reference)).text)
    assert "Lars" in protected and "Skyddad identitet" in protected
    lars = await UserAccount.objects().where(UserAccount.personal_number == "197205019834").first()
    lars.street, lars.postal_code, lars.city = "Hemlig väg 1", "511 00", "Kinna"
    await lars.save()  # even if an address were stored, the officer would not see it
    assert "Hemlig väg" not in (await case_page(client, office.cases["protected"].reference)).text


async def test_assignment_status_and_notes_go_on_the_timeline(client, app, office):
    reference = office.cases["erik"].reference
    await log_in(client, app, EVA)
    assert (await act(client, reference, "tilldela", {"till": str(office.accounts[OLOF])})).status_code == 303
    case = await CaseRecord.objects().where(CaseRecord.reference == reference).first()
    assert case.assigned_to == office.accounts[OLOF]
    page = await case_page(client, reference)
    statuses = dict(re.findall(r'<option value="(\d+)"[^>]*>([^<(]+)', page.text))
    in_progress = next(id_ for id_, name in statuses.items() if name.strip() == "Under handläggning")
    changed = await act(client, reference, "status", {"status": in_progress, "meddelande": "Vi har börjat."}, page=page)
    assert changed.status_code == 303
    assert (await act(client, reference, "tilldela", {"till": "ingen"})).status_code == 303
    kinds = [row["kind"] for row in await CaseEvent.select(CaseEvent.kind).where(CaseEvent.case == case.id)]
    assert kinds == ["received", "assigned", "status_changed", "message", "released"]
    periods = await StatusPeriod.select().where(StatusPeriod.case == case.id).order_by(StatusPeriod.id)
    assert len(periods) == 2 and periods[0]["ended_at"] is not None and periods[1]["ended_at"] is None
    case = await CaseRecord.objects().where(CaseRecord.reference == reference).first()
    assert case.status == "in_progress" and case.deadline is not None and case.assigned_to is None
    assert await Message.count().where(Message.case == case.id) == 1  # the status message reached the thread
    note = await client.post(
        f"/handlaggare/arenden/{reference}/anteckningar",
        data={"_csrf_token": csrf_from(page.text), "anteckning": "@Olof kan du titta på ritningen?"},
    )
    assert note.status_code == 303
    saved = await InternalNote.objects().first()
    assert saved.mentions == [office.accounts[OLOF]] or saved.mentions == f"[{office.accounts[OLOF]}]"
    # The resident never sees an internal note.
    client.cookies.clear()
    await log_in(client, app, ERIK)
    resident = await client.get(f"/mina-sidor/arenden/{reference}")
    assert "ritningen" not in resident.text and "Vi har börjat." in resident.text


async def test_a_note_naming_a_colleague_tells_them_by_mail_without_its_text(client, app, office):
    await UserAccount.update({UserAccount.email: "olof@mark.se"}).where(UserAccount.id == office.accounts[OLOF])
    reference = office.cases["erik"].reference
    await log_in(client, app, EVA)
    page = await case_page(client, reference)
    await client.post(
        f"/handlaggare/arenden/{reference}/anteckningar",
        data={"_csrf_token": csrf_from(page.text), "anteckning": "@Olof Ek titta på den sökandes inkomster"},
    )
    mail = await Notification.objects().where(Notification.user == office.accounts[OLOF]).first()
    assert mail is not None and reference in mail.subject and "inkomster" not in mail.body + mail.subject


async def test_a_supplement_round_trip_shows_both_versions_and_asks_for_attention(client, app, office):
    reference = office.cases["erik"].reference
    await log_in(client, app, EVA)
    due = (date.today() + timedelta(days=10)).isoformat()
    missing = await act(client, reference, "komplettering", {"meddelande": "", "senast": "igår"})
    assert missing.status_code == 400
    missing_text = text_of(missing.text)
    assert "Skriv vad den sökande ska komplettera med" in missing_text and "error-summary" in missing_text
    asked = await act(
        client, reference, "komplettering", {"meddelande": "Rätta namnet.", "senast": due, "falt": "namn"}
    )
    assert asked.status_code == 303
    case = await CaseRecord.objects().where(CaseRecord.reference == reference).first()
    assert case.status == "awaiting_supplement"
    client.cookies.clear()
    await log_in(client, app, ERIK)
    request = await SupplementRequest.objects().first()
    form = await client.get(f"/mina-sidor/arenden/{reference}/komplettering/{request.id}")
    answered = await client.post(
        f"/mina-sidor/arenden/{reference}/komplettering/{request.id}",
        data={"_csrf_token": csrf_from(form.text), "namn": "Erik Johan", "text": "Rättat."},
    )
    assert answered.status_code == 303
    client.cookies.clear()
    await log_in(client, app, EVA)
    inbox = text_of((await client.get("/handlaggare")).text)
    assert reference in inbox and "Nytt från den sökande" in inbox  # "Att hantera" takes answered supplements
    page = text_of((await case_page(client, reference)).text)
    assert "Ändrat från Erik till Erik Johan" in page and "Rättat." in page
    case = await CaseRecord.objects().where(CaseRecord.reference == reference).first()
    assert case.status == "in_progress" and not case.attention  # seen now
    assert reference not in text_of((await client.get("/handlaggare")).text)


async def test_a_decision_closes_the_case_and_the_resident_reads_it(client, app, office):
    await UserAccount.update({UserAccount.email: "erik@exempel.se"}).where(UserAccount.id == office.accounts[ERIK])
    reference = office.cases["erik"].reference
    await log_in(client, app, EVA)
    wrong = await act(client, reference, "beslut", {"beslut": ""})
    assert wrong.status_code == 400 and "Välj utfall" in wrong.text and "Skriv beslutet" in wrong.text
    decided = await act(client, reference, "beslut", {"utfall": "bifall", "beslut": "Bygglov beviljas."})
    assert decided.status_code == 303
    case = await CaseRecord.objects().where(CaseRecord.reference == reference).first()
    assert case.status == "closed" and case.outcome == "bifall" and case.closed_at is not None
    page = text_of((await case_page(client, reference)).text)
    assert "Bifall" in page and 'action="/handlaggare/arenden/' + reference + '/beslut"' not in page
    notices = await Notification.select(Notification.kind).where(Notification.user == office.accounts[ERIK])
    assert [notice["kind"] for notice in notices] == ["status_changed"]
    client.cookies.clear()
    await log_in(client, app, ERIK)
    closed = text_of((await client.get("/mina-sidor/arenden?grupp=avslutade")).text)
    assert reference in closed
    assert "Bygglov beviljas." in (await client.get(f"/mina-sidor/arenden/{reference}")).text


async def test_messages_both_ways_with_read_receipts_and_polling(client, app, office):
    reference = office.cases["erik"].reference
    await log_in(client, app, EVA)
    page = await case_page(client, reference)
    sent = await client.post(
        f"/handlaggare/arenden/{reference}/meddelanden",
        data={"_csrf_token": csrf_from(page.text), "text": "Hej Erik, vi behöver en ritning."},
    )
    assert sent.status_code == 303
    assert sent.headers["location"] == f"/handlaggare/arenden/{reference}?skickat=1#meddelanden"
    confirmed = await client.get(sent.headers["location"])
    assert "Inte läst än" in confirmed.text and "Ditt meddelande har skickats" in confirmed.text
    client.cookies.clear()
    await log_in(client, app, ERIK)
    resident = await client.get(f"/mina-sidor/arenden/{reference}")
    assert "vi behöver en ritning" in resident.text
    await client.post(
        f"/mina-sidor/arenden/{reference}/meddelanden",
        data={"_csrf_token": csrf_from(resident.text), "text": "Kommer."},
    )
    client.cookies.clear()
    await log_in(client, app, EVA)
    latest = await Message.select(Message.id).order_by(Message.id, ascending=False).first()
    assert (await client.get(f"/handlaggare/arenden/{reference}/meddelanden?efter={latest['id']}")).status_code == 204
    poll = await client.get(
        f"/handlaggare/arenden/{reference}/meddelanden?efter={latest['id'] - 1}", headers={"HX-Request": "true"}
    )
    assert poll.status_code == 200 and "Kommer." in poll.text and "Nytt meddelande från den sökande" in poll.text
    assert "Läst den " in (await case_page(client, reference)).text  # Erik read Eva's message


async def test_a_stale_page_cannot_overwrite_a_newer_change_and_keeps_what_was_typed(client, app, office):
    reference = office.cases["erik"].reference
    await log_in(client, app, EVA)
    eva_page = await case_page(client, reference)
    olof = client.__class__(transport=client._transport, base_url="http://testserver")
    async with olof:
        await log_in(olof, app, OLOF)
        assert (await act(olof, reference, "tilldela", {"till": "mig"})).status_code == 303
    stale = await act(client, reference, "beslut", {"utfall": "avslag", "beslut": "Mitt långa beslut."}, page=eva_page)
    assert stale.status_code == 409
    text = text_of(stale.text)
    assert "Ärendet har ändrats av Olof Ek sedan du öppnade det" in text
    assert "Mitt långa beslut." in text and 'value="avslag" checked' in text
    case = await CaseRecord.objects().where(CaseRecord.reference == reference).first()
    assert case.status != "closed" and case.assigned_to == office.accounts[OLOF]


async def test_two_officers_acting_at_once_make_one_change(client, app, office):
    """Both from the same page version, at the same moment: one wins, the other is told; nothing is corrupted."""
    reference = office.cases["erik"].reference
    clients = []
    for number in (EVA, OLOF):
        other = client.__class__(transport=client._transport, base_url="http://testserver")
        await other.__aenter__()
        await log_in(other, app, number)
        clients.append(other)
    try:
        pages = [await case_page(other, reference) for other in clients]
        for _round in range(5):
            pages = [await case_page(other, reference) for other in clients]
            answers = await asyncio.gather(
                act(clients[0], reference, "tilldela", {"till": "mig"}, page=pages[0]),
                act(clients[1], reference, "tilldela", {"till": "mig"}, page=pages[1]),
            )
            assert sorted(answer.status_code for answer in answers) == [303, 409]
        events = await CaseEvent.count().where(CaseEvent.kind == "assigned")
        assert events == 5
    finally:
        for other in clients:
            await other.__aexit__(None, None, None)


async def test_bulk_take_and_status_change_leave_changed_cases_alone(client, app, office):
    reference = office.cases["erik"].reference
    await log_in(client, app, EVA)
    inbox = await client.get("/handlaggare?flik=alla")
    version = re.search(rf'name="version-{reference}" value="(\d+)"', inbox.text).group(1)
    taken = await client.post(
        "/handlaggare/massatgard",
        data={
            "_csrf_token": csrf_from(inbox.text),
            "atgard": "ta",
            "arende": reference,
            f"version-{reference}": version,
        },
    )
    assert taken.status_code == 303
    assert "1 ärende ändrades." in (await client.get(taken.headers["location"])).text
    again = await client.post(
        "/handlaggare/massatgard",
        data={
            "_csrf_token": csrf_from(inbox.text),
            "atgard": "ta",
            "arende": reference,
            f"version-{reference}": version,
        },
    )
    assert "1 ärende hade ändrats av någon annan" in (await client.get(again.headers["location"])).text
    case = await CaseRecord.objects().where(CaseRecord.reference == reference).first()
    assert case.assigned_to == office.accounts[EVA]


async def test_a_restricted_officer_sees_only_the_cases_given_to_them(client, app, office):
    reference = office.cases["erik"].reference
    await log_in(client, app, PETRA)
    assert reference not in (await client.get("/handlaggare?flik=alla")).text
    await CaseRecord.update({CaseRecord.assigned_to: office.accounts[PETRA]}).where(CaseRecord.reference == reference)
    assert reference in (await client.get("/handlaggare?flik=alla")).text
    assert (await client.get(f"/handlaggare/arenden/{reference}")).status_code == 200


async def test_a_status_can_close_messages_and_supplements_for_the_resident(client, app, office):
    """An e-service with statuses of its own: while its case is "Beslut skrivs", the resident may neither write nor
    answer a supplement request."""
    from db.cases import Status, enter_status

    service_id = office.services["bygglov"]
    own = []
    for order, (kind, alias, name, write) in enumerate(
        (
            ("received", "ny", "Ny", True),
            ("in_progress", "beslut-skrivs", "Beslut skrivs", False),
            ("awaiting_supplement", "vantar", "Väntar", True),
            ("closed", "klar", "Klar", True),
        )
    ):
        rows = await Status.insert(
            Status(
                e_service=service_id,
                kind=kind,
                alias=alias,
                name=name,
                handling_days=10,
                resident_may_write=write,
                resident_may_supplement=write,
                sort_order=order,
            )
        ).returning(Status.id)
        own.append({"id": rows[0]["id"], "kind": kind, "alias": alias, "handling_days": 10})
    case = office.cases["erik"]
    await enter_status(case.id, own[1], clock.now())
    await log_in(client, app, ERIK)
    page = text_of((await client.get(f"/mina-sidor/arenden/{case.reference}")).text)
    assert "Beslut skrivs" in page and 'id="message-form"' not in page
    assert "medan det har status ”Beslut skrivs”" in page
    refused = await client.post(
        f"/mina-sidor/arenden/{case.reference}/meddelanden", data={"_csrf_token": csrf_from(page), "text": "Hej"}
    )
    assert refused.status_code == 403
    await enter_status(case.id, own[0], clock.now())
    page = text_of((await client.get(f"/mina-sidor/arenden/{case.reference}")).text)
    assert 'id="message-form"' in page and "Ny" in page


async def test_a_status_message_starts_from_its_template_with_and_without_javascript(client, app, office):
    reference = office.cases["erik"].reference
    await log_in(client, app, EVA)
    page = await case_page(client, reference)
    statuses = dict(re.findall(r'<option value="(\d+)"[^>]*>([^<(]+)', page.text))
    in_progress = next(id_ for id_, name in statuses.items() if name.strip() == "Under handläggning")
    fragment = await client.get(
        f"/handlaggare/arenden/{reference}/mall?status={in_progress}", headers={"HX-Request": "true"}
    )
    assert f"Vi har börjat handlägga ditt ärende {reference}" in fragment.text and "<html" not in fragment.text
    without_js = await client.get(f"/handlaggare/arenden/{reference}?status={in_progress}")
    assert f"Vi har börjat handlägga ditt ärende {reference}" in without_js.text
    assert re.search(rf'<option value="{in_progress}" selected', without_js.text)
    assert (await client.get(f"/handlaggare/arenden/{reference}/mall?status=x")).status_code == 200  # empty


async def test_a_delay_notice_reaches_the_resident_and_the_timeline(client, app, office):
    reference = office.cases["erik"].reference
    await log_in(client, app, EVA)
    page = await case_page(client, reference)
    assert "förvaltningslagen 12 §" in page.text  # the template is offered
    sent = await act(client, reference, "forsening", {"text": "Det dröjer till mars, vi väntar på ett yttrande."})
    assert sent.status_code == 303
    case = await CaseRecord.objects().where(CaseRecord.reference == reference).first()
    kinds = [row["kind"] for row in await CaseEvent.select(CaseEvent.kind).where(CaseEvent.case == case.id)]
    assert "delay_notice" in kinds
    client.cookies.clear()
    await log_in(client, app, ERIK)
    resident = text_of((await client.get(f"/mina-sidor/arenden/{reference}")).text)
    assert "vi väntar på ett yttrande" in resident and "Kommunen meddelade att beslutet dröjer" in resident


async def test_the_whole_case_as_pdf_and_json_audited(client, app, office):
    from io import BytesIO

    from pypdf import PdfReader

    from db.audit import AuditEntry

    reference = office.cases["erik"].reference
    await log_in(client, app, EVA)
    await act(client, reference, "forsening", {"text": "Det dröjer."})
    document = await client.get(f"/handlaggare/arenden/{reference}/export.pdf")
    assert document.status_code == 200 and document.headers["content-type"] == "application/pdf"
    assert document.headers["cache-control"] == "no-store"
    text = "\n".join(page.extract_text() for page in PdfReader(BytesIO(document.content)).pages)
    for expected in (reference, "Ansökan om bygglov", "Erik Andersson", "Tidslinje", "Det dröjer."):
        assert expected in text, expected
    data = (await client.get(f"/handlaggare/arenden/{reference}/export.json")).json()
    assert data["reference"] == reference and data["status"]["alias"] == "inkommen"
    assert data["applicant"]["personal_number"] == ERIK
    assert {"step": "om_dig", "field": "namn", "label": "Namn", "value": "Erik"} in data["answers"]
    assert [event["kind"] for event in data["events"]][-1] == "delay_notice"
    assert data["messages"][0]["body"] == "Det dröjer."
    actions = [
        row["action"]
        for row in await AuditEntry.select(AuditEntry.action).where(AuditEntry.target == f"case:{reference}")
    ]
    assert "case.exported_pdf" in actions and "case.exported_json" in actions


async def test_signatures_show_bankids_data(client, app, office):
    from db.signing import Signature

    case = office.cases["erik"]
    completion = {
        "user": {"personalNumber": ERIK, "name": "Erik Andersson"},
        "device": {"ipAddress": "192.0.2.10"},
        "bankIdIssueDate": "2024-05-01",
        "signature": "c2lnbmF0dXI=",
        "ocspResponse": "b2NzcA==",
        "risk": "low",
    }
    await Signature.insert(
        Signature(
            case=case.id,
            personal_number=ERIK,
            role="applicant",
            digest="ab" * 32,
            order_ref="order-123",
            signed_at=clock.now(),
            completion=completion,
        )
    )
    await log_in(client, app, EVA)
    page = text_of((await case_page(client, case.reference)).text)
    for expected in ("BankID:s uppgifter", "order-123", "192.0.2.10", "2024-05-01", "ab" * 32, "Sparade"):
        assert expected in page, expected


async def test_officers_get_the_notices_they_chose_without_personal_data(client, app, office, settings):
    """Olof wants new cases at once; Eva keeps the defaults (a daily summary, news on her cases, deadlines)."""
    from jobs import staff_summary

    for number in (EVA, OLOF):
        await UserAccount.update({UserAccount.email: f"{number}@mark.se"}).where(
            UserAccount.id == office.accounts[number]
        )
    await log_in(client, app, OLOF)
    page = await client.get("/handlaggare/installningar")
    assert page.status_code == 200 and "Mina aviseringar" in page.text
    saved = await client.post(
        "/handlaggare/installningar",
        data={"_csrf_token": csrf_from(page.text), "nya-arenden": "now", "handelser": "ja", "handlaggningstid": "ja"},
    )
    assert saved.status_code == 303 and "Dina val har sparats" in (await client.get(saved.headers["location"])).text

    # A resident submits: Olof is told at once; Eva waits for her summary.
    client.cookies.clear()
    await log_in(client, app, ERIK)
    from tests.applications.helpers import post_step, start

    draft_id = await start(client, "bygglov")
    await post_step(client, draft_id, "om_dig", {"namn": "Erik", "typ": "a"})
    await post_step(client, draft_id, "bilagor", {})
    await post_step(client, draft_id, "parter", {})
    check = await client.get(f"/ansokan/{draft_id}/granska")
    await client.post(f"/ansokan/{draft_id}/granska", data={"_csrf_token": csrf_from(check.text)})
    new_case = await CaseRecord.objects().order_by(CaseRecord.id, ascending=False).first()
    olof_mail = await Notification.objects().where(Notification.user == office.accounts[OLOF])
    assert [mail.kind for mail in olof_mail] == ["staff_new_case"] and new_case.reference in olof_mail[0].subject
    assert "Erik" not in olof_mail[0].body + olof_mail[0].subject
    assert await Notification.count().where(Notification.user == office.accounts[EVA]) == 0

    # Eva takes Erik's first case; when Erik writes there, she is told.
    client.cookies.clear()
    await log_in(client, app, EVA)
    reference = office.cases["erik"].reference
    await act(client, reference, "tilldela", {"till": "mig"})
    client.cookies.clear()
    await log_in(client, app, ERIK)
    resident = await client.get(f"/mina-sidor/arenden/{reference}")
    await client.post(
        f"/mina-sidor/arenden/{reference}/meddelanden", data={"_csrf_token": csrf_from(resident.text), "text": "Hej"}
    )
    news = await Notification.objects().where(
        (Notification.user == office.accounts[EVA]) & (Notification.kind == "staff_activity")
    )
    assert len(news) == 1 and reference in news[0].subject and "Hej" not in news[0].body

    # The daily summary: Eva's unit got cases; Olof, who took them at once, gets no summary of new ones.
    assert await staff_summary.run(settings) == {"summaries_sent": 1}
    summary = await Notification.objects().where(Notification.kind == "staff_summary").first()
    assert summary.user == office.accounts[EVA] and "nya ärenden i din enhet" in summary.body
    assert await staff_summary.run(settings) == {"summaries_sent": 0}  # nothing new since


async def test_assigning_to_someone_who_is_no_colleague_changes_nothing(client, app, office):
    from tests.case_handling.conftest import ANDERS

    reference = office.cases["erik"].reference
    await log_in(client, app, EVA)
    for choice in ("", "x", str(office.accounts[ANDERS]), "99999"):  # nothing, garbage, another unit's officer
        answer = await act(client, reference, "tilldela", {"till": choice})
        assert answer.status_code == 400 and "Välj en handläggare på enheten." in answer.text, choice
    case = await CaseRecord.objects().where(CaseRecord.reference == reference).first()
    assert case.assigned_to is None and case.version == 0
