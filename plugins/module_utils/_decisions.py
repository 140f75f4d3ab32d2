# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Internal use only: the pure decisions of the ``job`` module.

``decide()`` is the per-status behaviour table of docs/design.md §2.2 as a function of one job's
last seen row and what this task already did to it. ``JobTrack`` is that record: the loop changes
it only through its methods, and the functions here read it and never write to it. No I/O, and no
import that reaches ``requests``: everything here is testable without a server.
"""

from ansible_collections.kylin.streaming.plugins.module_utils._evidence import (
    Seen,
    advanced,
    newer_view,
    older,
    record_after,
    stale_run,
)
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

# The statuses a read may show once each action took effect (not yet a contradiction of it).
AGREES = {START: (STARTING, RUNNING), RESTART: (STARTING, RUNNING), STOP: (STOPPING, STOPPED, ERROR),
          FORCE_STOP: (STOPPING, STOPPED)}

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
    """What this task knows about one job: its last seen row and what it did to it.

    The loop changes it only through the methods below; ``decide()`` and the results read it.
    """

    def __init__(self, row, order=0, asked=None, answered=None):
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
        self.stopping_since = None   # when first seen STOPPING (from a graceful stop: the kill queue)
        self.stop_ended = None       # when its graceful stop ended (its STOP/ERROR record), this machine's clock
        self.uncertain_puts = 0      # PUTs of this job whose outcome was unknown and showed no sign of the action
        self.unsettled = None        # (action, why) of the last such PUT, until the action is sent again
        self.undone = False          # the last action took effect, then a launch undid it (a lost STOP)
        self.relaunching = False     # ... and that launch is still under way behind an ERROR it will overwrite
        self.relaunch_view = None    # the ERROR view that showed it (a Seen): older views do not end the wait
        self.resend_at = None        # ... and nothing is sent to it again before then
        self.undone_seen = None      # ... and the newest view (last_modified) read since: older ones lag
        self.launch_behind_error = False  # read ERROR right after STARTING: a STOP met the launch, which goes on
        self.resent = []             # [{action, reason}]: every write sent again after a lost or refused answer
        self.restart_for_params = False
        self.params_changes = {}
        self.desired_params = None
        self.note = None
        self.first_row = dict(row)   # the selection read
        self.seen_at = asked         # when the current row was asked for (None: not known)
        self.answered_at = answered if answered is not None else asked  # when its answer came
        self.sent_at = None          # when the PUT of the last action was sent
        self.acted_at = None         # when this task learnt that the last action took effect
        self.before_action = None    # the row as last read before the last action (a Seen)
        self.newest_since = None     # the newest record seen since the last action took effect (local, earliest)
        self.old_apps = set()        # YARN applications of runs read before the evidence of the last action
        self.ran_before = False      # ... and whether one of those reads showed it RUNNING or STOPPING
        self.agreed = None           # last_modified of the newest view since the last action that agreed with it
        self.launch_seen = None      # last_modified of the newest STARTING/RUNNING view of a launch not this task's
        self.gate = None             # the health gate holding it back once RUNNING (``_health.Gate``)
        self.params_applied = False  # this task wrote its params
        self.rollback_reason = None  # why this task wrote its previous params back and launched it again
        self.rolled_actions = []     # the actions before the rollback
        self.failed_gate = None      # the gate it failed, before the rollback
        if self.awaiting_running:
            self._saw_launch(self.seen())

    @property
    def status(self):
        return self.row.get('job_status')

    @property
    def type(self):
        return job_type(self.row)

    @property
    def last_action(self):
        return self.actions[-1] if self.actions else None

    @property
    def last_effective(self):
        """The last action, unless a launch undid it (``stop_undone``): then the job is decided afresh."""
        return None if self.undone else self.last_action

    @property
    def launching_error(self):
        return bool(self.row.get('launching_error'))

    @property
    def in_stop_queue(self):
        """STOPPING from a graceful stop (this task's STOP or one found under way), not killed by this task."""
        killed = bool({FORCE_STOP, RESTART} & set(self.actions))
        return self.status == STOPPING and self.stopping_since is not None and not killed and \
            self.last_action in (None, STOP)

    def seen(self):
        """The current row with the times of the read that gave it (``_evidence.Seen``)."""
        return Seen(self.row, self.seen_at, self.answered_at)

    # ---------------------------------------------------------------- reads

    def observe(self, row, asked, answered=None):
        """Take a row read by a request sent at ``asked`` (answered at ``answered``); True when the job moved.

        Remembers when the job was first seen STOPPING, and when a graceful stop of it ended.
        """
        before = self.seen()
        after = Seen(row, asked, answered)
        moved = _moved(before, after)
        if self.in_stop_queue and row.get('job_status') in (STOPPED, ERROR):
            span = after.record
            self.stop_ended = span[0] if span is not None else asked
        if self.last_action and after.modified is not None and after.status in AGREES[self.last_action]:
            self.agreed = max(self.agreed or after.modified, after.modified)
        if after.record is not None:
            self.record_seen(after.record[0])
        if self.undone and after.modified is not None:
            self.undone_seen = max(self.undone_seen or after.modified, after.modified)
        self.seen_at = asked
        self.answered_at = after.answered
        if row.get('job_status') == STARTING and not self.actions:
            self.awaiting_running = True
        if self.awaiting_running and not self.actions:
            self._saw_launch(after)
        if (row.get('job_status') != ERROR or row.get('launching_error')) and not (
                self.relaunching and older(after, self.relaunch_view)):
            # the launch came (RUNNING, STARTING) or failed (launching_error); an older view (a node that has
            # not caught up, showing the run before the kill) is neither
            self.relaunching = False
        # STARTING, then ERROR in a newer view without a launching error: someone's STOP met the launch before
        # YARN knew it, and the launch goes on; its RUNNING will overwrite the ERROR (docs/kylin-api.md §3.3).
        if after.status == ERROR and not after.launching_error:
            self.launch_behind_error = self.launch_behind_error or (
                before.status == STARTING and bool(newer_view(after, before)))
        else:
            self.launch_behind_error = False
        if row.get('job_status') == STOPPING:
            if self.stopping_since is None:
                self.stopping_since = asked
        elif self.last_effective != STOP:
            self.stopping_since = None
        self.row = row
        return moved

    # ---------------------------------------------------------------- writes

    def sending(self, action):
        """This task sends ``action`` to the job; a send after an unsettled one of the same action is a resend."""
        if self.unsettled is not None:
            if self.unsettled[0] == action:
                self.resent.append(dict(action=action, reason=self.unsettled[1]))
            self.unsettled = None

    def applied(self, action, now, sent_at=None):
        """Record that ``action`` (sent at ``sent_at``) took effect, and the status the server sets before answering."""
        self.before_action = self.seen()
        self.agreed = None
        self.newest_since = None
        self.old_apps, self.ran_before = set(), False
        self.actions.append(action)
        self.changed = True
        self.unsettled = None
        self.undone = self.relaunching = False
        self.resend_at = self.undone_seen = None
        self.sent_at = now if sent_at is None else sent_at
        self.acted_at = now
        assumed = {START: STARTING, RESTART: STARTING, STOP: STOPPING, FORCE_STOP: STOPPED}[action]
        row = dict(self.row, job_status=assumed)
        if action in (START, RESTART):
            row['launching_error'] = False
        # The assumed row is "read" now: its newest record must keep its own time. FORCE_STOP and RESTART wrote a
        # STOP record inside the request (by now); START and STOP wrote none, so the last record read is aged by the
        # time since that read. A record of the next read is then newer than this one only if it really is.
        age = row.get('last_status_duration')
        if action in (FORCE_STOP, RESTART):
            row['last_status_duration'] = 0
        elif age is not None and self.answered_at is not None:
            row['last_status_duration'] = age + int(round(max(0.0, now - self.answered_at) * 1000))
        self.seen_at = now
        self.answered_at = now
        self.row = row
        if action == STOP:
            self.stopping_since = now

    def older_runs(self, rows):
        """``rows`` (``Seen``) were read before the evidence that the last action took effect, and show older runs."""
        for seen in rows:
            if seen.app:
                self.old_apps.add(seen.app)
            if seen.status in (RUNNING, STOPPING):
                self.ran_before = True

    def record_seen(self, at):
        """A record of the job at ``at`` (this machine's clock, at the earliest) was seen since the last action took
        effect, in a row or in the job's history (``GET /records``): a row whose newest record is provably older is
        a node that has not caught up, not the launch that followed the action (``launch_evidence``)."""
        if at is not None and self.actions:
            self.newest_since = max(self.newest_since or at, at)

    def history_agrees(self, seen):
        """The job's history, read just after the view ``seen``, ends with what the last action writes: that view,
        and any older one, is no proof against the action (``contradiction_proven``)."""
        if seen.modified is not None:
            self.agreed = max(self.agreed or seen.modified, seen.modified)

    def not_applied(self, action, why):
        """A PUT of ``action`` whose outcome was unknown showed no sign of it: it may be sent again. Returns the count."""
        self.uncertain_puts += 1
        self.unsettled = (action, why)
        return self.uncertain_puts

    def stop_undone(self, why, relaunching=False, not_before=None):
        """The STOP this task saw take effect was undone by a launch (docs/kylin-api.md §3.3): it stays in
        ``actions`` (Kylin applied it), the job is decided afresh, and a STOP sent now is a resend.
        ``relaunching``: the launch is still under way behind an ERROR, and is awaited. ``not_before``: nothing
        is sent to the job before then (this machine's clock). Returns the count of this job's writes that did
        not take."""
        self.undone = True
        self.relaunching = relaunching
        self.resend_at = not_before
        self.undone_seen = self.seen().modified
        self.relaunch_view = self.seen() if relaunching else None
        return self.not_applied(self.last_action, why)

    def failed(self, reason, fatal=False):
        self.error = reason
        self.fatal = fatal
        self.finished = True

    def finish(self):
        """Nothing more to do or to wait for."""
        self.finished = True

    def skip(self, note):
        """Left alone (a rolling batch before it failed): ``note`` says why."""
        self.note = note
        self.finished = True

    def remark(self, note):
        self.note = note

    def started_elsewhere(self, note):
        """Another controller started it first: awaited until RUNNING, not this task's change."""
        self.note = note
        self.awaiting_running = True
        self._saw_launch(self.seen())

    def _saw_launch(self, seen):
        if seen.modified is not None and seen.status in (STARTING, RUNNING):
            self.launch_seen = max(self.launch_seen or seen.modified, seen.modified)

    def older_than_launch(self, read_lag):
        """Whether the current row, awaiting a launch not this task's, is an older version of the job than a
        STARTING or RUNNING view of that launch: a node that has not caught up (docs/kylin-api.md §11.5)."""
        modified = self.seen().modified
        return bool(read_lag) and None not in (modified, self.launch_seen) and modified <= self.launch_seen

    # ---------------------------------------------------------------- params

    def plan_params(self, changes, desired, restart):
        self.params_changes = changes
        self.desired_params = desired
        self.restart_for_params = bool(changes) and restart

    def params_written(self):
        """The params PUT rewrote the meta: the row's ``last_modified`` is no longer the server's."""
        self.row = dict(self.row, params=self.desired_params, last_modified=None)
        self.changed = True
        self.params_applied = True

    # ---------------------------------------------------------------- health gate and rollback

    @property
    def launched(self):
        """Whether this task started or restarted it (a START or RESTART of it took effect)."""
        return bool({START, RESTART} & set(self.actions + self.rolled_actions))

    def hold_for_health(self, gate):
        """RUNNING after this task's launch: held back by ``gate`` until it decides."""
        self.gate = gate

    def rolling_back(self, reason, params):
        """This task wrote ``params`` (the map before its change) back after ``reason``: the job is to run again
        with them, as if this task had just planned a params change of a running job (a RESTART, or a START
        when it is not running)."""
        self.rollback_reason = reason
        self.rolled_actions = self.actions
        self.actions = []
        self.failed_gate = self.gate
        self.gate = None
        self.error = None
        self.fatal = False
        self.finished = False
        self.awaiting_running = False
        self.restart_for_params = True
        self.desired_params = params
        self.row = dict(self.row, params=params, last_modified=None)
        self.uncertain_puts = 0
        self.unsettled = None
        self.sent_at = self.acted_at = None
        self.before_action = None
        self.agreed = None

    # ---------------------------------------------------------------- evidence

    def record_after(self, since):
        """Whether the row's last START/STOP/ERROR record is newer than ``since`` (this task's clock)."""
        return record_after(Seen(self.row, self.seen_at), since)


def _moved(before, after):
    return advanced(before, after) if before.asked is not None else before.status != after.status


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


def _stopping_too_long(track, force_after, now, queue=None):
    """Whether ``force_after`` has passed for a STOPPING job (with ``queue``, also its place in the kill queue)."""
    if force_after is None or track.stopping_since is None:
        return False
    if queue is not None:
        return queue.force_due(track, now, force_after)
    return now - track.stopping_since >= force_after


def contradiction_proven(track, read_lag):
    """Whether the current row, which contradicts this task's last action, shows a state newer than that action.

    Reads may lag writes, for longer than ``read_lag`` under load (docs/kylin-api.md §11.5), so a read
    that contradicts this task's own action is a verdict only when it is a later version of the job
    than the action's own writes: its ``last_modified`` is newer than the row read before the action
    and than every view since that agreed with it (a RESTART's own kill writes a STOPPED, so a
    STOPPED after a RESTART needs a newer view than a STARTING or RUNNING seen after it), and a
    RUNNING after a stop runs another YARN application. Rows without ``last_modified`` need a record
    (``last_status_duration``) newer than the action instead. With ``read_lag`` 0 (one node) every read
    is current.
    """
    if not read_lag:
        return True
    last, status = track.last_action, track.status
    now = track.seen()
    before = track.before_action
    old_app = before.app if before is not None else None
    floors = [v for v in (before.modified if before is not None else None, track.agreed) if v is not None]
    if now.modified is not None and floors:
        newer = now.modified > max(floors)
        if last == RESTART and status == STOPPED and track.agreed is None:
            return False
        if last in (STOP, FORCE_STOP) and status == RUNNING:
            return newer and now.app != old_app
        return newer
    if last == START:
        return track.record_after(track.sent_at)
    if last in (STOP, FORCE_STOP) and status == RUNNING:
        return bool(old_app) and now.app is not None and now.app != old_app
    if last in (STOP, FORCE_STOP) and status == STARTING:
        return False  # its own stop wrote the newest record: nothing here is newer than the action
    return track.record_after(track.acted_at)


def unbelieved(track, read_lag):
    """Why the last read was not taken as a verdict, for a timeout's message; None when it was, or agrees."""
    last, status = track.last_effective, track.status
    contradicts = (last in (START, RESTART) and status in (STOPPED, ERROR)) or (
        last in (STOP, FORCE_STOP) and status in (RUNNING, STARTING))
    if not contradicts or contradiction_proven(track, read_lag):
        return None
    return ('the last read (%s) contradicts this task\'s %s and shows nothing newer than it (no record after it, '
            'no newer view of the job): it may come from a Kylin node that has not caught up '
            '(docs/kylin-api.md §11.5)' % (status, last))


def decide(track, state, force=False, force_after=None, wait=True, now=0.0, restart_method=KYLIN_RESTART,
           read_lag=0.0, global_retry=False, queue=None):
    """The next step for one job: the table of docs/design.md §2.2, plus what this task already did.

    ``read_lag``: seconds a read may lag a write (nodes behind a load balancer; 0 for one node); a read
    that contradicts this task's own action is a verdict only with evidence newer than the action
    (``contradiction_proven``). ``global_retry``: the cluster's ``kylin.streaming.job-retry-enabled``,
    for jobs whose params lack it. ``queue``: the task's graceful stops waiting for their kills
    (``_timing.StopQueue``), which ``force_after`` waits out.
    """
    status = track.status
    done_or_settle = SETTLE_STEP if wait else DONE_STEP
    last = track.last_effective
    if track.relaunching:
        # A STOP that landed on a launch left this ERROR, which the launch's RUNNING will overwrite.
        return HOLD_STEP
    modified = track.seen().modified
    if track.undone and track.undone_seen is not None and modified is not None and modified < track.undone_seen:
        # Older than a view read since the STOP was undone (the launch's RUNNING): a node that has not caught up.
        return HOLD_STEP
    if track.undone and track.resend_at is not None and now < track.resend_at and track.status in (RUNNING, STARTING):
        # A STOP undone by a launch is sent again once a write still held behind a take-over has had time to land.
        return HOLD_STEP

    if state == RESTARTED and restart_method == GRACEFUL_RESTART and not ({START, RESTART} & set(track.actions)):
        return _graceful_stop_phase(track, force_after, now, read_lag, queue)

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
            if last is not None and not contradiction_proven(track, read_lag):
                return done_or_settle
            if last is None and track.older_than_launch(read_lag):
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
        if status == STOPPING or not contradiction_proven(track, read_lag):
            # Still being killed (kills run one at a time on the node), or a read from before the kill.
            return done_or_settle
        return fail('is %s after FORCE_STOP (started again by someone else?)' % status)
    if last == STOP:
        if status == ERROR and retry_enabled(track.row, global_retry):
            return act(FORCE_STOP)
        if status in (STOPPED, ERROR):
            return DONE_STEP
        if status == STOPPING:
            if wait and _stopping_too_long(track, force_after, now, queue):
                return act(FORCE_STOP)
            return done_or_settle
        if not contradiction_proven(track, read_lag):
            return done_or_settle
        return fail('is %s again after STOP (started again by someone else?)' % status)
    if status == STOPPED:
        return DONE_STEP
    if status == ERROR:
        # Kylin relaunches ERROR jobs whose params enable retries, and a launch under way overwrites an ERROR
        # a STOP wrote on it: only FORCE_STOP (which kills the driver) makes them STOPPED.
        return act(FORCE_STOP) if retry_enabled(track.row, global_retry) or track.launch_behind_error else DONE_STEP
    if status == RUNNING:
        return act(FORCE_STOP if force else STOP)
    if status == STARTING:
        # A STOP while STARTING is lost when the launch completes (docs/kylin-api.md §3.3).
        return act(FORCE_STOP) if force else HOLD_STEP
    if status == STOPPING:
        if force:
            return act(FORCE_STOP)
        if wait and _stopping_too_long(track, force_after, now, queue):
            return act(FORCE_STOP)
        return done_or_settle
    return fail('unexpected status %r' % status)


def _graceful_stop_phase(track, force_after, now, read_lag, queue):
    """``restart_method: graceful`` until the START: a graceful STOP, FORCE_STOP after ``force_after``."""
    status = track.status
    last = track.last_effective
    if _broken(track):
        return fail(_broken_reason(track, 'restarted'))
    if status in (STOPPED, ERROR):
        if last == STOP or last == FORCE_STOP or last is None:
            return act(START)
    if last is None:
        if status == RUNNING:
            return act(STOP)
        if status == STOPPING and _stopping_too_long(track, force_after, now, queue):
            return act(FORCE_STOP)
        # STARTING: a STOP now could be lost (docs/kylin-api.md §3.3); STOPPING: let it finish.
        return HOLD_STEP
    if status == STOPPING:
        if last == STOP and _stopping_too_long(track, force_after, now, queue):
            return act(FORCE_STOP)
        return HOLD_STEP
    if not contradiction_proven(track, read_lag):
        return HOLD_STEP
    return fail('is %s again after %s (started again by someone else?)' % (status, last))


def launch_evidence(track):
    """Whether a RUNNING row shows a launch newer than this task's START or RESTART.

    A node that has not caught up may still show a RUNNING from before this task stopped or
    restarted the job, with the old ``yarn_app_id``; the new launch has another app id, or a START
    record younger than the action: after a START's send, after a RESTART took effect (its own kill
    writes a STOP record in between). A job this task never saw running cannot show an old RUNNING.
    """
    if stale_run(track.seen(), track.newest_since):
        return False  # older than a record seen since the action: a node that has not caught up
    earlier = [track.first_row] + ([track.before_action.row] if track.before_action is not None else [])
    known_apps = (set(r.get('yarn_app_id') for r in earlier) | track.old_apps) - {None, ''}
    app = track.row.get('yarn_app_id')
    if app and app not in known_apps:
        return True
    if track.record_after(track.acted_at if track.last_action == RESTART else track.sent_at):
        return True
    return not (track.ran_before or any(r.get('job_status') in (RUNNING, STOPPING) for r in earlier))


def graceful_action(actions):
    """How a graceful restart is reported: ``RESTART (STOP, START)``, ``RESTART (STOP, FORCE_STOP, START)`` ..."""
    return '%s (%s)' % (RESTART, ', '.join(actions))


def reported_action(track, state, restart_method=KYLIN_RESTART, actions=None):
    """The ``action`` of a job's result: the last action, or for a graceful restart every step of it.

    ``actions``: the ones to report instead of the track's (a rolled-back job reports what it was rolled back from).
    """
    actions = track.actions if actions is None else actions
    if state == RESTARTED and restart_method == GRACEFUL_RESTART and START in actions:
        return graceful_action(actions)
    return actions[-1] if actions else None


def predict(track, step, state, restart_method=KYLIN_RESTART):
    """Check mode: ``(action, changed, predicted status)`` of a first step, without acting."""
    status = track.status
    up = state in (STARTED, RESTARTED)
    graceful = state == RESTARTED and restart_method == GRACEFUL_RESTART
    if step.kind == ACT:
        if graceful:
            return graceful_action([STOP, START] if step.action in (STOP, FORCE_STOP) else [START]), True, RUNNING
        return step.action, True, RUNNING if step.action in (START, RESTART) else STOPPED
    if step.kind == HOLD:
        if graceful:
            return graceful_action([START] if status == STOPPING else [STOP, START]), True, RUNNING
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
