"""Browser-test plumbing: the app in a real uvicorn process, Debian's Chromium for Playwright, axe-core checks."""

from __future__ import annotations

import asyncio
import os
import random
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
AXE_SOURCE = (PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js").read_text()
UVICORN = [sys.executable, "-m", "uvicorn", "--factory", "app:create_app", "--no-server-header"]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


STARTUP_SECONDS = 90


def run_async(function, *args, **kwargs):
    """Run an async function to completion from a sync test (browser tests, Hypothesis).

    Playwright's sync API keeps an event loop running in the main thread, so async setup code (factories, demo
    data) runs in a thread with its own loop. On PostgreSQL the suite's connection pool belongs to the session's
    event loop (see `settings` in conftest.py), and asyncpg connections cannot serve another loop: while `function`
    runs, the engine is without its pool and opens a connection per query. Nothing else uses the engine meanwhile:
    the calling thread waits, and the session's loop runs only in async tests.
    """
    from db.engine import current_engine

    engine = current_engine()
    pool = getattr(engine, "pool", None)
    outcome: dict = {}

    def target() -> None:
        try:
            outcome["value"] = asyncio.run(function(*args, **kwargs))
        except BaseException as error:  # re-raised in the caller's thread
            outcome["error"] = error

    thread = threading.Thread(target=target)
    if pool is not None:
        engine.pool = None
    try:
        thread.start()
        thread.join()
    finally:
        if pool is not None:
            engine.pool = pool
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


class LiveServer:
    def __init__(self, url: str, process: subprocess.Popen, log_path: Path) -> None:
        self.url = url
        self.process = process
        self.log_path = log_path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def free_port(*taken: int) -> int:
    """A free loopback port in 18000-18999 (the range this project's test servers use), none of `taken`."""
    for _ in range(200):
        port = random.randint(18000, 18999)
        if port in taken:
            continue
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 18000-18999")


def start_server(env: dict[str, str], log_path: Path, uvicorn_args: tuple[str, ...] = ()) -> LiveServer:
    """uvicorn on a socket we bound ourselves (port 0), so no other process can take the port first; as in production,
    without the `server` banner. It runs no scheduled jobs unless `env` turns them on (JOBS_IN_APP)."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # uvicorn treats an inherited fd as a Unix socket and does not set TCP_NODELAY on connections; accepted
    # sockets inherit it from the listener (without it, Nagle's algorithm adds ~40 ms per response).
    listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    log_file = log_path.open("w")
    process = subprocess.Popen(
        [*UVICORN, "--fd", str(listener.fileno()), *uvicorn_args],
        cwd=PROJECT_ROOT,
        env={**os.environ, "JOBS_IN_APP": "0", **env},
        pass_fds=[listener.fileno()],
        stdout=log_file,
        stderr=subprocess.STDOUT,
    )
    listener.close()
    url = f"http://127.0.0.1:{port}"
    # Start-up, not behaviour: importing the app in two workers at once took over 30 s on a loaded two-core machine.
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"uvicorn exited:\n{log_path.read_text()}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return LiveServer(url, process, log_path)
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    process.terminate()
    raise RuntimeError(f"uvicorn did not answer within {STARTUP_SECONDS} s:\n{log_path.read_text()}")


def stop_server(server: LiveServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    server = start_server(
        {"MODE": "dev", "CATALOGUE_REFRESH_SECONDS": "0", "DB_POOL_MIN": "1", "DB_POOL_MAX": "4"},
        tmp_path_factory.mktemp("server") / "uvicorn.log",
    )
    yield server
    stop_server(server)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


def axe_violations(page, tags: list[str] = WCAG_TAGS) -> list[dict]:
    page.evaluate(AXE_SOURCE)
    return page.evaluate(
        "options => axe.run(document, options).then(result => result.violations)",
        {"runOnly": {"type": "tag", "values": tags}},
    )


def assert_accessible(page) -> None:
    violations = axe_violations(page)
    summary = [f"{v['id']} ({v['impact']}): {v['help']} -> {[n['target'] for n in v['nodes']][:5]}" for v in violations]
    assert violations == [], f"axe-core found violations on {page.url}:\n" + "\n".join(summary)


def assert_accessible_without_javascript(page, checker) -> None:
    """axe-core needs JavaScript, which `page` has turned off: check a copy of its document (as the server sent it,
    or as a form post left it) in `checker`, a page with JavaScript, with the stylesheets but none of the scripts."""
    html, url = page.content(), page.url.split("#")[0]

    def serve(route) -> None:
        headers = {"Content-Type": "text/html; charset=utf-8", "Content-Security-Policy": "script-src 'none'"}
        route.fulfill(status=200, body=html, headers=headers)

    checker.route(lambda address: address.split("#")[0] == url, serve)
    try:
        checker.goto(url)
        assert_accessible(checker)
    finally:
        checker.unroute_all()


def assert_no_horizontal_scroll(page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{page.url} scrolls horizontally by {overflow}px"


def act_in_simulator(browser, base_url: str, action: str, personal_number: str = "198112189876") -> None:
    """Play the BankID app in a window of its own: act on the newest order as `personal_number`."""
    from playwright.sync_api import expect

    context = browser.new_context()
    app_page = context.new_page()
    app_page.goto(f"{base_url}/_dev/bankid")
    order = app_page.locator(".sim-order").first
    if action in ("Identifiera", "Skriv under"):
        order.get_by_label("Testperson").select_option(value=personal_number)
    order.get_by_role("button", name=action).click()
    expect(app_page.get_by_role("status")).to_contain_text("Klart")
    context.close()


def log_in_with_bankid(page, browser, base_url: str, personal_number: str, next_path: str = "/mina-sidor") -> None:
    """Log `page` in through the QR flow, the simulator identifying `personal_number`."""
    import re

    from playwright.sync_api import expect

    page.goto(f"{base_url}/logga-in/bankid?next={next_path}")
    page.get_by_role("button", name="Visa QR-kod").click()
    act_in_simulator(browser, base_url, "Identifiera", personal_number)
    expect(page).to_have_url(re.compile(re.escape(next_path) + "$"), timeout=10_000)
