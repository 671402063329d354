"""The signed-in member as Flask-Login's `current_user`: built from one row of the session's statement, with the
full ORM User loaded only when a page touches something that row does not hold.

Every signed-in request asks who the member is, which roles they hold, whether they confirmed their address,
their language and time zone; few pages need more. Loading the ORM User (and its roles, and the session
row) for each of them cost about half a millisecond of SQLAlchemy work before the page's own.
"""

import functools

from flask import has_request_context, request
from sqlalchemy import Select, Table, bindparam, select, true

from app.auth.models import Role, User, UserRole, UserSession
from app.core.pooled_read import PooledSelect
from app.extensions import db

_sessions: Table = UserSession.__table__
_members: Table = User.__table__
_roles: Table = UserRole.__table__

#: The member's columns the statement reads: what the layout, the policy check, the language and time zone,
#: the role checks and the two-step check ask on every page. Secrets (the password hash, the TOTP secret)
#: stay out of it: a page that needs them touches the ORM User.
LIGHT_COLUMNS = (
    "id",
    "public_id",
    "first_name",
    "last_name",
    "email",
    "email_verified_dt",
    "phone",
    "phone_verified_dt",
    "username",
    "company",
    "locale",
    "timezone",
    "created_dt",
    "last_login_dt",
    "is_suspended",
    "totp_enabled_dt",
    "is_processing_restricted",
)

#: One statement for an open session, its member and their roles (one row per role; one row with no role for
#: a member who holds none). Core, not the ORM: the rows are read once and never change in the request.
#: Rows are read by position: the session's columns, LIGHT_COLUMNS, the role, then the riders' values.
_SESSION_BY_TOKEN = (
    select(
        _sessions.c.id.label("session_id"),
        _sessions.c.last_seen_dt,
        _sessions.c.expires_dt,
        _sessions.c.is_remembered,
        *(_members.c[name] for name in LIGHT_COLUMNS),
        _roles.c.role,
    )
    .select_from(_sessions)
    .join(_members, _members.c.id == _sessions.c.user_id)
    .outerjoin(_roles, _roles.c.user_id == _members.c.id)
    .where(_sessions.c.token_hash == bindparam("token_hash"), _sessions.c.ended_dt.is_(None))
)
_MEMBER_START = 4
_ROLE = _MEMBER_START + len(LIGHT_COLUMNS)

#: One-row selects that other features read in the session's own statement (name -> select), see
#: read_with_session.
_RIDERS: dict[str, Select] = {}
#: Where a request keeps what the riders read: {name: tuple of values}.
RIDERS_KEY = "caseinjob.read_with_session"


def read_with_session(name: str, one_row: Select) -> None:
    """Have every signed-in request read `one_row` (a select of aggregates, which always gives one row) in the
    session's statement, and keep its values for `read_rider(name)`: a key that says whether a cache kept
    by the process is stale costs a join there rather than a statement of its own on every page."""
    _RIDERS[name] = one_row
    session_statement.cache_clear()
    session_read.cache_clear()
    _rider_positions.cache_clear()


@functools.cache
def session_statement() -> Select:
    statement = _SESSION_BY_TOKEN
    for name, one_row in _RIDERS.items():
        joined = one_row.subquery(name)
        columns = [column.label(f"{name}_{index}") for index, column in enumerate(joined.c)]
        statement = statement.add_columns(*columns).join(joined, true())
    return statement


@functools.cache
def session_read() -> PooledSelect:
    """session_statement() on a pooled connection's cursor, without the ORM session (see load_session)."""
    return PooledSelect(session_statement())


@functools.cache
def _rider_positions() -> tuple[tuple[str, int, int], ...]:
    positions, start = [], _ROLE + 1
    for name, one_row in _RIDERS.items():
        end = start + len(one_row.selected_columns)
        positions.append((name, start, end))
        start = end
    return tuple(positions)


