"""The receipt PDF: read back with pypdf, its text, metadata and pages are what the applicant was promised."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from forms.receipt_pdf import pdf_text, receipt_pdf

RECEIVED = datetime(2026, 11, 27, 13, 32, 5, tzinfo=UTC)  # 14.32 in Stockholm


def receipt_arguments(**changes: object) -> dict[str, object]:
    arguments: dict[str, object] = {
        "municipality": "Alingsås kommun",
        "contact_phone": "0322-61 60 00",
        "contact_email": "kontaktcenter@alingsas.se",
        "service_title": "Ansökan om bygglov",
        "reference": "BYGG-2026-00123",
        "received_at": RECEIVED,
        "applicant_name": "Åsa Öberg",
        "sections": [
            (
                "Om dig",
                [("Namn", "Åsa Öberg"), ("E-postadress", "asa.oberg@example.se"), ("Telefon", "070-123 45 67")],
            ),
            (
                "Fastighet",
                [
                    ("Fastighetsbeteckning", "Alingsås Lövekulle 1:23"),
                    ("Beskriv åtgärden", "Tillbyggnad av växthus.\nFärg: grön.\nHöjd – cirka 3 meter."),
                    ("Övrigt", ""),
                ],
            ),
        ],
        "attachments": ["Situationsplan.pdf", "Fasadritning söder.pdf"],
        "signatures": [("Åsa Öberg", RECEIVED - timedelta(minutes=2)), ("Örjan Åberg", RECEIVED)],
        "next_steps": "Vi går igenom din ansökan inom fem arbetsdagar.\n\nSaknas något hör vi av oss till dig.",
    }
    arguments.update(changes)
    return arguments


def read(pdf: bytes) -> tuple[PdfReader, list[str]]:
    reader = PdfReader(io.BytesIO(pdf))
    return reader, [page.extract_text() for page in reader.pages]


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_the_receipt_holds_every_fact_label_and_answer() -> None:
    _, pages = read(receipt_pdf(**receipt_arguments()))
    assert len(pages) == 1
    text = pages[0]
    for expected in (
        "Kvittens",
        "Ansökan om bygglov",
        "Vi har tagit emot din ansökan.",
        "Ärendenummer",
        "BYGG-2026-00123",
        "Inkom",
        "27 november 2026 kl. 14.32",
        "Sökande",
        "Åsa Öberg",
        "Om dig",
        "Namn",
        "E-postadress",
        "asa.oberg@example.se",
        "Telefon",
        "070-123 45 67",
        "Fastighet",
        "Fastighetsbeteckning",
        "Alingsås Lövekulle 1:23",
        "Beskriv åtgärden",
        "Bilagor",
        "Situationsplan.pdf",
        "Fasadritning söder.pdf",
        "Underskrifter",
        "Åsa Öberg – 27 november 2026 kl. 14.30",
        "Örjan Åberg – 27 november 2026 kl. 14.32",
        "Så här går det vidare",
        "Vi går igenom din ansökan inom fem arbetsdagar.",
        "Saknas något hör vi av oss till dig.",
        "ALINGSÅS KOMMUN",
        "Alingsås kommun · Kontaktcenter 0322-61 60 00 · kontaktcenter@alingsas.se",
        "Sida 1 av 1",
    ):
        assert expected in text, expected


def test_multi_line_answers_keep_their_lines() -> None:
    _, pages = read(receipt_pdf(**receipt_arguments()))
    assert "Tillbyggnad av växthus.\nFärg: grön.\nHöjd – cirka 3 meter." in pages[0]


def test_an_empty_answer_is_shown_as_a_dash() -> None:
    _, pages = read(receipt_pdf(**receipt_arguments()))
    assert "Övrigt\n–" in pages[0]


def test_the_metadata_names_the_receipt() -> None:
    reader, _ = read(receipt_pdf(**receipt_arguments()))
    assert reader.metadata.title == "Kvittens BYGG-2026-00123 – Ansökan om bygglov"
    assert reader.metadata.author == "Alingsås kommun"
    assert reader.metadata.creator == "Alingsås kommun, e-tjänsteplattform"
    assert reader.metadata.subject == "Ansökan om bygglov"
    assert reader.metadata.creation_date == RECEIVED.replace(second=5)
    assert reader.trailer["/Root"]["/Lang"] == "sv"
    assert reader.pages[0].mediabox.width == pytest.approx(595.28, abs=0.1)  # A4
    assert reader.pages[0].mediabox.height == pytest.approx(841.89, abs=0.1)


def test_the_same_inputs_give_the_same_bytes() -> None:
    assert receipt_pdf(**receipt_arguments()) == receipt_pdf(**receipt_arguments())


def test_the_time_received_is_local_time_whatever_the_zone_given() -> None:
    summer = datetime(2026, 6, 1, 9, 5, tzinfo=timezone(timedelta(hours=-4)))  # 15.05 in Stockholm (CEST)
    _, pages = read(receipt_pdf(**receipt_arguments(received_at=summer, signatures=[])))
    assert "1 juni 2026 kl. 15.05" in pages[0]
    naive = datetime(2026, 11, 27, 13, 32)  # taken as UTC
    _, pages = read(receipt_pdf(**receipt_arguments(received_at=naive, signatures=[])))
    assert "27 november 2026 kl. 14.32" in pages[0]


def test_without_applicant_attachments_and_signatures() -> None:
    _, pages = read(receipt_pdf(**receipt_arguments(applicant_name=None, attachments=[], signatures=[])))
    assert "Sökande" not in pages[0]
    assert "Underskrifter" not in pages[0]
    assert "Bilagor\nInga bilagor skickades in." in pages[0]


def test_long_answers_run_on_to_more_pages_with_page_numbers() -> None:
    long_answer = " ".join(f"Mening nummer {number} om den planerade åtgärden." for number in range(120))
    sections = [("Beskrivning", [("Beskriv åtgärden", long_answer), ("Sista frågan", "Sista svaret")])]
    _, pages = read(receipt_pdf(**receipt_arguments(sections=sections)))
    short, _ = read(receipt_pdf(**receipt_arguments(sections=sections[:0])))
    assert len(short.pages) == 1
    assert len(pages) == 2
    assert "Sida 1 av 2" in pages[0]
    assert "Sida 2 av 2" in pages[1]
    assert all(page.endswith(f"Sida {number} av 2") for number, page in enumerate(pages, start=1))
    body = flat(" ".join(page.rsplit("\n", 1)[0] for page in pages))  # without the page footers
    assert flat(long_answer) in body  # wrapped, but every word is there in order
    assert "Sista frågan Sista svaret" in body


def test_many_sections_make_many_pages() -> None:
    sections = [
        (f"Steg {step}", [(f"Fråga {step}.{row}", f"Svar {step}.{row}") for row in range(8)]) for step in range(30)
    ]
    _, pages = read(receipt_pdf(**receipt_arguments(sections=sections)))
    assert len(pages) >= 4
    assert f"Sida 1 av {len(pages)}" in pages[0]
    whole = "\n".join(pages)
    assert all(f"Fråga {step}.{row}\nSvar {step}.{row}" in whole for step in range(30) for row in range(8))


def test_a_word_longer_than_a_line_is_broken_not_lost() -> None:
    url = "https://example.se/" + "abcdefghij" * 30
    _, pages = read(receipt_pdf(**receipt_arguments(sections=[("Länkar", [("Länk", url)])])))
    assert url in re.sub(r"\s+", "", pages[0])


def test_odd_characters_never_stop_the_receipt() -> None:
    odd = (
        "Emoji 😀👍🏽, polska Łódź Zażółć gęślą jaźń, العربية, 中文, "
        "\u200bzero\u200dwidth, \u202eRTL, ctrl\x07\x1b, –—“”‘’„…€"
    )
    arguments = receipt_arguments(
        applicant_name="Zoë Łukasiewicz 😀",
        service_title="Bygglov 🏠",
        sections=[("Om dig 🙂", [("Namn", "Jan Kowalski"), ("Beskrivning 🏠", odd), ("Åtgärd", "Ändring av fönster")])],
        attachments=["plan 📐.pdf"],
        signatures=[("Jan Łukasz Kowalski", RECEIVED)],
    )
    reader, pages = read(receipt_pdf(**arguments))
    text = pages[0]
    assert "Zoë Lukasiewicz ?" in text
    assert "polska Lódz Zazólc gesla jazn" in text
    assert "–—“”‘’„…€" in text
    assert "Åtgärd\nÄndring av fönster" in text
    assert "Jan Lukasz Kowalski – 27 november 2026 kl. 14.32" in text
    assert "plan ?.pdf" in text
    assert "\x07" not in text
    # The metadata is Unicode and keeps what the text cannot show.
    assert reader.metadata.title == "Kvittens BYGG-2026-00123 – Bygglov 🏠"


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        ("Åäö ÅÄÖ é ü ß ø", "Åäö ÅÄÖ é ü ß ø"),
        ("–—“”‘’„…€•", "–—“”‘’„…€•"),
        ("a\u0308", "ä"),
        ("\u22125 grader", "-5 grader"),
        ("10\u202f000 kr", "10 000 kr"),
        ("Łódź", "Lódz"),
        ("😀", "?"),
        ("عربي", "????"),
        ("rad 1\r\nrad 2\rrad 3\tslut", "rad 1\nrad 2\nrad 3 slut"),
        ("\x00\x1b\u200b\u202e", ""),
    ],
)
def test_pdf_text(given: str, shown: str) -> None:
    assert pdf_text(given) == shown
    pdf_text(given).encode("windows-1252")


@given(
    value=st.text(max_size=300),
    label=st.text(max_size=80),
    title=st.text(max_size=80),
    name=st.one_of(st.none(), st.text(max_size=60)),
)
@settings(max_examples=40, deadline=None)
def test_the_receipt_is_made_whatever_the_text(value: str, label: str, title: str, name: str | None) -> None:
    pdf = receipt_pdf(
        **receipt_arguments(
            service_title=title,
            applicant_name=name,
            sections=[(title, [(label, value)])],
            attachments=[value],
            signatures=[(label, RECEIVED)],
            next_steps=value,
        )
    )
    assert pdf.startswith(b"%PDF-")
    _, pages = read(pdf)
    assert "BYGG-2026-00123" in pages[0]
