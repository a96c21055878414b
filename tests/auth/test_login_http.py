"""Logging in with BankID over HTTP: accounts from the register, sessions, redirects, failures, rate limits."""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import date, timedelta

import httpx
import pytest

from core import clock
from db.accounts import UserAccount
from db.audit import AuditEntry
from db.auth import UserSession
from db.bankid import BankIdOrder
from db.cases import CaseRecord
from db.signing import CoApplicant
from integrations.population_register import Address, PersonRecord
from tests.factories import app_with, make_case, make_service_with_form, make_user
from tests.login import approve, csrf_from, log_in, newest_order, sign_in_dev_app, start_login

pytestmark = pytest.mark.usefixtures("db")

ERIK = "198112189876"
PROTECTED = "197205019834"
CONFIDENTIAL = "196809149849"
MISSING = "198807079895"
COORDINATION = "197010632391"
OFFICER = "197606239866"


def cookie_header(response, name: str) -> str:
    return next(c for c in response.headers.get_list("set-cookie") if c.startswith(f"{name}="))


async def test_anonymous_visitor_is_sent_to_log_in_and_back(client, app):
    response = await client.get("/mina-sidor/uppgifter")
    assert response.status_code == 303
    assert response.headers["location"] == "/logga-in?next=/mina-sidor/uppgifter"
    page = await client.get(response.headers["location"])
    assert "BankID" in page.text
    assert 'href="/logga-in/bankid?next=/mina-sidor/uppgifter"' in page.text
    finished = await log_in(client, app, ERIK, next_path="/mina-sidor/uppgifter")
    assert finished.headers["location"] == "/mina-sidor/uppgifter"


async def test_first_login_creates_the_account_from_the_population_register(client, app):
    await log_in(client, app, ERIK)
    account = await UserAccount.objects().where(UserAccount.personal_number == ERIK).first()
    assert (account.given_name, account.surname) == ("Erik", "Andersson")
    assert account.street and account.postal_code and account.city
    assert account.in_register and not account.protected_identity
    details = await client.get("/mina-sidor/uppgifter")
    assert details.status_code == 200
    assert "Erik Andersson" in details.text and account.street in details.text
    assert "Folkbokföringen" in details.text or "folkbokföringen" in details.text
    assert "19811218-9876" in details.text


async def test_session_cookie_is_a_strict_session_cookie(client, app):
    finished = await log_in(client, app, ERIK)
    cookie = cookie_header(finished, "session")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    assert "expires" not in cookie.lower() and "max-age" not in cookie.lower()
    assert "Secure" not in cookie  # plain http in dev; production adds Secure and the __Host- prefix


async def test_login_issues_a_new_session_id_whatever_cookie_came_before(client, app):
    client.cookies.set("session", "planted-by-an-attacker")
    finished = await log_in(client, app, ERIK)
    token = cookie_header(finished, "session").split(";")[0].split("=", 1)[1]
    assert token != "planted-by-an-attacker" and len(token) >= 40
    client.cookies.set("session", token)
    first = (await client.get("/mina-sidor")).status_code
    client.cookies.clear()
    await log_in(client, app, ERIK)
    second_token = client.cookies.get("session")
    assert first == 200 and second_token != token


async def test_stored_session_ids_are_hashes_not_the_cookie_value(client, app):
    await log_in(client, app, ERIK)
    token = client.cookies.get("session")
    stored = await UserSession.select(UserSession.token_hash)
    assert token not in [row["token_hash"] for row in stored]


async def test_logout_ends_the_session_on_the_server(client, app):
    await log_in(client, app, ERIK)
    token = client.cookies.get("session")
    page = await client.get("/mina-sidor")
    response = await client.post("/logga-ut", data={"_csrf_token": csrf_from(page.text)})
    assert response.status_code == 303 and response.headers["location"] == "/utloggad"
    assert 'session=""' in cookie_header(response, "session") or "Max-Age=0" in cookie_header(response, "session")
    assert await UserSession.count() == 0
    client.cookies.set("session", token)  # replaying the old cookie gets nowhere
    assert (await client.get("/mina-sidor")).status_code == 303


