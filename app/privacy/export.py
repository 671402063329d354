"""The portability export: a ZIP built from the personal-data registry only.

One JSON file per registry entry, a CSV beside it when the entry exports a list of flat rows, the uploaded
files (decrypted) under files/<entry>/, and a README in the member's language. A step that fails is tried
again once; if it fails again, the export is refused and the failed run stays visible to admins: an
incomplete archive is never handed out as complete.
"""

import csv
import io
import json
import logging
import zipfile
from dataclasses import dataclass, field

from flask import current_app, render_template
from flask_babel import force_locale
from werkzeug.utils import secure_filename

from app.core import registry
from app.core.audit import EventKind, record_event
from app.core.timeutil import utcnow
from app.extensions import db
from app.privacy.models import ExportRun, RunStatus

logger = logging.getLogger("caseinjob.privacy")

#: How many times one registry entry is tried before the export is given up.
ATTEMPTS = 2


class ExportFailed(Exception):
    def __init__(self, run: ExportRun):
        super().__init__(f"export {run.public_id} failed")
        self.run = run


@dataclass
class ExportArchive:
    data: bytes
    filename: str
    run: ExportRun
    names: list[str] = field(default_factory=list)


def _is_flat_table(value) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(row, dict) for row in value)
        and all(not isinstance(cell, dict | list) for row in value for cell in row.values())
    )


def _csv(rows: list[dict]) -> str:
    columns: list[str] = []
    for row in rows:
        columns.extend(key for key in row if key not in columns)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        # A cell starting with = + - @ is neutralised so that a spreadsheet never runs it as a formula.
        writer.writerow({key: _safe_cell(value) for key, value in row.items()})
    return buffer.getvalue()


def _safe_cell(value):
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value


def _json_default(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _attempt(step, *args):
    """Run one export step in a savepoint, twice at most; returns (value, None) or (None, the last error)."""
    error = None
    for _ in range(ATTEMPTS):
        try:
            with db.session.begin_nested():
                return step(*args), None
        except Exception as caught:  # noqa: BLE001 (any failure of a feature's step is recorded, not hidden)
            error = caught
    return None, error


def build_export(user) -> ExportArchive:
    """Every registered kind of data about the member, as a ZIP; raises ExportFailed if any step fails."""
    run = ExportRun(user_id=user.id, status=RunStatus.RUNNING.value, steps={})
    db.session.add(run)
    db.session.flush()
    buffer = io.BytesIO()
    names: list[str] = []
    steps: dict = {}
    contents = []
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for entry in registry.entries():
            if entry.export is None and entry.files is None:
                continue
            step = {"status": RunStatus.DONE.value}
            if entry.export is not None:
                value, error = _attempt(entry.export, user)
                if error is not None:
                    step = {"status": RunStatus.FAILED.value, "error": type(error).__name__}
                    logger.error("export of %r failed for run %s: %r", entry.key, run.public_id, error)
                    steps[entry.key] = step
                    continue
                name = f"{entry.key}.json"
                archive.writestr(name, json.dumps(value, ensure_ascii=False, indent=2, default=_json_default))
                names.append(name)
                if _is_flat_table(value):
                    archive.writestr(f"{entry.key}.csv", _csv(value))
                    names.append(f"{entry.key}.csv")
                step["rows"] = len(value) if isinstance(value, list) else 1
            if entry.files is not None:
                files, error = _attempt(lambda user, files=entry.files: list(files(user)), user)
                if error is not None:
                    step = {"status": RunStatus.FAILED.value, "error": type(error).__name__}
                    logger.error("export of the files of %r failed for run %s: %r", entry.key, run.public_id, error)
                    steps[entry.key] = step
                    continue
                used: set[str] = set()
                for index, (filename, data) in enumerate(files, start=1):
                    safe = secure_filename(filename) or f"file-{index}"
                    if safe in used:
                        safe = f"{index}-{safe}"
                    used.add(safe)
                    path = f"files/{entry.key}/{safe}"
                    archive.writestr(path, data)
                    names.append(path)
                step["files"] = len(files)
            steps[entry.key] = step
            contents.append((entry, step))
        with force_locale(user.locale):
            readme = render_template(
                "privacy/export_readme.txt",
                user=user,
                contents=contents,
                created=utcnow(),
                portal=current_app.config["PORTAL_NAME"],
                dpo_email=current_app.config["DPO_EMAIL"],
            )
        archive.writestr("README.txt", readme)
        names.append("README.txt")
    run.steps = steps
    if any(step["status"] == RunStatus.FAILED.value for step in steps.values()):
        run.status = RunStatus.FAILED.value
        db.session.flush()
        raise ExportFailed(run)
    data = buffer.getvalue()
    run.status = RunStatus.DONE.value
    run.size_bytes = len(data)
    record_event(EventKind.DATA_EXPORTED, user_id=user.id)
    stamp = utcnow().strftime("%Y%m%d-%H%M")
    return ExportArchive(data=data, filename=f"caseinjob-my-data-{stamp}.zip", run=run, names=names)
