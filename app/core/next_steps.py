"""What to do next: the member's home page asks each feature what a member of each role has to act on.

Core knows no feature, so features register here (as with `profiles.access.register_ground`):

    register_next_steps("interviewer", invitations_to_answer, order=10)

A provider takes the signed-in member and returns `NextStep`s, each one click from the page where it is done.
It must cost a fixed number of queries whatever the data (tests/core/test_query_budget.py). Roles are their
string values ("candidate", "admin"...), so that core need not import the accounts feature.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Link:
    text: str
    url: str
    #: Shown as a download (a calendar file), so that the browser saves it rather than opening a page.
    is_download: bool = False


@dataclass(frozen=True)
class NextStep:
    """One thing to act on (or to know), in the page's language."""

    #: What to do, as a short sentence: the link's text.
    text: str
    #: The page where it is done.
    url: str
    #: A line under it: a due date, an expiry, who asked.
    detail: str = ""
    #: How many of them, when the step stands for several (shown as a badge).
    count: int | None = None
    #: When it is due (naive UTC): the earliest first, and marked when past or close.
    due: datetime | None = None
    #: Past due, or about to be: shown first and marked.
    is_urgent: bool = False
    #: A fact rather than a task (seats used, profile completeness): shown after the tasks.
    is_status: bool = False
    #: Other actions on the same thing (join the call, the calendar file).
    links: tuple[Link, ...] = field(default_factory=tuple)


def counted(text: str, url: str, count: int, **details) -> list[NextStep]:
    """The step standing for `count` things (shown with a badge), or no step when there are none."""
    return [NextStep(text, url, count=count, **details)] if count else []


Provider = Callable[[object], Iterable[NextStep]]


@dataclass(frozen=True)
class _Registration:
    role: str
    provider: Provider
    order: int


_providers: list[_Registration] = []


def register_next_steps(role: str, provider: Provider, order: int = 100) -> Provider:
    """Ask `provider(member)` for the next steps of every member holding `role` (once per provider)."""
    if not any(entry.provider is provider and entry.role == role for entry in _providers):
        _providers.append(_Registration(str(role), provider, order))
    return provider


def unregister_next_steps(role: str, provider: Provider) -> None:
    _providers[:] = [entry for entry in _providers if not (entry.provider is provider and entry.role == str(role))]


def next_steps(member, role: str) -> list[NextStep]:
    """The member's steps for one role: urgent first, then by due date, then tasks before facts."""
    steps: list[NextStep] = []
    for entry in sorted((e for e in _providers if e.role == str(role)), key=lambda e: e.order):
        steps.extend(entry.provider(member))
    far = datetime.max
    return sorted(steps, key=lambda step: (step.is_status, not step.is_urgent, step.due or far))
