"""Slow and giant request headers against the documented production setup (nginx with deploy/'s configuration in
front of uvicorn with the systemd unit's options): nginx refuses or closes every such connection within its
client_header_timeout, keeps answering everyone else meanwhile, and neither nginx's nor uvicorn's memory grows with
the attack. Before nginx, ten unfinished 40 MB headers held 400 MB of uvicorn's memory."""

from __future__ import annotations

import asyncio
import ssl
import time

import httpx

from tests.deploy.conftest import rss_kib

SLOW_LINES = 8  # connections sending complete header lines slowly, never the blank line that ends them
SLOW_FIELD = 8  # connections sending one header field that grows slowly past nginx's 8 kB buffer
GIANT = 4  # connections sending an unfinished 40 MB header as fast as they can
GIANT_BYTES = 40 * 1024 * 1024
HEADER_TIMEOUT = 10  # client_header_timeout in the template
MEMORY_GROWTH_LIMIT_KIB = 50 * 1024


def tls() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


async def attack(port: int, sender, deadline: float) -> tuple[int | None, float]:
    """One connection: `sender` writes until the server stops it; the answer's status (None when nginx closed
    without one) and the seconds until the connection ended."""
    started = time.monotonic()
    reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=tls(), server_hostname="localhost")
    send = asyncio.create_task(sender(writer))
    answer = b""
    try:
        answer = await asyncio.wait_for(reader.read(65536), deadline - time.monotonic())
        # The connection must end too, not only answer (a timeout here fails the test).
        while await asyncio.wait_for(reader.read(65536), deadline - time.monotonic()):
            pass
    except (ConnectionError, ssl.SSLError):  # a reset: nginx closed while the client was still sending
        pass
    finally:
        send.cancel()
        writer.transport.abort()
    status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/1.1 ") else None
    return status, time.monotonic() - started


async def write_slowly(writer, chunks, pause: float) -> None:
    try:
        writer.write(b"GET / HTTP/1.1\r\nHost: localhost\r\n")
        for chunk in chunks:
            await writer.drain()
            await asyncio.sleep(pause)
            writer.write(chunk)
        await asyncio.sleep(3600)
    except (ConnectionError, ssl.SSLError):
        pass


async def slow_lines(writer) -> None:
    await write_slowly(writer, (f"X-Slow-{n}: {'a' * 200}\r\n".encode() for n in range(1000)), 0.5)


async def slow_field(writer) -> None:
    await write_slowly(writer, [b"X-Slow: "] + [b"a" * 1024] * 1000, 0.25)


