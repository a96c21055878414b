"""The BankID client against the simulator (in-process), and against crafted answers the simulator never gives."""

from __future__ import annotations

import base64
import json
import logging
import xml.etree.ElementTree as ET
from datetime import timedelta

import httpx
import pytest
from litestar import Litestar
from litestar.handlers import asgi
from litestar.types import Receive, Scope, Send

from integrations.bankid import (
    BankIdClient,
    BankIdError,
    BankIdSimulator,
    OrderUnavailable,
    WebDevice,
    collect_message,
    qr_content,
    simulator_api,
)
from integrations.bankid.messages import RFA21

ERIK = ("198112189876", "Erik", "Andersson")
MARIA = ("198503129820", "Maria", "Andersson")
BANKID_TYPES = "{http://www.bankid.com/signature/v1.0.0/types}"


def signed_data(signature: str) -> ET.Element:
    return ET.fromstring(base64.b64decode(signature)).find(f".//{BANKID_TYPES}bankIdSignedData")


async def test_an_auth_order_walks_from_outstanding_transaction_to_complete(bankid, simulator):
    order = await bankid.auth("192.0.2.10")
    assert {order.order_ref, order.auto_start_token, order.qr_start_token, order.qr_start_secret}.isdisjoint({""})
    assert "qr_start_secret" not in repr(order)

    pending = await bankid.collect(order.order_ref)
    assert (pending.status, pending.hint_code, pending.completion) == ("pending", "outstandingTransaction", None)
    await simulator.open(order.order_ref)
    assert (await bankid.collect(order.order_ref)).hint_code == "started"
    await simulator.choose_person(order.order_ref, *ERIK)
    assert (await bankid.collect(order.order_ref)).hint_code == "userSign"
    await simulator.approve(order.order_ref)

    result = await bankid.collect(order.order_ref)
    assert result.is_complete and result.hint_code is None
    completion = result.completion
    assert (completion.personal_number, completion.given_name, completion.surname) == ERIK
    assert completion.name == "Erik Andersson"
    assert completion.ip_address == "192.0.2.10" and completion.uhi
    assert completion.bankid_issue_date and completion.ocsp_response
    assert completion.risk is None and completion.mrtd is None
    assert completion.raw["user"]["personalNumber"] == "198112189876"
    data = signed_data(completion.signature)
    assert data.find(f"{BANKID_TYPES}srvInfo/{BANKID_TYPES}orderRef").text == order.order_ref
    assert data.find(f"{BANKID_TYPES}usrVisibleData") is None
    assert "198112189876" not in repr(result)


async def test_a_sign_order_signs_the_texts_exactly_as_sent(bankid, simulator):
    text = "Jag ansöker om **bygglov** för\n\nStorgatan 12, Kinna – ärende BYGG 2026-0042"
    order = await bankid.sign("2001:db8::1", text, user_non_visible_data=b"\x00sha256:abc\xff")
    view = await simulator.order(order.order_ref)
    assert (view.kind, view.user_visible_data, view.user_visible_data_format) == ("sign", text, "simpleMarkdownV1")
    await simulator.choose_person(order.order_ref, *MARIA)
    await simulator.approve(order.order_ref)

    completion = (await bankid.collect(order.order_ref)).completion
    data = signed_data(completion.signature)
    assert data.find(f"{BANKID_TYPES}usrVisibleData").text == base64.b64encode(text.encode()).decode()
    assert data.find(f"{BANKID_TYPES}usrNonVisibleData").text == base64.b64encode(b"\x00sha256:abc\xff").decode()
    assert data.find(f"{BANKID_TYPES}clientInfo/{BANKID_TYPES}funcId").text == "Signing"
    assert completion.ip_address == "2001:db8::1"


async def test_a_required_person_is_the_only_one_who_can_complete(bankid, simulator):
    order = await bankid.auth(
        "192.0.2.10", requirement={"personalNumber": "198112189876", "mrtd": True}, return_risk=True
    )
    assert (await simulator.order(order.order_ref)).required_personal_number == "198112189876"
    with pytest.raises(ValueError):
        await simulator.choose_person(order.order_ref, *MARIA)
    await simulator.choose_person(order.order_ref, *ERIK)
    await simulator.approve(order.order_ref)
    completion = (await bankid.collect(order.order_ref)).completion
    assert completion.personal_number == "198112189876"
    assert completion.risk == "low" and completion.mrtd is True


