# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Internal use only: one status PUT, and everything that follows when its outcome is unknown.

``PutAttempt`` holds the action, the jobs, the snapshot of their rows before the send and the send
time. When the answer comes, each job records the action. When it does not (docs/design.md §4):

* **refused before applying** (the project's epoch moved, the request could not be forwarded, the
  metadata database was unreachable): wait, re-read, keep what moved, and let the loop send the rest
  again;
* **lost or maybe applied** (a reset connection, a read timeout, a gateway's 5xx, an owner that did
  not answer the node that forwarded the write): **follow** the server while it may still be working
  through the PUT, re-reading the project (any job of it moving means the server is still at work: a
  kill queue, an epoch take-over holding writes), never sending anything meanwhile; then **settle**
  each job on evidence specific to the action and newer than the send (``_evidence``), reading a
  job's records (``GET /records``) only when the list cannot tell; a job that shows no sign of it
  is left for the loop to send the action again, within ``retries``, and the resend is reported;
* **refused** (any other error): Kylin acts on the ids in order and stops at the first error, so the
  error is **blamed** on the job its message names, or else on the first job that shows no sign of the
  action (the same evidence as above: a status the job was already in is not a sign).

And one more case of a write that did not take: a STOP this task saw take effect, undone by a launch
(``check_stop_undone``).
"""

import collections

from ansible_collections.kylin.streaming.plugins.module_utils._backoff import Backoff
from ansible_collections.kylin.streaming.plugins.module_utils._client import CODE_EPOCH_MOVED, REFUSED_BEFORE_APPLYING
from ansible_collections.kylin.streaming.plugins.module_utils._decisions import (
    ERROR,
    FORCE_STOP,
    RUNNING,
    START,
    STARTING,
    STOP,
    STOPPING,
    contradiction_proven,
    put_read_timeout,
    work_per_job,
)
from ansible_collections.kylin.streaming.plugins.module_utils._errors import KylinError
from ansible_collections.kylin.streaming.plugins.module_utils._evidence import (
    APPLIED,
    GOAL,
    NO_SIGN,
    RECORDS,
    RESOLUTION,
    UNDER_WAY,
    UNKNOWN,
    Seen,
    advanced,
    another_run,
    force_stop_in_records,
    newest_stop,
    restart_in_records,
    stop_met_a_launch,
    stop_undone,
    verdict,
)
from ansible_collections.kylin.streaming.plugins.module_utils._timing import PollPacer
from ansible_collections.kylin.streaming.plugins.module_utils._waiter import FINAL_ERRORS

START_REFUSED = 'KE-010035005'
# Kylin refuses a START (START_REFUSED, naming the job) only to a job in these statuses (docs/kylin-api.md §3.2).
START_REFUSED_IN = (STARTING, RUNNING, STOPPING)
# A refused START read in another status was read on a node that has not caught up: read again, after the
# read lag, at most this many times.
STALE_REFUSAL_READS = 3
# Following a PUT whose answer was lost: poll between these bounds; allow this margin over the quiet limit.
FOLLOW_POLL_MIN = 0.2
FOLLOW_POLL_MAX = 2.0
FOLLOW_MARGIN = 1.0
# Waits before resending a write the cluster refused before applying it.
REFUSED_BACKOFF = Backoff(first=0.5, maximum=8.0)
# Verdicts that show a job moved for the action (a refused PUT's error is not blamed on it).
MOVED = (APPLIED, UNDER_WAY, GOAL)


class PutAttempt:
    """One ``PUT /status`` of ``action`` for ``tracks`` (``JobTrack``), sent by ``loop`` (the ``JobReconciler``).

    The loop lends its client, its waiter (reads and sleeps), ``timing`` (server_timing), ``opts``,
    ``project``, ``warn``, its ``deadline`` (the end of the current wait) and ``inside_puts(since)``,
    which keeps the time spent inside requests out of ``wait_timeout``.
    """

    def __init__(self, loop, action, tracks):
        self.loop = loop
        self.action = action
        self.tracks = list(tracks)
        self.before = {t.id: t.seen() for t in self.tracks}
        self.history_stops = {}  # job id -> the newest STOP record its history showed (``from_records``), local time
        self.glimpses = collections.defaultdict(list)  # job id -> the rows the follow read (``Seen``), oldest first
        self.sent_at = None
        self.error = None

    @property
    def ids(self):
        return [t.id for t in self.tracks]

    def send(self):
        loop = self.loop
        for track in self.tracks:
            track.sending(self.action)
        timeout = put_read_timeout(self.action, len(self.tracks), loop.client.timeout, loop.timing)
        self.sent_at = loop.clock()
        try:
            loop.client.act(self.action, self.ids, loop.project, timeout=timeout)
        except FINAL_ERRORS:
            loop.inside_puts(self.sent_at)
            raise
        except KylinError as exc:
            loop.inside_puts(self.sent_at)
            self.error = exc
            if exc.error_code in REFUSED_BEFORE_APPLYING:
                self.refused_before_applying()
            elif exc.maybe_applied:
                self.follow()
            else:
                self.refused()
            return
        loop.inside_puts(self.sent_at)
        now = loop.clock()
        for track in self.tracks:
            self.took(track, now)

    # ------------------------------------------------------------------ refused before applying

    def refused_before_applying(self):
        """Nothing of the refused write was applied (jobs before it in the PUT were): wait, re-read, settle."""
        loop = self.loop
        attempt = max(t.uncertain_puts for t in self.tracks) + 1
        loop.warn('%s of %d job(s) refused before it was applied (%s); sending again what did not move, after a '
                  're-read (attempt %d of %d)' % (self.action, len(self.tracks), self.error.error_code, attempt,
                                                  loop.client.retries))
        loop.waiter.sleep(max(REFUSED_BACKOFF.delay(attempt), loop.timing['read_lag_seconds']))
        reading = loop.waiter.reread(self.ids)
        if reading is None:
            self.unknown()
            return
        # An epoch that moved refuses the write of one job, after applying those before it; the other refusals
        # reach no owner at all. So a PUT of one job, or any PUT refused so, applied nothing: what moved meanwhile
        # (another controller's STOP, a take-over's kill) is not this task's doing.
        none_applied = self.error.error_code != CODE_EPOCH_MOVED or len(self.tracks) == 1
        self.settle(reading, self.judge(reading, late_enough=True), none_applied=none_applied)

    # ------------------------------------------------------------------ lost: follow, then settle

    def follow(self):
        """Follow the server working through a PUT whose answer was lost; never resend meanwhile.

        Kylin goes on with the batch after the client gave up (docs/kylin-api.md §3.2, §4), and a
        write held behind an epoch take-over is applied once the take-over is done (docs/kylin-api.md §11.2), which
        meanwhile kills and relaunches the project's jobs one after another. So the follow re-reads
        the whole project, and ends when every job shows the action, or when nothing in the project
        moved for longer than one job's work or one kill (the slowest step the server takes between
        two visible changes), plus the read lag.
        """
        loop = self.loop
        timing = loop.timing
        per_job = work_per_job(self.action, timing)
        lag = timing['read_lag_seconds']
        quiet_limit = max(per_job, timing['kill_seconds']) + lag + FOLLOW_MARGIN
        first = min(FOLLOW_POLL_MAX, max(FOLLOW_POLL_MIN, min(per_job, loop.opts.poll_interval) / 2.0))
        pacer = PollPacer(first, maximum=FOLLOW_POLL_MAX)
        loop.warn('the answer of %s for %d job(s) was lost (%s); following the server\'s progress before '
                  'sending anything again' % (self.action, len(self.tracks), self.error))
        views = dict(self.before)
        last_move = loop.clock()  # nothing could be seen while the request was out
        failures = 0
        reading, verdicts = None, {}
        while True:
            now = loop.clock()
            done = sum(1 for kind, dummy in verdicts.values() if kind in (APPLIED, GOAL))
            predicted = self.sent_at + (done + 1) * per_job if per_job > 0 else None
            loop.waiter.sleep(min(pacer.delay(now, predicted, grace=per_job), max(0.0, loop.deadline - now)))
            got = loop.waiter.reread(None)
            now = loop.clock()
            if got is None:
                failures += 1
                if (failures > max(3, loop.client.retries) and now - last_move > quiet_limit) or now >= loop.deadline:
                    self.unknown()
                    return
                continue
            failures = 0
            reading = got
            for track in self.tracks:
                if reading.seen(track.id) is not None:
                    self.glimpses[track.id].append(reading.seen(track.id))
            moved = self.movement(views, reading)
            pacer.saw(moved)
            if moved:
                last_move = now
            verdicts = self.judge(reading, late_enough=reading.asked - self.sent_at >= lag)
            if all(kind in (APPLIED, GOAL) for kind, dummy in verdicts.values()):
                break
            if now - last_move > quiet_limit and reading.asked - self.sent_at >= lag:
                break
            if now >= loop.deadline:
                self.gave_up(reading, verdicts)
                return
        self.settle(reading, verdicts)

    @staticmethod
    def movement(views, reading):
        """Whether any job of the project moved since the last read (``views``: the latest view of each job)."""
        moved = False
        for job_id, row in reading.rows.items():
            seen = Seen(row, reading.asked, reading.answered)
            old = views.get(job_id)
            if old is not None and advanced(old, seen):
                moved = True
            if old is None or old.modified is None or seen.modified is None or seen.modified >= old.modified:
                views[job_id] = seen
        return moved

    def judge(self, reading, late_enough):
        """``{job id: (kind, why)}``: the evidence of each job's row in ``reading`` (``_evidence.verdict``)."""
        return {t.id: verdict(self.action, self.before[t.id], reading.seen(t.id), late_enough) for t in self.tracks}

    def settle(self, reading, verdicts, none_applied=False):
        """Each job took the action, reached its goal anyway, or showed no sign of it (then it may be sent again).

        ``none_applied``: Kylin is known to have applied none of the PUT, so no job took the action."""
        loop = self.loop
        now = loop.clock()
        verdicts = self.resolve(reading, verdicts)
        if none_applied:
            verdicts = dict((job_id, _not_ours(kind, why)) for job_id, (kind, why) in verdicts.items())
        for track in self.tracks:
            seen = reading.seen(track.id)
            if seen is None:
                track.failed('the job disappeared from Kylin (model dropped?)')
                continue
            kind, why = verdicts[track.id]
            if kind in (APPLIED, UNDER_WAY):
                self.took(track, now, seen)
                track.observe(seen.row, seen.asked, seen.answered)
                continue
            if kind == NO_SIGN and self.action == STOP and seen.status == RUNNING and not none_applied and \
                    self.met_a_launch(track, seen):
                # Applied, then undone by the launch it landed on: Kylin applied it, so it is this task's change.
                self.took(track, now, seen)
                track.observe(seen.row, seen.asked, seen.answered)
                check_count(loop, track, track.stop_undone(
                    '%s %s; it landed on a launch YARN did not know yet (an ERROR after a kill in the job\'s history), '
                    'whose RUNNING undid it (docs/kylin-api.md §3.3)' % (self.action, self.lost())))
                continue
            track.observe(seen.row, seen.asked, seen.answered)
            if kind == UNKNOWN:
                track.failed('%s sent, its answer %s; %s, so whether it took effect is unknown: it was not sent again, '
                             'and may have been applied (docs/design.md §4)' % (self.action, self.lost(), why))
                continue
            if kind == GOAL:
                track.remark('%s sent, its answer %s; %s' % (self.action, self.lost(), why))
                continue
            count = track.not_applied(self.action, '%s %s; then %s' % (self.action, self.lost(), why))
            if count > loop.client.retries:
                track.failed('%s not applied after %d attempts: %s; %s' % (self.action, count, self.error, why))

    def resolve(self, reading, verdicts):
        """``verdicts`` with each RECORDS verdict (the list cannot tell) settled by the job's history."""
        resolved = dict(verdicts)
        for track in self.tracks:
            seen = reading.seen(track.id)
            kind, why = verdicts[track.id]
            if kind == RECORDS and seen is not None:
                resolved[track.id] = self.from_records(track, seen, why)
        return resolved

    def met_a_launch(self, track, seen):
        """A STOP without a sign, the job RUNNING: did it land on a launch, whose RUNNING undid it? (``GET /records``)"""
        before = self.before[track.id]
        if before.status != RUNNING or not another_run(before, seen):
            return False  # the run the STOP was sent to: it did not reach it
        records = self.loop.waiter.records(track.id)
        return records is not None and bool(stop_met_a_launch(records, before, seen))

    def from_records(self, track, seen, why):
        """What the list cannot tell, the job's history can: a RESTART of a STARTING or STOPPING job (restarted after
        the send?), a FORCE_STOP of a STOPPING job that reads STOPPED (killed, or the stop under way ended?)."""
        records = self.loop.waiter.records(track.id)
        if self.action == FORCE_STOP:
            found = force_stop_in_records(records, self.before[track.id], seen) if records is not None else None
            if found:
                return APPLIED, 'STOPPED after an ERROR in the job\'s history: stopped by this FORCE_STOP'
            return GOAL, '%s, and its history (GET /records) does not tell either' % why
        if records is None:
            # Neither the list nor the history tells: sending it again could restart the job twice.
            return UNKNOWN, '%s; its history (GET /records) could not be read (%s)' % (
                why, self.loop.waiter.last_read_error)
        found = restart_in_records(records, self.before[track.id], seen)
        if found:
            # The launch to wait for follows that STOP: a RUNNING from before it is a lagging node's (once the
            # action counts as applied, below).
            self.history_stops[track.id] = newest_stop(records, seen)
            return APPLIED, 'a STOP record newer than the send in the job\'s history'
        if found is None:
            return NO_SIGN, '%s; its history (GET /records) did not agree with the list' % why
        return NO_SIGN, '%s; no STOP record newer than the send in its history' % why

    def took(self, track, now, seen=None):
        """``track`` took the action, as ``seen`` (the row read) or its history showed: recorded, with what was read
        before that evidence. A run the follow saw whose newest record is provably older than the evidence (its
        application, that it ran) is not the launch that follows the action: a node that has not caught up may show
        it again (``_decisions.launch_evidence``)."""
        track.applied(self.action, now, self.sent_at)
        stop_at = self.history_stops.get(track.id)
        bounds = [b for b in (stop_at, seen.record[0] if seen is not None and seen.record is not None else None)
                  if b is not None]
        if bounds:
            track.older_runs([g for g in self.glimpses.get(track.id, ())
                              if g.record is not None and g.record[1] + RESOLUTION < max(bounds)])
        track.record_seen(stop_at)

    def lost(self):
        if self.error.error_code in REFUSED_BEFORE_APPLYING:
            return 'was refused before it was applied (%s)' % self.error.error_code
        return 'was lost (%s)' % self.error

    def gave_up(self, reading, verdicts):
        """The wait ran out while the server kept moving: what shows the action took it; the rest fail, not resent."""
        loop = self.loop
        loop.timed_out = True
        now = loop.clock()
        for track in self.tracks:
            seen = reading.seen(track.id)
            kind, why = verdicts[track.id]
            if seen is not None and kind in (APPLIED, UNDER_WAY):
                self.took(track, now, seen)
                track.observe(seen.row, seen.asked, seen.answered)
                continue
            if seen is not None:
                track.observe(seen.row, seen.asked, seen.answered)
            track.failed('%s sent, its answer %s; the server kept working until the wait timed out (%s), so it was '
                         'not sent again: it may still be applied (docs/design.md §4)' % (self.action, self.lost(), why))

    def unknown(self):
        """The jobs could not be re-read: their state is unknown; nothing is sent again."""
        for track in self.tracks:
            track.failed('%s: %s; the job could not be re-read afterwards (%s), its state is unknown' % (
                self.action, self.error, self.loop.waiter.last_read_error))

    # ------------------------------------------------------------------ refused: blame

    def refused(self):
        """After a refused PUT: re-read, keep what moved, blame the error on one job (docs/design.md §4).

        What moved is judged on the same evidence as a lost answer (``_evidence.verdict``): a job already in
        the status the action leads to (RUNNING for a RESTART) has not moved. The re-read waits out the read
        lag first, so that what the PUT did before its error can show.
        """
        loop = self.loop
        exc = self.error
        loop.waiter.sleep(loop.timing['read_lag_seconds'])
        reading = loop.waiter.reread(self.ids)
        if reading is None:
            self.unknown()
            return
        now = loop.clock()
        verdicts = self.resolve(reading, self.judge(reading, late_enough=True))
        blamed = self.blame(verdicts)
        for index, track in enumerate(self.tracks):
            seen = reading.seen(track.id)
            if seen is None:
                track.failed('the job disappeared from Kylin (model dropped?)')
                continue
            kind, why = verdicts[track.id]
            if (blamed is None or index < blamed) and kind == GOAL:
                track.observe(seen.row, seen.asked, seen.answered)
                track.remark('%s sent, Kylin answered an error (%s); %s' % (self.action, exc.error_code or exc, why))
            elif blamed is None or index < blamed:
                self.took(track, now, seen)
                track.observe(seen.row, seen.asked, seen.answered)
            elif index == blamed:
                track.observe(seen.row, seen.asked, seen.answered)
                if self.action == START and exc.error_code == START_REFUSED:
                    seen = self.caught_up(track, seen)
                if self.action == START and exc.error_code == START_REFUSED and seen.status in (STARTING, RUNNING):
                    track.started_elsewhere('already started by someone else (Kylin refused a second START: %s)'
                                            % START_REFUSED)
                elif self.action == START and exc.error_code == START_REFUSED and seen.status == STOPPING:
                    track.remark('START refused (%s): the job was STOPPING, stopped by someone else; started once it '
                                 'has stopped' % START_REFUSED)
                else:
                    track.failed('%s refused: %s' % (self.action, exc.kylin_msg or exc))
            else:
                track.observe(seen.row, seen.asked, seen.answered)
        if blamed is None:
            loop.warn('Kylin answered %s with an error no job can be blamed for (every job shows the action): %s' % (
                self.action, exc))

    def caught_up(self, track, seen):
        """The job's row after a START refused with START_REFUSED: ``seen`` when it shows a status Kylin refuses
        a START in (or a broken model, refused by the same code), else read again after the read lag, up to
        STALE_REFUSAL_READS times, until a row does. A row in STOPPED or ERROR comes from a node that has not
        caught up with another controller's START (docs/kylin-api.md §3.2, §11.5); the last row read is returned."""
        loop = self.loop
        for dummy in range(STALE_REFUSAL_READS):
            if seen.status in START_REFUSED_IN or seen.row.get('model_broken'):
                break
            loop.waiter.sleep(loop.timing['read_lag_seconds'])
            reading = loop.waiter.reread([track.id])
            fresh = reading.seen(track.id) if reading is not None else None
            if fresh is not None:
                track.observe(fresh.row, fresh.asked, fresh.answered)
                seen = fresh
        return seen

    def blame(self, verdicts):
        """Index of the job the error belongs to: named in Kylin's message, else the first that did not move."""
        text = self.error.kylin_msg or ''
        for index, track in enumerate(self.tracks):
            if track.id in text:
                return index
        still = [verdicts[t.id][0] not in MOVED for t in self.tracks]
        for index, track in enumerate(self.tracks):
            alias = track.row.get('model_alias')
            if alias and '"%s"' % alias in text and still[index]:
                return index
        for index in range(len(self.tracks)):
            if still[index]:
                return index
        return None


