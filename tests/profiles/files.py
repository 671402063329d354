"""Real files for upload tests, made on the fly: photos with GPS EXIF, PDFs, Word documents, and bad ones."""

import io
import zipfile
import zlib

from PIL import Image
from pypdf import PdfWriter

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)
DOCUMENT = (
    '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/'
    '2006/main"><w:body><w:p><w:r><w:t>Camille Durand, curriculum vitae</w:t></w:r></w:p></w:body></w:document>'
)


def jpeg_with_gps(size=(1600, 1200)) -> bytes:
    image = Image.new("RGB", size, (30, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # camera make
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (48.0, 51.0, 24.0)
    gps[3] = "E"
    gps[4] = (2.0, 21.0, 7.0)
    output = io.BytesIO()
    image.save(output, format="JPEG", exif=exif)
    return output.getvalue()


def png(size=(300, 200)) -> bytes:
    output = io.BytesIO()
    Image.new("RGBA", size, (200, 30, 30, 255)).save(output, format="PNG")
    return output.getvalue()


def gif() -> bytes:
    output = io.BytesIO()
    Image.new("RGB", (10, 10)).save(output, format="GIF")
    return output.getvalue()


def huge_png_header() -> bytes:
    """A small PNG that claims 100,000 × 100,000 pixels: a decompression bomb."""
    output = io.BytesIO()
    Image.new("1", (100, 100)).save(output, format="PNG")
    data = bytearray(output.getvalue())
    data[16:24] = (100_000).to_bytes(4, "big") * 2  # width and height in the IHDR chunk
    data[29:33] = zlib.crc32(bytes(data[12:29])).to_bytes(4, "big")  # the chunk's checksum, so it still parses
    return bytes(data)


def pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def broken_pdf() -> bytes:
    return b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ngarbage without xref or trailer\n"


def docx(extra: dict | None = None, content_types: str = CONTENT_TYPES) -> bytes:
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", content_types)
        archive.writestr("word/document.xml", DOCUMENT)
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return output.getvalue()


def macro_docx() -> bytes:
    return docx(extra={"word/vbaProject.bin": b"\x00" * 100})


def zip_bomb_docx() -> bytes:
    return docx(extra={"word/media/padding.bin": b"\x00" * (80 * 1024 * 1024)})


def html_named_pdf() -> bytes:
    return b"<!doctype html><html><script>alert(document.cookie)</script></html>"


def svg() -> bytes:
    return b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="10" height="10"/></svg>'


def executable() -> bytes:
    return b"MZ\x90\x00" + b"\x00" * 200
