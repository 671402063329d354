"""Checking uploads by their content, never by their name: photos (JPEG, PNG, WebP) and CVs (PDF, DOCX)."""

import io
import warnings
import zipfile
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError
from pypdf import PdfReader
from pypdf.errors import PdfReadError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

PHOTO_MAX_BYTES = 5 * 1024 * 1024
CV_MAX_BYTES = 10 * 1024 * 1024
PHOTO_MAX_SIDE = 512
#: Larger images are refused before decoding: a small file can unpack to gigabytes (a decompression bomb).
PHOTO_MAX_PIXELS = 40_000_000
PHOTO_FORMATS = {"JPEG", "PNG", "WEBP"}

DOCX_MAX_ENTRIES = 2000
DOCX_MAX_UNPACKED = 60 * 1024 * 1024
DOCX_MAX_RATIO = 200  # unpacked size / packed size of any one entry
DOCX_MAIN = "word/document.xml"
DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF_CONTENT_TYPE = "application/pdf"
#: Keys that make a PDF do something on its own: scripts, event actions (/AA), programs launched, files
#: carried inside it, XFA forms (scripted), rich media.
PDF_ACTIVE_KEYS = {"/JS", "/JavaScript", "/AA", "/Launch", "/EmbeddedFile", "/EmbeddedFiles", "/EF", "/XFA",
                   "/RichMedia"}  # fmt: skip
#: Actions (/S) that run a script, start a program, send or load data, or open another file.
PDF_ACTIVE_ACTIONS = {"/JavaScript", "/Launch", "/SubmitForm", "/ImportData", "/GoToE", "/GoToR", "/Rendition",
                      "/RichMediaExecute", "/Sound", "/Movie"}  # fmt: skip
#: Objects (/Type or /Subtype) that carry a file or media.
PDF_ACTIVE_TYPES = {"/EmbeddedFile", "/FileAttachment", "/RichMedia", "/Screen", "/Movie", "/Sound"}
#: A CV has a few thousand objects; walking more is refused rather than left half-checked.
PDF_MAX_DICTIONARIES = 200_000


class UploadRejected(Exception):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


@dataclass(frozen=True)
class CheckedFile:
    data: bytes
    content_type: str
    extension: str


def _within(data: bytes, limit: int) -> None:
    if not data:
        raise UploadRejected(_l("The file is empty."))
    if len(data) > limit:
        raise UploadRejected(_l("The file is larger than %(size)d MB.", size=limit // (1024 * 1024)))


# --- photos ------------------------------------------------------------------------------------------


def clean_photo(data: bytes) -> CheckedFile:
    """Decode the image, refuse anything else, and re-encode it small with no metadata (EXIF, GPS)."""
    _within(data, PHOTO_MAX_BYTES)
    image = _open_image(data)
    image = ImageOps.exif_transpose(image)  # keep the orientation the camera meant, then drop EXIF
    image = image.convert("RGB")
    image.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))
    output = io.BytesIO()
    image.save(output, format="JPEG", quality=85, optimize=True)  # a fresh file: no EXIF, no GPS, no comments
    return CheckedFile(output.getvalue(), "image/jpeg", "jpg")


def _open_image(data: bytes) -> Image.Image:
    refused = UploadRejected(_l("This file is not a photo we accept. Use a JPEG, PNG or WebP image."))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in PHOTO_FORMATS:
                raise refused
            width, height = image.size
            if width * height > PHOTO_MAX_PIXELS:
                raise UploadRejected(_l("This image has too many pixels. Use a smaller photo."))
            image.load()
    except UploadRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UploadRejected(_l("This image has too many pixels. Use a smaller photo.")) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise refused from None
    return image


# --- CVs ---------------------------------------------------------------------------------------------


def check_cv(data: bytes) -> CheckedFile:
    """A PDF that opens, or a Word document (DOCX) without macros; anything else is refused."""
    _within(data, CV_MAX_BYTES)
    if data.startswith(b"%PDF-"):
        _check_pdf(data)
        return CheckedFile(data, PDF_CONTENT_TYPE, "pdf")
    if data.startswith(b"PK\x03\x04"):
        _check_docx(data)
        return CheckedFile(data, DOCX_CONTENT_TYPE, "docx")
    raise UploadRejected(_l("This file is not a PDF or a Word document (DOCX). Save your CV in one of these formats."))


def _check_pdf(data: bytes) -> None:
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise UploadRejected(_l("This PDF is protected by a password. Upload a version without one."))
        if len(reader.pages) == 0:
            raise UploadRejected(_l("This PDF has no page."))
        if _has_active_content(reader):
            raise UploadRejected(
                _l(
                    "This PDF contains active content (scripts, automatic actions, embedded files or XFA forms). "
                    "Export it again as a plain PDF (print to PDF) and retry."
                )
            )
    except UploadRejected:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError, RecursionError):
        raise UploadRejected(_l("This PDF is damaged and cannot be opened. Export it again and retry.")) from None


def _has_active_content(reader: PdfReader) -> bool:
    """Walk every object reachable from the trailer (what a viewer can reach) for something that acts on its own.

    Links to web pages (/URI) and an opening view (a page destination, or a GoTo action) are not active: word
    processors write them in ordinary CVs. A file too intricate to walk is refused with the same message.
    """
    seen: set[tuple[int, int]] = set()
    stack = [reader.trailer]
    walked = 0
    while stack:
        node = stack.pop()
        if isinstance(node, IndirectObject):
            if (node.idnum, node.generation) in seen:
                continue
            seen.add((node.idnum, node.generation))
            node = node.get_object()
        if isinstance(node, ArrayObject):
            stack.extend(node)
        elif isinstance(node, DictionaryObject):  # stream dictionaries too; their data is not decoded
            walked += 1
            if walked > PDF_MAX_DICTIONARIES or _is_active(node):
                return True
            stack.extend(node.values())
    return False


def _is_active(node: DictionaryObject) -> bool:
    if PDF_ACTIVE_KEYS.intersection(node.keys()):
        return True
    if node.get("/S") in PDF_ACTIVE_ACTIONS or PDF_ACTIVE_TYPES.intersection({node.get("/Type"), node.get("/Subtype")}):
        return True
    opening = node.get("/OpenAction")
    opening = opening.get_object() if isinstance(opening, IndirectObject) else opening
    return isinstance(opening, DictionaryObject) and opening.get("/S") != "/GoTo"


def _check_docx(data: bytes) -> None:
    not_word = UploadRejected(_l("This file is not a valid Word document (DOCX)."))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise not_word from None
    if len(entries) > DOCX_MAX_ENTRIES or sum(entry.file_size for entry in entries) > DOCX_MAX_UNPACKED:
        raise UploadRejected(_l("This document unpacks to too much data. Save it again as a plain DOCX."))
    if any(entry.file_size > DOCX_MAX_RATIO * max(entry.compress_size, 1) for entry in entries):
        raise UploadRejected(_l("This document unpacks to too much data. Save it again as a plain DOCX."))
    names = {entry.filename for entry in entries}
    if DOCX_MAIN not in names or "[Content_Types].xml" not in names:
        raise not_word
    content_types = archive.read("[Content_Types].xml").decode("utf-8", "replace")
    if any(name.lower().endswith("vbaproject.bin") for name in names) or "macroEnabled" in content_types:
        raise UploadRejected(_l("Documents with macros are refused. Save your CV as a plain DOCX or a PDF."))
    if "wordprocessingml.document.main+xml" not in content_types:
        raise not_word