def keep_riders(row) -> None:
    """Keep, for this request, what the riders read in the session's statement."""
    request.environ[RIDERS_KEY] = {name: tuple(row[start:end]) for name, start, end in _rider_positions()}


def read_rider(name: str) -> tuple | None:
    """What `name`'s select read with this request's session; None outside a signed-in request."""
    if not has_request_context():
        return None
    return request.environ.get(RIDERS_KEY, {}).get(name)


def forget_rider(name: str) -> None:
    """The value read at the start of the request is stale (this request changed what it sums up)."""
    if has_request_context():
        request.environ.get(RIDERS_KEY, {}).pop(name, None)


class SignedInMember:
    """A signed-in member read from the session's statement.

    Reads of LIGHT_COLUMNS come from that row until the ORM User is loaded; any other attribute, and every
    write, goes to the ORM User (loaded by primary key on first need), and from then on every read does too,
    so that a page sees its own changes. Passed to a service or set on a relationship, it stands for that
    User: SQLAlchemy finds the User's instance state through it. `current_session` is the ORM UserSession,
    loaded on first use (logout, two-step, the sessions page).
    """

    __slots__ = ("_values", "_role_names", "_user", "_session", "session_id", "token")

    is_anonymous = False
    is_authenticated = True

    # The User's own definitions, read through this object (so from the row until the User is loaded).
    is_active = User.is_active
    full_name = User.full_name
    is_email_verified = User.is_email_verified
    is_phone_verified = User.is_phone_verified
    has_totp = User.has_totp
    is_admin = User.is_admin

    def __init__(self, values: dict, role_names: frozenset[str], session_id: int, token: str):
        set_own = object.__setattr__
        set_own(self, "_values", values)
        set_own(self, "_role_names", role_names)
        set_own(self, "_user", None)
        set_own(self, "_session", None)
        set_own(self, "session_id", session_id)
        set_own(self, "token", token)

    @classmethod
    def from_rows(cls, rows, token: str) -> "SignedInMember":
        """The member of the session statement's rows (see _SESSION_BY_TOKEN for their layout)."""
        first = rows[0]
        values = dict(zip(LIGHT_COLUMNS, first[_MEMBER_START:_ROLE], strict=True))
        roles = frozenset(row[_ROLE] for row in rows if row[_ROLE] is not None)
        return cls(values, roles, first[0], token)

    # --- Flask-Login ---------------------------------------------------------------------------------

    def get_id(self) -> str:
        return self.token

    # --- what the row answers ------------------------------------------------------------------------

    def has_role(self, *roles: Role) -> bool:
        if self._user is not None:
            return self._user.has_role(*roles)
        return any(role.value in self._role_names for role in roles)

    @property
    def role_set(self) -> set[Role]:
        if self._user is not None:
            return self._user.role_set
        return {Role(name) for name in self._role_names}

    @property
    def current_session(self) -> UserSession:
        if self._session is None:
            user_session = db.session.get(UserSession, self.session_id)
            user_session.token = self.token
            object.__setattr__(self, "_session", user_session)
        return self._session

    # --- everything else: the ORM User ---------------------------------------------------------------

    def _get_orm_user(self) -> User:
        if self._user is None:
            object.__setattr__(self, "_user", db.session.get(User, self._values["id"]))
        return self._user

    def __getattr__(self, name: str):
        # Called only for names the class does not define: row values, then the ORM User.
        if name in SignedInMember.__slots__:
            raise AttributeError(name)
        if self._user is None and name in self._values:
            return self._values[name]
        return getattr(self._get_orm_user(), name)

    def __setattr__(self, name: str, value) -> None:
        setattr(self._get_orm_user(), name, value)

    def __eq__(self, other) -> bool:
        if isinstance(other, SignedInMember | User):
            return other.id == self.id
        return NotImplemented

    def __hash__(self) -> int:
        return hash((User, self.id))

    def __repr__(self) -> str:
        return f"<SignedInMember {self._values['id']}>"