async def test_the_relying_party_can_cancel_a_pending_order(bankid, simulator):
    order = await bankid.auth("192.0.2.10")
    await bankid.cancel(order.order_ref)
    result = await bankid.collect(order.order_ref)
    assert (result.status, result.hint_code) == ("failed", "cancelled")
    with pytest.raises(OrderUnavailable):
        await simulator.open(order.order_ref)
    with pytest.raises(BankIdError) as caught:
        await bankid.cancel(order.order_ref)
    assert caught.value.error_code == "invalidParameters"


async def test_the_user_can_refuse_in_the_app(bankid, simulator):
    order = await bankid.sign("192.0.2.10", "Skriv under")
    await simulator.open(order.order_ref)
    await simulator.refuse(order.order_ref)
    result = await bankid.collect(order.order_ref)
    assert (result.status, result.hint_code) == ("failed", "userCancel")


async def test_an_order_expires_after_three_minutes_and_is_forgotten_five_minutes_later(
    bankid, simulator, bankid_clock
):
    order = await bankid.auth("192.0.2.10")
    await simulator.open(order.order_ref)
    bankid_clock.advance(179)
    assert (await bankid.collect(order.order_ref)).hint_code == "started"
    bankid_clock.advance(1)
    result = await bankid.collect(order.order_ref)
    assert (result.status, result.hint_code) == ("failed", "expiredTransaction")
    assert await simulator.pending_orders() == []
    bankid_clock.advance(5 * 60 - 1)
    assert (await bankid.collect(order.order_ref)).hint_code == "expiredTransaction"
    bankid_clock.advance(1)
    with pytest.raises(BankIdError) as caught:
        await bankid.collect(order.order_ref)
    assert (caught.value.error_code, caught.value.details, caught.value.http_status) == (
        "invalidParameters",
        "No such order",
        400,
    )


async def test_an_order_can_be_expired_at_once(bankid, simulator):
    order = await bankid.auth("192.0.2.10")
    await simulator.expire(order.order_ref)
    assert (await bankid.collect(order.order_ref)).hint_code == "expiredTransaction"


async def test_a_completed_order_stays_collectable_for_three_minutes(bankid, simulator, bankid_clock):
    order = await bankid.auth("192.0.2.10")
    await simulator.choose_person(order.order_ref, *ERIK)
    await simulator.approve(order.order_ref)
    bankid_clock.advance(3 * 60 - 1)
    assert (await bankid.collect(order.order_ref)).is_complete
    bankid_clock.advance(1)
    with pytest.raises(BankIdError) as caught:
        await bankid.collect(order.order_ref)
    assert caught.value.error_code == "invalidParameters"


async def test_an_order_the_app_never_opens_fails_with_start_failed_when_a_start_timeout_is_set(bankid_clock):
    simulator = BankIdSimulator(now=bankid_clock, start_timeout=timedelta(seconds=30))
    transport = httpx.ASGITransport(app=simulator_api(simulator))
    async with BankIdClient("http://bankid.test/", transport=transport) as bankid:
        never_opened = await bankid.auth("192.0.2.10")
        opened = await bankid.auth("192.0.2.11")
        await simulator.open(opened.order_ref)
        bankid_clock.advance(30)
        assert (await bankid.collect(never_opened.order_ref)).hint_code == "startFailed"
        assert (await bankid.collect(opened.order_ref)).hint_code == "started"


async def test_a_second_order_for_the_same_person_is_refused_and_the_first_cancelled(bankid):
    first = await bankid.sign("192.0.2.10", "Första", requirement={"personalNumber": "198112189876"})
    someone_else = await bankid.sign("192.0.2.10", "Annan", requirement={"personalNumber": "198503129820"})
    with pytest.raises(BankIdError) as caught:
        await bankid.sign("192.0.2.10", "Andra", requirement={"personalNumber": "198112189876"})
    assert (caught.value.error_code, caught.value.http_status) == ("alreadyInProgress", 400)
    assert (await bankid.collect(first.order_ref)).hint_code == "cancelled"
    assert (await bankid.collect(someone_else.order_ref)).is_pending


