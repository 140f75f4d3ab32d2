# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Internal use only: the decisions of the ``job_events`` Event-Driven Ansible source (docs/design.md §2.4b).

Pure: the source's options (``events_options``: the connection options and ``EVENTS_SPEC``, checked as a
module's are), ``JobWatcher``, which
turns polls into the events of the contract, ``classify`` for a failed poll, and ``poll_delay``, the wait
before the next poll on the collection's one back-off (``_backoff.Backoff``). The source itself
(``extensions/eda/plugins/event_source/job_events.py``) only reads, feeds them and queues their events.
"""

from ansible_collections.kylin.streaming.plugins.module_utils._backoff import Backoff
from ansible_collections.kylin.streaming.plugins.module_utils._errors import (
    RETRYABLE_STATUSES,
    KylinAuthError,
    KylinError,
    KylinOptionError,
    KylinTransportError,
)
from ansible_collections.kylin.streaming.plugins.module_utils._options import (
    OptionAdapter,
    check_connection,
    environment_variable,
    generate_argspec,
    validate_dict,
)
from ansible_collections.kylin.streaming.plugins.module_utils._rows import JOB_TYPES, secret_param as _secret_key
from ansible_collections.kylin.streaming.plugins.module_utils._timing import StopQueue

# The source's own options; the connection options come from ``_options.generate_argspec`` (retries: 1 here).
EVENTS_SPEC = dict(
    retries=dict(type='int', default=1),
    project=dict(type='str'),
    models=dict(type='list', elements='str'),
    job_types=dict(type='list', elements='str', choices=sorted(JOB_TYPES)),
    interval=dict(type='float', default=10, aliases=['delay', 'poll_interval']),
    latency_threshold=dict(type='float', default=300),
    latency_polls=dict(type='int', default=3),
    stuck_after=dict(type='float', default=600, aliases=['stuck_timeout']),
    kill_seconds=dict(type='float', default=21),
    snapshot=dict(type='bool', default=False),
    max_backoff=dict(type='float', default=300),
    auth_backoff=dict(type='float', default=900),
)
# Arguments ansible-rulebook adds to a source's own.
RULEBOOK_ARGUMENTS = ('eda_feedback_queue',)
# Where a refused login's message says to fix it (``KylinClient.login_settings``): the rulebook, not a play.
LOGIN_SETTINGS = ('the password and username arguments of the kylin.streaming.job_events source in the rulebook, '
                  'or their environment variables (kylin_password and kylin_username in capitals) where '
                  'ansible-rulebook runs')
MISSING_URL = 'url is required: the url option, or its environment variable (%s)' % environment_variable('url')

TRANSITIONAL = ('STARTING', 'STOPPING')
MASK = '********'
# A job missing from this many successful polls in a row is forgotten (the list can miss a row while
# the server reorders it); one that comes back before is compared with its last known status.
FORGET_AFTER = 3
# last_status_duration may lag or jitter by this much (seconds, plus 10% of the time between polls)
# without being taken as a new record.
DURATION_SLACK = 2.0


def events_options(args, warn):
    """The source's options from the rulebook's arguments (and the KYLIN_* environment), checked as a
    module's are: an ``OptionAdapter``; ``KylinOptionError`` (a ValueError) when one is wrong.

    An unknown name goes to ``warn``, and is not refused: a typo must not stop a running activation.
    """
    spec = generate_argspec(**EVENTS_SPEC)
    args = dict((name, value) for name, value in (args or {}).items() if name not in RULEBOOK_ARGUMENTS)
    params, unknown = validate_dict(spec, args)
    if unknown:
        warn('ignoring unknown option(s) %s (known: %s)' % (', '.join(unknown), ', '.join(spec)))
    adapter = OptionAdapter.from_dict(params)
    check_events_options(adapter)
    return adapter


def check_events_options(adapter):
    """Raise ``KylinOptionError`` for source options no poll could work with (types are the spec's)."""
    if not (adapter.get_option('url') or '').strip():
        raise KylinOptionError(MISSING_URL)
    check_connection(adapter)
    for name, above in (('interval', True), ('max_backoff', True), ('auth_backoff', True),
                        ('latency_threshold', False), ('stuck_after', False), ('kill_seconds', False)):
        value = adapter.get_option(name)
        if value < 0 or (above and value == 0):
            raise KylinOptionError('%s must be %s 0 (got %s)' % (name, 'more than' if above else 'at least', value))
    if adapter.get_option('latency_polls') < 1:
        raise KylinOptionError('latency_polls must be at least 1 (got %s)' % adapter.get_option('latency_polls'))


def kylin_event(kind, status, previous_status, job, **extra):
    """The event contract: ``{"kylin": {"event", "status", "previous_status", "job", ...}}``."""
    body = {'event': kind, 'status': status, 'previous_status': previous_status, 'job': job}
    body.update(extra)
    return {'kylin': body}


def redact_row(row):
    """The row with secret-looking job params masked (the rest as job_info returns it)."""
    params = row.get('params')
    if isinstance(params, dict) and any(_secret_key(k) for k in params):
        row = dict(row)
        row['params'] = dict((k, MASK if _secret_key(k) else v) for k, v in params.items())
    return row


def mask_value(value, secret):
    """``value`` with every occurrence of ``secret`` replaced (dicts, lists and strings)."""
    if not secret:
        return value
    if isinstance(value, str):
        return value.replace(secret, MASK)
    if isinstance(value, dict):
        return dict((k, mask_value(v, secret)) for k, v in value.items())
    if isinstance(value, list):
        return [mask_value(v, secret) for v in value]
    return value


def classify(exc):
    """``auth``, ``connection`` (no usable answer) or ``bad_answer`` for an exception of a poll."""
    if isinstance(exc, KylinAuthError):
        return 'auth'
    if isinstance(exc, KylinTransportError):
        return 'connection'
    if isinstance(exc, KylinError) and exc.status in RETRYABLE_STATUSES:
        return 'connection'
    return 'bad_answer'


def poll_backoffs(interval, max_backoff, auth_backoff):
    """The source's two back-offs: after polls without an answer (``interval``, doubled after each failure in
    a row, up to ``max_backoff``), and after refused logins (``auth_backoff``, doubled up to four times it)."""
    return Backoff(interval, max_backoff), Backoff(auth_backoff, 4 * float(auth_backoff))


def poll_delay(reason, polls, logins):
    """Seconds to wait before the next poll, after one that ended with ``reason`` (None: it worked).

    ``polls`` and ``logins`` are the back-offs of ``poll_backoffs``. A 401 is never retried soon: each try
    is a failed login towards Kylin's lock-out. A bad answer is logged, and the next poll comes at the
    usual interval.
    """
    if reason is None:
        logins.success()
        return polls.success()
    if reason == 'connection':
        return polls.failure()
    if reason == 'auth':
        return max(polls.first, logins.failure())
    return polls.first


class _Seen(object):
    """What the watcher remembers of one job (also a member of the node's kill queue, ``_timing.StopQueue``)."""

    __slots__ = ('id', 'order', 'status', 'previous', 'since', 'duration', 'app', 'polled_at', 'over', 'under', 'high',
                 'stuck', 'missing', 'stop_ended')

    def __init__(self, row, now, order=0):
        self.id = row.get('uuid')
        self.order = order
        self.stop_ended = None     # when it last reached STOPPED or ERROR from STOPPING (its record; monotonic)
        self.status = row.get('job_status')
        self.previous = None       # the status before this one (null: not seen)
        self.since = now           # first poll that saw the job in this status (monotonic seconds)
        self.duration = row.get('last_status_duration')
        self.app = row.get('yarn_app_id') or None
        self.polled_at = now
        self.over = 0              # consecutive polls over the latency threshold
        self.under = 0             # consecutive polls under it, while high
        self.high = False
        self.stuck = False
        self.missing = 0

    # What StopQueue reads of a member: STOPPING jobs wait for the node's kill, one at a time.
    @property
    def in_stop_queue(self):
        return self.status == 'STOPPING'

    @property
    def stopping_since(self):
        return self.since if self.status == 'STOPPING' else None

    @property
    def seen_at(self):
        return self.polled_at


class JobWatcher(object):
    """The source's decisions, without I/O: feed it polls, get back the events to emit.

    ``observe(rows, now)`` takes one successful poll (rows as job_info returns them, ``now`` in
    monotonic seconds); ``failed(reason, message, now, retry_in)`` a failed one. Each returns a
    list of events, at most one per job and kind, and never the same transition twice.
    """

    def __init__(self, latency_threshold=300.0, latency_polls=3, stuck_after=600.0, snapshot=False, url=None,
                 kill_seconds=21.0, interval=10.0):
        self.latency_ms = float(latency_threshold or 0) * 1000.0
        self.latency_polls = max(1, int(latency_polls))
        self.stuck_after = float(stuck_after or 0)
        # The kill queue of STOPPING jobs (docs/kylin-api.md §11.1): its pace, and how late a poll sees an end.
        self.timing = dict(kill_seconds=float(kill_seconds or 0), read_lag_seconds=0.0)
        self.interval = float(interval or 0)
        self.snapshot = bool(snapshot)
        self.url = url
        self.jobs = {}
        self.polls = 0
        self.down = None           # (reason, since) while Kylin does not answer

    # ------------------------------------------------------------------ reachability

    def failed(self, reason, message, now, retry_in=None):
        """A poll got no usable answer: ``unreachable`` once per outage (a new reason counts as new)."""
        if self.down is not None and self.down[0] == reason:
            return []
        since = self.down[1] if self.down is not None else now
        self.down = (reason, since)
        return [kylin_event('unreachable', None, None, None, reason=reason, error=message, url=self.url,
                            retry_in=retry_in)]

    # ------------------------------------------------------------------ polls

    def observe(self, rows, now):
        events = []
        if self.down is not None:
            events.append(kylin_event('reachable', None, None, None, url=self.url,
                                      down_for=round(max(0.0, now - self.down[1]), 3)))
            self.down = None
        first = self.polls == 0
        self.polls += 1
        present = set()
        watched = []
        for row in rows:
            uuid = row.get('uuid')
            if not uuid or uuid in present:
                continue
            present.add(uuid)
            row = redact_row(row)
            seen = self.jobs.get(uuid)
            if seen is None:
                seen = self.jobs[uuid] = _Seen(row, now, order=len(self.jobs))
                if first:
                    if self.snapshot:
                        events.append(kylin_event('snapshot', seen.status, None, row))
                else:
                    events.append(kylin_event('status_changed', seen.status, None, row,
                                              launching_error=bool(row.get('launching_error'))))
            else:
                events.extend(self._changes(seen, row, now))
            events.extend(self._latency(seen, row))
            watched.append((seen, row))
        queue = self._kill_queue(watched)
        for seen, row in watched:
            events.extend(self._stuck(seen, row, now, queue))
        for uuid in list(self.jobs):
            if uuid not in present:
                seen = self.jobs[uuid]
                seen.missing += 1
                if seen.missing >= FORGET_AFTER:
                    del self.jobs[uuid]
        return events

    def _changes(self, seen, row, now):
        status = row.get('job_status')
        previous = seen.status
        duration = row.get('last_status_duration')
        app = row.get('yarn_app_id') or None
        elapsed = max(0.0, now - seen.polled_at)
        seen.missing = 0
        events = []
        launching_error = bool(row.get('launching_error'))
        if status != previous:
            events.append(kylin_event('status_changed', status, previous, row, launching_error=launching_error))
        elif self._reentered(seen, duration, app, elapsed):
            # Left and came back between two polls (a restart that failed again, a FORCE_STOP of a
            # stopped job): a new record reset the time in status, or a new application runs.
            events.append(kylin_event('status_changed', status, previous, row, launching_error=launching_error,
                                      repeated=True))
        if status != previous and previous == 'STOPPING' and status in ('STOPPED', 'ERROR'):
            # Its STOP (or ERROR) record is last_status_duration old: when the node's kill of it ended.
            age = duration / 1000.0 if isinstance(duration, (int, float)) and not isinstance(duration, bool) else 0.0
            seen.stop_ended = now - min(max(0.0, age), elapsed)
        if events:
            seen.previous = previous
            seen.status = status
            seen.since = now
            seen.stuck = False
            seen.over = 0
            seen.under = 0
        seen.duration = duration
        seen.app = app
        seen.polled_at = now
        return events

    @staticmethod
    def _reentered(seen, duration, app, elapsed):
        if app and seen.app and app != seen.app:
            return True
        if isinstance(duration, (int, float)) and isinstance(seen.duration, (int, float)):
            expected = seen.duration + elapsed * 1000.0
            return duration < expected - (DURATION_SLACK + 0.1 * elapsed) * 1000.0
        return False

    def _latency(self, seen, row):
        if not self.latency_ms or row.get('type') != 'build' or row.get('job_status') != 'RUNNING':
            return []
        latency = row.get('data_latency')
        if not isinstance(latency, (int, float)) or isinstance(latency, bool):
            return []
        extra = dict(latency=latency / 1000.0, threshold=self.latency_ms / 1000.0, polls=self.latency_polls)
        if latency > self.latency_ms:
            seen.under = 0
            seen.over += 1
            if not seen.high and seen.over >= self.latency_polls:
                seen.high = True
                return [kylin_event('latency_high', row.get('job_status'), seen.previous, row, **extra)]
        else:
            seen.over = 0
            if seen.high:
                seen.under += 1
                if seen.under >= self.latency_polls:
                    seen.high = False
                    seen.under = 0
                    return [kylin_event('latency_recovered', row.get('job_status'), seen.previous, row, **extra)]
        return []

    def _kill_queue(self, watched):
        """The STOPPING jobs waiting for the node's kill (None when none is past ``stuck_after``).

        A graceful STOP ends with a kill of about ``kill_seconds`` under a node-wide lock, one job at a
        time, and so does a FORCE_STOP (docs/kylin-api.md §11.1): N jobs stopped at once reach STOPPED one
        kill apart. The API does not say which node runs a job, so every watched job counts as queued on
        one node: a job is never called stuck while it only waits for its turn.
        """
        if not self.stuck_after or not any(
                seen.status == 'STOPPING' and not seen.stuck for seen, dummy in watched):
            return None
        return StopQueue.for_timing(list(self.jobs.values()), self.timing, extra_slack=self.interval)

    def _stuck(self, seen, row, now, queue=None):
        """``stuck`` once per stay: STARTING for ``stuck_after``; STOPPING for ``stuck_after`` plus one kill per job
        ahead of it in the node's kill queue, and only once the queue stopped moving (no job reached STOPPED at
        the kill's pace: ``_timing.StopQueue.force_due``, the rule of the job module's ``force_after``)."""
        status = row.get('job_status')
        if not self.stuck_after or status not in TRANSITIONAL or seen.stuck:
            return []
        stuck_for = now - seen.since
        if stuck_for < self.stuck_after:
            return []
        extra = {}
        if status == 'STOPPING' and queue is not None:
            if not queue.force_due(seen, now, self.stuck_after):
                return []
            extra['queue_ahead'] = queue.place.get(seen.id, 0)
        seen.stuck = True
        return [kylin_event('stuck', status, seen.previous, row, stuck_for=round(stuck_for, 3),
                            stuck_after=self.stuck_after, **extra)]