async def test_idle_session_expires_and_activity_keeps_it_alive(client, app, settings):
    await log_in(client, app, ERIK)
    with clock.travel(timedelta(minutes=settings.session_idle_minutes - 5)):
        assert (await client.get("/mina-sidor")).status_code == 200
    with clock.travel(timedelta(minutes=2 * settings.session_idle_minutes - 10)):
        assert (await client.get("/mina-sidor")).status_code == 200  # the earlier request counted as activity
    with clock.travel(timedelta(minutes=3 * settings.session_idle_minutes)):
        expired = await client.get("/mina-sidor")
    assert expired.status_code == 303 and expired.headers["location"].startswith("/logga-in")
    assert "Max-Age=0" in cookie_header(expired, "session")
    assert await UserSession.count() == 0


async def test_session_ends_after_its_absolute_lifetime_even_when_active(client, app, settings):
    await log_in(client, app, ERIK)
    step = timedelta(minutes=settings.session_idle_minutes // 2)
    elapsed = timedelta(0)
    while elapsed < timedelta(hours=settings.session_max_hours) - step:
        elapsed += step
        with clock.travel(elapsed):
            assert (await client.get("/mina-sidor")).status_code == 200
    with clock.travel(timedelta(hours=settings.session_max_hours, minutes=1)):
        assert (await client.get("/mina-sidor")).status_code == 303


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:x"])
async def test_login_only_returns_to_local_addresses(client, app, target):
    finished = await log_in(client, app, ERIK, next_path=target)
    assert finished.headers["location"] == "/mina-sidor"


async def test_a_next_address_too_long_to_be_ours_still_logs_in(client, app):
    """The longest local address a login returns to is what the order's row holds; a longer one goes to Mina sidor
    (it once made every login fail with a 500 on PostgreSQL)."""
    longest = "/mina-sidor/arenden?" + "q" * (500 - len("/mina-sidor/arenden?"))
    finished = await log_in(client, app, ERIK, next_path=longest)
    assert finished.headers["location"] == longest
    client.cookies.clear()
    finished = await log_in(client, app, ERIK, next_path=longest + "q")
    assert finished.headers["location"] == "/mina-sidor"
    login_page = await client.get("/logga-in/bankid", params={"next": "/" + "x" * 5000})
    assert login_page.status_code in (200, 303)


async def test_person_with_protected_identity_gets_no_stored_or_shown_address(client, app):
    for number in (PROTECTED, CONFIDENTIAL):
        client.cookies.clear()
        await log_in(client, app, number)
        account = await UserAccount.objects().where(UserAccount.personal_number == number).first()
        assert account.protected_identity
        assert (account.care_of, account.street, account.postal_code, account.city) == ("", "", "", "")
        details = await client.get("/mina-sidor/uppgifter")
        assert "skyddade personuppgifter" in details.text
        assert "Adress" not in details.text


async def test_address_is_deleted_and_cases_protected_when_protection_appears_at_a_later_login(client, app):
    await log_in(client, app, ERIK)
    erik = await UserAccount.objects().where(UserAccount.personal_number == ERIK).first()
    service = await make_service_with_form()
    sara = await make_user("199505199902", "Sara", "Ali")
    own, cosigned, other = [await make_case(service, user.id) for user in (erik, sara, sara)]
    await CoApplicant.insert(CoApplicant(case=cosigned.id, personal_number=ERIK, status="signed"))
    register = app.state.register
    original = await register.lookup(ERIK)
    register.put(
        PersonRecord(
            personal_number=ERIK,
            given_name="Erik",
            surname="Andersson",
            address=None,
            protected=True,
            protection="skyddad_folkbokforing",
            changed_at=date(2026, 11, 1),
        )
    )
    try:
        with clock.travel(timedelta(hours=25)):
            client.cookies.clear()
            await log_in(client, app, ERIK)
        account = await UserAccount.objects().where(UserAccount.personal_number == ERIK).first()
        assert account.protected_identity and account.street == ""
        # Only staff with the permission see his cases from now on, those he applied for and those he co-signed.
        protected = await CaseRecord.select(CaseRecord.id).where(CaseRecord.protected == True)  # noqa: E712
        assert {row["id"] for row in protected} == {own.id, cosigned.id} != {other.id}
    finally:
        register.put(original)


async def test_register_data_is_refreshed_only_when_older_than_a_day(client, app):
    await log_in(client, app, ERIK)
    register = app.state.register
    original = await register.lookup(ERIK)
    moved = PersonRecord(
        personal_number=ERIK,
        given_name="Erik",
        surname="Andersson",
        address=Address(care_of="", street="Nya vägen 1", postal_code="511 55", city="Kinna"),
        protected=False,
        protection=None,
        changed_at=date(2026, 11, 20),
    )
    register.put(moved)
    try:
        with clock.travel(timedelta(hours=2)):
            client.cookies.clear()
            await log_in(client, app, ERIK)
        assert (await UserAccount.objects().first()).street == original.address.street
        with clock.travel(timedelta(hours=25)):
            client.cookies.clear()
            await log_in(client, app, ERIK)
        assert (await UserAccount.objects().first()).street == "Nya vägen 1"
    finally:
        register.put(original)


async def test_person_missing_from_the_register_can_log_in_and_is_told_what_it_means(client, app):
    await log_in(client, app, MISSING)
    account = await UserAccount.objects().where(UserAccount.personal_number == MISSING).first()
    assert not account.in_register and (account.given_name, account.surname) == ("Mikael", "Persson")
    overview = await client.get("/mina-sidor")
    assert "folkbokföringen" in overview.text  # the one-time notice after login
    details = await client.get("/mina-sidor/uppgifter")
    assert "Vi hittade dig inte i folkbokföringen" in details.text


async def test_holder_of_a_coordination_number_can_log_in(client, app):
    await log_in(client, app, COORDINATION)
    details = await client.get("/mina-sidor/uppgifter")
    assert details.status_code == 200 and "19701063-2391" in details.text


async def test_failed_login_explains_and_offers_to_try_again(client, app):
    await start_login(client)
    await app.state.bankid_simulator.refuse((await newest_order(app)).order_ref)
    response = await client.get("/logga-in/bankid/status")
    assert response.status_code == 200
    assert "Åtgärden avbruten" in response.text
    assert "Försök igen" in response.text
    assert await UserSession.count() == 0


async def test_expired_order_says_so(client, app):
    await start_login(client)
    await app.state.bankid_simulator.expire((await newest_order(app)).order_ref)
    response = await client.get("/logga-in/bankid/status")
    assert "BankID-appen svarar inte" in response.text or "tiden" in response.text.lower()


async def test_bankid_trouble_at_start_is_explained(client, app):
    await app.state.bankid_simulator.inject_error("internalError", 500)
    response = await start_login(client)
    assert response.status_code == 503
    assert "Internt tekniskt fel" in response.text


async def test_cancel_ends_the_order(client, app):
    await start_login(client)
    order = await newest_order(app)
    page = await client.get("/logga-in/bankid/status")
    response = await client.post("/logga-in/bankid/avbryt", data={"_csrf_token": csrf_from(page.text)})
    assert response.status_code == 303 and response.headers["location"].startswith("/logga-in?avbruten=1")
    assert order.order_ref not in [o.order_ref for o in await app.state.bankid_simulator.pending_orders()]
    page = await client.get(response.headers["location"])
    assert "Inloggningen avbröts" in page.text


async def test_polling_answers_no_change_then_redirects_with_the_session(client, app):
    await start_login(client, next_path="/mina-sidor/uppgifter")
    htmx = {"HX-Request": "true"}
    first = await client.get("/logga-in/bankid/status", headers=htmx)
    assert first.status_code == 200 and "bankid-status__message" in first.text
    assert "<html" not in first.text
    again = await client.get("/logga-in/bankid/status", headers=htmx)
    assert again.status_code == 204
    await approve(app, ERIK, "Erik", "Andersson")
    with clock.travel(timedelta(seconds=2)):  # BankID is asked at most once a second
        done = await client.get("/logga-in/bankid/status", headers=htmx)
    assert done.headers["HX-Redirect"] == "/mina-sidor/uppgifter"
    assert cookie_header(done, "session")


async def test_qr_code_is_rendered_on_the_server_and_changes_every_second(client, app):
    await start_login(client)
    page = await client.get("/logga-in/bankid/status")
    assert "<svg" in page.text and 'aria-label="QR-kod för BankID"' in page.text
    order = await newest_order(app)
    assert order.order_ref not in page.text
    first = (await client.get("/logga-in/bankid/qr", headers={"HX-Request": "true"})).text
    with clock.travel(timedelta(seconds=1)):
        second = (await client.get("/logga-in/bankid/qr", headers={"HX-Request": "true"})).text
    assert first != second and "<svg" in second
    await approve(app, ERIK)
    with clock.travel(timedelta(seconds=2)):
        await client.get("/logga-in/bankid/status")
    assert (await client.get("/logga-in/bankid/qr")).status_code == 286  # stops htmx's polling


async def test_qr_start_secret_never_reaches_the_browser(client, app):
    await start_login(client)
    page = await client.get("/logga-in/bankid/status")
    qr = await client.get("/logga-in/bankid/qr")
    secret = (await BankIdOrder.select(BankIdOrder.qr_start_secret).first())["qr_start_secret"]
    assert len(secret) > 10
    assert secret not in page.text and secret not in qr.text


async def test_same_device_login_offers_the_app_link(client, app):
    await start_login(client, same_device=True)
    page = await client.get("/logga-in/bankid/status")
    token = (await newest_order(app)).auto_start_token
    # The simulator's "app", opened in the same tab, comes back to the status page.
    assert f'href="/_dev/bankid/app?autostarttoken={token}&amp;redirect=%2Flogga-in%2Fbankid%2Fstatus"' in page.text
    assert "<svg" not in page.text


async def test_login_starts_are_rate_limited_per_browser_not_per_address(client, app, settings):
    for _ in range(settings.login_rate_limit):
        assert (await start_login(client)).status_code == 303
    refused = await start_login(client)
    assert refused.status_code == 429
    assert "Vänta tio minuter" in refused.text
    async with httpx.AsyncClient(transport=client._transport, base_url="http://testserver") as classmate:
        assert (await start_login(classmate)).status_code == 303  # same address, another browser: not locked out
    with clock.travel(timedelta(minutes=settings.login_rate_window_minutes + 1)):
        assert (await start_login(client)).status_code == 303


async def test_one_address_has_a_generous_ceiling_shared_by_all_its_browsers(db, app, settings):
    transport = httpx.ASGITransport(app=app_with(app, settings, login_rate_limit=2, login_rate_limit_per_address=5))
    statuses = []
    for _ in range(6):  # six browsers behind one address, each far under its own limit
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as browser:
            statuses.append((await start_login(browser)).status_code)
    assert statuses == [303] * 5 + [429]


@pytest.mark.parametrize(
    ("trusted", "peer", "counted_as"),
    [
        (("10.0.0.0/8",), "10.1.2.3", "203.0.113.7"),  # from the proxy: the address it forwards
        ((), "10.1.2.3", "10.1.2.3"),  # no trusted proxies: the header is ignored
        (("10.0.0.0/8",), "198.51.100.9", "198.51.100.9"),  # a spoofed header from elsewhere is ignored
    ],
)
async def test_the_client_address_is_forwarded_only_by_trusted_proxies(db, app, settings, trusted, peer, counted_as):
    transport = httpx.ASGITransport(app=app_with(app, settings, trusted_proxies=trusted), client=(peer, 50000))
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver", headers={"X-Forwarded-For": "203.0.113.7"}
    ) as browser:
        assert (await start_login(browser)).status_code == 303
    order = await BankIdOrder.objects().first()
    expected = hmac.new(settings.secret_key.encode(), counted_as.encode(), hashlib.sha256).hexdigest()
    assert order.client_key == expected


