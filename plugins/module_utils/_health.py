# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Internal use only: the health gate of the ``job`` module, as pure objects (docs/design.md §2.2a).

A build job this task started or restarted is done when its data flows, not when it reads RUNNING: it
must write ``samples`` micro-batches in a row, all **newer than the launch this task caused**, with a
data latency at or under ``max_latency``, within ``timeout`` seconds of RUNNING. Kylin writes one stats
row per micro-batch (``GET /streaming_jobs/stats/{job_id}``: ``create_time``, ``data_latency_hist``);
the list's ``data_latency`` is the newest row whatever the run, so right after a restart it still shows
the previous run's last micro-batch (docs/kylin-api.md §11.7) and is never taken as evidence.

"Newer than the launch" compares server times with server times: each row's ``create_time`` with the
``create_time`` of the START record the launch wrote at RUNNING (``_evidence.launch_time``). The
record's span on this machine's clock (from ``last_status_duration``) then places the next micro-batch
on this machine's clock, so the gate polls once per micro-batch, whatever the skew between the clocks.

Merge jobs keep no latency: healthy when RUNNING. No I/O here: the loop reads, this decides.
"""

from ansible_collections.kylin.streaming.plugins.module_utils._evidence import launch_time
from ansible_collections.kylin.streaming.plugins.module_utils._timing import PollPacer

DURATION_PARAM = 'kylin.streaming.duration'
DEFAULT_TRIGGER = 30.0       # kylin.streaming.duration when the params lack it (seconds)
MAX_TIME_FILTER = 7 * 24 * 60  # minutes: Kylin refuses a longer stats window (docs/kylin-api.md §6)
# A poll timed for a micro-batch lands this share of the trigger interval after it (at least MARGIN_MIN s).
MARGIN_SHARE = 0.02
MARGIN_MIN = 0.05
RESOLUTION = 0.001

WAIT, PASSED, FAILED = 'wait', 'passed', 'failed'


class HealthSpec:
    """The ``health`` option: ``max_latency`` (s), ``samples``, ``timeout`` (s after RUNNING)."""

    __slots__ = ('max_latency', 'samples', 'timeout')

    def __init__(self, max_latency, samples=3, timeout=600):
        self.max_latency = float(max_latency)
        self.samples = int(samples)
        self.timeout = float(timeout)

    @classmethod
    def of(cls, value):
        """The spec of an option value (a dict), or None without a gate."""
        if not value:
            return None
        return cls(value['max_latency'], value.get('samples') or 3,
                   600 if value.get('timeout') is None else value['timeout'])

    def describe(self):
        return 'data latency at or under %ss for %d micro-batch%s in a row within %ss of RUNNING' % (
            _num(self.max_latency), self.samples, '' if self.samples == 1 else 'es', _num(self.timeout))


def trigger_interval(row):
    """The trigger interval (s) a job's params give (``kylin.streaming.duration``), 30 s without it."""
    try:
        value = float((row.get('params') or {}).get(DURATION_PARAM, DEFAULT_TRIGGER))
    except (TypeError, ValueError):
        return DEFAULT_TRIGGER
    return value if value > 0 else DEFAULT_TRIGGER


def stats_rows(stats):
    """``[(create_time ms, data latency ms)]`` of a ``GET /stats`` answer, oldest first (nulls skipped)."""
    times = (stats or {}).get('create_time') or []
    latencies = (stats or {}).get('data_latency_hist') or []
    rows = [(t, lat) for t, lat in zip(times, latencies) if t is not None and lat is not None]
    return sorted(rows)


