"""Every demo form works: walked over HTTP from "Starta" to the receipt, as a browser without JavaScript posts it
(each step's visible questions answered with valid values, files uploaded with the step, questions a choice reveals
answered when the step comes back with them, signed with BankID where the e-service asks for it). The browser
journeys (test_journeys_browser.py) walk the forms that together use every feature of the format in Chromium."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest

from core.i18n import LOCAL_TIMEZONE
from tests.applications.helpers import post_page, start
from tests.applications.journey import (
    ADDRESS,
    ERIK,
    default_answer,
    demo_definition,
    demo_service,
    demo_slugs,
    make_file,
)
from tests.applications.test_journeys_browser import CHOICES
from tests.applications.test_signing_http import sign
from tests.login import csrf_from, log_in

STEP = re.compile(r"/ansokan/[0-9a-f-]{36}/steg/([a-z0-9_]+)")
MIME = {"pdf": "application/pdf", "png": "image/png", "jpg": "image/jpeg"}


def form_data(f, value, directory: Path) -> tuple[dict, dict]:
    """What a browser posts for `value` in field `f`: form fields, and files."""
    if f.type == "file":
        path = make_file(directory, value, f.id.replace("_", "-"))
        return {}, {f.id: (path.name, path.read_bytes(), MIME[value])}
    if f.type == "address":
        return {f"{f.id}__{part}": text for part, text in ADDRESS.items()}, {}
    if f.type == "coapplicants":
        return {f"{f.id}__{n}": number for n, number in enumerate(value, start=1)}, {}
    return {f.id: value}, {}


@pytest.mark.parametrize("slug", demo_slugs())
async def test_every_demo_form_reaches_its_receipt(client, app, demo, slug, tmp_path):
    definition, service = demo_definition(slug), demo_service(slug)
    if service["requires_login"]:
        await log_in(client, app, ERIK)
    draft_id = await start(client, slug, action="new")
    today = datetime.now(LOCAL_TIMEZONE).date()
    answers: dict = {}
    for _step in range(len(definition.steps) + 1):
        page = await client.get(f"/ansokan/{draft_id}", follow_redirects=True)
        if str(page.url).endswith("/granska"):
            break
        step = definition.step(STEP.search(str(page.url)).group(1))
        for _round in range(3):  # a choice may reveal questions: the step comes back with them
            data, files = {}, {}
            for f in definition.visible_fields(step, answers):
                if not f.takes_input:
                    continue
                answers[f.id] = CHOICES.get(slug, {}).get(f.id, default_answer(f, today))
                more_data, more_files = form_data(f, answers[f.id], tmp_path)
                data.update(more_data)
                files.update(more_files)
            posted = await post_page(client, page, draft_id, step.id, data, files=files or None)
            if posted.status_code == 303:
                break
            assert "Det finns ett problem" not in posted.text, f"{slug}, step {step.id}: {posted.text[:3000]}"
            page = posted
        else:
            raise AssertionError(f"{slug}: step {step.id} never let the walk on")
    else:
        raise AssertionError(f"{slug}: the form did not reach its check page")
    check = await client.get(f"/ansokan/{draft_id}/granska")
    assert check.status_code == 200 and "Svar saknas" not in check.text
    if service["requires_signing"]:
        receipt_url = await sign(client, app, draft_id, ERIK, "Erik", "Andersson")
    else:
        sent = await client.post(f"/ansokan/{draft_id}/granska", data={"_csrf_token": csrf_from(check.text)})
        assert sent.status_code == 303, sent.text[:2000]
        receipt_url = sent.headers["location"]
    receipt = await client.get(receipt_url)
    assert receipt.status_code == 200
    assert re.search(r"\d{4}-\d{6}", receipt.text), f"{slug}: no reference number on the receipt"