async def test_logins_are_audited_without_personal_data(client, app):
    await log_in(client, app, ERIK)
    client.cookies.clear()
    await start_login(client)
    await app.state.bankid_simulator.refuse((await newest_order(app)).order_ref)
    await client.get("/logga-in/bankid/status")
    entries = await AuditEntry.select()
    actions = [entry["action"] for entry in entries]
    assert "login.succeeded" in actions and "login.failed" in actions
    for entry in entries:
        assert ERIK not in str(entry) and "Andersson" not in str(entry)


async def test_logged_in_pages_are_never_cached(client, app):
    await log_in(client, app, ERIK)
    response = await client.get("/mina-sidor")
    assert response.headers["Cache-Control"] == "no-store"


async def test_staff_land_in_their_inbox_and_citizens_are_refused_there(client, app):
    from db.staff import save_staff as add_staff

    await add_staff(OFFICER, "officer", "Bygga, bo och miljö", clock.now())
    finished = await log_in(client, app, OFFICER)
    assert finished.headers["location"] == "/handlaggare"
    inbox = await client.get("/handlaggare")
    assert inbox.status_code == 200 and "Inkorg" in inbox.text and "Bygga, bo och miljö" in inbox.text
    client.cookies.clear()
    await log_in(client, app, ERIK)
    assert (await client.get("/handlaggare")).status_code == 403
    client.cookies.clear()
    anonymous = await client.get("/handlaggare")
    assert anonymous.status_code == 303 and anonymous.headers["location"] == "/logga-in?next=/handlaggare"


