"""Privacy figures for /metrics (core.observability): erasure jobs that failed and wait for an admin."""

from sqlalchemy import func, select

from app.core.observability import register_gauge
from app.extensions import db
from app.privacy.models import ErasureJob, RunStatus


def failed_erasure_jobs() -> int:
    return db.session.scalar(select(func.count()).where(ErasureJob.status == RunStatus.FAILED)) or 0


register_gauge("caseinjob_erasure_jobs_failed", "Erasure jobs whose last attempt failed.", failed_erasure_jobs)
