"""Photo and CV uploads: checked by content, re-encoded or encrypted, replaced and deleted cleanly."""

import io
import zipfile
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from app.extensions import db
from app.profiles.models import UploadedFile
from tests.conftest import csrf_from, shown
from tests.profiles import files


def upload(client, kind, data, filename, lang="en", **extra):
    if kind == "cv":
        extra.setdefault("visibility", "connections")
    token = csrf_from(client.get(f"/{lang}/profile").text)
    return client.post(
        f"/{lang}/profile/{kind}",
        data={kind: (io.BytesIO(data), filename), "csrf_token": token, **extra},
        content_type="multipart/form-data",
    )


def stored(app, kind):
    with app.app_context():
        row = db.session.scalar(select(UploadedFile).where(UploadedFile.kind == kind))
        if row is not None:
            db.session.expunge(row)
        return row


def files_on_disk(app) -> list[Path]:
    return [path for path in Path(app.config["UPLOAD_DIR"]).rglob("*") if path.is_file()]


@pytest.mark.promise("security-measures")
def test_photo_loses_its_gps_exif_and_is_resized(app, candidate):
    response = upload(candidate, "photo", files.jpeg_with_gps(), "holiday.jpg")
    assert response.headers["Location"] == "/en/profile#files"
    served = candidate.get(f"/en/members/{stored(app, 'photo') and _public_id(app)}/files/photo")
    assert served.status_code == 200
    assert served.headers["Content-Disposition"].startswith("attachment;")
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    image = Image.open(io.BytesIO(served.data))
    assert max(image.size) == 512
    assert not image.getexif()  # no EXIF at all, so no GPS
    assert b"PhoneMaker" not in served.data


def _public_id(app):
    from app.auth.models import User

    with app.app_context():
        return db.session.scalar(select(User.public_id).where(User.email == "camille@example.com"))


def test_png_photo_is_accepted(app, candidate):
    assert upload(candidate, "photo", files.png(), "me.png").status_code == 302
    assert stored(app, "photo").content_type == "image/jpeg"


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (files.gif(), "me.gif", "Use a JPEG, PNG or WebP image."),
        (files.svg(), "me.png", "Use a JPEG, PNG or WebP image."),
        (files.pdf(), "me.jpg", "Use a JPEG, PNG or WebP image."),
        (files.huge_png_header(), "bomb.png", "too many pixels"),
        (b"", "empty.jpg", "The file is empty."),
    ],
)
def test_bad_photos_are_refused(app, candidate, data, name, message):
    response = upload(candidate, "photo", data, name)
    assert response.status_code == 400
    assert message in shown(response)
    assert stored(app, "photo") is None
    assert files_on_disk(app) == []


def test_photo_over_5_mb_is_refused_with_a_form_error(app, candidate):
    big = files.jpeg_with_gps() + b"\0" * (5 * 1024 * 1024)
    response = upload(candidate, "photo", big, "big.jpg", lang="fr")
    assert response.status_code == 400
    assert "Le fichier dépasse 5 Mo." in shown(response)
    assert stored(app, "photo") is None


def test_request_over_the_limit_gets_the_413_page(app, candidate):
    response = upload(candidate, "cv", b"%PDF-" + b"0" * (13 * 1024 * 1024), "huge.pdf", lang="fr")
    assert response.status_code == 413
    assert "Fichier trop volumineux" in shown(response)


@pytest.mark.promise("security-measures")
def test_cv_is_encrypted_on_disk_and_comes_back_decrypted(app, candidate):
    pdf = files.pdf()
    response = upload(candidate, "cv", pdf, "../../etc/My CV.pdf", visibility="private")
    assert response.status_code == 302
    row = stored(app, "cv")
    assert row.label == "My CV.pdf"  # the name is a label only
    [path] = files_on_disk(app)
    assert row.storage_name in path.name and "CV" not in str(path)
    raw = path.read_bytes()
    assert not raw.startswith(b"%PDF") and b"%PDF" not in raw
    downloaded = candidate.get(f"/en/members/{_public_id(app)}/files/cv")
    assert downloaded.data == pdf
    assert downloaded.headers["Cache-Control"] == "no-store"
    assert "sandbox" in downloaded.headers["Content-Security-Policy"]


def test_docx_is_accepted(app, candidate):
    assert upload(candidate, "cv", files.docx(), "cv.docx").status_code == 302
    row = stored(app, "cv")
    assert row.content_type.endswith("wordprocessingml.document")


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (files.broken_pdf(), "cv.pdf", "This PDF is damaged"),
        (files.html_named_pdf(), "cv.pdf", "not a PDF or a Word document"),
        (files.svg(), "cv.pdf", "not a PDF or a Word document"),
        (files.executable(), "cv.pdf", "not a PDF or a Word document"),
        (files.macro_docx(), "cv.docx", "Documents with macros are refused"),
        (files.zip_bomb_docx(), "cv.docx", "unpacks to too much data"),
        (files.docx(content_types="<Types/>"), "cv.docx", "not a valid Word document"),
        (b"PK\x03\x04 not really a zip", "cv.docx", "not a valid Word document"),
    ],
)
def test_bad_cvs_are_refused_and_keep_the_rest_of_the_form(app, candidate, data, name, message):
    response = upload(candidate, "cv", data, name, visibility="private")
    assert response.status_code == 400
    assert message in shown(response)
    assert '<option selected value="private">' in response.text  # the visibility chosen is kept
    assert stored(app, "cv") is None
    assert files_on_disk(app) == []


def test_zip_bomb_fixture_really_is_one():
    archive = zipfile.ZipFile(io.BytesIO(files.zip_bomb_docx()))
    assert sum(entry.file_size for entry in archive.infolist()) > 60 * 1024 * 1024


def test_replacing_and_deleting_the_cv_leaves_no_file_behind(app, candidate):
    upload(candidate, "cv", files.pdf(), "one.pdf")
    first = stored(app, "cv").storage_name
    upload(candidate, "cv", files.docx(), "two.docx")
    second = stored(app, "cv").storage_name
    assert first != second
    [path] = files_on_disk(app)
    assert second in path.name
    token = csrf_from(candidate.get("/en/profile").text)
    candidate.post("/en/profile/cv/delete", data={"csrf_token": token})
    assert stored(app, "cv") is None
    assert files_on_disk(app) == []
    assert candidate.get(f"/en/members/{_public_id(app)}/files/cv").status_code == 404
