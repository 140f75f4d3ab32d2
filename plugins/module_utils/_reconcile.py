# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Internal use only: the reconcile loop behind ``kylin.streaming.job``.

read -> plan (``_decisions.decide``) -> act -> wait -> result. The I/O lives here; every decision
is delegated to the pure functions of ``_decisions``, params to ``_job_params`` and the report to
``_results``. A round decides every unfinished job, sends one PUT
per action kind (builds first when starting, merges first when stopping), and otherwise polls all
awaited jobs with one list read. PUTs are never blindly resent: a failed or unanswered PUT is
followed by a re-read, and only jobs that did not move are sent again (docs/design.md §4).
"""

import difflib
import re
import time

from ansible_collections.kylin.streaming.plugins.module_utils._backoff import Backoff
from ansible_collections.kylin.streaming.plugins.module_utils._client import CODE_EPOCH_MOVED
from ansible_collections.kylin.streaming.plugins.module_utils._decisions import (
    ACT,
    DONE,
    ERROR,
    FAIL,
    FORCE_STOP,
    HOLD,
    KIND_ORDER,
    RESTART,
    RUNNING,
    START,
    STARTED,
    STARTING,
    STOP,
    STOPPED,
    STOPPING,
    JobTrack,
    chunks,
    decide,
    ordered,
    predict,
    put_chunk_size,
    put_read_timeout,
    took_effect,
    work_per_job,
)
from ansible_collections.kylin.streaming.plugins.module_utils._errors import (
    KylinAuthError,
    KylinClusterError,
    KylinError,
    KylinNotFoundError,
    KylinPermissionError,
    KylinSelectionError,
    error_fields,
)
from ansible_collections.kylin.streaming.plugins.module_utils._inventory import read_jobs
from ansible_collections.kylin.streaming.plugins.module_utils._job_params import (
    desired_params,
    params_changes,
    validate_params,
)
from ansible_collections.kylin.streaming.plugins.module_utils._results import NOT_ATTEMPTED, diff_of, job_result, summary
from ansible_collections.kylin.streaming.plugins.module_utils._rows import job_type

START_REFUSED = 'KE-010035005'
# An error that ends the task at once: a refused login or permission, an unknown project, a refusal of
# the whole cluster (maintenance mode, streaming disabled, no job node).
FINAL_ERRORS = (KylinAuthError, KylinPermissionError, KylinNotFoundError, KylinClusterError)
# Following a PUT whose answer was lost: poll between these bounds, and allow this margin over one job's work.
FOLLOW_POLL_MIN = 0.2
FOLLOW_POLL_MAX = 2.0
FOLLOW_MARGIN = 1.0
# Waits before resending a write the cluster refused before applying it (epoch hand-over).
REFUSED_BACKOFF = Backoff(first=0.5, maximum=8.0)
JOB_ID_RE = re.compile(r'^[0-9A-Za-z][0-9A-Za-z-]*_(build|merge)$')
POLL_MAX = 30.0
POLL_BACKOFF = 1.5



class JobReconciler:
    """Converges the selected jobs of one project to ``options.state``; ``run()`` returns the result dict.

    ``options``: a ``_job_options.JobOptions``. ``warn(text)`` is called for each warning as it
    arises (the module passes ``module.warn``); they are also kept in ``warnings``.
    """

    def __init__(self, client, options, warn=None, clock=time.monotonic, sleep=time.sleep):
        self.client = client
        self.opts = options
        self.project = options.project
        self.state = options.state
        self.timing = options.timing
        self.clock = clock
        self.sleep = sleep
        self._warn = warn
        self.tracks = []
        self.timed_out = False
        self.aborted = False
        self.warnings = []
        self.poll_errors = 0
        self.last_poll_error = None
        self.error = None

    def warn(self, text):
        self.warnings.append(text)
        if self._warn:
            self._warn(text)

    # ------------------------------------------------------------------ entry point

    def run(self):
        started = self.clock()
        self.opts.check()
        self.validate()
        self.tracks = self.select()
        self.plan_params()
        if self.opts.check_mode:
            return self.result(started, self.predictions())
        try:
            self.write_params()
            self.converge_all()
        except KylinError as exc:
            # Something ended the run after changes may have begun: report what was done so far.
            self.error = exc
        return self.result(started)

    def validate(self):
        if self.opts.params is not None:
            validate_params(self.opts.params)
        for job_id in self.opts.job_ids or []:
            if not JOB_ID_RE.match(job_id):
                raise KylinSelectionError('job id %r is not of the form <model uuid>_build or <model uuid>_merge' % job_id)

    def select(self):
        opts = self.opts
        rows = read_jobs(self.client, self.project, job_ids=opts.job_ids, models=opts.models,
                         job_types=opts.selected_job_types)
        if opts.job_ids:
            by_id = dict((row.get('uuid'), row) for row in rows)
            missing = [i for i in opts.job_ids if i not in by_id]
            if missing:
                raise KylinSelectionError('job id(s) not found in project %s: %s' % (self.project, ', '.join(missing)))
            ordered_rows = [by_id[i] for i in dict.fromkeys(opts.job_ids)]
        else:
            found = set(row.get('model_alias') for row in rows)
            missing = [m for m in opts.models if m not in found]
            if missing:
                raise KylinSelectionError('model(s) not found in project %s: %s (aliases are exact and case-sensitive)%s' % (
                    self.project, ', '.join(missing), self.suggest(missing)))
            rank = {alias: i for i, alias in enumerate(opts.models)}
            ordered_rows = sorted(rows, key=lambda r: (rank.get(r.get('model_alias'), 0), job_type(r) != 'build'))
        if ordered_rows and ordered_rows[0].get('project'):
            # Kylin matches project names case-insensitively on reads; write with its own spelling.
            self.project = ordered_rows[0]['project']
        return [JobTrack(row, order=i) for i, row in enumerate(ordered_rows)]

    def suggest(self, missing):
        """'; did you mean orders_rt?' from one read of the project's aliases (only on this error path)."""
        try:
            known = sorted(set(row.get('model_alias') for row in read_jobs(self.client, self.project) if row.get('model_alias')))
        except KylinError:
            return ''
        hints = []
        for alias in missing:
            lowered = dict((k.lower(), k) for k in known)
            close = [lowered[alias.lower()]] if alias.lower() in lowered else difflib.get_close_matches(alias, known, n=2, cutoff=0.6)
            if close:
                hints.append('%s: did you mean %s?' % (alias, ' or '.join(close)))
        return ('; ' + '; '.join(hints)) if hints else ''

    # ------------------------------------------------------------------ params

    def plan_params(self):
        opts = self.opts
        if opts.params is None:
            return
        for track in self.tracks:
            current = track.row.get('params') or {}
            desired = desired_params(current, opts.params, opts.params_purge)
            track.params_changes = params_changes(current, desired)
            track.desired_params = desired
            if track.params_changes and self.state == STARTED and opts.apply_params == 'restart':
                track.restart_for_params = True

    def write_params(self):
        for track in self.tracks:
            if track.params_changes:
                self.client.set_params(track.row.get('project') or self.project, track.id, track.desired_params)
                track.row = dict(track.row, params=track.desired_params)
                track.changed = True

    # ------------------------------------------------------------------ check mode

    def predictions(self):
        now = self.clock()
        plan = {}
        for track in self.tracks:
            step = self.decide(track, now)
            action, changed, status = predict(track, step, self.state)
            if step.kind == FAIL:
                track.error = step.reason
            plan[track.id] = (action, changed or bool(track.params_changes), status)
        return plan

    # ------------------------------------------------------------------ converge

    def converge_all(self):
        if not self.opts.batch_size:
            self.converge(self.tracks)
            return
        # Rolling: only jobs that need an action go in batches; the rest are awaited at the end.
        now = self.clock()
        pending, others = [], []
        for track in self.tracks:
            step = self.decide(track, now)
            (pending if step.kind in (ACT, HOLD) else others).append(track)
        batches = chunks(ordered(pending, self.state), self.opts.batch_size)
        for number, batch in enumerate(batches, 1):
            self.converge(batch)
            if self.aborted or self.timed_out or any(t.error for t in batch):
                for later in batches[number:]:
                    for track in later:
                        track.note = '%s: batch %d of %d did not converge' % (NOT_ATTEMPTED, number, len(batches))
                        track.finished = True
                return
        self.converge(others)

    def decide(self, track, now):
        opts = self.opts
        return decide(track, self.state, opts.force, opts.force_after, opts.wait, now,
                        restart_method=opts.restart_method, read_lag=self.timing['read_lag_seconds'],
                        global_retry=opts.global_retry_enabled)

    def converge(self, group):
        deadline = self.clock() + self.opts.wait_timeout
        delay = self.opts.poll_interval
        while True:
            now = self.clock()
            acts, waiting = {}, []
            for track in group:
                if track.finished:
                    continue
                step = self.decide(track, now)
                if step.kind == ACT:
                    acts.setdefault(step.action, []).append(track)
                elif step.kind == FAIL:
                    track.failed(step.reason, step.fatal)
                    if step.fatal:
                        self.aborted = True
                elif step.kind == DONE:
                    track.finished = True
                else:
                    waiting.append(track)
            if self.aborted:
                return
            if acts:
                began = self.clock()
                self.apply(acts)
                # The server's own work inside the PUTs (kills, START work) is not waiting time.
                deadline += self.clock() - began
                if self.aborted:
                    return
                continue
            if not waiting:
                return
            remaining = deadline - self.clock()
            if remaining <= 0:
                self.timed_out = True
                for track in waiting:
                    track.failed('timed out after %ss; last status %s' % (self.opts.wait_timeout, track.status))
                return
            self.sleep(min(delay, remaining))
            delay = min(delay * POLL_BACKOFF, POLL_MAX)
            self.poll(waiting)

    def poll(self, tracks):
        """One list read for every awaited job; a failed poll is tolerated until the deadline."""
        asked = self.clock()
        try:
            rows = self.read([t.id for t in tracks])
        except FINAL_ERRORS:
            raise
        except KylinError as exc:
            self.poll_errors += 1
            self.last_poll_error = str(exc)
            return
        for track in tracks:
            row = rows.get(track.id)
            if row is None:
                track.failed('the job disappeared from Kylin (model dropped?)')
            else:
                track.observe(row, asked)

    def read(self, ids):
        rows = read_jobs(self.client, self.project, job_ids=ids)
        return {row.get('uuid'): row for row in rows}

    # ------------------------------------------------------------------ act

    def apply(self, acts):
        for action in KIND_ORDER:
            tracks = acts.get(action)
            if not tracks:
                continue
            size = put_chunk_size(action, self.client.timeout, self.timing)
            for chunk in chunks(ordered(tracks, action), size):
                self.put(action, chunk)
                if self.aborted:
                    return

    def put(self, action, tracks):
        before = {t.id: dict(t.row) for t in tracks}
        read_timeout = put_read_timeout(action, len(tracks), self.client.timeout, self.timing)
        sent_at = self.clock()
        try:
            self.client.act(action, [t.id for t in tracks], self.project, timeout=read_timeout)
        except FINAL_ERRORS:
            raise
        except KylinError as exc:
            if exc.error_code == CODE_EPOCH_MOVED:
                self.refused_before_applying(action, tracks, before, sent_at, exc)
            elif exc.maybe_applied:
                self.follow(action, tracks, before, sent_at, exc)
            else:
                self.recover(action, tracks, before, sent_at, exc)
            return
        now = self.clock()
        for track in tracks:
            track.applied(action, now, sent_at)

    def refused_before_applying(self, action, tracks, before, sent_at, exc):
        """The project's epoch moved during the PUT: nothing was applied; re-read and resend what did not move."""
        attempt = max(t.uncertain_puts for t in tracks) + 1
        self.warn('%s of %d job(s) refused while the project moved to another Kylin node (%s); resending '
                  'after a re-read (attempt %d of %d)' % (action, len(tracks), exc.error_code, attempt, self.client.retries))
        self.sleep(REFUSED_BACKOFF.delay(attempt))
        self.reread_and_settle(action, tracks, before, sent_at, exc)

    def follow(self, action, tracks, before, sent_at, exc):
        """A PUT whose answer was lost: follow the server working through it, never resend meanwhile.

        Kylin goes on with the batch after the client gave up (docs/kylin-api.md §3.2, §4). Jobs
        move one after another; the PUT is over when every job moved, or when nothing moved for
        longer than one job's work (plus the read lag). Only the jobs that never moved are resent.
        """
        ids = [t.id for t in tracks]
        per_job = work_per_job(action, self.timing)
        lag = self.timing['read_lag_seconds']
        quiet_limit = per_job + lag + FOLLOW_MARGIN
        interval = min(FOLLOW_POLL_MAX, max(FOLLOW_POLL_MIN, min(per_job, self.opts.poll_interval) / 2.0))
        moved, last_progress, last_view, rows = set(), self.clock(), None, {}
        read_errors = 0
        self.warn('the answer of %s for %d job(s) was lost (%s); following the server\'s progress before '
                  'resending anything' % (action, len(tracks), exc))
        while True:
            self.sleep(interval)
            asked = self.clock()
            try:
                rows = self.read(ids)
            except FINAL_ERRORS:
                raise
            except KylinError as read_exc:
                read_errors += 1
                if read_errors > max(3, self.client.retries) and self.clock() - last_progress > quiet_limit:
                    for track in tracks:
                        if track.id not in moved:
                            track.failed('%s: %s; the job could not be re-read afterwards (%s), its state is unknown' % (
                                action, exc, read_exc))
                    return
                continue
            now = self.clock()
            view = {k: (v.get('job_status'), v.get('yarn_app_id'), _recorded_since(v, asked, sent_at))
                    for k, v in rows.items()}
            for track in tracks:
                row = rows.get(track.id)
                if track.id not in moved and row is not None and took_effect(action, before[track.id], row,
                                                                               asked - sent_at):
                    moved.add(track.id)
            if view != last_view:
                last_view, last_progress = view, now
            if len(moved) == len(tracks) and all(rows.get(i, {}).get('job_status') != STOPPING or action == STOP
                                                 for i in ids):
                break
            if now - last_progress > quiet_limit and now - sent_at >= lag:
                break
        self.settle_after_put(action, tracks, before, sent_at, exc, rows, moved, asked)

    def reread_and_settle(self, action, tracks, before, sent_at, exc):
        asked = self.clock()
        try:
            rows = self.read([t.id for t in tracks])
        except FINAL_ERRORS:
            raise
        except KylinError as read_exc:
            for track in tracks:
                track.failed('%s: %s; the job could not be re-read afterwards (%s), its state is unknown' % (
                    action, exc, read_exc))
            return
        moved = set(t.id for t in tracks if took_effect(action, before[t.id], rows.get(t.id), asked - sent_at))
        self.settle_after_put(action, tracks, before, sent_at, exc, rows, moved, asked)

    def settle_after_put(self, action, tracks, before, sent_at, exc, rows, moved, asked):
        """Jobs that moved took the action; the others are left to be sent again, a bounded number of times."""
        now = self.clock()
        for track in tracks:
            row = rows.get(track.id)
            if row is None:
                track.failed('the job disappeared from Kylin (model dropped?)')
            elif track.id in moved:
                track.applied(action, now, sent_at)
                track.observe(row, asked)
            else:
                track.observe(row, asked)
                track.uncertain_puts += 1
                if track.uncertain_puts > self.client.retries:
                    track.failed('%s not applied after %d attempts: %s' % (action, track.uncertain_puts, exc))

    def recover(self, action, tracks, before, sent_at, exc):
        """After a refused PUT: re-read, keep what moved, blame or resend the rest (docs/design.md §4)."""
        ids = [t.id for t in tracks]
        lag = self.timing['read_lag_seconds']
        if action == START and exc.error_code == START_REFUSED and lag > 0:
            # Refused as not startable: perhaps started by someone else, seen late by a lagging node.
            self.sleep(lag)
        asked = self.clock()
        try:
            rows = self.read(ids)
        except FINAL_ERRORS:
            raise
        except KylinError as read_exc:
            for track in tracks:
                track.failed('%s: %s; the job could not be re-read afterwards (%s), its state is unknown' % (
                    action, exc, read_exc))
            return
        now = self.clock()

        # Kylin acts on job_ids in order and stops at the first error, keeping what it did.
        blamed = self.blame(action, tracks, rows, exc)
        for index, track in enumerate(tracks):
            row = rows.get(track.id)
            if row is None:
                track.failed('the job disappeared from Kylin (model dropped?)')
                continue
            if blamed is None or index < blamed:
                track.applied(action, now, sent_at)
                track.observe(row, asked)
            elif index == blamed:
                track.observe(row, asked)
                if action == START and exc.error_code == START_REFUSED and row.get('job_status') in (STARTING, RUNNING):
                    track.note = 'already started by someone else (Kylin refused a second START: %s)' % START_REFUSED
                    track.awaiting_running = True
                else:
                    track.failed('%s refused: %s' % (action, exc.kylin_msg or exc))
            else:
                track.observe(row, asked)
        if blamed is None:
            self.warn('Kylin answered %s with an error no job can be blamed for (every job moved): %s' % (action, exc))

    @staticmethod
    def blame(action, tracks, rows, exc):
        """Index of the job the error belongs to: named in Kylin's message, else the first that did not move."""
        text = exc.kylin_msg or ''
        for index, track in enumerate(tracks):
            if track.id in text:
                return index
        reached = {
            START: (STARTING, RUNNING),
            RESTART: (STARTING, RUNNING),
            STOP: (STOPPING, STOPPED, ERROR),
            FORCE_STOP: (STOPPED,),
        }[action]
        for index, track in enumerate(tracks):
            alias = track.row.get('model_alias')
            row = rows.get(track.id) or {}
            if alias and '"%s"' % alias in text and row.get('job_status') not in reached:
                return index
        for index, track in enumerate(tracks):
            row = rows.get(track.id) or {}
            if row.get('job_status') not in reached:
                return index
        return None

    # ------------------------------------------------------------------ result

    def result(self, started, plan=None):
        with_params = self.opts.params is not None
        jobs = []
        for track in self.tracks:
            res = job_result(track, with_params)
            if plan is not None:
                action, changed, status = plan[track.id]
                res.update(action=action, changed=changed, status=status)
            jobs.append(res)
        failed = any(r['error'] for r in jobs) or self.timed_out or bool(self.error)
        msg = summary(jobs, self.state, check_mode=plan is not None)
        if self.error:
            msg = '%s. So far: %s' % (self.error, msg)
            result_error = error_fields(self.error)
        else:
            result_error = {}
        if self.timed_out:
            msg = 'timed out after %ss waiting for the jobs to settle. %s' % (self.opts.wait_timeout, msg)
        result = dict(
            changed=any(r['changed'] for r in jobs),
            jobs=jobs,
            msg=msg,
            elapsed=round(self.clock() - started, 3),
            failed=failed,
            **result_error
        )
        if self.poll_errors:
            self.warn('%d status poll(s) failed and were retried; last error: %s' % (
                self.poll_errors, self.last_poll_error))
        if self.opts.diff:
            result['diff'] = diff_of(self.tracks, jobs, with_params)
        return result


def _recorded_since(row, asked, since):
    """Whether the job's newest record (``last_status_duration`` before ``asked``) is not older than ``since``."""
    duration = row.get('last_status_duration')
    return duration is not None and asked - duration / 1000.0 >= since
