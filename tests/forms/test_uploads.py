"""Uploaded files are judged by their bytes: real samples of every kind, renamed and forged files, the field's limits,
and file names from hostile or careless clients."""

from __future__ import annotations

import hashlib
import io
import struct
import unicodedata
import zipfile

import pytest
from fpdf import FPDF
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from forms import uploads
from forms.definition import FILE_KINDS, Field
from forms.uploads import CONTENT_TYPES, CheckedFile, UploadRejected, check_upload, safe_filename, sniff

# --- samples, made the way the real programs make them ---------------------------------------------------------------


def pdf_bytes() -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(0, 10, "Situationsplan")
    return bytes(pdf.output())


def image_bytes(format: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, format=format)
    return buffer.getvalue()


def heic_bytes(major: bytes = b"heic", compatible: tuple[bytes, ...] = (b"mif1", b"heic")) -> bytes:
    """An ISO-BMFF `ftyp` box as an iPhone writes it, followed by the start of a `meta` box."""
    body = major + b"\x00\x00\x00\x00" + b"".join(compatible)
    return struct.pack(">I", 8 + len(body)) + b"ftyp" + body + b"\x00\x00\x00\x22meta" + bytes(26)


def zip_bytes(members: dict[str, bytes], stored_first: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        if stored_first is not None:
            archive.writestr(stored_first, members[stored_first], compress_type=zipfile.ZIP_STORED)
        for name, content in members.items():
            if name != stored_first:
                archive.writestr(name, content)
    return buffer.getvalue()


CONTENT_TYPES_XML = (
    b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'
)


def docx_bytes() -> bytes:
    return zip_bytes(
        {
            "[Content_Types].xml": CONTENT_TYPES_XML,
            "_rels/.rels": b"<Relationships/>",
            "word/document.xml": b"<w:document/>",
            "word/styles.xml": b"<w:styles/>",
            "docProps/core.xml": b"<cp:coreProperties/>",
        }
    )


def xlsx_bytes() -> bytes:
    return zip_bytes(
        {
            "[Content_Types].xml": CONTENT_TYPES_XML,
            "_rels/.rels": b"<Relationships/>",
            "xl/workbook.xml": b"<workbook/>",
            "xl/worksheets/sheet1.xml": b"<worksheet/>",
        }
    )


def opendocument_bytes(mimetype: bytes = b"application/vnd.oasis.opendocument.text") -> bytes:
    return zip_bytes(
        {
            "mimetype": mimetype,
            "content.xml": b"<office:document-content/>",
            "META-INF/manifest.xml": b"<manifest:manifest/>",
        },
        stored_first="mimetype",
    )


EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(48) + b"PE\x00\x00" + bytes(200)


def file_field(**settings: object) -> Field:
    return Field(id="underlag", type="file", label="Ritningar", **settings)


# --- sniff ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (pdf_bytes(), "pdf"),
        (image_bytes("JPEG"), "jpg"),
        (image_bytes("PNG"), "png"),
        (heic_bytes(), "heic"),
        (heic_bytes(b"heix", (b"mif1", b"heix")), "heic"),
        (heic_bytes(b"mif1", (b"mif1", b"heic")), "heic"),
        (heic_bytes(b"msf1", (b"msf1", b"hevc")), "heic"),
        (docx_bytes(), "docx"),
        (xlsx_bytes(), "xlsx"),
        (opendocument_bytes(), "odt"),
        ("Hej! Här är min beskrivning av ärendet.\r\n\tRad två – med tab.\n".encode(), "txt"),
        ("\ufeffMed byte order mark: åäö".encode(), "txt"),
    ],
    ids=["pdf", "jpeg", "png", "heic", "heix", "mif1-heic", "msf1-hevc", "docx", "xlsx", "odt", "txt", "txt-bom"],
)
def test_sniff_recognises_real_files(data: bytes, kind: str) -> None:
    assert sniff(data) == kind