async def test_choosing_a_person_cancels_their_other_pending_order(bankid, simulator):
    first = await bankid.auth("192.0.2.10")
    second = await bankid.auth("192.0.2.10")
    await simulator.choose_person(first.order_ref, *ERIK)
    await simulator.choose_person(second.order_ref, *ERIK)
    assert (await bankid.collect(first.order_ref)).hint_code == "cancelled"
    assert (await bankid.collect(second.order_ref)).hint_code == "userSign"


@pytest.mark.parametrize(
    ("call", "details"),
    [
        (lambda bankid: bankid.auth("not-an-ip"), "Incorrect endUserIp"),
        (lambda bankid: bankid.auth(""), "Incorrect endUserIp"),
        (
            lambda bankid: bankid.auth("192.0.2.1", requirement={"personalNumber": "8112189876"}),
            "Incorrect personalNumber",
        ),
        (
            lambda bankid: bankid.auth("192.0.2.1", requirement={"personalNumber": "198112189875"}),
            "Incorrect personalNumber",
        ),
        (lambda bankid: bankid.auth("192.0.2.1", requirement={"pinCode": "yes"}), "Invalid requirement.pinCode"),
        (lambda bankid: bankid.auth("192.0.2.1", requirement={"colour": "blue"}), "Invalid requirement"),
        (
            lambda bankid: bankid.auth("192.0.2.1", requirement={"cardReader": "class9"}),
            "Invalid requirement.cardReader",
        ),
    ],
)
async def test_bad_input_is_answered_with_invalid_parameters(bankid, call, details):
    with pytest.raises(BankIdError) as caught:
        await call(bankid)
    assert (caught.value.error_code, caught.value.details, caught.value.http_status) == (
        "invalidParameters",
        details,
        400,
    )


@pytest.mark.parametrize(
    ("path", "body", "details"),
    [
        ("auth", {"endUserIp": "192.0.2.1", "personalNumber": "198112189876"}, "Invalid parameter: personalNumber"),
        ("auth", {"endUserIp": "192.0.2.1", "userVisibleData": "not base64!"}, "Invalid userVisibleData"),
        ("auth", {"endUserIp": "192.0.2.1", "userVisibleData": "//79"}, "Invalid userVisibleData"),  # not UTF-8
        ("auth", {"endUserIp": "192.0.2.1", "userVisibleData": "QUFB" * 376}, "Invalid userVisibleData"),
        ("auth", {"endUserIp": "192.0.2.1", "userVisibleData": ""}, "Invalid userVisibleData"),
        (
            "auth",
            {"endUserIp": "192.0.2.1", "userVisibleDataFormat": "simpleMarkdownV1"},
            "Invalid userVisibleDataFormat",
        ),
        (
            "auth",
            {"endUserIp": "192.0.2.1", "userVisibleData": "QQ==", "userVisibleDataFormat": "html"},
            "Invalid userVisibleDataFormat",
        ),
        ("auth", {"endUserIp": "192.0.2.1", "userNonVisibleData": "%%%"}, "Invalid userNonVisibleData"),
        ("auth", {"endUserIp": "192.0.2.1", "returnRisk": "true"}, "Invalid returnRisk"),
        ("auth", {"endUserIp": "192.0.2.1", "web": {"userAgent": 5}}, "Invalid web"),
        ("auth", {"endUserIp": "192.0.2.1", "web": {"userAgent": "x" * 257}}, "Invalid web.userAgent"),
        ("auth", {"endUserIp": 19202}, "Incorrect endUserIp"),
        ("auth", ["192.0.2.1"], "Invalid request body"),
        ("sign", {"endUserIp": "192.0.2.1"}, "Missing userVisibleData"),
        ("collect", {}, "Invalid orderRef"),
        ("collect", {"orderRef": 42}, "Invalid orderRef"),
        ("cancel", {"orderRef": "0b9e2a6c-0000-4000-8000-000000000000"}, "No such order"),
    ],
)
async def test_requests_our_client_would_never_send_are_invalid_parameters(raw_bankid, path, body, details):
    response = await raw_bankid.post(path, json=body)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"errorCode": "invalidParameters", "details": details}


