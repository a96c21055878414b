"""Builds the demo blanketter: small A4 PDF forms to fill in on paper, made with fpdf2 from the text in the YAML.

The text uses the core Helvetica font in Windows-1252 (WinAnsiEncoding), so it stays real, selectable text without an
embedded font, and each file is a few kilobytes. A fixed creation date makes the output byte-for-byte reproducible.
"""

from __future__ import annotations

from datetime import UTC, datetime

from fpdf import FPDF
from fpdf.enums import MethodReturnValue, XPos, YPos
from fpdf.prefs import ViewerPreferences

from core.settings import Settings
from db.demo.catalogue_data import DocumentData

FIXED_CREATION_DATE = datetime(2026, 1, 1, tzinfo=UTC)
FONT = "helvetica"
SIDE_MARGIN = 20
TOP_MARGIN = 15
BOTTOM_MARGIN = 20
LINE_HEIGHT = 5
SMALL_LINE_HEIGHT = 4.5
FIELD_HEIGHT = 10.5
SECTION_HEADING_HEIGHT = 9
GREY = (90, 90, 90)
BULLET = "•"
# Typography the core fonts cannot encode, and its nearest plain equivalent.
REPLACEMENTS = str.maketrans({"\u2212": "-", "\u2010": "-", "\u2011": "-", "\u202f": " ", "\u2009": " "})


