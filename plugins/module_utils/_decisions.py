# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Internal use only: the pure decisions of the ``job`` module.

``decide()`` is the per-status behaviour table of docs/design.md §2.2 as a function of one job's
last seen row and what this task already did to it. ``JobTrack`` is that record, kept by the
reconcile loop; the functions here read it and never write to it. No I/O, and no import that
reaches ``requests``: everything here is testable without a server.
"""

from ansible_collections.kylin.streaming.plugins.module_utils._rows import job_type, retry_enabled

# Desired states
STARTED = 'started'
STOPPED_STATE = 'stopped'
RESTARTED = 'restarted'

# Kylin actions (PUT /status), in the order different kinds are sent within one round:
# stops before starts, so a round never has more jobs up than it needs.
START, STOP, FORCE_STOP, RESTART = 'START', 'STOP', 'FORCE_STOP', 'RESTART'
KIND_ORDER = (FORCE_STOP, STOP, RESTART, START)

# Job statuses as the list shows them (LAUNCHING_ERROR is listed as ERROR).
STARTING, RUNNING, STOPPING, ERROR, STOPPED = 'STARTING', 'RUNNING', 'STOPPING', 'ERROR', 'STOPPED'

# restart_method
KYLIN_RESTART = 'kylin'
GRACEFUL_RESTART = 'graceful'

# What the server does inside a status PUT, per job (docs/kylin-api.md §3.2, §7): a kill of a live
# driver takes 1+2+...+6 s and kills run one at a time on the node; a START greps for a leftover
# driver, calls YARN, cleans segments and writes metadata; a STOP looks the app up and writes meta.
# Reads from a node that is not the project's owner lag by its catch-up interval (5 s).
DEFAULT_TIMING = dict(kill_seconds=21.0, start_seconds=1.0, stop_seconds=0.5, read_lag_seconds=5.0)
# Share of the read timeout the expected work of one PUT may fill.
PUT_BUDGET_SHARE = 0.5

# Step kinds returned by decide()
ACT = 'act'          # send ``action`` now
HOLD = 'hold'        # transitional: wait for it to move, then decide again (even with wait: false)
SETTLE = 'settle'    # nothing (more) to send: wait for the end state (only when waiting)
DONE = 'done'        # nothing to send, nothing to wait for
FAIL = 'fail'        # give up on this job with ``reason``; ``fatal`` ends the whole task at once


class Step:
    __slots__ = ('kind', 'action', 'reason', 'fatal')

    def __init__(self, kind, action=None, reason=None, fatal=False):
        self.kind = kind
        self.action = action
        self.reason = reason
        self.fatal = fatal

    def __eq__(self, other):
        return isinstance(other, Step) and (self.kind, self.action, self.reason, self.fatal) == (
            other.kind, other.action, other.reason, other.fatal)

    def __repr__(self):
        return 'Step(%r, %r, %r, %r)' % (self.kind, self.action, self.reason, self.fatal)


def act(action):
    return Step(ACT, action)


def fail(reason, fatal=False):
    return Step(FAIL, reason=reason, fatal=fatal)


HOLD_STEP = Step(HOLD)
SETTLE_STEP = Step(SETTLE)
DONE_STEP = Step(DONE)


class JobTrack:
    """What this task knows about one job: its last seen row and what it did to it."""

    def __init__(self, row, order=0):
        self.id = row['uuid']
        self.order = order
        self.row = row
        self.status_before = row.get('job_status')
        self.actions = []
        self.changed = False
        self.error = None
        self.fatal = False
        self.finished = False
        # Seen STARTING without this task's action: someone else launches it, and it is awaited.
        self.awaiting_running = self.status_before == STARTING
        self.stopping_since = None
        self.uncertain_puts = 0
        self.restart_for_params = False
        self.params_changes = {}
        self.desired_params = None
        self.note = None
        self.first_row = dict(row)   # the selection read
        self.seen_at = None          # when the current row was asked for (None: the selection read)
        self.sent_at = None          # when the PUT of the last action was sent
        self.acted_at = None         # when this task learnt that the last action took effect
        self.before_action = None    # the row as last read before the last action

    @property
    def status(self):
        return self.row.get('job_status')

    @property
    def type(self):
        return job_type(self.row)

    @property
    def last_action(self):
        return self.actions[-1] if self.actions else None

    def observe(self, row, now):
        """Take a row read by a request sent at ``now``; remember when the job was first seen STOPPING."""
        self.seen_at = now
        if row.get('job_status') == STARTING and not self.actions:
            self.awaiting_running = True
        if row.get('job_status') == STOPPING:
            if self.stopping_since is None:
                self.stopping_since = now
        elif self.last_action != STOP:
            self.stopping_since = None
        self.row = row

    def applied(self, action, now, sent_at=None):
        """Record that ``action`` (sent at ``sent_at``) took effect, and the status the server sets before answering."""
        self.before_action = dict(self.row)
        self.actions.append(action)
        self.changed = True
        self.sent_at = now if sent_at is None else sent_at
        self.acted_at = now
        self.seen_at = now
        assumed = {START: STARTING, RESTART: STARTING, STOP: STOPPING, FORCE_STOP: STOPPED}[action]
        row = dict(self.row, job_status=assumed)
        if action in (START, RESTART):
            row['launching_error'] = False
        self.row = row
        if action == STOP:
            self.stopping_since = now

    def failed(self, reason, fatal=False):
        self.error = reason
        self.fatal = fatal
        self.finished = True

    @property
    def launching_error(self):
        return bool(self.row.get('launching_error'))

    def fresh(self, read_lag):
        """Whether the current row was read late enough after this task's last action to be a verdict."""
        if self.acted_at is None:
            return True
        return self.seen_at is not None and self.seen_at >= self.acted_at + (read_lag or 0)

    def record_after(self, since):
        """Whether the row's last START/STOP/ERROR record is newer than ``since`` (this task's clock)."""
        duration = self.row.get('last_status_duration')
        if since is None or duration is None or self.seen_at is None:
            return False
        # seen_at is when the read was sent, before the server measured the duration: an underestimate.
        return self.seen_at - duration / 1000.0 >= since