async def test_the_simulator_speaks_http_like_bankid(raw_bankid):
    not_json = await raw_bankid.post("auth", content=b"{endUserIp", headers={"Content-Type": "application/json"})
    assert (not_json.status_code, not_json.json()["errorCode"]) == (400, "invalidParameters")
    wrong_type = await raw_bankid.post("auth", content=b"endUserIp=1", headers={"Content-Type": "text/plain"})
    assert (wrong_type.status_code, wrong_type.json()["errorCode"]) == (415, "unsupportedMediaType")
    wrong_method = await raw_bankid.get("collect")
    assert (wrong_method.status_code, wrong_method.json()["errorCode"]) == (405, "methodNotAllowed")
    unknown = await raw_bankid.post("phone/auth", json={})
    assert (unknown.status_code, unknown.json()["errorCode"]) == (404, "notFound")
    started = await raw_bankid.post("auth", json={"endUserIp": "192.0.2.1"})
    assert started.status_code == 200 and started.headers["content-type"] == "application/json"
    assert set(started.json()) == {"orderRef", "autoStartToken", "qrStartToken", "qrStartSecret"}
    collected = await raw_bankid.post("collect", json={"orderRef": started.json()["orderRef"]})
    assert collected.json() == {
        "orderRef": started.json()["orderRef"],
        "status": "pending",
        "hintCode": "outstandingTransaction",
    }
    cancelled = await raw_bankid.post("cancel", json={"orderRef": started.json()["orderRef"]})
    assert (cancelled.status_code, cancelled.json()) == (200, {})


async def test_an_unknown_order_ref_is_invalid_parameters(bankid):
    with pytest.raises(BankIdError) as caught:
        await bankid.collect("0b9e2a6c-0000-4000-8000-000000000000")
    assert (caught.value.error_code, caught.value.details) == ("invalidParameters", "No such order")


@pytest.mark.parametrize(
    ("error_code", "http_status"),
    [("internalError", 500), ("maintenance", 503), ("requestTimeout", 408), ("unauthorized", 401)],
)
async def test_injected_errors_surface_with_their_code(bankid, simulator, error_code, http_status):
    await simulator.inject_error(error_code, http_status)
    with pytest.raises(BankIdError) as caught:
        await bankid.auth("192.0.2.10")
    assert (caught.value.error_code, caught.value.http_status, caught.value.rate_limit_reset) == (
        error_code,
        http_status,
        None,
    )
    assert await bankid.auth("192.0.2.10")  # only the next call failed


async def test_too_many_requests_exposes_when_to_try_again(bankid, simulator, raw_bankid):
    await simulator.inject_error("tooManyRequests", 429, count=2)
    with pytest.raises(BankIdError) as caught:
        await bankid.collect("any")
    assert (caught.value.error_code, caught.value.http_status, caught.value.rate_limit_reset) == (
        "tooManyRequests",
        429,
        5,
    )
    response = await raw_bankid.post("auth", json={"endUserIp": "192.0.2.1"})
    assert response.headers["RateLimit-Limit"] == "100" and response.headers["RateLimit-Remaining"] == "0"
    assert (await raw_bankid.post("auth", json={"endUserIp": "192.0.2.1"})).status_code == 200


async def test_an_unknown_pending_hint_code_is_kept_and_shown_as_in_progress(bankid, simulator):
    order = await bankid.auth("192.0.2.10")
    await simulator.set_pending_hint(order.order_ref, "userFaceScan")
    result = await bankid.collect(order.order_ref)
    assert (result.status, result.hint_code) == ("pending", "userFaceScan")
    assert collect_message(result, qr=True, same_device_mobile=False) == str(RFA21)


def crafted(status: int, content: bytes | str, content_type: str = "application/json", headers=None):
    """A client whose every request gets this answer; the request bodies it sent end up in `sent`."""
    sent: list[dict] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(json.loads(request.content))
        return httpx.Response(status, content=content, headers={"Content-Type": content_type, **(headers or {})})

    return BankIdClient("https://bankid.test/rp/v6.0/", transport=httpx.MockTransport(answer)), sent


async def test_an_unknown_status_is_kept_as_it_came():
    client, _sent = crafted(200, json.dumps({"orderRef": "abc", "status": "paused", "hintCode": "somethingNew"}))
    async with client:
        result = await client.collect("abc")
    assert (result.status, result.hint_code, result.completion) == ("paused", "somethingNew", None)
    assert not (result.is_pending or result.is_complete or result.is_failed)


