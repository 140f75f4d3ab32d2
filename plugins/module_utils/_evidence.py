# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Internal use only: what a read proves about a status PUT, as pure functions (docs/design.md §4).

A status PUT whose answer was lost or refused is judged by evidence **specific to its action and
newer than its send**, never by a status the job was already in or a transition already under way
when it was sent. Two clocks are compared, never mixed:

* **views**: a row's ``job_status`` comes from the answering node's cache, which may lag
  (docs/kylin-api.md §7, §11.5). A view is newer than another when its ``last_modified`` (server
  milliseconds, rewritten by every status write) is greater: a lagging node shows an older one.
* **records**: every write of RUNNING, STOPPED or ERROR inserts a record (START, STOP, ERROR); STARTING,
  STOPPING and LAUNCHING_ERROR insert none (docs/kylin-api.md §3.6). ``last_status_duration`` is the
  age of the newest record when the server answered, so the record happened between ``asked -
  duration`` and ``answered - duration`` on this machine's clock: a *span*. A record is provably newer
  than another when its span starts after the other's ends; no clock skew enters, only durations.
  ``GET /records`` gives the history with the server's ``create_time``: anchored on the list row read
  with it, each record gets a span too.

No I/O, and nothing that reaches ``requests``.
"""

from ansible_collections.kylin.streaming.plugins.module_utils._rows import STATUSES

STARTING, RUNNING, STOPPING, ERROR, STOPPED = STATUSES
START, STOP, FORCE_STOP, RESTART = 'START', 'STOP', 'FORCE_STOP', 'RESTART'

# Durations and times are whole milliseconds on the server: spans closer than this are the same instant.
RESOLUTION = 0.005

# Verdicts on one job after a PUT whose outcome is unknown.
APPLIED = 'applied'          # the action took effect
UNDER_WAY = 'under way'      # the server is visibly working through it (a kill): taken as applied once settled
GOAL = 'goal'                # the job reached the action's goal by a transition already under way: not this PUT's
NO_SIGN = 'no sign'          # nothing specific to the action, newer than its send
RECORDS = 'records'          # the list cannot tell; GET /records can (a RESTART of a STARTING or STOPPING job)
UNKNOWN = 'unknown'          # ... and GET /records could not be read: nothing tells, the action may have been applied


class Seen:
    """One job's row as read by a request sent at ``asked`` and answered at ``answered`` (this machine's clock)."""

    __slots__ = ('row', 'asked', 'answered')

    def __init__(self, row, asked, answered=None):
        self.row = row or {}
        self.asked = asked
        self.answered = asked if answered is None else answered

    @property
    def status(self):
        return self.row.get('job_status')

    @property
    def modified(self):
        return self.row.get('last_modified')

    @property
    def app(self):
        return self.row.get('yarn_app_id') or None

    @property
    def launching_error(self):
        return bool(self.row.get('launching_error'))

    @property
    def record(self):
        """``(earliest, latest)`` local time of the newest record, or None without records (or without times)."""
        duration = self.row.get('last_status_duration')
        if duration is None or self.asked is None:
            return None
        return (self.asked - duration / 1000.0, self.answered - duration / 1000.0)


def newer_view(after, before):
    """Whether the view ``after`` is a later version of the job's meta than ``before`` (``last_modified``).

    None when either lacks ``last_modified`` (the caller falls back to the read-lag window).
    """
    if after.modified is None or before is None or before.modified is None:
        return None
    return after.modified > before.modified


def newer_record(after, before):
    """Whether ``after``'s newest record is provably newer than ``before``'s (their spans do not overlap)."""
    span = after.record
    if span is None or before is None:
        return False
    if before.row.get('last_status_duration') is None:
        return True  # the job had no record at all before
    earlier = before.record
    return earlier is not None and span[0] > earlier[1] + RESOLUTION


def record_after(seen, since):
    """Whether the newest record of ``seen`` is provably not older than ``since`` (this machine's clock)."""
    span = seen.record
    return since is not None and span is not None and span[0] >= since + RESOLUTION


def older(after, before):
    """Whether ``after`` is provably an older version of the job than ``before``: an older view
    (``last_modified``), or without views a newest record that ends before ``before``'s begins. A node
    that has not caught up answers such a row."""
    newer = newer_view(after, before)
    if newer is not None:
        return not newer and after.modified != before.modified
    span, floor = after.record, before.record if before is not None else None
    return span is not None and floor is not None and span[1] + RESOLUTION < floor[0]


def advanced(before, after):
    """Whether ``after`` shows the job moved since ``before``: a newer record, or a newer view in another status.

    A lagging node's older view is not movement, nor is a running build job's micro-batch (a newer
    view in the same status).
    """
    if before is None:
        return False
    if newer_record(after, before):
        return True
    newer = newer_view(after, before)
    return bool(newer) and after.status != before.status


def _fresh(after, before, late_enough):
    """Whether ``after`` shows a state later than ``before``: a newer view, or without ``last_modified``
    a read sent at least the read lag after the PUT (``late_enough``)."""
    newer = newer_view(after, before)
    return late_enough if newer is None else newer


def verdict(action, before, after, late_enough=True):
    """``(kind, why)``: what ``after`` (a read after the PUT) proves about ``action`` sent when ``before`` was seen.

    ``before`` is the job's last read before the send (the snapshot); ``late_enough`` says whether
    ``after`` was sent at least ``read_lag_seconds`` after the PUT, for rows without ``last_modified``.
    ``why`` says, for an operator, what was seen.
    """
    if after is None or after.row is None:
        return NO_SIGN, 'the job is gone'
    was, now = before.status, after.status
    fresh = _fresh(after, before, late_enough)
    record = newer_record(after, before)
    if action == START:
        if now == STARTING and was != STARTING and fresh:
            return APPLIED, 'STARTING since it was sent'
        if now == RUNNING and record:
            return APPLIED, 'RUNNING with a START record newer than the send'
        if now == ERROR and after.launching_error and fresh:
            return APPLIED, 'failed to launch since it was sent'
        if now in (STOPPED, ERROR) and record:
            return APPLIED, '%s with a record newer than the send (started, then ended)' % now
        return NO_SIGN, _no_sign(before, after, record)
    if action == STOP:
        if was == STOPPING:
            return (GOAL, 'it was STOPPING already and ended by itself') if now in (STOPPED, ERROR) else (
                NO_SIGN, _no_sign(before, after, record))
        if now == STOPPING and fresh:
            return APPLIED, 'STOPPING since it was sent'
        if now in (STOPPED, ERROR) and record:
            return APPLIED, '%s with a record newer than the send' % now
        if now == STOPPED and fresh:
            return APPLIED, _stopped_since(was)
        return NO_SIGN, _no_sign(before, after, record)
    if action == FORCE_STOP:
        if was == STOPPING:
            if now == STOPPED and record:
                return RECORDS, ('STOPPED, by this FORCE_STOP or by the stop already under way when it was sent: '
                                 'the list cannot tell them apart')
            return NO_SIGN, _no_sign(before, after, record)
        if now == STOPPING and fresh:
            return APPLIED, 'STOPPING (being killed) since it was sent'
        if now == STOPPED and record:
            return APPLIED, 'STOPPED with a STOP record newer than the send'
        if now == STOPPED and fresh:
            return APPLIED, _stopped_since(was)
        return NO_SIGN, _no_sign(before, after, record)
    return _restart_verdict(before, after, fresh, record)


def _stopped_since(was):
    """Why a newer view in STOPPED shows a stop (not STOPPING before the send): no job reaches STOPPED but by
    a stop, and records written within a few milliseconds of each other cannot be told apart by their spans."""
    return 'STOPPED since it was sent (%s before it; only a stop leads there)' % was


def _restart_verdict(before, after, fresh, record):
    """RESTART = FORCE_STOP then START: it always writes a STOP record, and leaves the job STARTING."""
    was, now = before.status, after.status
    if now == STARTING:
        if fresh and was != STARTING:
            return APPLIED, 'STARTING since it was sent'
        if fresh:
            return APPLIED, 'STARTING again since it was sent (a newer view of the job)'
        if record:
            return RECORDS, 'STARTING with a record newer than the send, of a kind the list does not show'
        return NO_SIGN, _no_sign(before, after, record)
    if now == RUNNING:
        if before.app and after.app and before.app != after.app:
            return APPLIED, 'RUNNING a new YARN application'
        if record and was in (RUNNING, STOPPED, ERROR):
            return APPLIED, 'RUNNING with a record newer than the send (stopped and launched again)'
        if record:
            return RECORDS, 'RUNNING with a record newer than the send, of a kind the list does not show'
        return NO_SIGN, _no_sign(before, after, record)
    if now == STOPPING:
        if fresh and was != STOPPING:
            return UNDER_WAY, 'STOPPING (being killed) since it was sent'
        return NO_SIGN, _no_sign(before, after, record)
    if now == ERROR and after.launching_error and fresh and was != STARTING:
        return APPLIED, 'failed to launch again since it was sent'
    if now == ERROR and after.launching_error and fresh:
        # The launch under way when it was sent may have failed as well: only the RESTART's kill writes a STOP record.
        return RECORDS, 'failed to launch since it was sent: the launch under way then, or the RESTART\'s'
    if was == STOPPING and now in (STOPPED, ERROR):
        return NO_SIGN, 'the STOPPING seen before the send ended by itself (%s); no sign of the RESTART' % now
    if now == STOPPED and record:
        return NO_SIGN, 'STOPPED with a STOP record newer than the send, but not started again'
    return NO_SIGN, _no_sign(before, after, record)


def _no_sign(before, after, record):
    if after.status == before.status and not record:
        return 'still %s, no record newer than the send' % after.status
    if after.status == before.status:
        return 'still %s' % after.status
    return '%s before the send, %s after it: not a sign of it' % (before.status, after.status)


def anchor(records, after):
    """``(server ms, local span)`` of the newest record of ``records`` (``GET /records``, newest first), from the
    list row ``after`` read with them: the server's ``create_time`` paired with the span its
    ``last_status_duration`` gives on this machine's clock. Any other server time ``t`` is then between
    ``span[0] + (t - ms) / 1000`` and ``span[1] + (t - ms) / 1000`` here, whatever the skew between the
    clocks. None when the two reads disagree (the row's status is not what the newest record writes) or
    lack the times.
    """
    span = after.record
    if not records or span is None:
        return None
    newest = records[0]
    expected = {RUNNING: START, STOPPED: STOP}.get(after.status)
    if expected and newest.get('action') != expected:
        return None
    top = newest.get('create_time')
    if top is None:
        return None
    return top, span


def launch_time(records, after, since):
    """The server time (ms) of the launch ``after`` shows RUNNING, with its local span: ``(ms, span)``.

    A job writes a START record when it reaches RUNNING (docs/kylin-api.md §3.6), so the run a RUNNING row
    shows began at the newest record of ``GET /records`` when that record is a START, agrees with the row
    (``anchor``) and is provably not older than ``since`` (this machine's clock: the send of this task's
    START or RESTART). None otherwise (a row from a node that has not caught up, records read before the
    launch's): read again later. A server time compared with the result is a server time (a stats row's
    ``create_time``), never this machine's clock (docs/design.md §4).
    """
    anchored = anchor(records, after)
    if anchored is None or after.status != RUNNING or not record_after(after, since):
        return None
    return anchored


def _record_times(records, after):
    """``[(record, earliest)]``: each record of ``GET /records`` (newest first) with the earliest local time it can
    have happened, anchored on ``after``, the list row read just before the records (``anchor``). None when the
    two reads disagree or carry no times."""
    anchored = anchor(records, after)
    if anchored is None:
        return None
    top, span = anchored
    return [(rec, span[0] - (top - rec['create_time']) / 1000.0) for rec in records
            if rec.get('create_time') is not None]


def restart_in_records(records, before, after):
    """Whether ``GET /records`` (newest first) shows a RESTART after the snapshot ``before``, ``after`` being
    the list row read just before the records (its newest record anchors the records' times).

    Of a job that was STARTING: a STOP record newer than the snapshot's newest (a launch completing
    writes only START). Of a job that was STOPPING: such a STOP record, then a START record or a
    STARTING status after it (a stop that ends by itself writes the STOP record too). None when the
    two reads disagree (the list's newest record is not the first of the history).
    """
    timed = _record_times(records, after)
    if timed is None:
        return None
    floor = before.record
    fresh = [rec for rec, earliest in timed if floor is None or earliest > floor[1] + RESOLUTION]
    stops = [rec['create_time'] for rec in fresh if rec.get('action') == STOP]
    if before.status != STOPPING:
        return bool(stops)
    if not stops:
        return False
    if after.status == STARTING:
        return True
    return any(rec.get('action') == START and rec['create_time'] > min(stops) for rec in fresh)


def newest_stop(records, after):
    """The earliest local time of the newest STOP record of ``GET /records`` (newest first), anchored on the list
    row ``after`` read just before them (``anchor``); None when there is none or the two reads disagree.

    A RUNNING row whose newest record is provably older than that (``stale_run``) shows a run the STOP ended:
    a node that has not caught up, not the launch that followed the STOP."""
    timed = _record_times(records, after)
    if not timed:
        return None
    for rec, earliest in timed:
        if rec.get('action') == STOP:
            return earliest
    return None


def stale_run(seen, stopped_at):
    """Whether the row ``seen`` is provably older than a STOP record this task read at ``stopped_at`` (this
    machine's clock, ``newest_stop``): its newest record was written before that STOP."""
    span = seen.record
    return stopped_at is not None and span is not None and span[1] + RESOLUTION < stopped_at


def another_run(before, after):
    """Whether ``after`` shows the job running another run than ``before``: another YARN application, or a newer record."""
    return bool(newer_record(after, before) or (after.app and before.app and after.app != before.app))


def stop_met_a_launch(records, before, after):
    """Whether a STOP sent when ``before`` showed the job RUNNING landed on a launch YARN did not know yet, as
    ``records`` (``GET /records``, newest first, read just after the row ``after``; a launch may complete between
    the two reads) show.

    A STOP of a job without an application writes ERROR (docs/kylin-api.md §3.3): its application died, or it
    was being launched. An epoch take-over kills the job (a STOP record) and launches it again; a STOP held
    behind it lands on that launch, and the launch's RUNNING then overwrites the ERROR. So, read by order (a
    take-over's kill can come within milliseconds of the snapshot): an ERROR record, and older than it, before
    any START, a STOP record. ``after`` shows the ERROR (the newest record), or a RUNNING of another run than
    the snapshot's (a new application or a newer record) whose START is the newest record, the ERROR just
    before it: the launch already undid the STOP. None when the history cannot tell (disagreeing with the
    list, or the job not RUNNING when the STOP was sent).
    """
    if before is None or before.status != RUNNING or not records:
        return None
    if after.status == ERROR and not after.launching_error:
        # the launch may have completed between the list read and this one: its START is then the newest
        history = records[1:] if records[0].get('action') == START else records
    elif after.status == RUNNING and another_run(before, after):
        if records[0].get('action') != START:
            return None
        history = records[1:]
    else:
        return None
    if not history or history[0].get('action') != ERROR:
        return None if after.status == ERROR else False
    for rec in history[1:]:
        if rec.get('action') == STOP:
            return True
        if rec.get('action') == START:
            return False
    return False


def force_stop_in_records(records, before, after):
    """Whether ``GET /records`` (newest first, read just after the STOPPED row ``after``) shows a FORCE_STOP sent
    when ``before`` showed the job STOPPING, rather than the end of the stop under way.

    The stop under way ends with one STOP record after the START of the run that was stopping. A FORCE_STOP can
    be told from it only when the job had left STOPPING first, so that the newest STOP record is not the only
    end of that run: an ERROR before it (an epoch take-over kills a STOPPING job and sets ERROR; a graceful stop
    of an ERROR job writes nothing, docs/kylin-api.md §3.3), or another STOP (the stop under way had ended, seen
    late through a lagging node, and the FORCE_STOP stopped the STOPPED job again). Read by order, back to the
    run's START. None when the history disagrees with the list.
    """
    if before.status != STOPPING or after.status != STOPPED or not records or records[0].get('action') != STOP:
        return None
    for rec in records[1:]:
        if rec.get('action') == START:
            return False
        if rec.get('action') in (STOP, ERROR):
            return True
    return False


def stop_undone(records, acted, after):
    """Whether a STOP that took effect by ``acted`` (this machine's clock) was undone by a launch, ``after`` being
    the list row that shows the job RUNNING or STARTING again, read just before ``records`` (``GET /records``).

    A STOP that lands on a job being launched (held behind an epoch take-over that relaunched it) is lost:
    the launch's RUNNING overwrites its STOPPING or ERROR (docs/kylin-api.md §3.3). A job stopped by it, then
    started by someone else, wrote a STOP or ERROR record after the STOP took effect: its end. So the STOP
    was undone when no STOP or ERROR record is provably newer than ``acted``. None when the history cannot
    tell (not read, or disagreeing with the list).
    """
    timed = _record_times(records, after)
    if timed is None:
        return None
    return not any(rec.get('action') in (STOP, ERROR) and earliest > acted + RESOLUTION for rec, earliest in timed)