async def test_header_shows_logout_for_a_logged_in_user(client, app):
    await log_in(client, app, ERIK)
    page = await client.get("/")
    assert re.search(r'<form class="main-nav__logout" method="post" action="/logga-ut">', page.text)
    assert 'href="/logga-in"' not in page.text


async def test_idle_warning_is_offered_before_the_timeout_without_counting_as_activity(client, app, settings):
    await log_in(client, app, ERIK)
    htmx = {"HX-Request": "true", "HX-Current-URL": "http://testserver/mina-sidor/uppgifter"}
    early = await client.get("/session/status", headers=htmx)
    assert "Du loggas snart ut" not in early.text and 'data-hx-trigger="load delay:' in early.text
    almost = timedelta(minutes=settings.session_idle_minutes) - timedelta(seconds=60)
    with clock.travel(almost):
        warning = await client.get("/session/status", headers=htmx)
        assert 'role="alertdialog"' in warning.text and "Du loggas snart ut" in warning.text
        page = await client.get("/mina-sidor", headers={"HX-Request": "true"})  # htmx: a fragment, not a page
        extended = await client.post("/session/forlang", headers={**htmx, "x-csrftoken": csrf_from(page.text)})
        assert extended.status_code == 200 and "alertdialog" not in extended.text
    with clock.travel(almost + timedelta(minutes=settings.session_idle_minutes - 1)):
        assert (await client.get("/mina-sidor")).status_code == 200  # extended: still logged in


