"""The receipt (kvittens) of a submitted application as an A4 PDF, made with fpdf2, and in the same layout the
staff's copy of a whole case (`case_pdf`).

Like the demo blanketter (db/demo/pdf_forms.py) it uses the core Helvetica font in Windows-1252, so the text is real,
selectable text without an embedded font. Answers can hold any character, so every text is first brought into
Windows-1252: typography it lacks gets its plain equivalent, accented letters it lacks lose the accent (ł -> l,
ą -> a), and anything else (emoji, Arabic, Chinese) becomes "?" rather than stopping the receipt. The document
metadata keeps the original text, since PDF metadata is Unicode.

The creation date is the time the application was received, so the same inputs always give the same bytes.
"""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime

from fpdf import FPDF
from fpdf.enums import MethodReturnValue, XPos, YPos
from fpdf.prefs import ViewerPreferences

from core.i18n import format_datetime
from core.i18n import gettext as _
from core.nouns import DEFAULT_NOUN, for_noun

FONT = "helvetica"
ENCODING = "windows-1252"
SIDE_MARGIN = 20
TOP_MARGIN = 15
BOTTOM_MARGIN = 20
LINE_HEIGHT = 5
SMALL_LINE_HEIGHT = 4.5
FACT_LABEL_WIDTH = 38
GREY = (90, 90, 90)
RULE_GREY = (170, 170, 170)
BULLET = "•"
UNKNOWN = "?"
EMPTY_VALUE = "–"

# Characters outside Windows-1252 with a plain equivalent inside it.
REPLACEMENTS = str.maketrans(
    {
        "\u2010": "-",  # hyphen
        "\u2011": "-",  # non-breaking hyphen
        "\u2012": "–",  # figure dash
        "\u2015": "—",  # horizontal bar
        "\u2212": "-",  # minus sign
        "\u2007": " ",  # figure space
        "\u2009": " ",  # thin space
        "\u200a": " ",  # hair space
        "\u202f": " ",  # narrow no-break space
        "\u2028": "\n",  # line separator
        "\u2029": "\n",  # paragraph separator
        "\u2032": "'",  # prime
        "\u2033": '"',  # double prime
        "\u2192": "->",
        "\u2190": "<-",
        "\u2713": "x",  # check mark
        "\u2714": "x",
        "\u00ad": "",  # soft hyphen
        "ł": "l",
        "Ł": "L",
        "đ": "d",
        "Đ": "D",
        "ħ": "h",
        "Ħ": "H",
        "ı": "i",
        "ŧ": "t",
        "Ŧ": "T",
    }
)


def pdf_text(text: str) -> str:
    """`text` in characters the core fonts can show (Windows-1252), without control characters except line feeds."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    text = text.translate(REPLACEMENTS)
    return "".join(_pdf_char(char) for char in text)


def _pdf_char(char: str) -> str:
    if char == "\n":
        return char
    category = unicodedata.category(char)
    if category.startswith("C"):
        return ""  # control and format characters (zero-width joiners, direction marks, emoji variation selectors)
    if category in ("Mn", "Me"):
        return _encodable(char) or ""  # a combining mark that did not compose with its letter
    encoded = _encodable(char)
    if encoded is not None:
        return encoded
    base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
    if base and all(_encodable(c) is not None for c in base):
        return base
    return UNKNOWN


def _encodable(char: str) -> str | None:
    try:
        char.encode(ENCODING)
    except UnicodeEncodeError:
        return None
    return char


class _ReceiptPDF(FPDF):
    def __init__(self, footer_text: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.footer_text = footer_text
        self.core_fonts_encoding = ENCODING
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
        page = pdf_text(_("Page %(page)s of %(pages)s") % {"page": self.page_no(), "pages": self.str_alias_nb_pages})
        page_width = self.get_string_width(page) + 2
        self.multi_cell(self.text_width - page_width - 4, 4, self.footer_text)
        self.set_xy(SIDE_MARGIN, self.h - BOTTOM_MARGIN + 6)
        self.cell(0, 4, page, align="R")
        self.set_text_color(0, 0, 0)

    def keep_together(self, height: float) -> None:
        """Start a new page unless a block of `height` mm fits on this one."""
        if self.get_y() + height > self.page_break_trigger:
            self.add_page()

    def text_height(self, text: str, line_height: float, width: float = 0) -> float:
        return self.multi_cell(width, line_height, text, dry_run=True, output=MethodReturnValue.HEIGHT)

    def paragraph(self, text: str, line_height: float = LINE_HEIGHT) -> None:
        self.multi_cell(0, line_height, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def receipt_pdf(
    *,
    municipality: str,
    contact_phone: str,
    contact_email: str,
    service_title: str,
    reference: str,
    received_at: datetime,
    noun: str = DEFAULT_NOUN,
    applicant_name: str | None,
    sections: list[tuple[str, list[tuple[str, str]]]],
    attachments: list[str],
    signatures: list[tuple[str, datetime]],
    next_steps: str,
) -> bytes:
    """The receipt as PDF bytes; it says "we have received your ..." with the e-service's `noun` (core.nouns).
    `sections` are the visible steps, each a title and its (label, answer) rows, in order; `attachments` are file
    names; `signatures` are (name, signed at). A naive datetime is taken as UTC."""
    received_at = _aware(received_at)
    contact_centre = _("Contact centre")
    pdf = _ReceiptPDF(footer_text=pdf_text(f"{municipality} · {contact_centre} {contact_phone} · {contact_email}"))
    title = _("Receipt %(reference)s – %(service)s") % {"reference": reference, "service": service_title}
    _describe(pdf, title, service_title, municipality, received_at)

    _heading(pdf, municipality, service_title, noun)
    facts = [(_("Reference number"), reference), (_("Received"), format_datetime(received_at))]
    if applicant_name and applicant_name.strip():
        facts.append((_("Applicant"), applicant_name))
    _facts(pdf, facts)

    for title, rows in sections:
        _section(pdf, title, rows)
    _attachments(pdf, attachments)
    if signatures:
        _list(
            pdf,
            _("Signatures"),
            [f"{name} – {format_datetime(_aware(signed_at))}" for name, signed_at in signatures],
        )
    if next_steps.strip():
        _next_steps(pdf, next_steps)
    return bytes(pdf.output())


def _describe(pdf: _ReceiptPDF, title: str, subject: str, municipality: str, created: datetime) -> None:
    """The document's metadata (title shown by viewers, Swedish, who made it and when), then its first page."""
    pdf.set_title(_metadata(title))
    pdf.set_subject(_metadata(subject))
    pdf.set_author(_metadata(municipality))
    pdf.set_creator(_metadata(_("%(municipality)s, e-service platform") % {"municipality": municipality}))
    pdf.set_lang("sv")
    pdf.set_creation_date(created)
    pdf.viewer_preferences = ViewerPreferences(display_doc_title=True)
    pdf.add_page()


