"""The animated QR code: BankID's test vector, and an SVG that can be put straight into a page."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from integrations.bankid import qr_content, qr_svg

TOKEN = "67df3917-fa0d-44e5-b327-edcc928297f8"
SECRET = "d28db9a7-4cde-429e-a983-359be676944c"


@pytest.mark.parametrize(
    ("seconds", "auth_code"),
    [
        (0, "dc69358e712458a66a7525beef148ae8526b1c71610eff2c16cdffb4cdac9bf8"),
        (1, "949d559bf23403952a94d103e67743126381eda00f0b3cbddbf7c96b1adcbce2"),
    ],
)
def test_qr_content_matches_bankids_test_vector(seconds, auth_code):
    assert qr_content(TOKEN, SECRET, seconds) == f"bankid.{TOKEN}.{seconds}.{auth_code}"


def test_qr_content_refuses_negative_time():
    with pytest.raises(ValueError):
        qr_content(TOKEN, SECRET, -1)


def test_qr_svg_is_an_inline_svg_element_about_200_px_wide():
    svg = qr_svg(qr_content(TOKEN, SECRET, 12))
    assert svg.startswith("<svg ") and "<?xml" not in svg
    root = ET.fromstring(svg)  # well-formed XML
    assert root.tag == "svg"
    assert root.get("width") == root.get("height") == "200"
    _min_x, _min_y, width, height = root.get("viewBox").split()
    assert width == height and int(width) >= 21 + 8  # the smallest QR code plus the quiet zone
    assert "role" not in root.attrib and "aria-label" not in root.attrib
    colours = {element.get("fill") or element.get("stroke") for element in root}
    assert colours == {"#fff", "#000"}
    assert "style" not in svg  # nothing the Content-Security-Policy would block


def test_qr_svg_is_deterministic():
    content = qr_content(TOKEN, SECRET, 3)
    assert qr_svg(content) == qr_svg(content)
    assert qr_svg(content) != qr_svg(qr_content(TOKEN, SECRET, 4))
