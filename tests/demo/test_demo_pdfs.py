"""The catalogue demo data: the YAML is complete and valid, and every blankett builds into a readable Swedish PDF."""

from __future__ import annotations

import copy
import io
from datetime import timedelta

import pytest
import yaml
from pypdf import PdfReader

from db.demo.catalogue_data import CATALOGUE_YAML, DemoDataError, parse_catalogue, read_catalogue
from db.demo.pdf_forms import build_form_pdf

RAW = yaml.safe_load(CATALOGUE_YAML.read_text(encoding="utf-8"))
CATALOGUE = read_catalogue()
DOCUMENTS = [document for service in CATALOGUE.services for document in service.documents]
A4_POINTS = (595.28, 841.89)
MAX_PDF_BYTES = 30_000


def flat(text: str) -> str:
    """Text with every run of white space as one space, so line wrapping does not matter."""
    return " ".join(text.split())


def pdf_text(reader: PdfReader) -> str:
    return flat(" ".join(page.extract_text() for page in reader.pages))


@pytest.mark.parametrize("document", DOCUMENTS, ids=[d.filename for d in DOCUMENTS])
def test_blankett_is_a_small_a4_pdf_with_its_swedish_text(document):
    content = build_form_pdf(document)
    reader = PdfReader(io.BytesIO(content))
    text = pdf_text(reader)

    assert len(content) < MAX_PDF_BYTES
    assert reader.metadata.title == document.title
    assert reader.trailer["/Root"]["/Lang"] == "sv"
    width, height = reader.pages[0].mediabox.width, reader.pages[0].mediabox.height
    assert (round(float(width), 2), round(float(height), 2)) == A4_POINTS
    assert flat(document.heading) in text
    for section in document.sections:
        assert flat(section.heading) in text
        for label in section.fields:
            assert flat(label) in text
    assert flat(document.send_to) in text
    assert "Marks kommun" in text
    assert "Kontaktcenter 0320-21 70 00" in text
    assert "kontaktcenter@mark.se" in text
    if document.signature:
        assert "Namnförtydligande" in text


def test_extracted_text_keeps_swedish_letters():
    text = " ".join(pdf_text(PdfReader(io.BytesIO(build_form_pdf(document)))) for document in DOCUMENTS)

    for word in ("Åtgärd", "Fastighetsägare", "Ansökan", "Färdiganmälan", "Läkarintyg", "Underskrift"):
        assert word in text
    assert "Ã" not in text


def test_same_blankett_builds_to_identical_bytes():
    document = DOCUMENTS[0]

    assert build_form_pdf(document) == build_form_pdf(document)


def test_catalogue_has_the_promised_breadth():
    published = [s for s in CATALOGUE.services if s.published]
    titles = {s.title for s in published}

    assert len(CATALOGUE.categories) >= 9
    assert len(published) >= 44
    assert "Ändring av bygglov" in titles
    assert {"Ansökan om bygglov", "Ansökan om förskoleplats", "Ansökan om färdtjänst"} <= titles
    assert sum(1 for s in published if s.documents) >= 8
    assert sum(1 for s in published if s.allows_coapplicants) >= 4
    assert any(not s.published for s in CATALOGUE.services)
    assert {"felanmalan-gata-park-och-belysning", "felanmalan-vatten-och-avlopp"} <= {
        s.slug for s in published if not s.requires_login
    }
    assert any(s.requires_login and not s.allows_drafts for s in published)


def test_most_started_services_are_the_everyday_ones():
    popular = sorted(CATALOGUE.services, key=lambda s: -s.start_count)[:6]

    assert {"felanmalan-gata-park-och-belysning", "ansokan-om-forskoleplats", "ansokan-om-bygglov"} <= {
        s.slug for s in popular
    }


def test_one_notice_is_current_and_one_has_ended():
    def current(notice):
        return notice.starts_after <= timedelta(0) and (notice.ends_after is None or notice.ends_after > timedelta(0))

    assert any(current(n) for n in CATALOGUE.notices)
    assert any(n.ends_after is not None and n.ends_after < timedelta(0) for n in CATALOGUE.notices)


def raw_catalogue() -> dict:
    return copy.deepcopy(RAW)


def service(raw: dict, slug: str) -> dict:
    return next(s for s in raw["services"] if s["slug"] == slug)


def test_unknown_category_is_reported_with_the_service():
    raw = raw_catalogue()
    service(raw, "ansokan-om-bygglov")["category"] = "bygga"

    with pytest.raises(DemoDataError, match=r"e-service 'ansokan-om-bygglov': unknown category 'bygga'"):
        parse_catalogue(raw)


def test_duplicate_slug_is_reported():
    raw = raw_catalogue()
    raw["services"].append(copy.deepcopy(service(raw, "lokalbokning")) | {"title": "Lokalbokning igen"})

    with pytest.raises(DemoDataError, match=r"'lokalbokning': appears more than once"):
        parse_catalogue(raw)


def test_filename_outside_the_pattern_is_reported_with_the_service():
    raw = raw_catalogue()
    service(raw, "ansokan-om-fardtjanst")["documents"][0]["filename"] = "Ansökan om färdtjänst.pdf"

    with pytest.raises(DemoDataError, match=r"e-service 'ansokan-om-fardtjanst', document .*filename"):
        parse_catalogue(raw)


def test_service_without_login_cannot_allow_drafts():
    raw = raw_catalogue()
    service(raw, "synpunkter-och-klagomal")["allows_drafts"] = True

    with pytest.raises(DemoDataError, match=r"'synpunkter-och-klagomal': without login it cannot have allows_drafts"):
        parse_catalogue(raw)
