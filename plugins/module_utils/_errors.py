# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Internal use only: the collection's own error types.

Every error the collection means to show a user derives from ``KylinError``; the modules turn
exactly these into ``fail_json`` messages (``_module.KylinModule.run``). Anything else is a bug
and fails with its traceback. Pure: no import that reaches ``requests``.
"""

# What a proxy or load balancer answers while Kylin is away: a read is retried, a poll counts as no answer.
RETRYABLE_STATUSES = (502, 503, 504)


class KylinError(Exception):
    """Base of the collection's errors; ``str()`` is a message fit for users.

    Never carries credentials: messages are built from the method, the URL (without any
    userinfo), the HTTP status and Kylin's own ``error_code`` and ``msg``.
    """

    def __init__(self, message, method=None, url=None, status=None, error_code=None, kylin_msg=None,
                 maybe_applied=False):
        super().__init__(message)
        self.message = message
        self.method = method
        self.url = url
        self.status = status
        self.error_code = error_code
        self.kylin_msg = kylin_msg
        self.maybe_applied = maybe_applied


class KylinOptionError(KylinError, ValueError):
    """Options or job params no request could succeed with; raised before anything changes."""


class KylinSelectionError(KylinError):
    """Bad selection (unknown model aliases or job ids); raised before anything changes."""


class KylinTransportError(KylinError):
    """No usable answer: connection refused or reset, timeout, TLS failure."""


class KylinResponseError(KylinError):
    """An answer that is not Kylin's JSON envelope (a proxy's HTML page, an empty or garbled body)."""


class KylinAuthError(KylinError):
    """401, or a locked user. Never retried: Kylin locks users after repeated bad passwords."""


class KylinPermissionError(KylinError):
    """The user lacks the project permission the call needs (Kylin answers 400 KE-010024001)."""


class KylinNotFoundError(KylinError):
    """Unknown project, or no Kylin API at the configured URL."""


class KylinApiError(KylinError):
    """Any other error envelope from Kylin; ``error_code`` and ``kylin_msg`` say what."""


class KylinClusterError(KylinApiError):
    """Kylin refuses every job for a reason of the whole cluster (maintenance mode, streaming
    disabled, no job node) or of the whole project (not bound to a resource group): acting on any
    other job cannot succeed, so the task ends at once."""


# error_type of each error class, most specific first (returned by failing tasks).
ERROR_TYPES = (
    (KylinAuthError, 'auth'),
    (KylinPermissionError, 'permission'),
    (KylinNotFoundError, 'not_found'),
    (KylinClusterError, 'cluster'),
    (KylinApiError, 'api'),
    (KylinTransportError, 'transport'),
    (KylinResponseError, 'response'),
    (KylinOptionError, 'options'),
    (KylinSelectionError, 'selection'),
)


def error_type(exc):
    """A short name for the kind of a ``KylinError``: ``auth`` for a refused or locked login, ..."""
    for cls, name in ERROR_TYPES:
        if isinstance(exc, cls):
            return name
    return 'kylin'


def error_fields(exc):
    """What a failing task returns about a ``KylinError`` besides ``msg``; never credentials."""
    return dict(error_type=error_type(exc), status=exc.status, error_code=exc.error_code)