@pytest.mark.parametrize(
    "data",
    [
        b"",
        EXE,
        b"GIF89a\x01\x00\x01\x00\x00\x00\x00;",
        heic_bytes(b"avif", (b"mif1", b"avif")),  # AVIF shares the generic HEIF brands
        heic_bytes(b"mif1", (b"mif1", b"avif")),
        heic_bytes(b"isom", (b"isom", b"mp41")),  # an MP4 video
        zip_bytes({"a.txt": b"hello", "b.txt": b"world"}),
        zip_bytes({"[Content_Types].xml": CONTENT_TYPES_XML, "ppt/presentation.xml": b"<p/>"}),  # PowerPoint
        zip_bytes({"[Content_Types].xml": CONTENT_TYPES_XML, "word/document.xml": b"", "xl/workbook.xml": b""}),
        opendocument_bytes(b"application/vnd.oasis.opendocument.spreadsheet"),
        b"PK\x03\x04" + bytes(100),  # a broken ZIP
        "på svenska".encode("latin-1"),  # text, but not UTF-8
        b"text with a NUL\x00 byte",
        b"\x01\x02\x03\x04\x05\x06\x07\x08 binary junk that decodes as UTF-8 \x0e\x0f\x10\x11\x12",
        b"   \n\t  ",
    ],
    ids=[
        "empty",
        "exe",
        "gif",
        "avif",
        "avif-mif1",
        "mp4",
        "plain-zip",
        "pptx",
        "word-and-excel",
        "ods",
        "broken-zip",
        "latin-1",
        "nul",
        "control-characters",
        "only-whitespace",
    ],
)
def test_sniff_recognises_nothing_else(data: bytes) -> None:
    assert sniff(data) is None


def test_a_zip_with_too_large_a_directory_is_not_opened() -> None:
    members = {"[Content_Types].xml": CONTENT_TYPES_XML, "word/document.xml": b"<w:document/>"}
    members |= {f"word/media/{number}.bin": b"" for number in range(uploads.MAX_ZIP_MEMBERS)}
    assert sniff(zip_bytes(members)) is None


def test_a_zip64_end_record_is_not_trusted() -> None:
    data = docx_bytes()
    end = data.rfind(b"PK\x05\x06")
    forged = data[:end] + b"PK\x06\x07" + bytes(16) + data[end:]
    assert sniff(forged) is None


def test_a_docx_after_a_zip_comment_is_still_a_docx() -> None:
    buffer = io.BytesIO(docx_bytes())
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.comment = b"written by a scanner"
    assert sniff(buffer.getvalue()) == "docx"


@pytest.mark.parametrize(
    "prefix", [b"", b"%PDF-1.7\n", b"PK\x03\x04", b"\x00\x00\x00\x18ftypheic", b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n"]
)
@given(rest=st.binary(max_size=2048))
@settings(max_examples=60, deadline=None)
def test_sniff_never_raises(prefix: bytes, rest: bytes) -> None:
    assert sniff(prefix + rest) in (*FILE_KINDS, None)


@given(data=st.data())
@settings(max_examples=80, deadline=None)
def test_sniff_never_raises_on_damaged_documents(data: st.DataObject) -> None:
    original = bytearray(data.draw(st.sampled_from([docx_bytes(), xlsx_bytes(), opendocument_bytes()])))
    for _ in range(data.draw(st.integers(1, 8))):
        original[data.draw(st.integers(0, len(original) - 1))] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(0, len(original)))
    assert sniff(bytes(original[:cut])) in (*FILE_KINDS, None)


def test_every_kind_has_a_content_type() -> None:
    assert set(CONTENT_TYPES) == set(FILE_KINDS)
    assert CONTENT_TYPES["pdf"] == "application/pdf"
    assert CONTENT_TYPES["txt"] == "text/plain; charset=utf-8"


# --- check_upload --------------------------------------------------------------------------------------------------


def test_a_pdf_is_accepted_and_described() -> None:
    data = pdf_bytes()
    checked = check_upload(data, "Situationsplan.pdf", file_field(accept=("pdf",)), already_attached=0)
    assert checked == CheckedFile(
        filename="Situationsplan.pdf",
        kind="pdf",
        content_type="application/pdf",
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )


