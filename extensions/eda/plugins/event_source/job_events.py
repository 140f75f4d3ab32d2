# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""kylin.streaming.job_events: an Event-Driven Ansible source of Kylin streaming job events.

Polls the job list (one list read per interval for every watched job) and turns what changed into
events. The decisions are taken by ``JobWatcher`` and ``Backoff``, which do no I/O and are tested
on their own; ``main`` only reads, feeds them and puts their events on the queue. The blocking
HTTP read runs in a worker thread so that it never blocks ansible-rulebook's event loop.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
short_description: Events from Kylin streaming jobs (status changes, latency, stuck jobs, reachability).
description:
  - An ansible-rulebook event source plugin that polls the streaming jobs of Apache Kylin 5 /
    Kyligence Enterprise with one list read per O(interval) for every watched job, and emits one
    event per change.
  - 'Every event is C({"kylin": {"event": KIND, "status": NOW, "previous_status": BEFORE_OR_NULL,
    "job": ROW, ...}}), where ROW is the job row as M(kylin.streaming.job_info) returns it (with
    C(type), V(build) or V(merge)).'
  - 'Kinds: V(status_changed) (every status transition, a launch failure included: an V(ERROR) with
    C(launching_error) true, in the event as in its job row; a job that left and re-entered its status between two polls, for
    example restarted and failed again, gives one with C(repeated) true), V(latency_high) and
    V(latency_recovered) (a running build job over O(latency_threshold) for O(latency_polls) polls,
    and back under it for as many), V(stuck) (V(STARTING) or V(STOPPING) for longer than
    O(stuck_after)), V(snapshot) (every job at start, with O(snapshot)), V(unreachable) (once, when
    Kylin stops answering; C(job) and C(status) are null) and V(reachable) (once, when it answers
    again).'
  - After a failed poll the source backs off (O(interval), doubled after each failure, up to
    O(max_backoff)); it never ends because Kylin is down or answers something unexpected. A bad
    answer is logged and the next poll goes on.
  - An HTTP 401 (wrong password, locked user) is never retried at once, because Kylin locks a user
    after repeated bad passwords; the source reports V(unreachable) with C(reason) V(auth) and tries
    again after O(auth_backoff) seconds, doubling up to four times that.
  - No password ever appears in an event or a log line; job C(params) whose key names a password,
    secret, token, credential or JAAS config are shown as C(********).
