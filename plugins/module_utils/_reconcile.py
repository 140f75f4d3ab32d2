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

import re
import time

from ansible_collections.kylin.streaming.plugins.module_utils import _decisions as J
from ansible_collections.kylin.streaming.plugins.module_utils._errors import (
    KylinAuthError,
    KylinError,
    KylinNotFoundError,
    KylinPermissionError,
    KylinSelectionError,
)
from ansible_collections.kylin.streaming.plugins.module_utils._inventory import read_jobs
from ansible_collections.kylin.streaming.plugins.module_utils._job_params import (
    desired_params,
    params_changes,
    validate_params,
)
from ansible_collections.kylin.streaming.plugins.module_utils._results import NOT_ATTEMPTED, diff_of, job_result, summary

START_REFUSED = 'KE-010035005'
JOB_ID_RE = re.compile(r'^[0-9A-Za-z][0-9A-Za-z-]*_(build|merge)$')
POLL_MAX = 30.0
POLL_BACKOFF = 1.5


SelectionError = KylinSelectionError  # the name earlier callers import


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
            self.error = str(exc)
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
                raise KylinSelectionError('model(s) not found in project %s: %s (aliases are exact and case-sensitive)' % (
                    self.project, ', '.join(missing)))
            rank = {alias: i for i, alias in enumerate(opts.models)}
            ordered_rows = sorted(rows, key=lambda r: (rank.get(r.get('model_alias'), 0), J.job_type(r) != 'build'))
        if ordered_rows and ordered_rows[0].get('project'):
            # Kylin matches project names case-insensitively on reads; write with its own spelling.
            self.project = ordered_rows[0]['project']
        return [J.JobTrack(row, order=i) for i, row in enumerate(ordered_rows)]

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
            if track.params_changes and self.state == J.STARTED and opts.apply_params == 'restart':
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
            step = J.decide(track, self.state, self.opts.force, self.opts.force_after, self.opts.wait, now)
            action, changed, status = J.predict(track, step, self.state)
            if step.kind == J.FAIL:
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
            step = J.decide(track, self.state, self.opts.force, self.opts.force_after, self.opts.wait, now)
            (pending if step.kind in (J.ACT, J.HOLD) else others).append(track)
        batches = J.chunks(J.ordered(pending, self.state), self.opts.batch_size)
        for number, batch in enumerate(batches, 1):
            self.converge(batch)
            if self.aborted or self.timed_out or any(t.error for t in batch):
                for later in batches[number:]:
                    for track in later:
                        track.note = '%s: batch %d of %d did not converge' % (NOT_ATTEMPTED, number, len(batches))
                        track.finished = True
                return
        self.converge(others)

    def converge(self, group):
        deadline = self.clock() + self.opts.wait_timeout
        delay = self.opts.poll_interval
        while True:
            now = self.clock()
            acts, waiting = {}, []
            for track in group:
                if track.finished:
                    continue
                step = J.decide(track, self.state, self.opts.force, self.opts.force_after, self.opts.wait, now)
                if step.kind == J.ACT:
                    acts.setdefault(step.action, []).append(track)
                elif step.kind == J.FAIL:
                    track.failed(step.reason, step.fatal)
                    if step.fatal:
                        self.aborted = True
                elif step.kind == J.DONE:
                    track.finished = True
                else:
                    waiting.append(track)
            if self.aborted:
                return
            if acts:
                self.apply(acts)
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
        try:
            rows = self.read([t.id for t in tracks])
        except (KylinAuthError, KylinPermissionError, KylinNotFoundError):
            raise
        except KylinError as exc:
            self.poll_errors += 1
            self.last_poll_error = str(exc)
            return
        now = self.clock()
        for track in tracks:
            row = rows.get(track.id)
            if row is None:
                track.failed('the job disappeared from Kylin (model dropped?)')
            else:
                track.observe(row, now)

    def read(self, ids):
        rows = read_jobs(self.client, self.project, job_ids=ids)
        return {row.get('uuid'): row for row in rows}

    # ------------------------------------------------------------------ act

    def apply(self, acts):
        for action in J.KIND_ORDER:
            tracks = acts.get(action)
            if not tracks:
                continue
            for chunk in J.chunks(J.ordered(tracks, action), J.put_chunk_size(action, self.client.timeout)):
                self.put(action, chunk)

    def put(self, action, tracks):
        before = {t.id: dict(t.row) for t in tracks}
        sent_at = self.clock()
        try:
            self.client.act(action, [t.id for t in tracks], self.project)
        except (KylinAuthError, KylinPermissionError, KylinNotFoundError):
            raise
        except KylinError as exc:
            self.recover(action, tracks, before, sent_at, exc)
            return
        now = self.clock()
        for track in tracks:
            track.applied(action, now)

    def recover(self, action, tracks, before, sent_at, exc):
        """After a failed PUT: re-read, keep what moved, blame or resend the rest (docs/design.md §4)."""
        uncertain = exc.maybe_applied
        ids = [t.id for t in tracks]
        try:
            rows = self.settled_read(ids) if uncertain else self.read(ids)
        except KylinError as read_exc:
            for track in tracks:
                track.failed('%s: %s; the job could not be re-read afterwards (%s), its state is unknown' % (
                    action, exc, read_exc))
            return
        now = self.clock()
        since_put = now - sent_at

        if uncertain:
            for track in tracks:
                row = rows.get(track.id)
                if row is None:
                    track.failed('the job disappeared from Kylin (model dropped?)')
                elif J.took_effect(action, before[track.id], row, since_put):
                    track.applied(action, now)
                    track.observe(row, now)
                else:
                    track.observe(row, now)
                    track.uncertain_puts += 1
                    if track.uncertain_puts > self.client.retries:
                        track.failed('%s not applied after %d attempts: %s' % (action, track.uncertain_puts, exc))
            return

        # Kylin acts on job_ids in order and stops at the first error, keeping what it did.
        blamed = self.blame(action, tracks, rows, exc)
        for index, track in enumerate(tracks):
            row = rows.get(track.id)
            if row is None:
                track.failed('the job disappeared from Kylin (model dropped?)')
                continue
            if blamed is None or index < blamed:
                track.applied(action, now)
                track.observe(row, now)
            elif index == blamed:
                track.observe(row, now)
                if action == J.START and exc.error_code == START_REFUSED and row.get('job_status') in (J.STARTING, J.RUNNING):
                    track.note = 'already started by someone else (Kylin refused a second START: %s)' % START_REFUSED
                    track.awaiting_running = True
                else:
                    track.failed('%s refused: %s' % (action, exc.kylin_msg or exc))
            else:
                track.observe(row, now)
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
            J.START: (J.STARTING, J.RUNNING),
            J.RESTART: (J.STARTING, J.RUNNING),
            J.STOP: (J.STOPPING, J.STOPPED, J.ERROR),
            J.FORCE_STOP: (J.STOPPED,),
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

    def settled_read(self, ids):
        """Re-read until two reads agree on the statuses, so a PUT still running server-side is not resent."""
        rows = self.read(ids)
        for dummy in range(5):
            self.sleep(min(2.0, max(0.2, self.opts.poll_interval)))
            again = self.read(ids)
            if dict((k, v.get('job_status')) for k, v in again.items()) == dict((k, v.get('job_status')) for k, v in rows.items()):
                return again
            rows = again
        return rows

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
        if self.timed_out:
            msg = 'timed out after %ss waiting for the jobs to settle. %s' % (self.opts.wait_timeout, msg)
        result = dict(
            changed=any(r['changed'] for r in jobs),
            jobs=jobs,
            msg=msg,
            elapsed=round(self.clock() - started, 3),
            failed=failed,
        )
        if self.poll_errors:
            self.warn('%d status poll(s) failed and were retried; last error: %s' % (
                self.poll_errors, self.last_poll_error))
        if self.opts.diff:
            result['diff'] = diff_of(self.tracks, jobs, with_params)
        return result
