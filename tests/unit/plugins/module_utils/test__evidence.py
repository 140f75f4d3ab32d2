# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a read proves about a status PUT whose outcome is unknown: every rule of docs/design.md §4's evidence.

The snapshot (``before``) is read at 100 s, the PUT sent at 101 s, the re-read (``after``) at 110 s. A job's
newest record is ``age`` seconds old when read; ``last_modified`` counts server milliseconds, whose clock is
far from this machine's (only differences matter).
"""

import pytest

from ansible_collections.kylin.streaming.plugins.module_utils import _evidence as V

SKEW_MS = 7 * 86400 * 1000


def seen(status, age=600.0, asked=110.0, modified=1000, app='application_1', launching_error=False):
    row = dict(job_status=status, last_status_duration=None if age is None else int(age * 1000),
               last_modified=None if modified is None else SKEW_MS + modified, yarn_app_id=app,
               launching_error=launching_error)
    return V.Seen(row, asked, asked + 0.05)


def before(status, age=600.0, modified=1000, app='application_1', launching_error=False):
    """The snapshot at 100 s: its newest record 600 s old (at -500 s), unless said otherwise."""
    return seen(status, age=age, asked=100.0, modified=modified, app=app, launching_error=launching_error)


OLD = 610.0      # the same record as the snapshot's, read 10 s later
NEW = 5.0        # a record at 105 s, after the send (101 s)

CASES = [
    # action, before, after, kind: the rules of docs/design.md §4
    ('START', before('STOPPED'), seen('STARTING', OLD, modified=2000, app=''), V.APPLIED),
    ('START', before('STOPPED'), seen('STOPPED', OLD), V.NO_SIGN),
    ('START', before('STOPPED'), seen('STARTING', OLD, modified=900, app=''), V.NO_SIGN),  # an older view
    ('START', before('ERROR'), seen('RUNNING', NEW, modified=2000, app='application_2'), V.APPLIED),
    ('START', before('ERROR', launching_error=True), seen('ERROR', OLD, launching_error=True), V.NO_SIGN),
    ('START', before('ERROR', launching_error=True), seen('ERROR', OLD, 2000, launching_error=True), V.APPLIED),
    ('STOP', before('RUNNING'), seen('STOPPING', OLD, modified=2000), V.APPLIED),
    ('STOP', before('RUNNING'), seen('RUNNING', OLD, modified=2000), V.NO_SIGN),  # a micro-batch rewrote it
    ('STOP', before('RUNNING'), seen('STOPPED', NEW, modified=2000), V.APPLIED),
    ('STOP', before('STOPPING'), seen('STOPPED', NEW, modified=2000), V.GOAL),
    ('FORCE_STOP', before('RUNNING'), seen('STOPPED', NEW, modified=2000), V.APPLIED),
    ('FORCE_STOP', before('RUNNING'), seen('STOPPING', OLD, modified=2000), V.APPLIED),
    ('FORCE_STOP', before('STOPPING'), seen('STOPPED', NEW, modified=2000), V.RECORDS),  # the list cannot tell
    ('FORCE_STOP', before('STOPPING'), seen('STOPPING', OLD, modified=2000), V.NO_SIGN),
    ('FORCE_STOP', before('ERROR'), seen('STOPPED', NEW, modified=2000), V.APPLIED),
    # Records a few milliseconds apart cannot be told apart by their spans; a newer view in STOPPED can: only a
    # stop leads there. An older view in STOPPED proves nothing.
    ('FORCE_STOP', before('ERROR', age=0.0), seen('STOPPED', 10.0, modified=1006), V.APPLIED),
    ('FORCE_STOP', before('RUNNING', age=0.0), seen('STOPPED', 10.0, modified=1006), V.APPLIED),
    ('FORCE_STOP', before('ERROR', age=0.0), seen('STOPPED', 10.0, modified=900), V.NO_SIGN),
    ('STOP', before('RUNNING', age=0.0), seen('STOPPED', 10.0, modified=1006), V.APPLIED),
    ('STOP', before('RUNNING', age=0.0), seen('ERROR', 10.0, modified=1006), V.NO_SIGN),  # a crash leads there too
    # RESTART of a RUNNING job: a record newer than the send, a new app, or STARTING in a newer view.
    ('RESTART', before('RUNNING'), seen('RUNNING', OLD), V.NO_SIGN),
    ('RESTART', before('RUNNING'), seen('RUNNING', NEW, modified=2000), V.APPLIED),
    ('RESTART', before('RUNNING'), seen('RUNNING', OLD, modified=2000, app='application_2'), V.APPLIED),
    ('RESTART', before('RUNNING'), seen('STARTING', NEW, modified=2000, app=''), V.APPLIED),
    ('RESTART', before('RUNNING'), seen('STOPPING', OLD, modified=2000), V.UNDER_WAY),
    ('RESTART', before('RUNNING'), seen('STOPPED', NEW, modified=2000), V.NO_SIGN),  # killed, not started again
    # RESTART of a STOPPED job: its kill writes a STOP record; STARTING follows.
    ('RESTART', before('STOPPED'), seen('STARTING', NEW, modified=2000, app=''), V.APPLIED),
    ('RESTART', before('STOPPED'), seen('STOPPED', OLD), V.NO_SIGN),
    # Evidence (1): a STOPPING that ends by itself is not a lost RESTART.
    ('RESTART', before('STOPPING'), seen('STOPPED', NEW, modified=2000), V.NO_SIGN),
    ('RESTART', before('STOPPING'), seen('STARTING', NEW, modified=2000, app=''), V.APPLIED),
    ('RESTART', before('STOPPING'), seen('RUNNING', NEW, modified=2000), V.RECORDS),
    # Evidence (2): a STARTING that completes to RUNNING is not a lost RESTART; the list cannot tell, records can.
    ('RESTART', before('STARTING', app=''), seen('RUNNING', NEW, modified=2000, app='application_2'), V.RECORDS),
    ('RESTART', before('STARTING', app=''), seen('RUNNING', OLD, modified=2000, app='application_2'), V.NO_SIGN),
    ('RESTART', before('STARTING', app=''), seen('STARTING', OLD, app=''), V.NO_SIGN),
    ('RESTART', before('STARTING', app=''), seen('STARTING', NEW, modified=2000, app=''), V.APPLIED),
    ('RESTART', before('STARTING', app=''), seen('STARTING', NEW, modified=1000, app=''), V.RECORDS),  # a stale view
    ('RESTART', before('STARTING', app=''), seen('ERROR', OLD, 2000, launching_error=True), V.NO_SIGN),
    # A launching error in a newer view: the launch under way, or the RESTART's? Its kill's STOP record tells.
    ('RESTART', before('STARTING', app=''), seen('ERROR', OLD, modified=2000, launching_error=True), V.RECORDS),
]


@pytest.mark.parametrize('action,snapshot,after,kind', CASES)
def test_verdict(action, snapshot, after, kind):
    found, why = V.verdict(action, snapshot, after)
    assert found == kind, why
    assert why


def test_a_record_is_newer_only_when_the_spans_do_not_overlap():
    # The snapshot's record happened between 100 - 600 and 100.05 - 600; a read 10 s later of the same record.
    assert not V.newer_record(seen('RUNNING', 610.0), before('RUNNING'))
    assert not V.newer_record(seen('RUNNING', 609.99), before('RUNNING'))  # within the request's latency
    assert V.newer_record(seen('RUNNING', 609.9), before('RUNNING'))
    assert V.newer_record(seen('RUNNING', 1.0), before('RUNNING', age=None))  # it had no record before
    assert not V.newer_record(seen('RUNNING', None), before('RUNNING'))
    assert not V.newer_record(seen('RUNNING', 1.0), V.Seen(before('RUNNING').row, None))  # no time: nothing proven


def test_without_last_modified_a_status_is_believed_only_after_the_read_lag():
    snap = before('STOPPED', modified=None)
    assert V.verdict('START', snap, seen('STARTING', OLD, modified=None), late_enough=False)[0] == V.NO_SIGN
    assert V.verdict('START', snap, seen('STARTING', OLD, modified=None), late_enough=True)[0] == V.APPLIED


def test_advanced_ignores_older_views_and_micro_batches():
    base = seen('RUNNING', OLD, modified=2000)
    assert not V.advanced(base, seen('RUNNING', OLD + 5, asked=115.0, modified=3000))  # a micro-batch
    assert not V.advanced(base, seen('STARTING', OLD, modified=1500))                  # a lagging node
    assert V.advanced(base, seen('STOPPING', OLD, modified=2500))
    assert V.advanced(base, seen('RUNNING', 1.0, asked=120.0, modified=2500))          # a newer record


def test_older_is_an_older_view_or_without_views_an_older_record():
    base = seen('ERROR', 1.0, modified=3000)
    assert V.older(seen('RUNNING', OLD, modified=1000), base)          # a node that has not caught up
    assert not V.older(seen('RUNNING', OLD, modified=3000), base)      # the same version
    assert not V.older(seen('RUNNING', 0.5, modified=4000), base)      # a newer one
    # Without last_modified, by the records: the run of 600 s ago is older than the ERROR of 1 s ago.
    assert V.older(seen('RUNNING', OLD, modified=None), seen('ERROR', 1.0, modified=None))
    assert not V.older(seen('RUNNING', 0.5, modified=None), seen('ERROR', 1.0, modified=None))
    assert not V.older(seen('RUNNING', None, modified=None), seen('ERROR', 1.0, modified=None))


def records(*entries):
    """``GET /records``, newest first: (action, server ms) pairs."""
    return [dict(action=action, create_time=created) for action, created in entries]


def test_restart_in_records_of_a_job_that_was_starting():
    # Snapshot at 100 s: newest record at -500 s (a STOP). After at 110 s: RUNNING, newest record 5 s old (105 s).
    snap = before('STARTING', app='')
    after = seen('RUNNING', 5.0, modified=2000, app='application_2')
    base = 10 ** 12
    # Restarted: the kill's STOP at 102 s, then the START at 105 s.
    assert V.restart_in_records(records(('START', base + 105000), ('STOP', base + 102000), ('STOP', base - 500000)),
                                snap, after) is True
    # Not restarted: the launch under way completed at 105 s; the STOP is the snapshot's own.
    assert V.restart_in_records(records(('START', base + 105000), ('STOP', base - 500000)), snap, after) is False
    # The two reads disagree (the history's newest is not a START while the list says RUNNING): no verdict.
    assert V.restart_in_records(records(('STOP', base + 105000)), snap, after) is None
    assert V.restart_in_records([], snap, after) is None


def test_restart_in_records_of_a_job_that_was_stopping():
    snap = before('STOPPING')
    base = 10 ** 12
    after = seen('RUNNING', 5.0, modified=2000, app='application_2')
    assert V.restart_in_records(records(('START', base + 105000), ('STOP', base + 102000), ('START', base - 500000)),
                                snap, after) is True
    # STOPPING -> RUNNING without a STOP: a STOP sent while starting, lost when the launch completed.
    assert V.restart_in_records(records(('START', base + 105000), ('START', base - 500000)), snap, after) is False
    stopped = seen('STOPPED', 5.0, modified=2000)
    assert V.restart_in_records(records(('STOP', base + 105000), ('START', base - 500000)), snap, stopped) is False


def test_a_stop_undone_by_a_launch_and_a_stop_followed_by_someone_elses_start():
    # The STOP took effect by 101.5 s (its answer). After at 110 s: RUNNING, its START record 5 s old (105 s).
    after = seen('RUNNING', 5.0, modified=2000, app='application_2')
    base = 10 ** 12
    acted = 101.5
    # Held behind a take-over: its kill's STOP at 101 s (inside the PUT), the STOP landed on the relaunch, which
    # completed at 105 s: no stop after the STOP took effect. Lost.
    assert V.stop_undone(records(('START', base + 105000), ('STOP', base + 101000), ('START', base - 500000)),
                         acted, after) is True
    # The STOP landed on a launch not yet in YARN: ERROR at 101.4 s, then the launch's RUNNING. Lost too.
    assert V.stop_undone(records(('START', base + 105000), ('ERROR', base + 101400), ('START', base - 500000)),
                         acted, after) is True
    # The job stopped at 103 s (a STOP record after the STOP took effect), then someone started it: not lost.
    assert V.stop_undone(records(('START', base + 105000), ('STOP', base + 103000), ('START', base - 500000)),
                         acted, after) is False
    assert V.stop_undone(records(('START', base + 105000), ('ERROR', base + 103000)), acted, after) is False
    # STARTING again (no record of its own): the newest record anchors; a stop at 103 s means someone else.
    starting = seen('STARTING', 7.0, modified=2000, app='')
    assert V.stop_undone(records(('STOP', base + 103000), ('START', base - 500000)), acted, starting) is False
    # The history disagrees with the list (its newest is not the RUNNING's START), or cannot be read: no verdict.
    assert V.stop_undone(records(('STOP', base + 105000)), acted, after) is None
    assert V.stop_undone([], acted, after) is None


def test_an_error_after_a_stop_is_a_stop_that_met_a_launch_only_after_a_kill():
    # Snapshot at 100 s: RUNNING, its START record at -500 s. After at 110 s: ERROR, its record 8.5 s old (101.5 s).
    snap = before('RUNNING')
    after = seen('ERROR', 8.5, modified=2000, app='')
    base = 10 ** 12
    # A take-over killed the job at 101 s (a STOP record) and launched it again; the STOP landed on the launch.
    assert V.stop_met_a_launch(records(('ERROR', base + 101500), ('STOP', base + 101000), ('START', base - 500000)),
                               snap, after) is True
    # The STOP found no application (it had died): ERROR, and no kill before it since the snapshot.
    assert V.stop_met_a_launch(records(('ERROR', base + 101500), ('START', base - 500000)), snap, after) is False
    # A launch that failed lists ERROR with launching_error (no record of its own): not this case.
    failed = seen('ERROR', 8.5, modified=2000, app='', launching_error=True)
    assert V.stop_met_a_launch(records(('ERROR', base + 101500), ('STOP', base + 101000)), snap, failed) is None
    # The launch completed between the list read (ERROR) and the history: its START is the newest record.
    assert V.stop_met_a_launch(records(('START', base + 110500), ('ERROR', base + 101500), ('STOP', base + 101000),
                                       ('START', base - 500000)), snap, after) is True
    # The history disagrees with the list (its newest is not the ERROR nor a launch after it): no verdict.
    assert V.stop_met_a_launch(records(('STOP', base + 101500), ('START', base + 101000)), snap, after) is None
    # Read by order: a kill within the same millisecond as the snapshot's read still shows.
    assert V.stop_met_a_launch(records(('ERROR', base + 100000), ('STOP', base + 100000), ('START', base + 100000)),
                               snap, after) is True
    # A STOP record older than the snapshot's START (an earlier run) is not this kill.
    assert V.stop_met_a_launch(records(('ERROR', base + 101500), ('START', base - 500000), ('STOP', base - 600000)),
                               snap, after) is False


def test_a_running_job_whose_history_shows_the_stop_met_a_launch():
    snap = before('RUNNING')
    base = 10 ** 12
    relaunched = seen('RUNNING', 5.0, modified=2000, app='application_2')
    history = records(('START', base + 105000), ('ERROR', base + 101500), ('STOP', base + 101000),
                      ('START', base - 500000))
    assert V.stop_met_a_launch(history, snap, relaunched) is True
    # The launch completed after a kill, but no ERROR: nothing shows a STOP met it (a STOPPING leaves no record).
    assert V.stop_met_a_launch(records(('START', base + 105000), ('STOP', base + 101000), ('START', base - 500000)),
                               snap, relaunched) is False
    # Still the run the STOP was sent to (the same application, the snapshot's record): no verdict, no read needed.
    assert not V.another_run(snap, seen('RUNNING', OLD))
    assert V.stop_met_a_launch(history, snap, seen('RUNNING', OLD)) is None


def test_a_force_stop_of_a_stopping_job_in_its_history():
    snap = before('STOPPING')
    stopped = seen('STOPPED', 5.0, modified=2000, app='')
    base = 10 ** 12
    # The stop under way ended by itself: one STOP record after the run's START. Cannot be told from a FORCE_STOP.
    assert V.force_stop_in_records(records(('STOP', base + 105000), ('START', base - 500000)), snap, stopped) is False
    # A take-over killed the STOPPING job (ERROR), then something stopped it: the FORCE_STOP.
    assert V.force_stop_in_records(records(('STOP', base + 105000), ('ERROR', base + 104000), ('START', base - 500000)),
                                   snap, stopped) is True
    # The stop under way had ended (seen late through a lagging node); the FORCE_STOP stopped the job again.
    assert V.force_stop_in_records(records(('STOP', base + 105000), ('STOP', base + 103000), ('START', base - 500000)),
                                   snap, stopped) is True
    assert V.force_stop_in_records(records(('ERROR', base + 105000)), snap, stopped) is None


def test_a_stop_in_the_history_dates_the_runs_before_it():
    # After at 110 s: STARTING, its newest record 5 s old (105 s): the kill of an epoch take-over, a STOP record.
    after = seen('STARTING', 5.0, modified=2000, app='')
    base = 10 ** 12
    history = records(('STOP', base + 105000), ('START', base - 500000))
    stopped_at = V.newest_stop(history, after)
    assert 104.9 < stopped_at <= 105.0
    # A lagging node's RUNNING whose newest record is the START of 600 s before: the run that STOP ended.
    assert V.stale_run(seen('RUNNING', 600.0, asked=111.0), stopped_at)
    # The launch that followed writes a START record after the STOP: not stale.
    assert not V.stale_run(seen('RUNNING', 1.0, asked=111.0), stopped_at)
    # No STOP in the history, or no time to compare with: nothing is dated.
    assert V.newest_stop(records(('START', base + 105000)), seen('RUNNING', 5.0)) is None
    assert not V.stale_run(seen('RUNNING', None), stopped_at) and not V.stale_run(seen('RUNNING'), None)