class _FormPDF(FPDF):
    def __init__(self, footer_text: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.footer_text = footer_text
        self.core_fonts_encoding = "windows-1252"
        self.set_margins(SIDE_MARGIN, TOP_MARGIN, SIDE_MARGIN)
        self.set_auto_page_break(auto=True, margin=BOTTOM_MARGIN)

    @property
    def text_width(self) -> float:
        return self.w - 2 * SIDE_MARGIN

    def footer(self) -> None:
        self.set_y(-BOTTOM_MARGIN + 6)
        self.set_draw_color(*GREY)
        self.set_line_width(0.2)
        self.line(SIDE_MARGIN, self.get_y() - 1.5, self.w - SIDE_MARGIN, self.get_y() - 1.5)
        self.set_font(FONT, size=8)
        self.set_text_color(*GREY)
        self.cell(0, 4, self.footer_text)
        self.set_x(SIDE_MARGIN)
        self.cell(0, 4, f"Sida {self.page_no()} av {{nb}}", align="R")
        self.set_text_color(0, 0, 0)

    def keep_together(self, height: float) -> None:
        """Start a new page unless a block of `height` mm fits on this one."""
        if self.get_y() + height > self.page_break_trigger:
            self.add_page()

    def text_height(self, text: str, line_height: float) -> float:
        return self.multi_cell(0, line_height, text, dry_run=True, output=MethodReturnValue.HEIGHT)


def _clean(text: str) -> str:
    return text.translate(REPLACEMENTS)


def build_form_pdf(document: DocumentData, settings: Settings | None = None) -> bytes:
    """The blankett as PDF bytes: heading, instructions, labelled lines to write on, signature and contact details."""
    settings = settings or Settings()
    pdf = _FormPDF(
        footer_text=f"{settings.municipality_name} · Kontaktcenter {settings.contact_phone} · {settings.contact_email}"
    )
    pdf.set_title(_clean(document.title))
    pdf.set_subject(_clean(document.heading))
    pdf.set_author(settings.municipality_name)
    pdf.set_creator(f"{settings.municipality_name}, e-tjänsteplattformen")
    pdf.set_lang("sv")
    pdf.set_creation_date(FIXED_CREATION_DATE)
    pdf.viewer_preferences = ViewerPreferences(display_doc_title=True)
    pdf.add_page()

    pdf.set_font(FONT, style="B", size=10)
    pdf.cell(0, LINE_HEIGHT, settings.municipality_name.upper())
    pdf.set_x(SIDE_MARGIN)
    pdf.set_font(FONT, size=9)
    pdf.cell(0, LINE_HEIGHT, "Blankett", align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(5)
    pdf.set_font(FONT, style="B", size=17)
    pdf.multi_cell(0, 7.5, _clean(document.heading), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)

    _instructions(pdf, document.instructions)
    for section in document.sections:
        _section_heading(pdf, section.heading, first_row_height=FIELD_HEIGHT)
        for label in section.fields:
            _fields(pdf, [(label, 0.0, 1.0)])
    if document.signature:
        _section_heading(pdf, "Underskrift", first_row_height=2 * FIELD_HEIGHT)
        _fields(pdf, [("Ort och datum", 0.0, 0.45), ("Namnteckning", 0.5, 0.5)])
        _fields(pdf, [("Namnförtydligande", 0.5, 0.5)])
    _closing(pdf, document, settings)
    return bytes(pdf.output())


def _instructions(pdf: _FormPDF, instructions: str) -> None:
    """Paragraphs separated by blank lines; a paragraph whose lines all start with '- ' becomes a bullet list."""
    pdf.set_font(FONT, size=10)
    for paragraph in _clean(instructions).split("\n\n"):
        lines = [line.strip() for line in paragraph.strip().splitlines() if line.strip()]
        if lines and all(line.startswith("- ") for line in lines):
            for line in lines:
                pdf.set_x(SIDE_MARGIN + 2)
                pdf.cell(5, LINE_HEIGHT, BULLET)
                pdf.multi_cell(0, LINE_HEIGHT, line[2:], new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        else:
            pdf.multi_cell(0, LINE_HEIGHT, " ".join(lines), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(1.5)


def _section_heading(pdf: _FormPDF, heading: str, first_row_height: float) -> None:
    """A section heading, kept on the same page as the first row of fields below it."""
    pdf.keep_together(SECTION_HEADING_HEIGHT + first_row_height)
    pdf.ln(2)
    pdf.set_font(FONT, style="B", size=12)
    pdf.cell(0, SECTION_HEADING_HEIGHT - 2, _clean(heading), new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _fields(pdf: _FormPDF, fields: list[tuple[str, float, float]]) -> None:
    """One row of labels, each with a line to write on below it; position and width are fractions of the text width."""
    pdf.keep_together(FIELD_HEIGHT)
    top = pdf.get_y()
    pdf.set_font(FONT, size=8.5)
    pdf.set_text_color(*GREY)
    pdf.set_draw_color(0, 0, 0)
    pdf.set_line_width(0.2)
    for label, position, width in fields:
        left = SIDE_MARGIN + position * pdf.text_width
        pdf.set_xy(left, top)
        pdf.cell(width * pdf.text_width, 4, _clean(label))
        pdf.line(left, top + FIELD_HEIGHT - 1.5, left + width * pdf.text_width, top + FIELD_HEIGHT - 1.5)
    pdf.set_text_color(0, 0, 0)
    pdf.set_xy(SIDE_MARGIN, top + FIELD_HEIGHT)


def _closing(pdf: _FormPDF, document: DocumentData, settings: Settings) -> None:
    """Where to send the form, the e-service alternative and whom to ask, kept together on one page."""
    send_to = _clean(f"Skicka blanketten till: {document.send_to}")
    about = _clean(
        f"Du kan också använda e-tjänsten ”{document.service_title}” på kommunens e-tjänsteplattform. "
        f"Har du frågor? Ring Kontaktcenter på {settings.contact_phone} eller mejla {settings.contact_email}. "
        "Vi behandlar dina personuppgifter enligt dataskyddsförordningen (GDPR)."
    )
    pdf.set_font(FONT, style="B", size=10)
    height = pdf.text_height(send_to, LINE_HEIGHT)
    pdf.set_font(FONT, size=9)
    height += pdf.text_height(about, SMALL_LINE_HEIGHT)
    pdf.keep_together(height + 7)
    pdf.ln(5)
    pdf.set_font(FONT, style="B", size=10)
    pdf.multi_cell(0, LINE_HEIGHT, send_to, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    pdf.set_font(FONT, size=9)
    pdf.multi_cell(0, SMALL_LINE_HEIGHT, about, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
