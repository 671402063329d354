"""Checking uploads by their content, never by their name: photos (JPEG, PNG, WebP) and CVs (PDF, DOCX)."""

import io
import warnings
import zipfile
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError
from pypdf import PdfReader
from pypdf.errors import PdfReadError

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
    except UploadRejected:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError, RecursionError):
        raise UploadRejected(_l("This PDF is damaged and cannot be opened. Export it again and retry.")) from None


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
