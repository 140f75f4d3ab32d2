"""Users, Basic authentication with Kylin's lock-out rule, sessions, and project permissions.

Kylin (``LimitLoginAuthenticationProvider`` + ``UserLockRuleUtil``) counts wrong passwords per user:
the 3rd wrong password in a row locks the user for 30 s, the next ones for 1 min, 5 min, 10 min,
30 min, 1 day, 3 days, then for good. While locked every attempt, even with the right password,
gets HTTP 400 ``KE-010003005``; the attempt that causes the lock still gets the usual 401. A lock
that ran out keeps the count: one more wrong password locks again, for the next duration. A success
clears the count, except in maintenance mode (docs/kylin-api.md §11.3). ``lock_attempts``,
``lock_durations`` and ``lock_time_scale`` (config) change the rule for tests.
"""

import base64
import binascii
import math
import secrets

from . import errors

OPERATION_LEVELS = ("ADMINISTRATION", "MANAGEMENT", "OPERATION")
LEVELS = OPERATION_LEVELS + ("READ",)

# Seconds a user stays locked after the 1st, 2nd, ... lock; None = permanently (UserLockRuleUtil).
DEFAULT_LOCK_DURATIONS = [30, 60, 300, 600, 1800, 86400, 259200, None]
DEFAULT_LOCK_ATTEMPTS = 3