def _metadata(text: str) -> str:
    """Metadata is Unicode (UTF-16 where needed), so it keeps every character; only control characters go."""
    text = unicodedata.normalize("NFC", text).replace("\n", " ")
    return "".join(char for char in text if not unicodedata.category(char).startswith("C"))


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _heading(pdf: _ReceiptPDF, municipality: str, service_title: str, noun: str) -> None:
    pdf.set_font(FONT, style="B", size=10)
    pdf.paragraph(pdf_text(municipality.upper()))
    pdf.ln(5)
    pdf.set_font(FONT, style="B", size=20)
    pdf.paragraph(pdf_text(_("Receipt")), line_height=9)
    pdf.ln(1)
    pdf.set_font(FONT, style="B", size=13)
    pdf.paragraph(pdf_text(service_title), line_height=6)
    pdf.ln(1.5)
    pdf.set_font(FONT, size=10)
    pdf.paragraph(pdf_text(for_noun(noun, "We have received your application.")))
    pdf.ln(3)


def _facts(pdf: _ReceiptPDF, facts: list[tuple[str, str]]) -> None:
    """Reference number, time received and applicant: a label column and a value column between two rules."""
    _rule(pdf)
    pdf.ln(2)
    value_width = pdf.text_width - FACT_LABEL_WIDTH
    for label, value in facts:
        top = pdf.get_y()
        pdf.set_font(FONT, size=9.5)
        pdf.set_text_color(*GREY)
        pdf.multi_cell(FACT_LABEL_WIDTH - 2, LINE_HEIGHT + 0.5, pdf_text(label))
        label_bottom = pdf.get_y()
        pdf.set_text_color(0, 0, 0)
        pdf.set_font(FONT, style="B", size=10.5)
        pdf.set_xy(SIDE_MARGIN + FACT_LABEL_WIDTH, top)
        pdf.multi_cell(value_width, LINE_HEIGHT + 0.5, pdf_text(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_y(max(pdf.get_y(), label_bottom))
        pdf.ln(0.5)
    pdf.ln(1.5)
    _rule(pdf)
    pdf.ln(2)


def _rule(pdf: _ReceiptPDF) -> None:
    pdf.set_draw_color(*RULE_GREY)
    pdf.set_line_width(0.2)
    pdf.line(SIDE_MARGIN, pdf.get_y(), pdf.w - SIDE_MARGIN, pdf.get_y())


def _section_heading(pdf: _ReceiptPDF, title: str, first_block_height: float) -> None:
    """A heading with a rule under it, kept on the same page as the first block below it."""
    pdf.keep_together(12 + first_block_height)
    pdf.ln(4)
    pdf.set_font(FONT, style="B", size=12)
    pdf.paragraph(pdf_text(title), line_height=6)
    pdf.ln(0.5)
    _rule(pdf)
    pdf.ln(1.5)


def _row_start_height(pdf: _ReceiptPDF, label: str) -> float:
    """The height of a row's label and the first line of its answer: what must not be split from each other."""
    pdf.set_font(FONT, style="B", size=9)
    return pdf.text_height(label, SMALL_LINE_HEIGHT) + LINE_HEIGHT + 2


def _section(pdf: _ReceiptPDF, title: str, rows: list[tuple[str, str]]) -> None:
    """A step: its title, then each question and answer, the answer under its question so long answers can run on
    to the next page."""
    cleaned = [(pdf_text(label), _value_text(value)) for label, value in rows]
    first = _row_start_height(pdf, cleaned[0][0]) if cleaned else LINE_HEIGHT
    _section_heading(pdf, title, first)
    for label, value in cleaned:
        pdf.keep_together(_row_start_height(pdf, label))
        pdf.ln(1.5)
        pdf.set_font(FONT, style="B", size=9)
        pdf.set_text_color(*GREY)
        pdf.paragraph(label, line_height=SMALL_LINE_HEIGHT)
        pdf.set_text_color(0, 0, 0)
        pdf.set_font(FONT, size=10)
        pdf.paragraph(value)


def _value_text(value: str) -> str:
    """An answer with its lines kept, trailing spaces and blank lines at either end dropped; "–" for no answer."""
    lines = [line.rstrip() for line in pdf_text(str(value)).split("\n")]
    text = "\n".join(lines).strip("\n")
    return text if text.strip() else EMPTY_VALUE


def _attachments(pdf: _ReceiptPDF, attachments: list[str]) -> None:
    if attachments:
        _list(pdf, _("Attachments"), attachments)
        return
    _section_heading(pdf, _("Attachments"), LINE_HEIGHT)
    pdf.set_font(FONT, size=10)
    pdf.paragraph(pdf_text(_("No attachments were sent.")))


def _list(pdf: _ReceiptPDF, title: str, items: list[str]) -> None:
    """A heading and a bullet list, each item wrapping under itself."""
    _section_heading(pdf, title, LINE_HEIGHT)
    pdf.set_font(FONT, size=10)
    for item in items:
        pdf.keep_together(LINE_HEIGHT)
        pdf.ln(0.5)
        pdf.set_x(SIDE_MARGIN + 1)
        pdf.cell(5, LINE_HEIGHT, BULLET)
        pdf.multi_cell(0, LINE_HEIGHT, pdf_text(item), new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _next_steps(pdf: _ReceiptPDF, text: str) -> None:
    """What happens next: paragraphs separated by blank lines, line breaks within a paragraph kept."""
    paragraphs = [paragraph.strip() for paragraph in pdf_text(text).split("\n\n") if paragraph.strip()]
    pdf.set_font(FONT, size=10)
    first = pdf.text_height(paragraphs[0], LINE_HEIGHT) if paragraphs else LINE_HEIGHT
    _section_heading(pdf, _("What happens next"), min(first, 3 * LINE_HEIGHT))
    pdf.set_font(FONT, size=10)
    for paragraph in paragraphs:
        pdf.paragraph(paragraph)
        pdf.ln(2)


def case_pdf(
    *,
    municipality: str,
    service_title: str,
    reference: str,
    facts: list[tuple[str, str]],
    sections: list[tuple[str, list[tuple[str, str]]]],
    attachments: list[str],
    signatures: list[str],
    timeline: list[str],
    messages: list[str],
    printed_at: datetime,
) -> bytes:
    """The whole case for staff (to read, print or file): its facts, the answers, attachments, signatures, timeline
    and the conversation, in the receipt's layout. `printed_at` is when it was made."""
    pdf = _ReceiptPDF(footer_text=pdf_text(f"{municipality} · {reference} · {format_datetime(_aware(printed_at))}"))
    title = _("Case %(reference)s – %(service)s") % {"reference": reference, "service": service_title}
    _describe(pdf, title, service_title, municipality, _aware(printed_at))
    pdf.set_font(FONT, style="B", size=10)
    pdf.paragraph(pdf_text(municipality.upper()))
    pdf.ln(5)
    pdf.set_font(FONT, style="B", size=20)
    pdf.paragraph(pdf_text(_("Case %(reference)s") % {"reference": reference}), line_height=9)
    pdf.set_font(FONT, style="B", size=13)
    pdf.paragraph(pdf_text(service_title), line_height=6)
    pdf.ln(3)
    _facts(pdf, facts)
    for section_title, rows in sections:
        _section(pdf, section_title, rows)
    _attachments(pdf, attachments)
    for heading, items in ((_("Signatures"), signatures), (_("Timeline"), timeline), (_("Messages"), messages)):
        if items:
            _list(pdf, heading, items)
    return bytes(pdf.output())