def test_the_extension_follows_the_content() -> None:
    checked = check_upload(pdf_bytes(), "ritning.exe", file_field(accept=("pdf",)), already_attached=0)
    assert checked.filename == "ritning.pdf"
    assert checked.content_type == "application/pdf"


def test_a_png_called_pdf_is_rejected_by_a_pdf_only_field() -> None:
    with pytest.raises(UploadRejected) as rejected:
        check_upload(image_bytes("PNG"), "intyg.pdf", file_field(accept=("pdf",)), already_attached=0)
    assert rejected.value.reason == "wrong_kind"
    assert rejected.value.message == "Filen måste vara en PDF."
    assert str(rejected.value) == rejected.value.message
    assert isinstance(rejected.value, ValueError)


def test_a_program_called_pdf_is_rejected_with_the_allowed_kinds() -> None:
    with pytest.raises(UploadRejected) as rejected:
        check_upload(EXE, "faktura.pdf", file_field(), already_attached=0)
    assert rejected.value.message == "Filen måste vara en PDF, JPG eller PNG."


def test_the_allowed_kinds_are_named_for_people() -> None:
    with pytest.raises(UploadRejected) as rejected:
        check_upload(EXE, "a.docx", file_field(accept=("docx", "xlsx", "odt", "txt")), already_attached=0)
    assert rejected.value.message == "Filen måste vara en Word-fil, Excel-fil, OpenDocument-text eller textfil."


@pytest.mark.parametrize(
    ("data", "name", "kind"),
    [
        (image_bytes("JPEG"), "IMG_0001.JPEG", "jpg"),
        (heic_bytes(), "IMG_0002.HEIC", "heic"),
        (docx_bytes(), "Ansökan.docx", "docx"),
        (xlsx_bytes(), "Kalkyl.xlsx", "xlsx"),
        (opendocument_bytes(), "Yttrande.odt", "odt"),
        ("Grannens medgivande: ja, på villkor".encode(), "medgivande.txt", "txt"),
    ],
)
def test_every_kind_is_accepted_where_allowed(data: bytes, name: str, kind: str) -> None:
    checked = check_upload(data, name, file_field(accept=FILE_KINDS), already_attached=0)
    assert checked.kind == kind
    assert checked.content_type == CONTENT_TYPES[kind]
    assert checked.filename.endswith("." + kind)


def test_an_empty_file_is_rejected() -> None:
    with pytest.raises(UploadRejected) as rejected:
        check_upload(b"", "tom.pdf", file_field(), already_attached=0)
    assert (rejected.value.reason, rejected.value.message) == ("empty", "Filen är tom.")


def test_a_file_of_exactly_the_limit_is_accepted_and_one_byte_more_is_not() -> None:
    data = pdf_bytes()
    limit = 1024 * 1024
    padded = data + b"\n" * (limit - len(data))
    assert check_upload(padded, "a.pdf", file_field(max_size_mb=1), already_attached=0).size == limit
    with pytest.raises(UploadRejected) as rejected:
        check_upload(padded + b"\n", "a.pdf", file_field(max_size_mb=1), already_attached=0)
    assert rejected.value.reason == "too_large"
    assert rejected.value.message == "Filen är för stor. Den får vara högst 1 MB."


@pytest.mark.parametrize(("limit", "shown"), [(10.0, "10"), (2.5, "2,5"), (0.5, "0,5")])
def test_the_size_limit_is_written_the_swedish_way(limit: float, shown: str) -> None:
    data = pdf_bytes() + b"\n" * int(limit * 1024 * 1024)
    with pytest.raises(UploadRejected) as rejected:
        check_upload(data, "a.pdf", file_field(max_size_mb=limit), already_attached=0)
    assert rejected.value.message == f"Filen är för stor. Den får vara högst {shown} MB."


def test_no_more_files_than_the_field_allows() -> None:
    field = file_field(max_files=5)
    assert check_upload(pdf_bytes(), "a.pdf", field, already_attached=4).kind == "pdf"
    with pytest.raises(UploadRejected) as rejected:
        check_upload(pdf_bytes(), "a.pdf", field, already_attached=5)
    assert (rejected.value.reason, rejected.value.message) == ("too_many", "Du kan ladda upp högst 5 filer.")


