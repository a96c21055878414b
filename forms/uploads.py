"""Checking uploaded files by their content: what a file is comes from its bytes, never from its name or from the
Content-Type the browser sent.

`sniff` tells the kind of a file (one of `definition.FILE_KINDS`) from its magic bytes. The `filetype` library
recognises PDF, JPEG and PNG; what it does not do well is done here: HEIC by all of its ISO-BMFF brands, Word, Excel
and OpenDocument text by the members of their ZIP container (read from the central directory with `zipfile`, never
extracted, and only when the directory is small), and plain text as UTF-8 without NUL bytes.

`check_upload` applies a file field's limits and returns what is stored with the attachment: a safe file name whose
extension matches the content, the kind, the Content-Type to serve it with, the size and the SHA-256.
"""

from __future__ import annotations

import hashlib
import io
import re
import struct
import unicodedata
import zipfile
from dataclasses import dataclass

import filetype
from babel.lists import format_list
from filetype.types import archive as filetype_archive
from filetype.types import image as filetype_image

from core.i18n import current_locale, format_number, ngettext
from core.i18n import gettext as _
from forms.definition import Field

CONTENT_TYPES: dict[str, str] = {
    "pdf": "application/pdf",
    "jpg": "image/jpeg",
    "png": "image/png",
    "heic": "image/heic",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "odt": "application/vnd.oasis.opendocument.text",
    "txt": "text/plain; charset=utf-8",
}

MAX_FILENAME_LENGTH = 120
FALLBACK_STEM = "bilaga"  # stored data, not interface text: the same in every locale
MEGABYTE = 1024 * 1024

# Magic numbers the library knows well, and the kind each one is.
_MATCHERS = {
    filetype_archive.Pdf(): "pdf",
    filetype_image.Jpeg(): "jpg",
    filetype_image.Png(): "png",
}
_HEADER_BYTES = 8192

# HEIC: an ISO-BMFF file whose `ftyp` box names a HEIF brand with HEVC-coded images. `mif1`/`msf1` alone are the
# generic HEIF brands (AVIF uses them too), so they count only with an HEVC brand among the compatible ones.
_HEVC_BRANDS = frozenset({"heic", "heix", "heim", "heis", "hevc", "hevx", "hevm", "hevs"})
_GENERIC_HEIF_BRANDS = frozenset({"mif1", "msf1", "mif2"})
_MAX_FTYP_SIZE = 4096

# ZIP containers: the central directory is read only when it is small enough to be a document's.
_ZIP_LOCAL_HEADER = b"PK\x03\x04"
_ZIP_END_RECORD = b"PK\x05\x06"
_ZIP64_LOCATOR = b"PK\x06\x07"
_ZIP_END_RECORD_SIZE = 22
_MAX_ZIP_COMMENT = 0xFFFF
MAX_ZIP_MEMBERS = 2000
MAX_ZIP_DIRECTORY_BYTES = 512 * 1024
_ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"

# Plain text: at most this share of control characters (other than tab, line feed, carriage return, form feed).
_TEXT_CONTROL = re.compile(r"[\x01-\x08\x0b\x0e-\x1f\x7f-\x9f]")
_MAX_CONTROL_SHARE = 0.01

# File names.
_PATH_SEPARATORS = re.compile(r"[/\\]")
_RESERVED = frozenset('<>:"|?*')
_EXTENSION = re.compile(r"\.(?=[A-Za-z0-9]*[A-Za-z])[A-Za-z0-9]{1,10}$")
_WINDOWS_DEVICE = re.compile(r"^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$", re.IGNORECASE)


def sniff(data: bytes) -> str | None:
    """The kind of file `data` is (pdf, jpg, png, heic, docx, xlsx, odt or txt), or None. Never raises."""
    try:
        return _sniff(bytes(data))
    except Exception:  # a malformed file is simply not a known kind
        return None


def _sniff(data: bytes) -> str | None:
    if not data:
        return None
    header = data[:_HEADER_BYTES]
    matched = filetype.match(header, matchers=list(_MATCHERS))
    if matched is not None:
        return _MATCHERS[matched]
    if _is_heic(header):
        return "heic"
    if data.startswith(_ZIP_LOCAL_HEADER):
        return _zip_kind(data)
    if _is_text(data):
        return "txt"
    return None


def _is_heic(header: bytes) -> bool:
    """An ISO-BMFF `ftyp` box first in the file, with a HEVC-coded HEIF brand."""
    if len(header) < 16 or header[4:8] != b"ftyp":
        return False
    (box_size,) = struct.unpack(">I", header[:4])
    if not 16 <= box_size <= min(len(header), _MAX_FTYP_SIZE) or box_size % 4:
        return False
    major = header[8:12].decode("latin-1")
    compatible = {header[at : at + 4].decode("latin-1") for at in range(16, box_size, 4)}
    if major in _HEVC_BRANDS:
        return True
    return major in _GENERIC_HEIF_BRANDS and bool(compatible & _HEVC_BRANDS)


def _zip_kind(data: bytes) -> str | None:
    """docx, xlsx or odt by the members of the ZIP container; None for any other or a suspicious ZIP."""
    if not _zip_directory_is_small(data):
        return None
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = archive.infolist()
        if len(members) > MAX_ZIP_MEMBERS:
            return None
        names = {member.filename for member in members}
        if "mimetype" in names:
            mimetype = archive.getinfo("mimetype")
            if mimetype.file_size > 200:
                return None
            with archive.open(mimetype) as member:
                content = member.read(200)
            return "odt" if content.strip() == _ODT_MIMETYPE else None
    if "[Content_Types].xml" not in names:
        return None
    word = any(name.startswith("word/") for name in names)
    excel = any(name.startswith("xl/") for name in names)
    if word != excel:
        return "docx" if word else "xlsx"
    return None


