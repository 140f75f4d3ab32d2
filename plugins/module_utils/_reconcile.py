# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Internal use only: the reconcile loop behind ``kylin.streaming.job`` (the runner).

read -> plan (``_decisions.decide``) -> act -> wait -> result. Every decision is delegated to the
pure functions of ``_decisions``, params to ``_job_params``, the report to ``_results``; the waits
(every read after the selection, every sleep) to ``_waiter``, their pace to ``_timing``, and each
status PUT, with all that follows when its outcome is unknown, to ``_attempt.PutAttempt``. A round
decides every unfinished job, sends one PUT per action kind (builds first when starting, merges
first when stopping), and otherwise polls all awaited jobs with one list read (docs/design.md §3, §4).
"""

import difflib
import re
import time

from ansible_collections.kylin.streaming.plugins.module_utils._attempt import PutAttempt, check_stop_undone
from ansible_collections.kylin.streaming.plugins.module_utils._decisions import (
    ACT,
    DONE,
    ERROR,
    FAIL,
    HOLD,
    KIND_ORDER,
    KYLIN_RESTART,
    RUNNING,
    STARTED,
    JobTrack,
    chunks,
    decide,
    ordered,
    predict,
    put_chunk_size,
    unbelieved,
)
from ansible_collections.kylin.streaming.plugins.module_utils._errors import KylinError, KylinSelectionError, error_fields
from ansible_collections.kylin.streaming.plugins.module_utils._health import (
    FAILED,
    PASSED,
    Gate,
    planned_health,
    trigger_interval,
)
from ansible_collections.kylin.streaming.plugins.module_utils._inventory import read_jobs
from ansible_collections.kylin.streaming.plugins.module_utils._job_params import (
    desired_params,
    params_changes,
    validate_params,
)
from ansible_collections.kylin.streaming.plugins.module_utils._results import (
    NOT_ATTEMPTED,
    diff_of,
    gate_summary,
    job_result,
    label,
    summary,
)
from ansible_collections.kylin.streaming.plugins.module_utils._rows import job_type
from ansible_collections.kylin.streaming.plugins.module_utils._timing import PollPacer, StopQueue
from ansible_collections.kylin.streaming.plugins.module_utils._waiter import Waiter

JOB_ID_RE = re.compile(r'^[0-9A-Za-z][0-9A-Za-z-]*_(build|merge)$')
# A poll timed for a predicted change lands this share of a kill after it (at least PREDICTION_MARGIN_MIN s).
PREDICTION_MARGIN_SHARE = 0.02
PREDICTION_MARGIN_MIN = 0.05


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
        self.waiter = Waiter(client, options.project, clock, sleep)
        self._warn = warn
        self.tracks = []
        self.deadline = None
        self.timed_out = False
        self.aborted = False
        self.warnings = []
        self.error = None
        self.health = options.health_spec

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
        asked = self.clock()
        rows = read_jobs(self.client, self.project, job_ids=opts.job_ids, models=opts.models,
                         job_types=opts.selected_job_types)
        answered = self.clock()
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
            self.project = self.waiter.project = ordered_rows[0]['project']
        return [JobTrack(row, order=i, asked=asked, answered=answered) for i, row in enumerate(ordered_rows)]

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
        restart = self.state == STARTED and opts.apply_params == 'restart'
        for track in self.tracks:
            current = track.row.get('params') or {}
            desired = desired_params(current, opts.params, opts.params_purge)
            track.plan_params(params_changes(current, desired), desired, restart)

    def write_params(self, group):
        """Write the params of ``group`` before it is acted on (a rolling run writes each batch's in turn, so a
        batch that fails leaves the params of later ones as they were)."""
        for track in group:
            if track.params_changes and not track.params_applied:
                self.client.set_params(track.row.get('project') or self.project, track.id, track.desired_params)
                track.params_written()

    # ------------------------------------------------------------------ check mode

    def predictions(self):
        now = self.clock()
        plan = {}
        for track in self.tracks:
            step = self.decide(track, now)
            action, changed, status = predict(track, step, self.state, self.opts.restart_method)
            if step.kind == FAIL:
                track.failed(step.reason)
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
            if number > 1:
                self.refresh(batch)
            self.converge(batch)
            if self.aborted or self.timed_out or any(t.error for t in batch):
                gate = any(t.failed_gate or (t.gate and t.gate.state == FAILED) for t in batch)
                why = 'failed its health gate' if gate else 'did not converge'
                for later in batches[number:]:
                    for track in later:
                        track.skip('%s: batch %d of %d %s' % (NOT_ATTEMPTED, number, len(batches), why))
                for track in others:
                    if track.params_changes:
                        track.skip('%s: batch %d of %d %s; its params were not written' % (
                            NOT_ATTEMPTED, number, len(batches), why))
                return
        if batches:
            self.refresh(others)
        self.converge(others)

    def refresh(self, tracks):
        """Read ``tracks`` again before deciding them: the selection read is as old as the batches before them,
        and a job may have moved meanwhile (a stop under way ended, someone else acted): a PUT decided on that
        read would act on a job already where it should be, and its snapshot would mislead the evidence."""
        waiting = [t for t in tracks if not t.finished]
        if waiting:
            self.waiter.poll(waiting)

    def decide(self, track, now, queue=None):
        opts = self.opts
        if track.rollback_reason is not None:
            # Rolling back: running again with the params written back (a RESTART, or a START when not running).
            return decide(track, STARTED, False, None, True, now, restart_method=KYLIN_RESTART,
                          read_lag=self.timing['read_lag_seconds'], global_retry=opts.global_retry_enabled)
        return decide(track, self.state, opts.force, opts.force_after, opts.wait, now,
                      restart_method=opts.restart_method, read_lag=self.timing['read_lag_seconds'],
                      global_retry=opts.global_retry_enabled, queue=queue)

    def stop_queue(self):
        """The task's graceful stops waiting for their end-of-run kills (docs/kylin-api.md §11.1)."""
        return StopQueue.for_timing(self.tracks, self.timing, extra_slack=self.opts.poll_interval)

    def converge(self, group):
        """Rounds of decide, act and wait until every job of ``group`` is done, failed, or the wait timed out.

        A job held by the health gate (RUNNING after this task's launch) is awaited past ``wait_timeout``,
        until its gate decides (``health.timeout`` after RUNNING at most).
        """
        self.write_params(group)
        self.deadline = self.clock() + self.opts.wait_timeout
        pacer = PollPacer(self.opts.poll_interval)
        margin = max(PREDICTION_MARGIN_MIN, PREDICTION_MARGIN_SHARE * self.timing['kill_seconds'])
        overdue = False  # the last PUTs took longer than a poll interval: the other rows are that old, read now
        while True:
            now = self.clock()
            queue = self.stop_queue()
            acts, waiting, gating = {}, [], []
            rolled = False
            for track in group:
                check_stop_undone(self, track)
                if track.finished:
                    continue
                if track.gate is not None:
                    rolled = self.check_gate(track, now) or rolled
                else:
                    step = self.decide(track, now, queue)
                    if step.kind == ACT:
                        acts.setdefault(step.action, []).append(track)
                        continue
                    if step.kind == FAIL:
                        rolled = self.failing(track, step.reason, step.fatal) or rolled
                    elif step.kind == DONE:
                        self.done(track, now)
                    else:
                        waiting.append(track)
                        continue
                if not track.finished and track.gate is not None:
                    gating.append(track)
            if self.aborted:
                return
            if acts:
                began = self.clock()
                self.apply(acts)
                pacer.reset()
                if self.aborted or self.timed_out:
                    return
                overdue = self.clock() - began >= self.opts.poll_interval
                continue
            if rolled:
                continue  # a job rolled back: its params are written back, it is acted on at once
            if not waiting and not gating:
                return
            now = self.clock()
            if waiting and self.deadline - now <= 0:
                self.time_out(waiting)
                if not gating:
                    return
                waiting = []
            delays = [gate_track.gate.schedule(now) for gate_track in gating]
            if waiting:
                delays.append(min(pacer.delay(now, queue.next_end(), margin, queue.slack), self.deadline - now))
            if not overdue:
                self.waiter.sleep(min(delays))
            overdue = False
            moved = self.waiter.poll(waiting + gating)
            if waiting:
                pacer.saw(moved)
            self.read_health(gating)

    def done(self, track, now):
        """The job reached the desired state (or needs nothing more): the place for any check after RUNNING.

        A job RUNNING after this task's START or RESTART is held by the health gate when there is one
        (docs/design.md §2.2a); one running again after a rollback fails, saying why it was rolled back.
        """
        if track.rollback_reason is not None:
            track.failed('%s; rolled back: its previous params were written back and it is RUNNING again with them'
                         % track.rollback_reason)
            return
        if self.health is None or not track.launched or track.status != RUNNING:
            track.finish()
            return
        gate = Gate(self.health, running_at=track.seen_at if track.seen_at is not None else now,
                    since=track.sent_at, interval=trigger_interval(track.row), first_poll=self.opts.poll_interval,
                    build=track.type == 'build')
        track.hold_for_health(gate)
        if gate.state == PASSED:
            track.finish()  # a merge job keeps no latency: healthy when RUNNING

    def check_gate(self, track, now):
        """Judge the gate of a job held by it; True when the job failed it and is rolled back."""
        gate = track.gate
        step = self.decide(track, now)
        if step.kind == FAIL:
            reason = 'left RUNNING during the health gate, %ss after RUNNING: %s' % (
                int(now - gate.running_at), self.lost_reason(track))
            gate.fail(reason, now)
            return self.failing(track, reason)
        if track.status != RUNNING:
            if now >= gate.deadline:
                reason = 'not healthy %ss after RUNNING: its last status is %s' % (
                    int(now - gate.running_at), track.status)
                gate.fail(reason, now)
                return self.failing(track, reason)
            return False  # a read that may lag, or a relaunch under way: judged at the next poll
        state = gate.judge(now)
        if state == PASSED:
            track.finish()
        elif state == FAILED:
            return self.failing(track, gate.reason)
        return False

    @staticmethod
    def lost_reason(track):
        if track.status == ERROR:
            return 'fell into ERROR%s; see the driver log in Kylin (yarn_app_id: %s)' % (
                ' (launching_error: true)' if track.launching_error else '', track.row.get('yarn_app_id') or 'none')
        return 'became %s (stopped by someone else?)' % track.status

    def read_health(self, gating):
        """After a poll: the stats of every gated job whose next micro-batch is due (one ``GET /stats`` each), and
        once per job its records, which give the server time of its launch (``GET /records``)."""
        for track in gating:
            gate = track.gate
            if track.finished or track.status != RUNNING or not gate.needs_stats or not gate.due(self.clock()):
                continue
            if gate.needs_launch:
                records = self.waiter.records(track.id)
                if records is None or not gate.launched(records, track.seen()):
                    continue
            stats = self.waiter.stats(track.id, gate.time_filter(self.clock()))
            if stats is not None:
                gate.took(stats)

    def failing(self, track, reason, fatal=False):
        """A job failed. A launch failure or a failed gate of a job whose params this task changed is rolled back
        when ``rollback`` is on (True is returned); anything else fails the job (``fatal``: the task too)."""
        launch_failed = fatal and track.status == ERROR
        rollable = track.params_applied and track.rollback_reason is None
        if self.opts.rollback and rollable and (launch_failed or track.gate is not None):
            return self.roll_back(track, reason)
        if track.rollback_reason is not None:
            reason = '%s; rolled back: its previous params were written back and it was launched again, but %s' % (
                track.rollback_reason, reason)
        track.failed(reason, fatal)
        if fatal:
            self.aborted = True
        return False

    def roll_back(self, track, reason):
        """Write back the params the job had before this task (the exact map read at the start) and launch it
        again with them; the job still fails, saying so. True when the rollback is under way."""
        previous = dict(track.first_row.get('params') or {})
        try:
            self.client.set_params(track.row.get('project') or self.project, track.id, previous)
        except KylinError as exc:
            track.failed('%s; rolling back its params failed: %s' % (reason, exc))
            return False
        track.rolling_back(reason, previous)
        # The relaunch gets a wait of its own: the gate it failed may have outlasted wait_timeout.
        self.deadline = max(self.deadline or 0.0, self.clock() + self.opts.wait_timeout)
        self.warn('%s: %s; rolling back: its previous params are written back and it is launched again with them'
                  % (label(dict(id=track.id, model=track.row.get('model_alias'), type=track.type)), reason))
        return True

    def time_out(self, waiting):
        self.timed_out = True
        for track in waiting:
            if track.relaunching:
                track.failed('timed out after %ss; last status ERROR: the STOP landed on the launch that followed '
                             'an epoch take-over\'s kill, and that launch has not reached RUNNING since: it may have '
                             'failed to launch, or YARN still holds it; no read tells which (docs/kylin-api.md §3.3). '
                             'It was not started while a launch may be under way: see the job\'s log in Kylin, and '
                             'start it if its launch failed' % self.opts.wait_timeout)
                continue
            doubt = unbelieved(track, self.timing['read_lag_seconds'])
            track.failed('timed out after %ss; last status %s%s' % (
                self.opts.wait_timeout, track.status, '; %s' % doubt if doubt else ''))

    def inside_puts(self, since):
        """Time spent inside a status request since ``since`` is the server's work, not waiting: move the deadline."""
        if self.deadline is not None:
            self.deadline += self.clock() - since

    # ------------------------------------------------------------------ act

    def apply(self, acts):
        first = True
        for action in KIND_ORDER:
            tracks = acts.get(action)
            if not tracks:
                continue
            size = put_chunk_size(action, self.client.timeout, self.timing)
            for chunk in chunks(ordered(tracks, action), size):
                if not first:
                    chunk = self.still_to_act(chunk, action)
                    if not chunk:
                        continue
                first = False
                PutAttempt(self, action, chunk).send()
                if self.aborted or self.timed_out:
                    return

    def still_to_act(self, tracks, action):
        """The jobs of ``tracks`` that still need ``action`` on a fresh read. The PUTs before this one took time (the
        server's work, kills one at a time, or a lost answer followed): the rows the round decided on are that old,
        and a job may have reached its goal meanwhile (a stop under way ended, someone else acted). Sending on them
        would act on such a job, and its snapshot would mislead the evidence if the answer were lost."""
        self.waiter.poll(tracks)
        now = self.clock()
        queue = self.stop_queue()
        keep = []
        for track in tracks:
            if track.finished:
                continue
            step = self.decide(track, now, queue)
            if step.kind == ACT and step.action == action:
                keep.append(track)
        return keep

    # ------------------------------------------------------------------ result

    def gate_seconds(self):
        """How long the health gate held the jobs: from the first job held to the last decision (None: no gate)."""
        gates = [g for g in (t.gate or t.failed_gate for t in self.tracks) if g is not None and g.build]
        if not gates:
            return None
        ends = [g.ended_at if g.ended_at is not None else self.clock() for g in gates]
        return max(0.0, max(ends) - min(g.running_at for g in gates))

    def result(self, started, plan=None):
        with_params = self.opts.params is not None
        jobs = []
        for track in self.tracks:
            res = job_result(track, with_params, self.state, self.opts.restart_method, gated=self.health is not None)
            if plan is not None:
                action, changed, status = plan[track.id]
                res.update(action=action, changed=changed, status=status,
                           health=planned_health(self.health, action))
            jobs.append(res)
        failed = any(r['error'] for r in jobs) or self.timed_out or bool(self.error)
        msg = summary(jobs, self.state, check_mode=plan is not None)
        if self.health is not None:
            msg = gate_summary(msg, jobs, self.health, self.gate_seconds(), check_mode=plan is not None)
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
            polls=self.waiter.polls,
            failed=failed,
            **result_error
        )
        if self.waiter.read_errors:
            self.warn('%d status read(s) failed and were retried; last error: %s' % (
                self.waiter.read_errors, self.waiter.last_read_error))
        if self.opts.diff:
            result['diff'] = diff_of(self.tracks, jobs, with_params)
        return result