class Gate:
    """The health gate of one job, from the read that showed it RUNNING after this task's launch.

    ``running_at``: when that read was sent (this machine's clock); ``since``: when this task sent the
    START or RESTART; ``interval``: the trigger interval its params give (s); ``first_poll``: the
    loop's ``poll_interval``. The loop feeds it ``launched(records, seen)`` until the launch's server
    time is known, then ``took(stats, now)`` after each stats read, and asks ``judge(now)``.
    """

    def __init__(self, spec, running_at, since, interval=DEFAULT_TRIGGER, first_poll=5.0, build=True):
        self.spec = spec
        self.build = build
        self.running_at = running_at
        self.since = since
        self.configured = float(interval)
        self.launch_ms = None   # server time of the launch's START record
        self.span = None        # its span on this machine's clock
        self.rows = []          # [(create_time ms, latency ms)] newer than the launch, oldest first
        self.state = WAIT if build else PASSED
        self.reason = None
        self.ended_at = None if build else running_at
        self.pacer = PollPacer(first_poll, maximum=max(self.configured, first_poll))
        self.next_read = None   # when the next stats read is due (this machine's clock)

    # ------------------------------------------------------------------ what the loop reads for it

    @property
    def deadline(self):
        return self.running_at + self.spec.timeout

    @property
    def needs_launch(self):
        return self.build and self.state == WAIT and self.launch_ms is None

    @property
    def needs_stats(self):
        return self.build and self.state == WAIT

    def time_filter(self, now):
        """The stats window to ask for (minutes): from before the launch's send to now, at least 1."""
        minutes = int((now - self.since) // 60.0) + 2
        return max(1, min(MAX_TIME_FILTER, minutes))

    def launched(self, records, seen):
        """Take ``GET /records`` read with the list row ``seen``: True once the launch's server time is known."""
        found = launch_time(records, seen, self.since)
        if found is not None:
            self.launch_ms, self.span = found
        return found is not None

    def took(self, stats):
        """Take a stats answer: keep the micro-batches newer than the launch. True when a new one came."""
        if self.launch_ms is None:
            return False
        fresh = [r for r in stats_rows(stats) if r[0] > self.launch_ms]
        new = bool(fresh) and (not self.rows or fresh[-1][0] > self.rows[-1][0])
        if new:
            self.rows = fresh
        self.pacer.saw(new)
        return new

    # ------------------------------------------------------------------ decisions

    def judge(self, now):
        """``WAIT``, ``PASSED`` or ``FAILED`` (with ``reason``) at ``now``; final once decided."""
        if self.state != WAIT:
            return self.state
        need = self.spec.samples
        if len(self.rows) >= need and healthy_in(self.rows[-need:], self.spec):
            return self._end(PASSED, now)
        if now >= self.deadline:
            self.reason = self._why_not()
            return self._end(FAILED, now)
        return WAIT

    def fail(self, reason, now):
        """The job left RUNNING (or the wait ended) before the gate decided."""
        if self.state == WAIT:
            self.reason = reason
            self._end(FAILED, now)

    def _end(self, state, now):
        self.state = state
        self.ended_at = now
        return state

    def _why_not(self):
        timeout = _num(self.spec.timeout)
        if self.launch_ms is None:
            return ('not healthy %ss after RUNNING: the time of its launch could not be read from its records, so '
                    'no micro-batch could be told from the previous run\'s' % timeout)
        if not self.rows:
            return ('not healthy %ss after RUNNING: no micro-batch since the start (the job is RUNNING but wrote '
                    'no stats: it consumes nothing?)' % timeout)
        latency = self.rows[-1][1] / 1000.0
        limit = self.spec.max_latency
        count = len(self.rows)
        good = 0
        for dummy, lat in reversed(self.rows):
            if lat > limit * 1000.0:
                break
            good += 1
        if latency > limit:
            return ('not healthy %ss after RUNNING: data latency %ss at its last micro-batch, over max_latency %ss '
                    '(%d micro-batch%s since the start)' % (timeout, _num(latency), _num(limit), count,
                                                            '' if count == 1 else 'es'))
        return ('not healthy %ss after RUNNING: %d micro-batch%s in a row at or under max_latency %ss, %d needed '
                '(last data latency %ss)' % (timeout, good, '' if good == 1 else 'es', _num(limit),
                                             self.spec.samples, _num(latency)))

    # ------------------------------------------------------------------ pace

    def interval(self):
        """The trigger interval (s): the spacing of this run's micro-batches once seen, else the params'."""
        if len(self.rows) >= 2:
            return max(0.001, (self.rows[-1][0] - self.rows[-2][0]) / 1000.0)
        if self.rows:
            return max(0.001, min(self.configured, (self.rows[0][0] - self.launch_ms) / 1000.0))
        return self.configured

    def next_batch(self):
        """When the next micro-batch should be visible, on this machine's clock; None while unknown."""
        if self.span is None:
            return None
        last = self.rows[-1][0] if self.rows else self.launch_ms
        return self.span[1] + (last - self.launch_ms) / 1000.0 + self.interval()

    def delay(self, now):
        """Seconds to the next stats read: timed for the next micro-batch once this run wrote one; before that,
        ``poll_interval`` growing by 1.5x after each read without one, never more than one trigger interval;
        never past the gate's deadline."""
        interval = self.interval()
        margin = max(MARGIN_MIN, MARGIN_SHARE * interval)
        predicted = self.next_batch()
        if self.rows and predicted is not None and predicted + margin > now:
            delay = predicted + margin - now
        else:
            delay = min(self.pacer.delay(now, predicted, margin, interval), interval)
        return max(0.0, min(delay, self.deadline - now))

    def schedule(self, now):
        """Plan the next stats read (``delay``); the seconds until it."""
        delay = self.delay(now)
        self.next_read = now + delay
        return delay

    def due(self, now):
        """Whether the stats read planned by ``schedule`` is due."""
        return self.next_read is None or now >= self.next_read - RESOLUTION

    # ------------------------------------------------------------------ result

    def result(self):
        """``{healthy, latency, samples}`` of the job's result: ``latency`` in seconds at the last micro-batch of
        this run (None without one), ``samples`` the micro-batches of this run the gate saw; ``healthy`` None while
        undecided (check mode)."""
        healthy = None if self.state == WAIT else self.state == PASSED
        latency = round(self.rows[-1][1] / 1000.0, 3) if self.rows else None
        return dict(healthy=healthy, latency=latency, samples=len(self.rows))


def healthy_in(rows, spec):
    """Whether ``rows`` (``[(create_time, latency ms)]``, oldest first) hold ``samples`` in a row at or under
    ``max_latency``: what the gate waits for, at the first moment it holds."""
    limit = spec.max_latency * 1000.0
    streak = 0
    for dummy, latency in rows:
        streak = streak + 1 if latency <= limit else 0
        if streak >= spec.samples:
            return True
    return False


def failed_runs(records, stats, spec, since_ms, now_ms):
    """How many runs of a build job failed the gate ``spec``, of those that began in the window from ``since_ms``
    to ``now_ms`` (server ms): RUNNING for ``timeout`` without ``samples`` micro-batches in a row at or under
    ``max_latency``. For the restart budget (a restart whose job did not become healthy is a failure).

    ``records``: ``GET /records`` (a run begins at a START record, written at RUNNING, and ends at the next
    record); ``stats``: ``GET /stats`` over the window. A run that ended sooner (a STOP or ERROR record) or
    that is younger than ``timeout`` is not judged here: its ERROR record, if any, counts elsewhere. Server
    times only.
    """
    timed = sorted((r.get('create_time'), r.get('action')) for r in records or [] if r.get('create_time') is not None)
    rows = stats_rows(stats)
    timeout_ms = spec.timeout * 1000.0
    failed = 0
    for index, (start, action) in enumerate(timed):
        if action != 'START' or start < since_ms:
            continue
        end = timed[index + 1][0] if index + 1 < len(timed) else now_ms
        deadline = start + timeout_ms
        if end < deadline or now_ms < deadline:
            continue
        if not healthy_in([r for r in rows if start < r[0] <= deadline], spec):
            failed += 1
    return failed


def planned_health(spec, action):
    """The ``health`` of a job in check mode: gated when it would be started or restarted (nothing known yet),
    else None."""
    if spec is None or not action or not (action.startswith('START') or action.startswith('RESTART')):
        return None
    return dict(healthy=None, latency=None, samples=0)


def not_reached():
    """The ``health`` of a job the gate was for that never reached RUNNING from this task's launch."""
    return dict(healthy=False, latency=None, samples=0)


def _num(value):
    """``30`` for 30.0, ``2.5`` for 2.5 (seconds in messages)."""
    return ('%d' % value) if float(value).is_integer() else ('%.3f' % value).rstrip('0').rstrip('.')