@pytest.mark.parametrize(
    ("status", "content", "content_type", "error_code"),
    [
        (502, "<html>Bad gateway</html>", "text/html", "internalError"),
        (503, "", "text/plain", "maintenance"),
        (404, "Not found", "text/plain", "notFound"),
        (200, "<html>captive portal</html>", "text/html", "internalError"),
        (200, "[1, 2]", "application/json", "internalError"),
        (200, '{"orderRef": "abc"}', "application/json", "internalError"),
    ],
)
async def test_answers_without_bankids_json_become_bankid_errors(status, content, content_type, error_code):
    client, _sent = crafted(status, content, content_type)
    async with client:
        with pytest.raises(BankIdError) as caught:
            await client.collect("abc")
    assert (caught.value.error_code, caught.value.http_status) == (error_code, status)


async def test_a_complete_answer_without_completion_data_is_an_error():
    client, _sent = crafted(200, json.dumps({"orderRef": "abc", "status": "complete"}))
    async with client:
        with pytest.raises(BankIdError) as caught:
            await client.collect("abc")
    assert caught.value.error_code == "internalError"


@pytest.mark.parametrize(
    ("failure", "error_code"),
    [(httpx.ReadTimeout("slow"), "requestTimeout"), (httpx.ConnectError("refused"), "internalError")],
)
async def test_no_answer_at_all_becomes_a_bankid_error(failure, error_code):
    def fail(request: httpx.Request) -> httpx.Response:
        raise failure

    async with BankIdClient("https://bankid.test/rp/v6.0/", transport=httpx.MockTransport(fail)) as client:
        with pytest.raises(BankIdError) as caught:
            await client.auth("192.0.2.10")
    assert (caught.value.error_code, caught.value.http_status) == (error_code, 0)


async def test_requests_use_bankids_field_names():
    started = {"orderRef": "o", "autoStartToken": "a", "qrStartToken": "q", "qrStartSecret": "s"}
    client, sent = crafted(200, json.dumps(started))
    web = WebDevice("e-tjanster.mark.se", "Mozilla/5.0 " + "x" * 300, "c2f4…device")
    async with client:
        await client.sign(
            "192.0.2.10",
            "Ansökan om *förskoleplats*",
            user_non_visible_data=b"hash",
            requirement={"personalNumber": "198112189876", "pinCode": True},
            return_url="https://e-tjanster.mark.se/bankid/tillbaka?nonce=n1",
            return_risk=True,
            web=web,
        )
        await client.auth("192.0.2.10")
    assert sent[0] == {
        "endUserIp": "192.0.2.10",
        "requirement": {"personalNumber": "198112189876", "pinCode": True},
        "userVisibleData": base64.b64encode("Ansökan om *förskoleplats*".encode()).decode(),
        "userVisibleDataFormat": "simpleMarkdownV1",
        "userNonVisibleData": "aGFzaA==",
        "returnUrl": "https://e-tjanster.mark.se/bankid/tillbaka?nonce=n1",
        "returnRisk": True,
        "web": {
            "referringDomain": "e-tjanster.mark.se",
            "userAgent": ("Mozilla/5.0 " + "x" * 300)[:256],
            "deviceIdentifier": "c2f4…device",
        },
    }
    assert sent[1] == {"endUserIp": "192.0.2.10"}


async def test_user_visible_data_may_be_at_most_1500_characters_after_base64(bankid, simulator):
    fits = "å" * 562 + "a"  # 1125 bytes of UTF-8: exactly 1500 characters of base64
    order = await bankid.sign("192.0.2.10", fits)
    assert (await simulator.order(order.order_ref)).user_visible_data == fits
    for too_long in (fits + "a", "å" * 563):
        with pytest.raises(ValueError):
            await bankid.sign("192.0.2.10", too_long)
    with pytest.raises(ValueError):
        await bankid.sign("192.0.2.10", "")
    with pytest.raises(ValueError):
        await bankid.auth("192.0.2.10", user_visible_data="")
    with pytest.raises(ValueError):
        await bankid.auth("192.0.2.10", user_non_visible_data=b"x" * 1126)
    assert await bankid.auth("192.0.2.10", user_non_visible_data=b"x" * 1125)


