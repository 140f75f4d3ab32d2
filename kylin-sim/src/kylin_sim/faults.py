"""Fault injection: what a flaky network, a reverse proxy or an overloaded Kylin does to a client.

Faults apply to the Kylin API paths only, never to ``/_sim/``. Counts (``error_count`` ...) are
consumed one request at a time and are deterministic; rates draw from a seeded random generator.
"""

import random
import threading
import time

# key -> (type, default); a type of list means a list of that element type
FAULT_KEYS = {
    "error_rate": (float, 0.0),
    "error_statuses": ([int], [503]),
    "error_methods": ([str], ["GET", "PUT"]),
    "error_json_statuses": ([int], [500]),  # the error statuses answered with Kylin's JSON body, not a proxy's page
    "error_count": (int, 0),
    "html_error_count": (int, 0),
    "non_json_count": (int, 0),
    "latency": (float, 0.0),
    "drop_rate": (float, 0.0),
    "drop_count": (int, 0),
    "lose_response_count": (int, 0),
    "lose_response_actions": ([str], None),
    "hang_response_count": (int, 0),
    "hang_seconds": (float, 30.0),
    "launch_failure_rate": (float, 0.0),
    "epoch_moved": (int, 0),        # the next N status/params PUTs: 500 KE-040021201 before anything is applied
    "owner_unreachable": (int, 0),  # the next N status PUTs: applied on the owner, then 500 KE-010021002
    "transfer_failed": (int, 0),    # the next N writes: 500 KE-010021003 before anything is applied
    "metadata_unreachable": (int, 0),  # the next N writes: 500 KE-010019002 before anything is applied
    "hold_write": (int, 0),         # the next N status/params PUTs wait behind an epoch take-over, then apply
    "hold_seconds": (float, 0.0),   # ... for at least this long
    "owner_down": (float, 0.0),     # the owner dies now: writes get KE-010021002 for this long, then a take-over
    "seed": (int, None),
}

PROXY_HTML = {
    502: "502 Bad Gateway",
    503: "503 Service Temporarily Unavailable",
    504: "504 Gateway Time-out",
}

LOGIN_PAGE = (b"<!DOCTYPE html>\n<html><head><title>Sign in</title></head>\n<body><form method=\"post\" action=\"/sso/login\">"
              b"<input name=\"username\"><input name=\"password\" type=\"password\"></form></body></html>\n")


def proxy_page(status):
    """The HTML error page an nginx in front of Kylin answers with."""
    title = PROXY_HTML.get(status, "%d Error" % status)
    return ("<html>\r\n<head><title>%s</title></head>\r\n<body>\r\n<center><h1>%s</h1></center>\r\n"
            "<hr><center>nginx/1.24.0</center>\r\n</body>\r\n</html>\r\n" % (title, title)).encode("ascii")


def validate(settings):
    """Check and normalise a partial fault setting (PUT /_sim/faults); ValueError on bad input."""
    clean = {}
    for key, value in settings.items():
        if key not in FAULT_KEYS:
            raise ValueError("unknown fault %r (known: %s)" % (key, ", ".join(sorted(FAULT_KEYS))))
        kind = FAULT_KEYS[key][0]
        if value is None:
            clean[key] = None
        elif isinstance(kind, list):
            if not isinstance(value, list):
                raise ValueError("%s must be a list" % key)
            clean[key] = [kind[0](v).upper() if kind[0] is str else kind[0](v) for v in value]
        else:
            try:
                clean[key] = kind(value)
            except (TypeError, ValueError):
                raise ValueError("%s must be %s" % (key, kind.__name__)) from None
            if key.endswith("_rate") and not 0.0 <= clean[key] <= 1.0:
                raise ValueError("%s must be between 0 and 1" % key)
            if kind in (int, float) and key != "seed" and clean[key] < 0:
                raise ValueError("%s must not be negative" % key)
    return clean


class Faults:
    """The current fault settings and the decisions taken from them (thread-safe)."""

    def __init__(self, initial=None):
        self._lock = threading.Lock()
        self.initial = validate(initial or {})
        self.settings = {}
        self.rng = random.Random()
        self.owner_down_at = None  # when the owner_down fault was set: its window starts then
        self.reset()

    def reset(self):
        with self._lock:
            self.settings = dict(self.initial)
            self.rng = random.Random(self.settings.get("seed"))
            self.owner_down_at = time.time() if self.settings.get("owner_down") else None

    def update(self, settings):
        clean = validate(settings)
        with self._lock:
            for key, value in clean.items():
                if value is None:
                    self.settings.pop(key, None)
                else:
                    self.settings[key] = value
            if "seed" in clean:
                self.rng = random.Random(clean["seed"])
            if "owner_down" in clean:
                self.owner_down_at = time.time() if self.settings.get("owner_down") else None

    def snapshot(self):
        with self._lock:
            return dict(self.settings)

    def _get(self, key):
        value = self.settings.get(key)
        return FAULT_KEYS[key][1] if value is None else value

    def _take(self, key):
        """Consume one of a count; True if there was one."""
        count = self._get(key)
        if count > 0:
            self.settings[key] = count - 1
            return True
        return False

    def _chance(self, key):
        rate = self._get(key)
        return rate > 0 and self.rng.random() < rate

    def error_as_json(self, status):
        """Whether an ``error`` fault of ``status`` is answered with Kylin's JSON error body (else a proxy's HTML page)."""
        with self._lock:
            return status in (self._get("error_json_statuses") or [])

    def latency(self):
        with self._lock:
            return self._get("latency")

    def before(self, method):
        """The fault to answer a Kylin API request with instead of processing it, or None.

        Returns ``("drop", None)``, ``("html", 502)``, ``("error", status)`` or ``("non_json", 200)``.
        """
        with self._lock:
            if self._take("drop_count") or self._chance("drop_rate"):
                return "drop", None
            if self._take("html_error_count"):
                return "html", 502
            if method in self._get("error_methods") and (self._take("error_count") or self._chance("error_rate")):
                statuses = self._get("error_statuses") or [503]
                return "error", statuses[self.rng.randrange(len(statuses))]
            if self._take("non_json_count"):
                return "non_json", 200
            return None

    def after_status_put(self, action):
        """After a ``PUT /status`` was applied: ``("lose", None)``, ``("hang", seconds)`` or None."""
        with self._lock:
            actions = self._get("lose_response_actions")
            if (not actions or str(action).upper() in actions) and self._take("lose_response_count"):
                return "lose", None
            if self._take("hang_response_count"):
                return "hang", self._get("hang_seconds")
            return None

    def take(self, key):
        """Consume one of the count ``key`` (``epoch_moved``, ``owner_unreachable``, ...); True if there was one."""
        with self._lock:
            return self._take(key)

    def value(self, key):
        """The current value of a setting (its default when unset)."""
        with self._lock:
            return self._get(key)

    def owner_down_window(self):
        """``(start, end)`` of the dead owner's window (the ``owner_down`` fault), or None."""
        with self._lock:
            seconds = self._get("owner_down")
            if not seconds or self.owner_down_at is None:
                return None
            return self.owner_down_at, self.owner_down_at + seconds

    def end_owner_down(self):
        """The dead owner's epoch expired: the fault is used up."""
        with self._lock:
            self.settings.pop("owner_down", None)
            self.owner_down_at = None

    def launch_fails(self):
        with self._lock:
            return self._chance("launch_failure_rate")