def _broken(track):
    return bool(track.row.get('model_broken'))


def _broken_reason(track, verb):
    return 'model %s is broken (model_broken: true); the job is not %s. Repair the model in Kylin first' % (
        track.row.get('model_alias'), verb)


def _running_lost(track):
    if track.status == ERROR:
        detail = 'failed to launch (launching_error: true)' if track.launching_error else 'fell into ERROR'
        return '%s while starting; see the driver log in Kylin (yarn_app_id: %s)' % (
            detail, track.row.get('yarn_app_id') or 'none')
    return 'became %s while this task waited for RUNNING (stopped by someone else?)' % track.status


def _stopping_too_long(track, force_after, now):
    return force_after is not None and track.stopping_since is not None and now - track.stopping_since >= force_after


def decide(track, state, force=False, force_after=None, wait=True, now=0.0, restart_method=KYLIN_RESTART,
           read_lag=0.0, global_retry=False):
    """The next step for one job: the table of docs/design.md §2.2, plus what this task already did.

    ``read_lag``: seconds a read may lag a write (nodes behind a load balancer); a read that
    contradicts this task's own action and is not fresher than that is not a verdict.
    ``global_retry``: the cluster's ``kylin.streaming.job-retry-enabled``, for jobs whose params lack it.
    """
    status = track.status
    done_or_settle = SETTLE_STEP if wait else DONE_STEP
    last = track.last_action
    fresh = track.fresh(read_lag)

    if state == RESTARTED and restart_method == GRACEFUL_RESTART and not ({START, RESTART} & set(track.actions)):
        return _graceful_stop_phase(track, force_after, now, fresh)

    if state in (STARTED, RESTARTED):
        wants_restart = state == RESTARTED or (track.restart_for_params and status in (RUNNING, STARTING))
        if wants_restart and last is None:
            if _broken(track):
                return fail(_broken_reason(track, 'restarted'))
            return act(RESTART)
        if last in (START, RESTART) or track.awaiting_running:
            if status == RUNNING:
                if last in (START, RESTART) and not launch_evidence(track):
                    # Possibly the old RUNNING, from a node that has not caught up yet.
                    return done_or_settle
                return DONE_STEP
            if status in (STARTING, STOPPING):
                return done_or_settle
            if last is not None and not fresh:
                return done_or_settle
            return fail(_running_lost(track), fatal=True)
        if status == RUNNING:
            return DONE_STEP
        if status == STARTING:
            return done_or_settle
        if status in (STOPPED, ERROR):
            if _broken(track):
                return fail(_broken_reason(track, 'started'))
            return act(START)
        if status == STOPPING:
            if force:
                return fail(_broken_reason(track, 'restarted')) if _broken(track) else act(RESTART)
            return HOLD_STEP
        return fail('unexpected status %r' % status)

    # state == stopped
    if last == FORCE_STOP:
        if status == STOPPED:
            return DONE_STEP
        if status == STOPPING or not fresh:
            # Still being killed (kills run one at a time on the node), or a read from before the kill.
            return done_or_settle
        return fail('is %s after FORCE_STOP (started again by someone else?)' % status)
    if last == STOP:
        if status == ERROR and retry_enabled(track.row, global_retry):
            return act(FORCE_STOP)
        if status in (STOPPED, ERROR):
            return DONE_STEP
        if status == STOPPING:
            if wait and _stopping_too_long(track, force_after, now):
                return act(FORCE_STOP)
            return done_or_settle
        if not fresh:
            return done_or_settle
        return fail('is %s again after STOP (started again by someone else?)' % status)
    if status == STOPPED:
        return DONE_STEP
    if status == ERROR:
        # Kylin relaunches ERROR jobs whose params enable retries; only FORCE_STOP makes them STOPPED.
        return act(FORCE_STOP) if retry_enabled(track.row, global_retry) else DONE_STEP
    if status == RUNNING:
        return act(FORCE_STOP if force else STOP)
    if status == STARTING:
        # A STOP while STARTING is lost when the launch completes (docs/kylin-api.md §3.3).
        return act(FORCE_STOP) if force else HOLD_STEP
    if status == STOPPING:
        if force:
            return act(FORCE_STOP)
        if wait and _stopping_too_long(track, force_after, now):
            return act(FORCE_STOP)
        return done_or_settle
    return fail('unexpected status %r' % status)