async def test_the_app_page_can_find_orders_by_token_and_by_scanned_qr_code(bankid, simulator, bankid_clock):
    auth = await bankid.auth("192.0.2.10", user_visible_data="Logga in på *Marks kommun*", return_url="https://x/y")
    bankid_clock.advance(1)
    sign = await bankid.sign("192.0.2.10", "Skriv under", requirement={"personalNumber": "198112189876"})
    listed = await simulator.pending_orders()
    assert [order.order_ref for order in listed] == [sign.order_ref, auth.order_ref]  # newest first
    by_ref = {order.order_ref: order for order in listed}
    assert (
        by_ref[auth.order_ref].kind == "auth"
        and by_ref[auth.order_ref].user_visible_data == "Logga in på *Marks kommun*"
    )
    assert (
        by_ref[auth.order_ref].return_url == "https://x/y" and by_ref[auth.order_ref].state == "outstandingTransaction"
    )
    assert by_ref[sign.order_ref].required_personal_number == "198112189876"

    assert (await simulator.order_by_auto_start_token(auth.auto_start_token)).order_ref == auth.order_ref
    assert (await simulator.order_by_qr_start_token(sign.qr_start_token)).order_ref == sign.order_ref
    assert await simulator.order_by_auto_start_token("nope") is None
    scanned = qr_content(sign.qr_start_token, sign.qr_start_secret, 1)
    assert (await simulator.order_by_qr_content(scanned)).order_ref == sign.order_ref
    forged = qr_content(sign.qr_start_token, "a guessed secret", 1)
    assert await simulator.order_by_qr_content(forged) is None
    assert await simulator.order_by_qr_content("bankid.garbage") is None


async def test_personal_numbers_stay_out_of_the_log(bankid, simulator, caplog):
    caplog.set_level(logging.DEBUG, logger="integrations")
    order = await bankid.sign("192.0.2.10", "Skriv under", requirement={"personalNumber": "198112189876"})
    await simulator.choose_person(order.order_ref, *ERIK)
    await simulator.approve(order.order_ref)
    await bankid.collect(order.order_ref)
    await bankid.sign("192.0.2.10", "Igen", requirement={"personalNumber": "198112189876"})
    with pytest.raises(BankIdError):
        await bankid.sign("192.0.2.10", "Och igen", requirement={"personalNumber": "198112189876"})
    assert caplog.records
    for record in caplog.records:
        assert "198112189876" not in str(vars(record)) and "811218" not in record.getMessage()


async def test_the_simulator_works_mounted_under_a_path_of_the_app(simulator):
    api = simulator_api(simulator)

    @asgi("/_dev/bankid/rp/v6.0", is_mount=True, copy_scope=True)
    async def mounted(scope: Scope, receive: Receive, send: Send) -> None:
        await api(scope, receive, send)

    application = Litestar([mounted], openapi_config=None, logging_config=None)
    transport = httpx.ASGITransport(app=application)
    async with BankIdClient("http://testserver/_dev/bankid/rp/v6.0/", transport=transport) as bankid:
        order = await bankid.auth("192.0.2.10")
        assert (await bankid.collect(order.order_ref)).hint_code == "outstandingTransaction"


async def test_the_app_talks_to_a_bankid_address_without_certificates_in_dev_mode(settings):
    """BANKID_URL without BANKID_CLIENT_CERT and BANKID_CA_CERT (dev mode against a stand-in, like the fault script
    bankid_maintenance's stub): the app used to fail at start-up opening the certificate file ''. Production still
    requires and loads the certificates."""
    from litestar.datastructures import State

    from app import _bankid_client

    nobody_listens = "http://127.0.0.1:9/rp/v6.0/"
    async with _bankid_client(settings.with_overrides(bankid_url=nobody_listens), State()) as bankid:
        with pytest.raises(BankIdError) as raised:
            await bankid.auth("192.0.2.10")
    assert raised.value.http_status == 0
    with pytest.raises(FileNotFoundError):
        _bankid_client(
            settings.with_overrides(bankid_url=nobody_listens, bankid_client_cert="/nonexistent.crt"), State()
        )