async def test_polling_the_idle_warning_does_not_keep_the_session_alive(client, app, settings):
    await log_in(client, app, ERIK)
    htmx = {"HX-Request": "true", "HX-Current-URL": "http://testserver/mina-sidor/uppgifter"}
    for minutes in range(5, settings.session_idle_minutes + 5, 5):
        with clock.travel(timedelta(minutes=minutes)):
            status = await client.get("/session/status", headers=htmx)
    assert "Du har loggats ut" in status.text
    assert 'href="/logga-in?next=/mina-sidor/uppgifter"' in status.text
    with clock.travel(timedelta(minutes=settings.session_idle_minutes + 5)):
        assert (await client.get("/mina-sidor")).status_code == 303


async def test_starting_again_cancels_the_first_order_at_bankid(client, app):
    """Back from the QR code and "Visa QR-kod" again: the first order must not stay open at BankID."""
    await start_login(client)
    first = await newest_order(app)
    assert (await start_login(client, same_device=True)).status_code == 303
    second = await newest_order(app)
    assert second.order_ref != first.order_ref
    replaced = await app.state.bankid_simulator.order(first.order_ref)
    assert (replaced.status, replaced.hint_code) == ("failed", "cancelled")
    assert [order.order_ref for order in await app.state.bankid_simulator.pending_orders()] == [second.order_ref]
    await approve(app, ERIK, "Erik", "Andersson")
    assert (await client.get("/logga-in/bankid/status")).headers["location"] == "/mina-sidor"


async def test_the_dev_bankid_app_on_a_phone_returns_to_the_address_the_phone_used(client, app, settings):
    """BankID gets the full return address (BASE_URL); the dev app, reached at whatever address the phone used,
    goes back by path: an address at another origin is blocked by the CSP's form-action."""
    phone = {"headers": {"user-agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) Mobile/15E148"}}
    page = await client.get("/logga-in/bankid", **phone)
    await client.post("/logga-in/bankid", data={"_csrf_token": csrf_from(page.text), "enhet": "denna"}, **phone)
    assert (await newest_order(app)).return_url == f"{settings.base_url}/logga-in/bankid/status"
    assert not settings.base_url.startswith(str(client.base_url))
    status = await client.get("/logga-in/bankid/status", **phone)
    back = await sign_in_dev_app(client, status.text, ERIK, **phone)
    assert back.status_code == 303 and back.headers["location"] == "/logga-in/bankid/status"
    with clock.travel(timedelta(seconds=2)):
        assert (await client.get(back.headers["location"], **phone)).headers["location"] == "/mina-sidor"