def format_seconds(seconds):
    """Kylin's ``Message.formatSeconds``: ``90`` -> ``"1 minutes 30 seconds"``."""
    secs = seconds % 60
    mins = (seconds // 60) % 60
    hours = (seconds // 3600) % 24
    days = seconds // 86400
    parts = []
    for value, unit in ((days, "days"), (hours, "hours"), (mins, "minutes"), (secs, "seconds")):
        if value > 0:
            parts.append("%d %s" % (value, unit))
    return " ".join(parts)


class User:
    """A Kylin user with its lock-out bookkeeping (``ManagedUser``)."""

    def __init__(self, name, password, admin=False, permissions=None, default_level=None):
        self.name = name
        self.password = password
        self.admin = admin
        self.permissions = {k.lower(): v.upper() for k, v in (permissions or {}).items()}
        self.default_level = default_level  # level on projects not listed (READER: READ everywhere)
        self.wrong_time = 0
        self.locked = False
        self.locked_time = 0.0

    def level(self, project):
        return self.permissions.get(project.lower(), self.default_level)

    def to_dict(self):
        return {"name": self.name, "password": self.password, "admin": self.admin, "permissions": self.permissions,
                "default_level": self.default_level, "wrong_time": self.wrong_time, "locked": self.locked,
                "locked_time": self.locked_time}

    @classmethod
    def from_dict(cls, data):
        user = cls(data["name"], data["password"], data.get("admin", False), data.get("permissions"), data.get("default_level"))
        user.wrong_time = data.get("wrong_time", 0)
        user.locked = data.get("locked", False)
        user.locked_time = data.get("locked_time", 0.0)
        return user


def default_users(first_project=None):
    """ADMIN/KYLIN (admin), OPERATOR/OPERATOR (OPERATION on the seed's first project), READER/READER (READ everywhere)."""
    operator_perms = {first_project: "OPERATION"} if first_project else {}
    return [
        User("ADMIN", "KYLIN", admin=True),
        User("OPERATOR", "OPERATOR", permissions=operator_perms),
        User("READER", "READER", default_level="READ"),
    ]


class Auth:
    """Authenticates requests and answers permission questions; callers hold the store lock."""

    def __init__(self, config):
        self.config = config
        self.users = {}      # lower-case name -> User
        self.sessions = {}   # JSESSIONID -> (lower-case user name, node that issued it)
        self.journal = None  # counts failed and locked logins per user (set by the store)

    def reset(self, users):
        self.users = {u.name.lower(): u for u in users}
        self.sessions = {}

    def add_user(self, user):
        self.users[user.name.lower()] = user

    def get(self, name):
        return self.users.get((name or "").lower())

    # ------------------------------------------------------------------ lock rule

    def _lock_duration(self, wrong_time):
        """Seconds of lock for a user with ``wrong_time`` failures (times ``lock_time_scale``); 0 = not locked,
        None = for good."""
        attempts = int(self.config.get("lock_attempts", DEFAULT_LOCK_ATTEMPTS))
        durations = self.config.get("lock_durations") or DEFAULT_LOCK_DURATIONS
        if attempts <= 0 or wrong_time < attempts:
            return 0
        duration = durations[min(wrong_time - attempts, len(durations) - 1)]
        return None if duration is None else duration * float(self.config.get("lock_time_scale", 1.0))

    def _check_lock(self, user, now):
        """``updateUserLockStatus``: raise 400 while locked, unlock once the lock has run out."""
        if not user.locked:
            return
        duration = self._lock_duration(user.wrong_time)
        if duration is None:
            raise errors.user_locked("User %s is locked permanently. Please contact to your administrator to reset." % user.name)
        elapsed = now - user.locked_time
        if elapsed >= duration:
            user.locked = False
            return
        left = max(1, int(duration - elapsed))
        next_duration = self._lock_duration(user.wrong_time + 1)
        if next_duration is None:
            nxt = "Login failure again will be locked permanently."
        else:
            nxt = "Login failure again will be locked for %s." % format_seconds(max(1, int(math.ceil(next_duration))))
        raise errors.user_locked("For security concern, account %s has been locked. Please try again in %s. %s."
                                 % (user.name, format_seconds(left), nxt))

    def _fail(self, user, now):
        """``ManagedUser.authenticateFail``: count, and lock from the configured attempt on."""
        attempts = int(self.config.get("lock_attempts", DEFAULT_LOCK_ATTEMPTS))
        if attempts > 0 and user.wrong_time >= attempts - 1:
            user.locked = True
            user.locked_time = now
        user.wrong_time += 1

    # ------------------------------------------------------------------ authentication

    def authenticate(self, headers, now, node=0):
        """Return ``(user, new_session_id_or_None, changed)`` or raise the 401/400 Kylin answers with.

        Sessions are per node (``spring.session.store-type: NONE``): a session cookie is known only to the
        node that issued it.
        """
        header = headers.get("Authorization")
        session = _cookie(headers.get("Cookie"), "JSESSIONID")
        owner, issuer = self.sessions.get(session, ("", None)) if session else ("", None)
        session_user = self.users.get(owner) if issuer == node else None
        if not header or not header.lower().startswith("basic "):
            if session_user is not None:
                return session_user, None, False
            raise errors.unauthorized()
        try:
            decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
        except (binascii.Error, ValueError):
            raise errors.login_failed() from None
        if ":" not in decoded:
            raise errors.login_failed()
        name, password = decoded.split(":", 1)
        # Spring's BasicAuthenticationFilter does not re-authenticate a session's own user.
        if session_user is not None and session_user.name.lower() == name.lower():
            return session_user, None, False
        user = self.get(name)
        if user is None:
            self._count("failed_logins", name)
            raise errors.login_failed()
        try:
            self._check_lock(user, now)
        except errors.KylinError:
            self._count("locked_logins", user.name)
            raise
        if password != user.password:
            self._fail(user, now)
            self._count("failed_logins", user.name)
            raise errors.login_failed()
        changed = user.wrong_time > 0 or user.locked
        if not self.config.get("maintenance_mode"):  # LimitLoginAuthenticationProvider L99: not in maintenance mode
            user.wrong_time = 0
            user.locked = False
            user.locked_time = 0.0
        sid = secrets.token_hex(16).upper()
        self.sessions[sid] = (user.name.lower(), node)
        return user, sid, changed

    def _count(self, counter, name):
        if self.journal is not None:
            getattr(self.journal, counter)[name] += 1

    # ------------------------------------------------------------------ authorization

    @staticmethod
    def has_operation(user, project):
        """ROLE_ADMIN, or ADMINISTRATION / MANAGEMENT / OPERATION on the project (``AclUtil``)."""
        return user.admin or user.level(project) in OPERATION_LEVELS


def _cookie(header, name):
    for part in (header or "").split(";"):
        key, dummy, value = part.strip().partition("=")
        if key == name:
            return value
    return None
