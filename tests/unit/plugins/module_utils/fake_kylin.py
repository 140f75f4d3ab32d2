# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A Kylin on a fake clock, for the loop's unit tests (``JobReconciler(fake, options, clock=clock, sleep=clock.sleep)``).

The state machine of docs/kylin-api.md §3 with the timing the loop must keep pace with: START work
inside the request, a launch that takes ``start_delay``, a graceful STOP that ends after a
micro-batch with the end-of-run kill (docs/kylin-api.md §11.1), FORCE_STOP and RESTART killing
inside the request, one kill at a time on the node, an epoch take-over that kills and relaunches the
project's jobs while writes wait (docs/kylin-api.md §11.2), reads from a node that lags
(docs/kylin-api.md §11.5), and a fault per status PUT. The server's clock runs ``skew`` seconds ahead
of the client's: records carry server milliseconds.
Nothing happens between two calls but what the clock says is due: every run is the same.
"""

import heapq
import itertools

from ansible_collections.kylin.streaming.plugins.module_utils._errors import (
    KylinApiError,
    KylinClusterError,
    KylinResponseError,
    KylinTransportError,
)

SKEW = 3 * 86400.0 + 0.123
START_REFUSED = 'KE-010035005'


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += max(0.0, seconds)


class Job:
    def __init__(self, job_id):
        self.id = job_id
        self.status = 'STOPPED'
        self.app = ''
        self.launching_error = False
        self.modified = 0
        self.records = []   # (action, server ms), oldest first
        self.views = []     # (client time, status, app, launching_error, last_modified): what lagging nodes show
        self.token = 0      # bumped by every action: events of an earlier one are dropped
        self.starting_at = None  # when it last became STARTING
        self.runs = []      # [start ms, end ms or None, mode]: each RUNNING, for its micro-batches
        self.latency = 'steady'  # how the next runs' data latency behaves (see FakeKylin.stats)
        self.params = {}


class FakeKylin:
    """``faults``: one entry per status PUT, in order (missing or None: answered):

    * ``'lost'``: applied, the answer lost (a reset connection);
    * ``'proxy503'``: a proxy's 503 HTML page, not applied;
    * ``('held', until)``: the client's read timeout passes; the write is applied at ``until``, when
      the project's take-over is done (``takeover()``);
    * ``'takeover'``: the write runs an epoch take-over of the project first (its RUNNING and STARTING jobs
      killed and relaunched, one kill at a time), then is applied and answered (docs/kylin-api.md §11.2);
    * ``('refused', code)``: refused before anything is applied;
    * ``('final', code)``: refused for the whole project or cluster (``KylinClusterError``);
    * ``('refused_after', code, n)``: the first ``n`` jobs applied, then refused (the epoch moved mid-batch).
    """

    retries = 3

    def __init__(self, clock, kill=21.0, start_work=1.0, start_delay=5.0, micro_batch=3.0, timeout=60, skew=SKEW,
                 accept_delay=0.0, trigger=30.0, base_latency=2000):
        self.clock = clock
        self.accept_delay = accept_delay  # a launch is known to YARN this long after STARTING (a STOP before: ERROR)
        self.kill = kill
        self.start_work = start_work
        self.start_delay = start_delay
        self.micro_batch = micro_batch
        self.timeout = timeout
        self.skew = skew
        self.trigger = trigger           # seconds between two micro-batches of a running build job
        self.base_latency = base_latency  # ms
        self.stats_reads = []            # (client time, job id) of each GET /stats
        self.params_log = []             # (client time, job id, params) of each PUT /params
        self.launch_params = {}          # job id -> the params each launch ran with
        self.effects = {}                # (key, value) -> the latency mode a launch with it gets, or 'launch_error'
        self.jobs = {}
        self.events = []
        self.seq = itertools.count()
        self.now = clock()     # the time of the write under way (events are applied at their due time)
        self.kill_free = 0.0
        self.kills = []        # (start, end) of every kill, one at a time on the node
        self.faults = []
        self.held = []         # (action, ids) of writes held behind a take-over
        self.stuck = set()     # jobs whose driver never finishes its micro-batch (a graceful STOP hangs)
        self.log = []          # (client time, job id, action): every action applied
        self.puts = []         # (client time, action, ids)
        self.reads = []        # client time of each list read
        self.ends = {}         # job id -> client time of its STOPPED/ERROR writes
        self.lag = 0.0
        self.lag_every = 0     # every lag_every-th list read comes from a node `lag` seconds behind
        self.lagging = None    # or a predicate(read number, job id) -> whether that row lags

    # ------------------------------------------------------------------ set-up

    def ms(self, when):
        return int((when + self.skew) * 1000)

    def add(self, job_id, status, record_age=600.0, until=None):
        """A job in ``status``; ``until``: when a STARTING job reaches RUNNING, a STOPPING one's micro-batch ends."""
        job = self.jobs[job_id] = Job(job_id)
        job.params = {'kylin.streaming.duration': ('%g' % self.trigger)}
        now = self.clock()
        kind = {'RUNNING': 'START', 'STOPPING': 'START', 'STOPPED': 'STOP', 'ERROR': 'ERROR', 'STARTING': 'STOP'}[status]
        job.records.append((kind, self.ms(now - record_age)))
        job.status = status
        job.app = 'application_0_%s' % job_id if status in ('RUNNING', 'STOPPING') else ''
        job.modified = self.ms(now - record_age)
        if status in ('RUNNING', 'STOPPING'):
            job.runs.append([self.ms(now - record_age), None, 'steady'])
        self._view(job, now)
        if status == 'STARTING':
            self._at(until if until is not None else now + self.start_delay, self._launched, job)
        elif status == 'STOPPING':
            self._at(until if until is not None else now + self.micro_batch, self._batch_ended, job)
        return job

    def takeover(self, at):
        """At ``at``, the project's epoch moves: its RUNNING and STARTING jobs are killed and relaunched, one kill
        at a time; writes held meanwhile (``('held', until)``) are applied after it."""
        self._at(at, self._take_over)

    # ------------------------------------------------------------------ time

    def _at(self, when, fn, job=None, *args):
        token = job.token if job is not None else None
        heapq.heappush(self.events, (when, next(self.seq), fn, job, token, args))

    def _until(self, when):
        """Apply what is due by ``when``, each at its own time, and move the clock there."""
        while self.events and self.events[0][0] <= when:
            due, dummy, fn, job, token, args = heapq.heappop(self.events)
            if job is not None and token != job.token:
                continue
            self.now = due
            if job is not None:
                fn(job, *args)
            else:
                fn(*args)
        self.clock.now = max(self.clock.now, when)
        self.now = self.clock.now

    def time(self):
        """The server's time of the write under way: an event's due time, else the client's clock."""
        return self.now

    def _kill_slot(self, when):
        """Reserve the node's kill lock for one kill from ``when`` on, after the kills already queued; its end."""
        start = max(when, self.kill_free)
        self.kill_free = start + self.kill
        self.kills.append((start, self.kill_free))
        return self.kill_free

    def _current_kill_end(self, when):
        """The end of the kill that holds the lock at ``when`` (a START's grep waits for it), or ``when``."""
        return max([end for start, end in self.kills if start <= when < end] + [when])

    # ------------------------------------------------------------------ writes of the state

    def _view(self, job, when):
        job.views.append((when, job.status, job.app, job.launching_error, job.modified))

    def _write(self, job, status, record=None):
        now = self.time()
        if status not in ('RUNNING', 'STOPPING') and job.runs and job.runs[-1][1] is None:
            job.runs[-1][1] = self.ms(now)
        job.status = status
        job.modified = max(job.modified + 1, self.ms(now))
        if record:
            job.records.append((record, self.ms(now)))
        if status in ('STOPPED', 'ERROR'):
            self.ends.setdefault(job.id, []).append(now)
        if status == 'STARTING':
            job.starting_at = now
        self._view(job, now)

    def _launched(self, job):
        effect = self._effect(job)
        self.launch_params.setdefault(job.id, []).append(dict(job.params))
        if effect == 'launch_error':
            job.launching_error = True
            self._write(job, 'ERROR')
            return
        job.app = 'application_%d_%s' % (len(job.records), job.id)
        self._write(job, 'RUNNING', 'START')
        job.runs.append([self.ms(self.time()), None, effect or job.latency])

    def _effect(self, job):
        for (key, value), effect in self.effects.items():
            if job.params.get(key) == value:
                return effect
        return None

    def _batch_ended(self, job):
        """The driver finished its micro-batch: the listener kills it under the node lock, then writes STOPPED."""
        self._at(self._kill_slot(self.time()), self._graceful_end, job)

    def _graceful_end(self, job):
        self._write(job, 'STOPPED', 'STOP')

    def _take_over(self):
        for job in self.jobs.values():
            if job.status in ('RUNNING', 'STARTING'):
                job.token += 1
                self._at(self._kill_slot(self.time()), self._resumed, job)
        self._at(self.kill_free, self._apply_held)

    def _resumed(self, job):
        self._write(job, 'STOPPED', 'STOP')
        job.app = ''
        self._write(job, 'STARTING')
        self._at(self.time() + self.start_delay, self._launched, job)

    def _apply_held(self):
        for action, ids in self.held:
            self._apply(action, ids)
        self.held = []

    # ------------------------------------------------------------------ actions

    def _start(self, job):
        self._until(self._current_kill_end(self.time()) + self.start_work)  # the leftover-driver grep waits for a kill
        if job.status not in ('STOPPED', 'ERROR'):
            raise KylinApiError('PUT .../status: HTTP 500, %s(Job Start Failure):%s' % (START_REFUSED, job.id),
                                method='PUT', status=500, error_code=START_REFUSED,
                                kylin_msg='%s(Job Start Failure):%s' % (START_REFUSED, job.id))
        job.token += 1
        job.app = ''
        job.launching_error = False
        self._write(job, 'STARTING')
        self._at(self.time() + self.start_delay, self._launched, job)

    def _stop(self, job):
        if job.status in ('STOPPED', 'ERROR', 'STOPPING'):
            return
        if job.status == 'STARTING':
            # Lost: the launch under way completes and its RUNNING overwrites the STOPPING, or before YARN knows
            # the application the ERROR, that the STOP writes (docs/kylin-api.md §3.3).
            if self.time() - job.starting_at < self.accept_delay:
                self._write(job, 'ERROR', 'ERROR')
            else:
                self._write(job, 'STOPPING')
            return
        job.token += 1
        self._write(job, 'STOPPING')
        if job.id not in self.stuck:
            self._at(self.time() + self.micro_batch, self._batch_ended, job)

    def _force_stop(self, job):
        job.token += 1
        self._write(job, 'STOPPING')
        self._until(self._kill_slot(self.time()))
        self._write(job, 'STOPPED', 'STOP')

    def _apply(self, action, ids):
        for job_id in ids:
            job = self.jobs[job_id]
            if action == 'START':
                self._start(job)
            elif action == 'STOP':
                self._stop(job)
            elif action == 'FORCE_STOP':
                self._force_stop(job)
            else:
                self._force_stop(job)
                self._start(job)
            self.log.append((self.time(), job_id, action))

    # ------------------------------------------------------------------ the client's interface

    def act(self, action, job_ids, project=None, timeout=None):
        self._until(self.clock())
        self.puts.append((self.clock(), action, list(job_ids)))
        fault = self.faults.pop(0) if self.faults else None
        kind = fault[0] if isinstance(fault, tuple) else fault
        if kind == 'proxy503':
            raise KylinResponseError('PUT .../status: HTTP 503, not a Kylin answer (text/html): 503 Service '
                                     'Temporarily Unavailable', method='PUT', status=503, maybe_applied=True)
        if kind == 'final':
            raise KylinClusterError('PUT .../status: %s' % fault[1], method='PUT', status=500, error_code=fault[1])
        if kind == 'refused':
            raise KylinApiError('PUT .../status: HTTP 500, %s' % fault[1], method='PUT', status=500,
                                error_code=fault[1], kylin_msg=fault[1])
        if kind == 'held':
            self.held.append((action, list(job_ids)))
            self._until(self.clock() + (timeout or self.timeout))
            raise KylinTransportError('PUT .../status: no answer within %ss (timeout)' % (timeout or self.timeout),
                                      method='PUT', maybe_applied=True)
        if kind == 'takeover':
            self.held.append((action, list(job_ids)))
            self._take_over()
            self._until(self.kill_free)
            return
        if kind == 'refused_after':
            self._apply(action, job_ids[:fault[2]])
            raise KylinApiError('PUT .../status: HTTP 500, %s' % fault[1], method='PUT', status=500,
                                error_code=fault[1], kylin_msg=fault[1])
        self._apply(action, job_ids)
        if kind == 'lost':
            raise KylinTransportError('PUT .../status: connection reset', method='PUT', maybe_applied=True)

    def _row(self, job, lagging):
        now = self.clock()
        when, status, app, launching_error, modified = job.views[-1]
        if lagging:
            older = [v for v in job.views if v[0] <= now - self.lag]
            when, status, app, launching_error, modified = older[-1] if older else job.views[0]
        newest = job.records[-1][1] if job.records else None
        return dict(uuid=job.id, project='p1', model_alias=job.id.split('_')[0], job_status=status,
                    job_type='STREAMING_MERGE' if job.id.endswith('_merge') else 'STREAMING_BUILD',
                    yarn_app_id=app, launching_error=launching_error, last_modified=modified,
                    params=dict(job.params),
                    model_broken=False, last_status_duration=None if newest is None else self.ms(now) - newest)

    def list_jobs(self, page_offset=0, page_size=10, job_ids=None, **filters):
        self._until(self.clock())
        self.reads.append(self.clock())
        number = len(self.reads)
        rows = []
        for job_id in (job_ids or list(self.jobs)):
            lagging = bool(self.lag) and (self.lagging(number, job_id) if self.lagging else
                                          bool(self.lag_every) and number % self.lag_every == 0)
            rows.append(self._row(self.jobs[job_id], lagging))
        return {'value': rows if page_offset == 0 else [], 'total_size': len(rows)}

    def list_url_length(self, **query):
        return 200

    def records(self, job_id):
        self._until(self.clock())
        return [dict(job_Id=job_id, project='p1', action=action, create_time=created, update_time=created)
                for action, created in reversed(self.jobs[job_id].records)]

    def set_params(self, project, job_id, params):
        self._until(self.clock())
        self.params_log.append((self.clock(), job_id, dict(params)))
        self.jobs[job_id].params = dict(params)

    def stats(self, job_id, time_filter=None):
        """``GET /stats``: a row per micro-batch of each run, every ``trigger`` seconds after its RUNNING, in the
        server's milliseconds. Latency by the run's mode: ``steady`` the base; ``healthy`` a backlog of 8, 4, 2 x
        base, then the base; ``lagging`` (1 + 2k) x base; ``stalled`` no micro-batch."""
        self._until(self.clock())
        self.stats_reads.append((self.clock(), job_id))
        now = self.ms(self.clock())
        since = now - int((time_filter or 30) * 60000)
        times, latencies = [], []
        job = self.jobs[job_id]
        step = int(self.trigger * 1000)
        for start, end, mode in job.runs:
            if mode == 'stalled' or job.id.endswith('_merge'):
                continue
            k = 1
            while start + k * step <= (now if end is None else min(end, now)):
                when = start + k * step
                if when >= since:
                    base = self.base_latency
                    latency = {'healthy': base * 2 ** (4 - k) if k <= 3 else base,
                               'lagging': base * (1 + 2 * k)}.get(mode, base)
                    times.append(when)
                    latencies.append(int(latency))
                k += 1
        return {'create_time': times, 'data_latency_hist': latencies}

    # ------------------------------------------------------------------ what happened

    def actions(self, job_id=None, action=None):
        return [(j, a) for t, j, a in self.log if (job_id is None or j == job_id) and (action is None or a == action)]