options:
  url:
    description:
      - Address of the Kylin server, for example V(http://kylin.example.com:7070); C(/kylin) is added
        unless the URL already ends with it.
      - If not set, the E(KYLIN_URL) environment variable is used.
    type: str
    required: true
  username:
    description:
      - Kylin user for HTTP Basic authentication; needs OPERATION (or higher) permission on the projects it lists.
      - If not set, the E(KYLIN_USERNAME) environment variable is used.
    type: str
  password:
    description:
      - Password of O(username). Never logged nor put in an event.
      - If not set, the E(KYLIN_PASSWORD) environment variable is used.
    type: str
  validate_certs:
    description:
      - Verify the server's TLS certificate.
      - If not set, the E(KYLIN_VALIDATE_CERTS) environment variable is used.
    type: bool
    default: true
  ca_path:
    description:
      - CA bundle (PEM) to verify the server's certificate with.
      - If not set, the E(KYLIN_CA_PATH) environment variable is used.
    type: path
  timeout:
    description:
      - Seconds to wait for each HTTP answer.
      - If not set, the E(KYLIN_TIMEOUT) environment variable is used.
    type: int
    default: 60
  retries:
    description:
      - How many times one poll's read is retried (connection errors, HTTP 502, 503, 504) before the
        poll counts as failed.
    type: int
    default: 1
  project:
    description: Project to watch. Every project when not set.
    type: str
  models:
    description: Only the jobs of these models (exact aliases).
    type: list
    elements: str
  job_types:
    description: Only these kinds of job, V(build) and/or V(merge).
    type: list
    elements: str
  interval:
    description:
      - Seconds between two polls (one list read for every watched job each time).
      - Also accepted as O(delay) or O(poll_interval).
    type: float
    default: 10
  latency_threshold:
    description:
      - Seconds of data latency above which a running build job is lagging. V(0) turns the
        latency events off.
    type: float
    default: 300
  latency_polls:
    description:
      - Consecutive polls a running build job must be over O(latency_threshold) before
        V(latency_high), and under it before V(latency_recovered).
    type: int
    default: 3
  stuck_after:
    description:
      - Seconds a job may stay V(STARTING) or V(STOPPING) before a V(stuck) event (one per stay).
        V(0) turns the stuck events off.
      - Also accepted as O(stuck_timeout).
    type: float
    default: 600
  snapshot:
    description: Emit a V(snapshot) event for every watched job at the first successful poll.
    type: bool
    default: false
  max_backoff:
    description: Longest wait, in seconds, between two polls while Kylin does not answer.
    type: float
    default: 300
  auth_backoff:
    description: Seconds to wait after an HTTP 401 before trying again (doubled after each further 401, up to four times this).
    type: float
    default: 900
'''

EXAMPLES = r'''
- name: Watch the jobs of a project and restart the ones that fall into ERROR
  hosts: localhost
  sources:
    - kylin.streaming.job_events:
        url: https://kylin.example.com:7070
        username: ADMIN
        password: "{{ kylin_password }}"
        project: sales
        interval: 15
        latency_threshold: 600
        latency_polls: 4
        stuck_after: 900
  rules:
    - name: A job fell into ERROR
      condition: event.kylin.event == "status_changed" and event.kylin.status == "ERROR"
      action:
        run_playbook:
          name: kylin.streaming.restart_errored
          extra_vars:
            kylin_project: "{{ event.kylin.job.project }}"
            kylin_job_ids:
              - "{{ event.kylin.job.uuid }}"
'''

import asyncio
import logging
import os
import sys
from concurrent.futures import ThreadPoolExecutor


def _collection_imports():
    """Import the collection's client, adding the collections root to sys.path when needed.

    ansible-rulebook runs this file with runpy, outside Ansible's collection loader; the
    ``ansible_collections`` package is importable once the folder holding it is on sys.path.
    """
    try:
        from ansible_collections.kylin.streaming.plugins.module_utils import _client, _errors, _inventory, _rows
    except ImportError:
        # <root>/ansible_collections/kylin/streaming/extensions/eda/plugins/event_source/job_events.py
        folder = os.path.abspath(globals().get('__file__') or '')
        for dummy in range(7):
            folder = os.path.dirname(folder)
        root = os.path.dirname(folder)
        if os.path.basename(folder) == 'ansible_collections' and root not in sys.path:
            sys.path.insert(0, root)
        from ansible_collections.kylin.streaming.plugins.module_utils import _client, _errors, _inventory, _rows
    return _client, _errors, _inventory, _rows


_client, _errors, _inventory, _rows = _collection_imports()
KylinClient = _client.KylinClient
KylinError = _errors.KylinError
KylinAuthError = _errors.KylinAuthError
KylinTransportError = _errors.KylinTransportError
RETRYABLE_STATUSES = _client.RETRYABLE_STATUSES
read_pages = _inventory.read_pages
with_type = _rows.with_type
JOB_TYPES = _rows.JOB_TYPES

LOGGER = logging.getLogger('kylin.streaming.job_events')

TRANSITIONAL = ('STARTING', 'STOPPING')
MASK = '********'
SECRET_WORDS = ('password', 'passwd', 'secret', 'token', 'credential', 'jaas')
# A job missing from this many successful polls in a row is forgotten (the list can miss a row while
# the server reorders it); one that comes back before is compared with its last known status.
FORGET_AFTER = 3
# last_status_duration may lag or jitter by this much (seconds, plus 10% of the time between polls)
# without being taken as a new record.
DURATION_SLACK = 2.0


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


def _secret_key(key):
    key = str(key).lower()
    return any(word in key for word in SECRET_WORDS)


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


class _Seen(object):
    """What the watcher remembers of one job."""

    __slots__ = ('status', 'previous', 'since', 'duration', 'app', 'polled_at', 'over', 'under', 'high', 'stuck', 'missing')

    def __init__(self, row, now):
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


class JobWatcher(object):
    """The source's decisions, without I/O: feed it polls, get back the events to emit.

    ``observe(rows, now)`` takes one successful poll (rows as job_info returns them, ``now`` in
    monotonic seconds); ``failed(reason, message, now, retry_in)`` a failed one. Each returns a
    list of events, at most one per job and kind, and never the same transition twice.
    """

    def __init__(self, latency_threshold=300.0, latency_polls=3, stuck_after=600.0, snapshot=False, url=None):
        self.latency_ms = float(latency_threshold or 0) * 1000.0
        self.latency_polls = max(1, int(latency_polls))
        self.stuck_after = float(stuck_after or 0)
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
        for row in rows:
            uuid = row.get('uuid')
            if not uuid or uuid in present:
                continue
            present.add(uuid)
            row = redact_row(row)
            seen = self.jobs.get(uuid)
            if seen is None:
                seen = self.jobs[uuid] = _Seen(row, now)
                if first:
                    if self.snapshot:
                        events.append(kylin_event('snapshot', seen.status, None, row))
                else:
                    events.append(kylin_event('status_changed', seen.status, None, row,
                                              launching_error=bool(row.get('launching_error'))))
            else:
                events.extend(self._changes(seen, row, now))
            events.extend(self._latency(seen, row))
            events.extend(self._stuck(seen, row, now))
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

    def _stuck(self, seen, row, now):
        status = row.get('job_status')
        if not self.stuck_after or status not in TRANSITIONAL or seen.stuck:
            return []
        stuck_for = now - seen.since
        if stuck_for < self.stuck_after:
            return []
        seen.stuck = True
        return [kylin_event('stuck', status, seen.previous, row, stuck_for=round(stuck_for, 3),
                            stuck_after=self.stuck_after)]


class Backoff(object):
    """How long to wait before the next poll, given how the last ones went (no I/O)."""

    def __init__(self, interval, max_backoff=300.0, auth_backoff=900.0):
        self.interval = float(interval)
        self.max_backoff = max(self.interval, float(max_backoff))
        self.auth_backoff = float(auth_backoff)
        self.failures = 0
        self.auth_failures = 0

    def success(self):
        self.failures = 0
        self.auth_failures = 0
        return self.interval

    def failure(self):
        """A poll without an answer: the interval, doubled after each failure in a row, capped."""
        self.failures += 1
        return min(self.max_backoff, self.interval * (2 ** (self.failures - 1)))

    def auth_failure(self):
        """A 401: never soon (each try is a failed login towards Kylin's lock-out)."""
        self.auth_failures += 1
        return max(self.interval, min(self.auth_backoff * 4, self.auth_backoff * (2 ** (self.auth_failures - 1))))

    def bad_answer(self):
        """An answer that is not a job list: log it and poll again at the usual interval."""
        return self.interval


# ---------------------------------------------------------------------- options

def _bool(value, name):
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ('1', 'true', 'yes', 'on', 'y', 't'):
        return True
    if text in ('0', 'false', 'no', 'off', 'n', 'f'):
        return False
    raise ValueError('%s must be true or false, got %r' % (name, value))


def _number(value, name, kind=float, minimum=0.0, above=False):
    try:
        number = kind(float(value)) if kind is int else kind(value)
    except (TypeError, ValueError):
        raise ValueError('%s must be a number, got %r' % (name, value))
    if number < minimum or (above and number <= minimum):
        raise ValueError('%s must be %s %s, got %r' % (name, 'more than' if above else 'at least', minimum, value))
    return number


def _list(value, name):
    if value is None or value == '':
        return None
    if isinstance(value, str):
        value = [v.strip() for v in value.split(',') if v.strip()]
    if not isinstance(value, (list, tuple)):
        raise ValueError('%s must be a list, got %r' % (name, value))
    return [str(v) for v in value] or None


def _arg(args, name, env=None, default=None):
    value = args.get(name)
    if value is None or value == '':
        value = os.environ.get(env) if env else None
    if value is None or value == '':
        value = default
    return value


# Other names the options are known by (those of other sources, or of the modules).
ALIASES = {'delay': 'interval', 'poll_interval': 'interval', 'stuck_timeout': 'stuck_after'}


def parse_args(args):
    """The source's settings from the rulebook's arguments (and KYLIN_* env); ValueError when wrong."""
    args = dict(args or {})
    args.pop('eda_feedback_queue', None)
    known = ('url', 'username', 'password', 'validate_certs', 'ca_path', 'timeout', 'retries', 'project', 'models',
             'job_types', 'interval', 'latency_threshold', 'latency_polls', 'stuck_after', 'snapshot', 'max_backoff',
             'auth_backoff')
    for alias, name in ALIASES.items():
        if alias in args and args.get(name) in (None, ''):
            args[name] = args.pop(alias)
    unknown = sorted(k for k in args if k not in known)
    if unknown:
        # A typo must not stop a running activation: say it, and go on with the defaults.
        LOGGER.warning('ignoring unknown option(s) %s (known: %s)', ', '.join(unknown), ', '.join(known))
    url = _arg(args, 'url', 'KYLIN_URL')
    if not url:
        raise ValueError('url is required (option url or KYLIN_URL)')
    job_types = _list(args.get('job_types'), 'job_types')
    bad = [t for t in job_types or [] if t not in JOB_TYPES]
    if bad:
        raise ValueError('job_types must be build and/or merge; got %s' % ', '.join(bad))
    return dict(
        url=str(url),
        username=_arg(args, 'username', 'KYLIN_USERNAME'),
        password=_arg(args, 'password', 'KYLIN_PASSWORD'),
        validate_certs=_bool(_arg(args, 'validate_certs', 'KYLIN_VALIDATE_CERTS', True), 'validate_certs'),
        ca_path=_arg(args, 'ca_path', 'KYLIN_CA_PATH'),
        timeout=_number(_arg(args, 'timeout', 'KYLIN_TIMEOUT', 60), 'timeout', int, 0, above=True),
        retries=_number(_arg(args, 'retries', default=1), 'retries', int),
        project=_arg(args, 'project') or None,
        models=_list(args.get('models'), 'models'),
        job_types=job_types,
        interval=_number(_arg(args, 'interval', default=10), 'interval', above=True),
        latency_threshold=_number(_arg(args, 'latency_threshold', default=300), 'latency_threshold'),
        latency_polls=_number(_arg(args, 'latency_polls', default=3), 'latency_polls', int, 1),
        stuck_after=_number(_arg(args, 'stuck_after', default=600), 'stuck_after'),
        snapshot=_bool(_arg(args, 'snapshot', default=False), 'snapshot'),
        max_backoff=_number(_arg(args, 'max_backoff', default=300), 'max_backoff', above=True),
        auth_backoff=_number(_arg(args, 'auth_backoff', default=900), 'auth_backoff', above=True),
    )


# ---------------------------------------------------------------------- the poll

def read_jobs(client, settings):
    """One poll: every watched job's row, as job_info returns it (storage order, de-duplicated)."""
    filters = dict(project=settings['project'])
    types = settings['job_types']
    if types and set(types) != set(JOB_TYPES):
        filters['job_types'] = [JOB_TYPES[t] for t in types]
    models = settings['models']
    local_models = None
    if models:
        chunks = _inventory.chunk_values(client, 'model_names', models, **filters)
        if len(chunks) == 1:
            filters['model_names'] = models
        else:  # too many aliases for one URL: read the project, filter here
            local_models = set(models)
    rows, dummy = read_pages(client, **filters)
    if local_models is not None:
        rows = [row for row in rows if row.get('model_alias') in local_models]
    return [with_type(row) for row in rows]


def classify(exc):
    """``auth``, ``connection`` (no usable answer) or ``bad_answer`` for an exception of a poll."""
    if isinstance(exc, KylinAuthError):
        return 'auth'
    if isinstance(exc, KylinTransportError):
        return 'connection'
    if isinstance(exc, KylinError) and exc.status in RETRYABLE_STATUSES:
        return 'connection'
    return 'bad_answer'


async def main(queue, args):
    """Poll Kylin every ``interval`` seconds and put the job events on ``queue``; runs until cancelled."""
    settings = parse_args(args)
    password = settings['password']
    loop = asyncio.get_running_loop()
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix='kylin-job-events')

    def warn(text):
        LOGGER.info('%s', mask_value(text, password))

    client = KylinClient(settings['url'], username=settings['username'], password=password,
                         validate_certs=settings['validate_certs'], ca_path=settings['ca_path'],
                         timeout=settings['timeout'], retries=settings['retries'], warn=warn)
    watcher = JobWatcher(settings['latency_threshold'], settings['latency_polls'], settings['stuck_after'],
                         settings['snapshot'], url=client.base_url)
    backoff = Backoff(settings['interval'], settings['max_backoff'], settings['auth_backoff'])
    LOGGER.info('watching %s (project %s) every %ss', client.base_url, settings['project'] or 'all',
                settings['interval'])
    polls = 0
    try:
        while True:
            started = loop.time()
            polls += 1
            try:
                rows = await loop.run_in_executor(executor, read_jobs, client, settings)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # pylint: disable=broad-except
                reason = classify(exc)
                message = mask_value(str(exc), password)
                if reason == 'auth':
                    delay = backoff.auth_failure()
                elif reason == 'connection':
                    delay = backoff.failure()
                else:
                    delay = backoff.bad_answer()
                LOGGER.warning('poll failed (%s), next poll in %.1fs: %s', reason, delay, message)
                events = [] if reason == 'bad_answer' else watcher.failed(reason, message, loop.time(), round(delay, 3))
            else:
                delay = backoff.success()
                events = watcher.observe(rows, loop.time())
                LOGGER.debug('poll %d: %d jobs, %d events', polls, len(rows), len(events))
            for event in events:
                await queue.put(event)
            await asyncio.sleep(max(0.0, started + delay - loop.time()))
    finally:
        executor.submit(client.close)
        executor.shutdown(wait=False)


if __name__ == '__main__':
    # python job_events.py: print the events of the server in KYLIN_URL (KYLIN_USERNAME, KYLIN_PASSWORD).
    class _PrintQueue(object):
        async def put(self, event):
            print(event)

    logging.basicConfig(level=logging.INFO)
    asyncio.run(main(_PrintQueue(), {'interval': 5, 'snapshot': True}))