def _zip_directory_is_small(data: bytes) -> bool:
    """Look at the end record the way `zipfile` finds it, so that opening the archive reads a bounded directory:
    `zipfile` builds an object for every member of the central directory when it opens a file."""
    record = _zip_end_record(data)
    if record is None:
        return False
    start, members, directory_size = record
    if start >= 20 and data[start - 20 : start - 16] == _ZIP64_LOCATOR:
        return False  # ZIP64 would override these numbers; documents this small never need it
    return members <= MAX_ZIP_MEMBERS and directory_size <= MAX_ZIP_DIRECTORY_BYTES


def _zip_end_record(data: bytes) -> tuple[int, int, int] | None:
    """(offset, member count, central directory size) of the end of central directory record."""
    last = len(data) - _ZIP_END_RECORD_SIZE
    if last >= 0 and data[last : last + 4] == _ZIP_END_RECORD and data[-2:] == b"\x00\x00":
        start = last
    else:
        search_from = max(len(data) - _MAX_ZIP_COMMENT - 1 - _ZIP_END_RECORD_SIZE, 0)
        start = data.rfind(_ZIP_END_RECORD, search_from)
        if start < 0 or start > last:
            return None
    members, directory_size = struct.unpack("<HI", data[start + 10 : start + 16])
    return start, members, directory_size


def _is_text(data: bytes) -> bool:
    """Valid UTF-8 (a byte order mark allowed), no NUL bytes, and hardly any control characters."""
    if b"\x00" in data:
        return False
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    if not text.strip():
        return False
    return len(_TEXT_CONTROL.findall(text)) <= _MAX_CONTROL_SHARE * len(text)


def safe_filename(name: str, kind: str) -> str:
    """A file name safe to store, show and offer for download: no directories, control or reserved characters,
    Swedish letters kept, whitespace collapsed, at most 120 characters, and the extension of the sniffed `kind`."""
    if kind not in CONTENT_TYPES:
        raise ValueError(f"unknown file kind: {kind!r}")
    extension = "." + kind
    name = unicodedata.normalize("NFC", name)
    name = _PATH_SEPARATORS.split(name)[-1]
    kept = []
    for char in name:
        if char.isspace():
            kept.append(" ")
        elif unicodedata.category(char).startswith("C"):
            continue  # control, format (e.g. right-to-left override), surrogate, private use, unassigned
        else:
            kept.append("_" if char in _RESERVED else char)
    stem = re.sub(r"\s+", " ", "".join(kept)).strip()
    stem = _EXTENSION.sub("", stem)
    if stem.lower().endswith(extension):  # "faktura.pdf.exe" that is a PDF: not "faktura.pdf.pdf"
        stem = stem[: -len(extension)]
    stem = _trim(stem)
    stem = _trim(stem[: MAX_FILENAME_LENGTH - len(extension)])
    if not any(char.isalnum() for char in stem):
        stem = FALLBACK_STEM
    if _WINDOWS_DEVICE.match(stem):
        stem = "_" + stem[: MAX_FILENAME_LENGTH - len(extension) - 1]
    return stem + extension


def _trim(stem: str) -> str:
    """No leading dots (hidden files, "..") and no trailing dots or spaces (refused by Windows)."""
    return stem.lstrip(". ").rstrip(". ")


class UploadRejected(ValueError):
    """A file the user must replace; `message` is shown next to the file field, `reason` says which rule failed:
    "empty", "too_large", "wrong_kind" or "too_many"."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.message = message
        self.reason = reason


@dataclass(frozen=True)
class CheckedFile:
    filename: str
    kind: str
    content_type: str
    size: int
    sha256: str


def check_upload(data: bytes, filename: str, field: Field, already_attached: int) -> CheckedFile:
    """Apply the file field's limits to one uploaded file; raises UploadRejected with a message for the user."""
    if already_attached + 1 > field.max_files:
        raise UploadRejected(
            ngettext(
                "You can upload at most %(count)d file.", "You can upload at most %(count)d files.", field.max_files
            )
            % {"count": field.max_files},
            "too_many",
        )
    size = len(data)
    if size == 0:
        raise UploadRejected(_("The file is empty."), "empty")
    if size > field.max_size_mb * MEGABYTE:
        raise UploadRejected(
            _("The file is too large. It may be at most %(size)s MB.") % {"size": format_number(field.max_size_mb)},
            "too_large",
        )
    kind = sniff(data)
    if kind is None or kind not in field.accept:
        raise UploadRejected(_("The file must be a %(kinds)s.") % {"kinds": describe_kinds(field.accept)}, "wrong_kind")
    return CheckedFile(
        filename=safe_filename(filename, kind),
        kind=kind,
        content_type=CONTENT_TYPES[kind],
        size=size,
        sha256=hashlib.sha256(data).hexdigest(),
    )


def kind_name(kind: str) -> str:
    """How a kind is called for people: "PDF", "Word file"."""
    names = {
        "docx": _("Word file"),
        "xlsx": _("Excel file"),
        "odt": _("OpenDocument text"),
        "txt": _("text file"),
    }
    return names.get(kind, kind.upper())


def describe_kinds(kinds: tuple[str, ...] | list[str]) -> str:
    """The kinds as a list for a sentence: "PDF, JPG or PNG"."""
    return format_list([kind_name(kind) for kind in kinds], style="or", locale=current_locale())