def test_one_file_is_said_in_the_singular() -> None:
    with pytest.raises(UploadRejected) as rejected:
        check_upload(pdf_bytes(), "a.pdf", file_field(max_files=1), already_attached=1)
    assert rejected.value.message == "Du kan ladda upp högst 1 fil."


# --- safe_filename -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kind", "safe"),
    [
        ("../../etc/passwd", "txt", "passwd.txt"),
        ("C:\\Users\\x\\a.pdf", "pdf", "a.pdf"),
        ("/home/anna/Dokument/Fasadritning.pdf", "pdf", "Fasadritning.pdf"),
        ("ritning.exe", "pdf", "ritning.pdf"),
        ("faktura.pdf.exe", "pdf", "faktura.pdf"),
        ("Överklagande – Åsa Ängström, Örebro.docx", "docx", "Överklagande – Åsa Ängström, Örebro.docx"),
        ("ansökan\x00\x07 om\tbygglov\n.pdf", "pdf", "ansökan om bygglov.pdf"),
        ("faktura\u202egdp.exe", "pdf", "fakturagdp.pdf"),  # a right-to-left override hiding the real extension
        ("  många    mellanslag  .pdf", "pdf", "många mellanslag.pdf"),
        ("Pla\u0308ttar.jpg", "jpg", "Plättar.jpg"),  # macOS sends decomposed letters
        ('a<b>c:"d"|e?f*.pdf', "pdf", "a_b_c__d__e_f_.pdf"),
        ("IMG_0001.JPEG", "jpg", "IMG_0001.jpg"),
        ("Bilaga 1.2", "pdf", "Bilaga 1.2.pdf"),
        ("Bilaga", "png", "Bilaga.png"),
        ("...pdf", "pdf", "bilaga.pdf"),
        (".htaccess", "txt", "bilaga.txt"),
        ("..", "pdf", "bilaga.pdf"),
        ("", "heic", "bilaga.heic"),
        ("???", "pdf", "bilaga.pdf"),
        ("\x00\x01\x02", "odt", "bilaga.odt"),
        ("CON.pdf", "pdf", "_CON.pdf"),
        ("slut med punkt. .pdf", "pdf", "slut med punkt.pdf"),
    ],
)
def test_safe_filename(name: str, kind: str, safe: str) -> None:
    assert safe_filename(name, kind) == safe


def test_a_long_name_is_shortened_to_120_characters_keeping_the_extension() -> None:
    safe = safe_filename("å" * 300 + ".pdf", "pdf")
    assert safe == "å" * 116 + ".pdf"
    assert len(safe) == 120


def test_a_long_name_does_not_end_in_a_space_after_shortening() -> None:
    safe = safe_filename("a" * 115 + " " + "b" * 100 + ".xlsx", "xlsx")
    assert safe == "a" * 115 + ".xlsx"


def test_an_unknown_kind_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown file kind"):
        safe_filename("a.exe", "exe")


def _assert_safe(safe: str, kind: str) -> None:
    assert "/" not in safe and "\\" not in safe
    assert not any(unicodedata.category(char).startswith("C") for char in safe)
    assert 0 < len(safe) <= uploads.MAX_FILENAME_LENGTH
    assert safe.endswith("." + kind)
    assert not safe.startswith(".")
    assert safe == safe.strip()
    assert not any(char in safe for char in '<>:"|?*')


@given(name=st.text(max_size=400), kind=st.sampled_from(FILE_KINDS))
def test_safe_filename_is_always_safe(name: str, kind: str) -> None:
    _assert_safe(safe_filename(name, kind), kind)


@given(name=st.text(alphabet="./\\ åäöÅÄÖx\x00\t\n\u202e\u200b:.e", max_size=300), kind=st.sampled_from(FILE_KINDS))
def test_safe_filename_is_safe_for_path_like_names(name: str, kind: str) -> None:
    _assert_safe(safe_filename(name, kind), kind)