async def giant_header(writer) -> None:
    chunk = b"a" * 65536
    try:
        writer.write(b"GET / HTTP/1.1\r\nHost: localhost\r\nX-Giant: ")
        for _ in range(GIANT_BYTES // len(chunk)):
            writer.write(chunk)
            await writer.drain()
        await asyncio.sleep(3600)
    except (ConnectionError, ssl.SSLError):
        pass


async def sample_memory(pids: dict[str, int], peaks: dict[str, int], stop: asyncio.Event) -> None:
    while not stop.is_set():
        for name, pid in pids.items():
            peaks[name] = max(peaks[name], rss_kib(pid))
        await asyncio.sleep(0.1)


async def test_slow_and_giant_headers_are_cut_off_and_memory_stays_bounded(deployment) -> None:
    pids = {"uvicorn": deployment.app_pid, "nginx": deployment.nginx_pid}
    before = {name: rss_kib(pid) for name, pid in pids.items()}
    peaks = dict(before)
    stop = asyncio.Event()
    sampler = asyncio.create_task(sample_memory(pids, peaks, stop))
    deadline = time.monotonic() + HEADER_TIMEOUT + 5
    senders = [slow_lines] * SLOW_LINES + [slow_field] * SLOW_FIELD + [giant_header] * GIANT
    attacks = asyncio.gather(*(attack(deployment.https_port, sender, deadline) for sender in senders))

    # Everyone else is served while the attack goes on.
    await asyncio.sleep(2)
    async with httpx.AsyncClient(verify=False, timeout=5) as client:
        during = await client.get(f"{deployment.url}/livez")
    outcomes = await attacks
    stop.set()
    await sampler
    async with httpx.AsyncClient(verify=False, timeout=5) as client:
        after = await client.get(f"{deployment.url}/healthz")

    assert during.status_code == 200 and during.text == "ok"
    assert after.status_code == 200
    slow, field, giant = outcomes[:SLOW_LINES], outcomes[SLOW_LINES:-GIANT], outcomes[-GIANT:]
    # Complete lines within the buffers: closed when client_header_timeout runs out (nginx logs 408, sends nothing).
    for status, seconds in slow:
        assert status in {408, None}
        assert HEADER_TIMEOUT - 1 <= seconds <= HEADER_TIMEOUT + 6, outcomes  # slack for a loaded machine
    # A field past 8 kB, slowly or all at once: refused as soon as it no longer fits.
    for status, seconds in field:
        assert status == 400 and seconds < HEADER_TIMEOUT - 3, outcomes
    # (A giant header's 400 may be lost to the reset of a connection still sending.)
    for status, seconds in giant:
        assert status in {400, None} and seconds < HEADER_TIMEOUT - 3, outcomes
    # nginx's own account: the timed-out ones logged 408, the others 400, none of them passed to uvicorn.
    log = deployment.access_log()
    assert log.count('"GET / HTTP/1.1" 408 ') == SLOW_LINES, log
    assert log.count('"GET / HTTP/1.1" 400 ') == SLOW_FIELD + GIANT, log
    growth = {name: peaks[name] - before[name] for name in pids}
    assert growth["uvicorn"] < MEMORY_GROWTH_LIMIT_KIB, (before, peaks)
    assert growth["nginx"] < MEMORY_GROWTH_LIMIT_KIB, (before, peaks)


async def test_uvicorn_refuses_a_giant_header_by_itself(deployment) -> None:
    """Behind nginx this never happens, but uvicorn has its own cap (--http h11 --h11-max-incomplete-event-size):
    a 40 MB header sent straight to it is refused and its memory does not grow."""
    before = rss_kib(deployment.app_pid)
    host, port = deployment.app_url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    sent = 0
    try:
        writer.write(b"GET / HTTP/1.1\r\nHost: localhost\r\nX-Giant: ")
        chunk = b"a" * 65536
        while sent < GIANT_BYTES:
            writer.write(chunk)
            await asyncio.wait_for(writer.drain(), 5)
            sent += len(chunk)
    except ConnectionError:
        pass
    try:
        answer = await asyncio.wait_for(reader.read(65536), 5)
    except ConnectionError:  # uvicorn closed while unread data was still arriving: the answer may be lost
        answer = b""
    writer.transport.abort()
    peak = rss_kib(deployment.app_pid)
    assert answer.startswith((b"HTTP/1.1 400", b"HTTP/1.1 431")) or answer == b"", answer[:200]
    assert sent < GIANT_BYTES, "uvicorn read the whole 40 MB header"
    assert peak - before < MEMORY_GROWTH_LIMIT_KIB


def test_the_app_believes_nginx_and_nobody_else(deployment) -> None:
    """TRUSTED_PROXIES=127.0.0.1 (nginx) and METRICS_ADDRESSES=127.0.0.2: /metrics answers a client at 127.0.0.2
    through nginx (the app took nginx's X-Forwarded-For), not a client at 127.0.0.1 claiming to be 127.0.0.2 (nginx
    replaces the header), and not a client at 127.0.0.3 reaching uvicorn directly with the same claim."""

    def get(url: str, source: str, **headers: str) -> int:
        transport = httpx.HTTPTransport(local_address=source, verify=False)
        with httpx.Client(transport=transport, timeout=5) as client:
            return client.get(url, headers=headers).status_code

    assert get(f"{deployment.url}/metrics", "127.0.0.2") == 200
    assert get(f"{deployment.url}/metrics", "127.0.0.1", **{"X-Forwarded-For": "127.0.0.2"}) == 404
    assert get(f"{deployment.app_url}/metrics", "127.0.0.3", **{"X-Forwarded-For": "127.0.0.2"}) == 404


def test_plain_http_only_redirects(deployment) -> None:
    response = httpx.get(f"http://127.0.0.1:{deployment.http_port}/e-tjanster?q=bygglov", timeout=5)
    assert response.status_code == 301
    assert response.headers["location"] == "https://localhost/e-tjanster?q=bygglov"  # the server name, not the Host


async def test_nginx_refuses_a_body_over_the_apps_largest_at_once(deployment) -> None:
    """A request announcing one byte more than client_max_body_size (60 MB) is answered 413 before any body is
    read, with nginx's page in Swedish; nothing reaches uvicorn."""
    reader, writer = await asyncio.open_connection(
        "127.0.0.1", deployment.https_port, ssl=tls(), server_hostname="localhost"
    )
    writer.write(
        b"POST /ansokan/x/steg/1 HTTP/1.1\r\nHost: localhost\r\nContent-Type: multipart/form-data; boundary=b\r\n"
        + f"Content-Length: {60 * 1024 * 1024 + 1}\r\n\r\n".encode()
    )
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(65536), 5)
    writer.transport.abort()
    assert answer.startswith(b"HTTP/1.1 413 "), answer[:100]
    # deploy/nginx/errors/413.html, not nginx's English default nor the app's page.
    assert "<title>Det du skickade är för stort</title>".encode() in answer, answer[:600]