def _graceful_stop_phase(track, force_after, now, fresh):
    """``restart_method: graceful`` until the START: a graceful STOP, FORCE_STOP after ``force_after``."""
    status = track.status
    last = track.last_action
    if _broken(track):
        return fail(_broken_reason(track, 'restarted'))
    if status in (STOPPED, ERROR):
        if last == STOP or last == FORCE_STOP or last is None:
            return act(START)
    if last is None:
        if status == RUNNING:
            return act(STOP)
        if status == STOPPING and _stopping_too_long(track, force_after, now):
            return act(FORCE_STOP)
        # STARTING: a STOP now could be lost (docs/kylin-api.md §3.3); STOPPING: let it finish.
        return HOLD_STEP
    if status == STOPPING:
        if last == STOP and _stopping_too_long(track, force_after, now):
            return act(FORCE_STOP)
        return HOLD_STEP
    if not fresh:
        return HOLD_STEP
    return fail('is %s again after %s (started again by someone else?)' % (status, last))


def launch_evidence(track):
    """Whether a RUNNING row shows a launch newer than this task's START or RESTART.

    A node that has not caught up may still show a RUNNING from before this task stopped or
    restarted the job, with the old ``yarn_app_id``; the new launch has another app id, or a START
    record younger than the action (``last_status_duration``). A job this task never saw running
    cannot show an old RUNNING.
    """
    earlier = [r for r in (track.first_row, track.before_action) if r]
    known_apps = set(r.get('yarn_app_id') for r in earlier) - {None, ''}
    app = track.row.get('yarn_app_id')
    if app and app not in known_apps:
        return True
    if track.record_after(track.sent_at):
        return True
    return not any(r.get('job_status') in (RUNNING, STOPPING) for r in earlier)


