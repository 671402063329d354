"""Uploads on S3-compatible object storage (STORAGE_BACKEND=s3), against a real server in its own process:
encrypted before they leave the portal, keys that name no member, and the same promises as on disk."""

import io
import re
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from app.auth.models import User
from app.core import storage
from app.core.timeutil import utcnow
from app.extensions import db
from app.profiles.models import UploadedFile
from tests.conftest import AuthActions, csrf_from
from tests.privacy.test_export_and_erasure import erase
from tests.profiles import files
from tests.profiles.test_uploads import upload
from tests.s3_server import s3_server  # noqa: F401 (a fixture)


@pytest.fixture
def bucket(s3_server):  # noqa: F811
    return s3_server.new_bucket()


@pytest.fixture
def app_config(app_config, s3_server, bucket):  # noqa: F811
    return {**app_config, **s3_server.settings(bucket)}


@pytest.fixture
def camille(app, make_user):
    user_id = make_user("camille@example.com", first_name="Camille", last_name="Durand", phone="+33612345678")
    client = app.test_client()
    client.auth = AuthActions(client)
    client.auth.login("camille@example.com")
    client.user_id = user_id
    return client


def _public_id(app, user_id):
    with app.app_context():
        return db.session.get(User, user_id).public_id


def _names_of(app, user_id):
    with app.app_context():
        return set(db.session.scalars(select(UploadedFile.storage_name).where(UploadedFile.user_id == user_id)))


def test_cv_and_photo_are_stored_encrypted_in_the_bucket_under_keys_that_name_nobody(app, camille, s3_server, bucket):  # noqa: F811
    cv = files.pdf()
    assert upload(camille, "cv", cv, "Camille Durand CV.pdf").status_code == 302
    assert upload(camille, "photo", files.jpeg_with_gps(), "camille.jpg").status_code == 302

    objects = s3_server.objects(bucket)
    assert len(objects) == 2
    for key, blob in objects.items():
        assert not blob.startswith(b"%PDF") and b"%PDF" not in blob  # not readable as a PDF
        assert not blob.startswith(b"\xff\xd8")  # nor as a JPEG
        assert re.fullmatch(r"[0-9a-f]{2}/[0-9a-f]{32}\.bin", key)  # random: no name, no member id, no kind
        assert _public_id(app, camille.user_id) not in key
        assert key.split("/")[-1].removesuffix(".bin") in _names_of(app, camille.user_id)
    assert not [path for path in Path(app.config["UPLOAD_DIR"]).rglob("*") if path.is_file()]

    downloaded = camille.get(f"/en/members/{_public_id(app, camille.user_id)}/files/cv")
    assert downloaded.status_code == 200 and downloaded.data == cv


def test_the_export_holds_the_files_read_back_from_the_bucket(app, camille, s3_server, bucket):  # noqa: F811
    cv = files.pdf()
    upload(camille, "cv", cv, "cv.pdf")
    page = camille.get("/en/privacy/dashboard")
    export = camille.post("/en/privacy/export", data={"csrf_token": csrf_from(page.text)})
    assert export.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(export.data))
    assert cv in [archive.read(name) for name in archive.namelist()]


@pytest.mark.promise("right-erasure")
def test_erasure_deletes_the_members_objects_from_the_bucket(app, camille, make_user, s3_server, bucket):  # noqa: F811
    upload(camille, "cv", files.pdf(), "cv.pdf")
    upload(camille, "photo", files.png(), "me.png")
    other = app.test_client()
    make_user("emma@example.com", first_name="Emma")
    AuthActions(other).login("emma@example.com")
    upload(other, "cv", files.pdf(), "emma.pdf")
    assert len(s3_server.objects(bucket)) == 3

    camille.email = "camille@example.com"
    response = erase(_as_member(camille))
    assert response.status_code == 302
    remaining = s3_server.objects(bucket)
    assert len(remaining) == 1  # Emma's CV only
    with app.app_context():
        [emma_cv] = db.session.scalars(select(UploadedFile.storage_name))
    assert list(remaining)[0].endswith(f"{emma_cv}.bin")


@pytest.mark.promise("retention-unverified-30-days")
def test_the_retention_purge_deletes_the_objects_of_accounts_it_erases(app, runner, make_user, s3_server, bucket):  # noqa: F811
    with freeze_time(utcnow() - timedelta(days=31)):
        old_id = make_user("old@example.com", verified=False)
    with app.app_context():
        name = storage.store(files.pdf())
        db.session.add(
            UploadedFile(
                user_id=old_id, kind="cv", storage_name=name, label="cv.pdf", content_type="application/pdf", size=9
            )
        )
        db.session.commit()
    assert len(s3_server.objects(bucket)) == 1
    result = runner.invoke(args=["privacy", "purge"])
    assert "unverified_accounts: deleted or anonymised 1" in result.output
    assert s3_server.objects(bucket) == {}


def test_migrate_moves_local_files_to_the_bucket_and_can_run_again(app, runner, s3_server, bucket, tmp_path):  # noqa: F811
    with app.app_context():
        local = storage.backend_for("local")
        names = [f"{n:032x}" for n in range(1, 4)]
        for name in names:
            local.put(name, b"encrypted bytes of " + name.encode())
        # A run that stopped half-way: the first file already reached the bucket.
        storage.backend_for("s3").put(names[0], b"encrypted bytes of " + names[0].encode())

    first = runner.invoke(args=["storage", "migrate", "--to", "s3"])
    assert first.exit_code == 0, first.output
    assert "moved 2, already there 1" in first.output
    assert sorted(key.split("/")[-1].removesuffix(".bin") for key in s3_server.objects(bucket)) == names
    assert not list(Path(app.config["UPLOAD_DIR"]).rglob("*.bin"))
    with app.app_context():
        assert storage.backend().get(names[1]) == b"encrypted bytes of " + names[1].encode()

    again = runner.invoke(args=["storage", "migrate", "--to", "s3"])
    assert again.exit_code == 0 and "moved 0, already there 0" in again.output

    back = runner.invoke(args=["storage", "migrate", "--to", "local"])
    assert "moved 3, already there 0" in back.output
    assert s3_server.objects(bucket) == {}
    assert len(list(Path(app.config["UPLOAD_DIR"]).rglob("*.bin"))) == 3


class _as_member:
    """The erase() helper of the erasure tests expects an AuthActions-like member."""

    def __init__(self, client):
        self.client = client
        self.email = client.email

    def get(self, url):
        return self.client.get(url)