def _not_ours(kind, why):
    """A verdict after a PUT Kylin applied none of: what moved, someone else moved."""
    if kind in (APPLIED, UNDER_WAY, UNKNOWN):
        return NO_SIGN, 'it moved (%s), but Kylin applied none of the write: someone else moved it' % why
    return kind, why


def check_stop_undone(loop, track):
    """Whether a STOP this task saw take effect was lost: a launch undid it (docs/kylin-api.md §3.3).

    A STOP held behind an epoch take-over can land on the job the take-over relaunched: on a launch YARN has
    not accepted yet it writes ERROR, on one it has, STOPPING, and either way the launch's RUNNING overwrites
    it. Two reads show it, each followed by one ``GET /records`` (only on these paths):

    * the job reads ERROR after the STOP, and its history shows it was killed since the snapshot (a STOP
      record before the ERROR, ``_evidence.stop_met_a_launch``): the launch is awaited, then the STOP sent again;
    * a read newer than the STOP shows the job RUNNING or STARTING again, and its history shows no stop since
      the STOP took effect (``_evidence.stop_undone``): the STOP is sent again (a STARTING job once it is
      RUNNING, docs/design.md §2.2). A stop since means someone else started the job: ``decide`` fails it.

    The resend counts against ``retries``, and is listed in the job's ``resent``.
    """
    if track.finished or track.undone or track.last_action != STOP:
        return
    status = track.status
    if status == ERROR and not track.launching_error:
        seen = track.seen()
        records = loop.waiter.records(track.id)
        if not (records is not None and stop_met_a_launch(records, track.before_action, seen)):
            return
        why = ('STOP took effect as ERROR, and the job\'s history (GET /records) shows it was killed just before: '
               'the STOP landed on the launch that followed (an epoch take-over\'s), whose RUNNING undoes it '
               '(docs/kylin-api.md §3.3)')
        relaunching, then = True, ' once the launch is RUNNING'
    elif status in (RUNNING, STARTING) and contradiction_proven(track, loop.timing['read_lag_seconds']):
        seen = track.seen()
        records = loop.waiter.records(track.id)
        if records and status == RUNNING and records[0].get('action') in (STOP, ERROR):
            # The history (the metadata database, never behind) ends with a stop, but a RUNNING writes a START
            # record: the row comes from a node that has not caught up (docs/kylin-api.md §11.5), or the job
            # stopped between the two reads. Neither proves anything against the STOP: read again.
            track.history_agrees(seen)
            return
        if not (records is not None and stop_undone(records, track.acted_at, seen)):
            return
        why = ('STOP took effect, then the job was %s again without a stop in its history since (GET /records): '
               'it landed while the job was being launched, and the launch undid it (docs/kylin-api.md §3.3)'
               % status)
        relaunching, then = False, ' once it is RUNNING' if status == STARTING else ''
    else:
        return
    # The launch that undid it is most likely an epoch take-over's relaunch, and the take-over may still be under
    # way: a STOP sent now would be held behind it, after any write of this task still held there (what looked
    # like the STOP's effect may have been the take-over's kill). So the resend waits one quiet spell (the
    # follow's), for such a write to land first (docs/kylin-api.md §11.2).
    timing = loop.timing
    quiet = max(work_per_job(STOP, timing), timing['kill_seconds']) + timing['read_lag_seconds'] + FOLLOW_MARGIN
    if check_count(loop, track, track.stop_undone(why, relaunching, not_before=loop.clock() + quiet)):
        loop.warn('%s: %s; sending it again%s' % (track.id, why, then))


def check_count(loop, track, count):
    """A STOP that did not take, the ``count``-th write of the job that did not: it fails beyond ``retries``."""
    if count > loop.client.retries:
        track.failed('STOP not applied after %d attempts: %s' % (count, track.unsettled[1]))
        return False
    return True