def predict(track, step, state):
    """Check mode: ``(action, changed, predicted status)`` of a first step, without acting."""
    status = track.status
    up = state in (STARTED, RESTARTED)
    if step.kind == ACT:
        if up and step.action in (STOP, FORCE_STOP):
            return START, True, RUNNING  # restart_method graceful: STOP now, START when stopped
        return step.action, True, RUNNING if step.action in (START, RESTART) else STOPPED
    if step.kind == HOLD:
        return (START, True, RUNNING) if up else (STOP, True, STOPPED)
    if step.kind in (SETTLE, DONE):
        if status in (STARTING,) and up:
            return None, False, RUNNING
        if status == STOPPING and not up:
            return None, False, STOPPED
        return None, False, status
    return None, False, status


def type_rank(track, action_or_state):
    """Builds before merges when starting, merges before builds when stopping."""
    stopping = action_or_state in (STOP, FORCE_STOP, STOPPED_STATE)
    is_merge = track.type == 'merge'
    return (0 if is_merge == stopping else 1, track.order)


def ordered(tracks, action_or_state):
    return sorted(tracks, key=lambda t: type_rank(t, action_or_state))


def chunks(items, size):
    if not size or size <= 0:
        return [list(items)] if items else []
    items = list(items)
    return [items[i:i + size] for i in range(0, len(items), size)]


def work_per_job(action, timing=None):
    """Seconds the server works inside a status PUT per job of ``action`` (``timing``: DEFAULT_TIMING keys)."""
    timing = dict(DEFAULT_TIMING, **(timing or {}))
    return {
        FORCE_STOP: timing['kill_seconds'],
        RESTART: timing['kill_seconds'] + timing['start_seconds'],
        START: timing['start_seconds'],
        STOP: timing['stop_seconds'],
    }[action]


def put_chunk_size(action, timeout, timing=None):
    """How many ids one PUT of ``action`` carries so its expected work fills at most half the timeout.

    0 means all of them (the server does no measurable work per job).
    """
    per_job = work_per_job(action, timing)
    if per_job <= 0:
        return 0
    return max(1, int(timeout * PUT_BUDGET_SHARE // per_job))


def put_read_timeout(action, count, timeout, timing=None):
    """The read timeout of a PUT of ``count`` jobs: ``timeout``, or more when one job's work alone needs it."""
    expected = work_per_job(action, timing) * count
    if expected <= timeout * PUT_BUDGET_SHARE:
        return timeout
    return expected / PUT_BUDGET_SHARE


def took_effect(action, before_row, after_row, seconds_since_put):
    """Whether a PUT whose answer was lost moved this job (docs/design.md §4).

    A status change is evidence. FORCE_STOP and RESTART leave evidence even when the status looks
    the same: a new record (``last_status_duration`` younger than the PUT) or a new YARN app.
    """
    if after_row is None:
        return False
    before_status, after_status = before_row.get('job_status'), after_row.get('job_status')
    if before_status != after_status:
        return True
    if action in (FORCE_STOP, RESTART):
        duration = after_row.get('last_status_duration')
        if duration is not None and duration / 1000.0 <= seconds_since_put:
            return True
        before_app, after_app = before_row.get('yarn_app_id'), after_row.get('yarn_app_id')
        if before_app and after_app and before_app != after_app:
            return True
    return False
