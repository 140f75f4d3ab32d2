# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The pure decisions: every cell of the docs/design.md §2.2 behaviour table, and its helpers."""

import copy

import pytest

from ansible_collections.kylin.streaming.plugins.module_utils import _decisions as J
from ansible_collections.kylin.streaming.plugins.module_utils._evidence import APPLIED, NO_SIGN, verdict
from ansible_collections.kylin.streaming.plugins.module_utils._rows import RETRY_PARAM, retry_enabled


def row(status, job_type='build', uuid='m1', **extra):
    data = dict(uuid='%s_%s' % (uuid, job_type), job_status=status, model_alias='alias_' + uuid, project='p1',
                job_type='STREAMING_' + job_type.upper(), params={RETRY_PARAM: 'false'}, model_broken=False,
                launching_error=False, yarn_app_id='application_1_0001', last_status_duration=60000)
    data.update(extra)
    return data


def track(status, **extra):
    return J.JobTrack(row(status, **extra))


# current status -> (started, stopped, restarted) first step, as the table of docs/design.md §2.2 says
TABLE = {
    'RUNNING': (J.DONE_STEP, J.act(J.STOP), J.act(J.RESTART)),
    'STARTING': (J.SETTLE_STEP, J.HOLD_STEP, J.act(J.RESTART)),
    'STOPPED': (J.act(J.START), J.DONE_STEP, J.act(J.RESTART)),
    'ERROR': (J.act(J.START), J.DONE_STEP, J.act(J.RESTART)),
    'STOPPING': (J.HOLD_STEP, J.SETTLE_STEP, J.act(J.RESTART)),
}
FORCED = {
    'RUNNING': (J.DONE_STEP, J.act(J.FORCE_STOP), J.act(J.RESTART)),
    'STARTING': (J.SETTLE_STEP, J.act(J.FORCE_STOP), J.act(J.RESTART)),
    'STOPPED': (J.act(J.START), J.DONE_STEP, J.act(J.RESTART)),
    'ERROR': (J.act(J.START), J.DONE_STEP, J.act(J.RESTART)),
    'STOPPING': (J.act(J.RESTART), J.act(J.FORCE_STOP), J.act(J.RESTART)),
}
STATES = (J.STARTED, J.STOPPED_STATE, J.RESTARTED)


@pytest.mark.parametrize('status', sorted(TABLE))
@pytest.mark.parametrize('index', range(3))
def test_table_cell(status, index):
    assert J.decide(track(status), STATES[index]) == TABLE[status][index]


@pytest.mark.parametrize('status', sorted(FORCED))
@pytest.mark.parametrize('index', range(3))
def test_table_cell_with_force(status, index):
    assert J.decide(track(status), STATES[index], force=True) == FORCED[status][index]


def test_launching_error_is_started_like_error():
    assert J.decide(track('ERROR', launching_error=True), J.STARTED) == J.act(J.START)


def test_error_with_retry_enabled_is_force_stopped():
    t = track('ERROR', params={RETRY_PARAM: 'TRUE'})
    assert J.decide(t, J.STOPPED_STATE) == J.act(J.FORCE_STOP)
    assert J.decide(track('ERROR', params={RETRY_PARAM: 'false'}), J.STOPPED_STATE) == J.DONE_STEP
    assert J.decide(track('ERROR', params={}), J.STOPPED_STATE) == J.DONE_STEP


@pytest.mark.parametrize('state', [J.STARTED, J.RESTARTED])
@pytest.mark.parametrize('status', ['STOPPED', 'ERROR'])
def test_broken_model_is_not_started(state, status):
    step = J.decide(track(status, model_broken=True), state)
    assert step.kind == J.FAIL and not step.fatal
    assert 'broken' in step.reason and 'alias_m1' in step.reason


def test_stop_that_ends_in_error_with_retry_enabled_is_force_stopped():
    t = track('RUNNING', params={RETRY_PARAM: 'true'})
    t.applied(J.STOP, now=0)
    t.observe(row('ERROR', params={RETRY_PARAM: 'true'}), 1)
    assert J.decide(t, J.STOPPED_STATE) == J.act(J.FORCE_STOP)
    t = track('RUNNING')
    t.applied(J.STOP, now=0)
    t.observe(row('ERROR'), 1)
    assert J.decide(t, J.STOPPED_STATE) == J.DONE_STEP


def test_broken_model_can_still_be_stopped():
    assert J.decide(track('RUNNING', model_broken=True), J.STOPPED_STATE) == J.act(J.STOP)


def test_without_wait_nothing_is_awaited_but_transitions_are_still_held():
    assert J.decide(track('STARTING'), J.STARTED, wait=False) == J.DONE_STEP
    assert J.decide(track('STOPPING'), J.STOPPED_STATE, wait=False) == J.DONE_STEP
    assert J.decide(track('STOPPING'), J.STARTED, wait=False) == J.HOLD_STEP
    assert J.decide(track('STARTING'), J.STOPPED_STATE, wait=False) == J.HOLD_STEP


def test_after_start_the_job_is_awaited_until_running():
    t = track('STOPPED')
    t.applied(J.START, now=0)
    assert t.status == 'STARTING' and t.changed
    assert J.decide(t, J.STARTED) == J.SETTLE_STEP
    assert J.decide(t, J.STARTED, wait=False) == J.DONE_STEP
    t.observe(row('RUNNING'), 1)
    assert J.decide(t, J.STARTED) == J.DONE_STEP


def test_error_while_running_is_awaited_is_fatal():
    t = track('STOPPED')
    t.applied(J.START, now=0)
    t.observe(row('ERROR', launching_error=True), 1)
    step = J.decide(t, J.STARTED)
    assert step.kind == J.FAIL and step.fatal
    assert 'failed to launch' in step.reason


def test_error_of_a_job_started_elsewhere_is_fatal_too():
    t = track('STARTING')
    assert J.decide(t, J.STARTED) == J.SETTLE_STEP
    t.observe(row('ERROR'), 1)
    step = J.decide(t, J.STARTED)
    assert step.kind == J.FAIL and step.fatal


def test_an_older_view_of_a_launch_awaited_elsewhere_is_not_its_failure():
    # Someone else's launch, read STARTING; a node that has not caught up shows the launching error of before it.
    t = track('STARTING', last_modified=2000)
    t.observe(row('ERROR', launching_error=True, last_modified=1000), 1)
    assert J.decide(t, J.STARTED, read_lag=5.0) == J.SETTLE_STEP
    assert J.decide(t, J.STARTED, read_lag=0.0).kind == J.FAIL  # one node: every read is current
    # A newer version of the job in ERROR is the launch failing.
    t.observe(row('ERROR', launching_error=True, last_modified=3000), 2)
    step = J.decide(t, J.STARTED, read_lag=5.0)
    assert step.kind == J.FAIL and step.fatal and 'failed to launch' in step.reason


def test_a_start_refused_for_a_launch_elsewhere_awaits_it_past_an_older_view():
    t = track('ERROR', last_modified=1000)
    t.observe(row('STARTING', last_modified=2000), 1)
    t.started_elsewhere('already started by someone else')
    t.observe(row('ERROR', last_modified=1000), 2)
    assert J.decide(t, J.STARTED, read_lag=5.0) == J.SETTLE_STEP
    t.observe(row('RUNNING', last_modified=2500, yarn_app_id='application_1_0002'), 3)
    assert J.decide(t, J.STARTED, read_lag=5.0) == J.DONE_STEP


def test_a_stop_that_met_a_launch_holds_the_job_past_older_views():
    # A graceful restart's STOP took effect as ERROR; the history showed a take-over's kill just before it, so
    # the launch that followed is awaited behind the ERROR (a START now could run a second application).
    t = track('RUNNING', last_modified=1000)
    t.applied(J.STOP, 1.0)
    t.observe(row('ERROR', yarn_app_id='', last_modified=3000), 2)
    t.stop_undone('the STOP landed on a launch', relaunching=True)
    assert J.decide(t, J.RESTARTED, restart_method=J.GRACEFUL_RESTART, read_lag=5.0) == J.HOLD_STEP
    # A node that has not caught up shows the run before the kill: an older view, not the launch.
    t.observe(row('RUNNING', last_modified=1000), 3)
    assert t.relaunching
    assert J.decide(t, J.RESTARTED, restart_method=J.GRACEFUL_RESTART, read_lag=5.0) == J.HOLD_STEP
    # The launch failing (a newer view, launching_error) ends the hold: the job is decided afresh.
    t.observe(row('ERROR', yarn_app_id='', launching_error=True, last_modified=4000), 4)
    assert not t.relaunching
    assert J.decide(t, J.RESTARTED, restart_method=J.GRACEFUL_RESTART, read_lag=5.0) == J.act(J.START)


def test_a_stop_that_met_a_launch_ends_its_hold_when_the_launch_runs():
    t = track('RUNNING', last_modified=1000)
    t.applied(J.STOP, 1.0)
    t.observe(row('ERROR', yarn_app_id='', last_modified=3000), 2)
    t.stop_undone('the STOP landed on a launch', relaunching=True)
    t.observe(row('RUNNING', yarn_app_id='application_1_0002', last_modified=5000, last_status_duration=100), 3)
    assert not t.relaunching


def test_a_stop_undone_by_a_launch_is_sent_again_after_a_quiet_spell():
    t = track('RUNNING', last_modified=1000)
    t.applied(J.STOP, 1.0)
    t.observe(row('RUNNING', yarn_app_id='application_1_0002', last_modified=3000), 2.0)
    t.stop_undone('the launch undid it', not_before=5.0)
    # A STOP still held behind the take-over may land meanwhile: nothing is sent before 5.0.
    assert J.decide(t, J.STOPPED_STATE, now=3.0) == J.HOLD_STEP
    assert J.decide(t, J.STOPPED_STATE, now=5.0) == J.act(J.STOP)
    # It landed: STOPPING, then STOPPED, and no STOP is sent again.
    t.observe(row('STOPPING', last_modified=4000), 4.0)
    assert J.decide(t, J.STOPPED_STATE, now=4.5) == J.SETTLE_STEP
    t.observe(row('STOPPED', last_modified=4500), 4.6)
    assert J.decide(t, J.STOPPED_STATE, now=6.0) == J.DONE_STEP


def test_after_a_stop_was_undone_an_older_view_is_not_taken_for_stopped():
    # The STOP met the take-over's launch (ERROR); the launch's RUNNING is read, then a node that has not caught
    # up shows the ERROR again: that is no stop, and the STOP is sent again once the job reads RUNNING.
    t = track('RUNNING', last_modified=1000)
    t.applied(J.STOP, 1.0)
    t.observe(row('ERROR', yarn_app_id='', last_modified=3000), 2.0)
    t.stop_undone('the STOP landed on a launch', relaunching=True)
    t.observe(row('RUNNING', yarn_app_id='application_1_0002', last_modified=4000), 3.0)
    assert J.decide(t, J.STOPPED_STATE, now=3.0) == J.act(J.STOP)
    t.observe(row('ERROR', yarn_app_id='', last_modified=3000), 3.5)
    assert J.decide(t, J.STOPPED_STATE, now=3.5) == J.HOLD_STEP
    t.observe(row('RUNNING', yarn_app_id='application_1_0002', last_modified=4000), 4.0)
    assert J.decide(t, J.STOPPED_STATE, now=4.0) == J.act(J.STOP)


def test_a_lagging_running_older_than_the_history_is_no_proof_against_a_stop():
    t = track('RUNNING', last_modified=1000)
    t.applied(J.STOP, 1.0)
    t.observe(row('RUNNING', yarn_app_id='application_1_0002', last_modified=3000), 2.0)
    assert J.contradiction_proven(t, 5.0)
    # The history read just after ends with a STOP: that row, and any older, lags.
    t.history_agrees(t.seen())
    assert not J.contradiction_proven(t, 5.0)
    assert J.decide(t, J.STOPPED_STATE, read_lag=5.0) == J.SETTLE_STEP
    t.observe(row('RUNNING', yarn_app_id='application_1_0003', last_modified=5000), 3.0)
    assert J.contradiction_proven(t, 5.0)


@pytest.mark.parametrize('force', [False, True])
def test_an_error_right_after_starting_hides_a_launch_and_is_force_stopped(force):
    # Someone's STOP met the launch before YARN knew it: ERROR, and the launch goes on (docs/kylin-api.md §3.3).
    t = track('STARTING', last_modified=1000, yarn_app_id='')
    t.observe(row('ERROR', yarn_app_id='', last_modified=2000), 1)
    assert J.decide(t, J.STOPPED_STATE, force=force) == J.act(J.FORCE_STOP)
    # A launch that failed lists launching_error: stopped for good.
    t = track('STARTING', last_modified=1000, yarn_app_id='')
    t.observe(row('ERROR', yarn_app_id='', launching_error=True, last_modified=2000), 1)
    assert J.decide(t, J.STOPPED_STATE, force=force) == J.DONE_STEP
    # An older view (a node that has not caught up) after the STARTING proves nothing: an ERROR of before.
    t = track('STARTING', last_modified=2000, yarn_app_id='')
    t.observe(row('ERROR', yarn_app_id='', last_modified=1000), 1)
    assert J.decide(t, J.STOPPED_STATE, force=force) == J.DONE_STEP
    # An ERROR after RUNNING (a runtime failure) hides nothing.
    t = track('RUNNING', last_modified=1000)
    t.observe(row('ERROR', yarn_app_id='', last_modified=2000), 1)
    assert J.decide(t, J.STOPPED_STATE, force=force) == J.DONE_STEP


def test_the_row_assumed_after_a_force_stop_dates_its_record_to_the_request():
    # Read at 5.6 s STOPPING, its newest record (the run's START) 1.8 s old; FORCE_STOP sent at 5.7 s, answered at
    # 7.16 s (the kill waited for the node's lock): Kylin wrote its STOP record inside the request.
    t = J.JobTrack(row('STOPPING', last_status_duration=1800, last_modified=1000), asked=5.6, answered=5.65)
    t.applied(J.FORCE_STOP, 7.16, sent_at=5.7)
    snapshot = t.seen()
    # A START sent next, its answer lost; a read at 7.2 s shows that STOP record (written at about 7.155 s):
    # no sign of the START. (The record read at 5.6 s, dated from 7.16 s, made it look newer: "started, then ended".)
    after = J.Seen(row('STOPPED', last_status_duration=50, last_modified=2000), 7.2, 7.21)
    assert verdict('START', snapshot, after)[0] == NO_SIGN
    # A START that ran and ended since writes records after that: those are newer.
    later = J.Seen(row('STOPPED', last_status_duration=50, last_modified=3000), 9.2, 9.21)
    assert verdict('START', snapshot, later)[0] == APPLIED
    # START and STOP write no record inside the request: the record read before keeps its time.
    t = J.JobTrack(row('RUNNING', last_status_duration=1800, last_modified=1000), asked=5.6, answered=5.65)
    t.applied(J.STOP, 7.16, sent_at=5.7)
    assert abs(t.seen().record[1] - (5.65 - 1.8)) < 0.002


def test_stopping_job_is_started_once_stopped():
    t = track('STOPPING')
    assert J.decide(t, J.STARTED) == J.HOLD_STEP
    t.observe(row('STOPPED'), 1)
    assert J.decide(t, J.STARTED) == J.act(J.START)


def test_starting_job_is_stopped_once_running():
    t = track('STARTING')
    assert J.decide(t, J.STOPPED_STATE) == J.HOLD_STEP
    t.observe(row('RUNNING'), 1)
    assert J.decide(t, J.STOPPED_STATE) == J.act(J.STOP)


def test_force_after_escalates_a_slow_stop():
    t = track('RUNNING')
    t.applied(J.STOP, now=10)
    assert J.decide(t, J.STOPPED_STATE, force_after=30, now=20) == J.SETTLE_STEP
    assert J.decide(t, J.STOPPED_STATE, force_after=30, now=40) == J.act(J.FORCE_STOP)
    t.applied(J.FORCE_STOP, now=40)
    assert t.actions == [J.STOP, J.FORCE_STOP]
    assert J.decide(t, J.STOPPED_STATE) == J.DONE_STEP


def test_force_after_counts_from_first_sight_of_a_foreign_stopping():
    t = track('STOPPING')
    t.observe(row('STOPPING'), 5)
    assert J.decide(t, J.STOPPED_STATE, force_after=10, now=10) == J.SETTLE_STEP
    assert J.decide(t, J.STOPPED_STATE, force_after=10, now=16) == J.act(J.FORCE_STOP)


def test_restart_happens_once():
    t = track('RUNNING')
    assert J.decide(t, J.RESTARTED) == J.act(J.RESTART)
    t.applied(J.RESTART, now=0)
    assert J.decide(t, J.RESTARTED) == J.SETTLE_STEP
    t.observe(row('RUNNING', yarn_app_id='application_1_0002'), 1)
    assert J.decide(t, J.RESTARTED) == J.DONE_STEP


def test_job_started_again_after_stop_is_reported():
    t = track('RUNNING')
    t.applied(J.STOP, now=0)
    t.observe(row('RUNNING'), 1)
    step = J.decide(t, J.STOPPED_STATE)
    assert step.kind == J.FAIL and 'again' in step.reason


@pytest.mark.parametrize('status,expected', [('RUNNING', J.act(J.RESTART)), ('STARTING', J.act(J.RESTART)),
                                             ('STOPPED', J.act(J.START)), ('STOPPING', J.HOLD_STEP)])
def test_changed_params_restart_a_running_job(status, expected):
    t = track(status)
    t.restart_for_params = True
    assert J.decide(t, J.STARTED) == expected


@pytest.mark.parametrize('state,status,expected', [
    (J.STARTED, 'STOPPED', ('START', True, 'RUNNING')),
    (J.STARTED, 'RUNNING', (None, False, 'RUNNING')),
    (J.STARTED, 'STARTING', (None, False, 'RUNNING')),
    (J.STARTED, 'STOPPING', ('START', True, 'RUNNING')),
    (J.STOPPED_STATE, 'RUNNING', ('STOP', True, 'STOPPED')),
    (J.STOPPED_STATE, 'STARTING', ('STOP', True, 'STOPPED')),
    (J.STOPPED_STATE, 'STOPPING', (None, False, 'STOPPED')),
    (J.STOPPED_STATE, 'ERROR', (None, False, 'ERROR')),
    (J.RESTARTED, 'STOPPED', ('RESTART', True, 'RUNNING')),
])
def test_check_mode_prediction(state, status, expected):
    t = track(status)
    assert J.predict(t, J.decide(t, state), state) == expected


def test_order_builds_first_when_starting_merges_first_when_stopping():
    tracks = [J.JobTrack(row('STOPPED', 'merge', 'a'), 0), J.JobTrack(row('STOPPED', 'build', 'a'), 1),
              J.JobTrack(row('STOPPED', 'merge', 'b'), 2), J.JobTrack(row('STOPPED', 'build', 'b'), 3)]
    assert [t.id for t in J.ordered(tracks, J.START)] == ['a_build', 'b_build', 'a_merge', 'b_merge']
    assert [t.id for t in J.ordered(tracks, J.STOP)] == ['a_merge', 'b_merge', 'a_build', 'b_build']
    assert [t.id for t in J.ordered(tracks, J.STOPPED_STATE)] == ['a_merge', 'b_merge', 'a_build', 'b_build']


def test_chunks_and_put_sizes():
    assert J.chunks([1, 2, 3, 4, 5], 2) == [[1, 2], [3, 4], [5]]
    assert J.chunks([1, 2], 0) == [[1, 2]]
    assert J.chunks([], 3) == []


def test_put_sizes_follow_the_servers_work_per_job():
    # Real defaults: a kill is 21 s, a START 1 s, a STOP 0.5 s; a PUT's work fills at most half the timeout.
    assert J.put_chunk_size(J.FORCE_STOP, 60) == 1
    assert J.put_chunk_size(J.RESTART, 60) == 1
    assert J.put_chunk_size(J.START, 60) == 30
    assert J.put_chunk_size(J.STOP, 60) == 60
    assert J.put_chunk_size(J.RESTART, 600) == 13
    # No work per job: everything in one PUT.
    assert J.put_chunk_size(J.START, 60, dict(start_seconds=0)) == 0
    scaled = dict(kill_seconds=0.21, start_seconds=0.01)
    assert J.put_chunk_size(J.FORCE_STOP, 5, scaled) == 11
    # One job whose work alone exceeds the budget gets a read timeout that covers it.
    assert J.put_read_timeout(J.START, 30, 60) == 60
    assert J.put_read_timeout(J.RESTART, 1, 30) == 44.0
    assert J.put_read_timeout(J.FORCE_STOP, 1, 60) == 60


def test_global_retry_default_applies_when_the_param_is_missing():
    assert retry_enabled({'params': {}}, True) is True
    assert retry_enabled({'params': {RETRY_PARAM: 'false'}}, True) is False
    assert retry_enabled({'params': {RETRY_PARAM: 'true'}}, False) is True
    assert J.decide(track('ERROR', params={}), J.STOPPED_STATE, global_retry=True) == J.act(J.FORCE_STOP)
    assert J.decide(track('ERROR', params={}), J.STOPPED_STATE) == J.DONE_STEP


LAG = 5.0


def acted(status, action, at=10.0, **extra):
    t = track(status, **extra)
    t.applied(action, now=at, sent_at=at - 1)
    return t


@pytest.mark.parametrize('action,state,stale', [
    (J.START, J.STARTED, 'STOPPED'),
    (J.START, J.STARTED, 'ERROR'),
    (J.RESTART, J.RESTARTED, 'ERROR'),
    (J.RESTART, J.RESTARTED, 'STOPPED'),
])
def test_a_read_that_contradicts_our_start_is_no_verdict_however_late(action, state, stale):
    """docs/kylin-api.md §11.5: reads can lag for longer than read_lag; only a record after the action is a verdict."""
    t = acted('STOPPED' if action == J.START else 'RUNNING', action)
    t.observe(row(stale, last_status_duration=90000), 12.0)  # the record before the action, 2 s later
    assert J.decide(t, state, now=12.5, read_lag=LAG) == J.SETTLE_STEP
    t.observe(row(stale, last_status_duration=90000), 60.0)  # 50 s later: still the old record
    assert J.decide(t, state, now=60.5, read_lag=LAG) == J.SETTLE_STEP
    assert 'contradicts' in J.unbelieved(t, LAG) and '11.5' in J.unbelieved(t, LAG)
    t.observe(row(stale, last_status_duration=1000), 61.0)  # a record at 60 s, after the action
    step = J.decide(t, state, now=61.5, read_lag=LAG)
    assert step.kind == J.FAIL and step.fatal
    assert J.unbelieved(t, LAG) is None


def test_a_restart_s_own_stop_record_is_no_verdict_but_a_later_one_is():
    # RESTART at 9 (answered at 10): its kill wrote a STOP record at 9.5; a lagging node shows STOPPED.
    t = acted('RUNNING', J.RESTART)
    t.observe(row('STOPPED', last_status_duration=2500), 12.0)
    assert J.decide(t, J.RESTARTED, now=12.0, read_lag=LAG) == J.SETTLE_STEP
    t.observe(row('STOPPED', last_status_duration=1000), 20.0)  # stopped again at 19: after the RESTART
    assert J.decide(t, J.RESTARTED, now=20.0, read_lag=LAG).kind == J.FAIL


def test_a_launch_failure_of_a_job_that_had_failed_to_launch_needs_a_newer_view():
    # LAUNCHING_ERROR writes no record: a START of a job in it that fails again shows the same row, but newer.
    t = acted('ERROR', J.START, launching_error=True, last_modified=1000)
    t.observe(row('ERROR', launching_error=True, last_modified=1000, last_status_duration=90000), 12.0)
    assert J.decide(t, J.STARTED, now=12.0, read_lag=LAG) == J.SETTLE_STEP
    t.observe(row('ERROR', launching_error=True, last_modified=9000, last_status_duration=90000), 13.0)
    step = J.decide(t, J.STARTED, now=13.0, read_lag=LAG)
    assert step.kind == J.FAIL and 'failed to launch' in step.reason


@pytest.mark.parametrize('action', [J.STOP, J.FORCE_STOP])
def test_a_running_after_our_stop_is_a_verdict_only_with_a_new_application(action):
    t = acted('RUNNING', action)
    t.observe(row('RUNNING', last_status_duration=500), 12.0)  # the old app; the record is our own stop's
    assert J.decide(t, J.STOPPED_STATE, now=12.0, read_lag=LAG) == J.SETTLE_STEP
    t.observe(row('RUNNING', yarn_app_id='application_1_0042', last_status_duration=100), 30.0)
    assert J.decide(t, J.STOPPED_STATE, now=30.0, read_lag=LAG).kind == J.FAIL


def test_with_one_node_every_read_is_a_verdict():
    t = acted('STOPPED', J.START)
    t.observe(row('STOPPED', last_status_duration=90000), 12.0)
    assert J.decide(t, J.STARTED, now=12.0, read_lag=0).kind == J.FAIL


def test_the_old_running_after_a_restart_is_not_done():
    t = acted('RUNNING', J.RESTART)
    t.observe(row('RUNNING', last_status_duration=90000), 11.0)  # old app id, old START record
    assert J.decide(t, J.RESTARTED, now=11.0, read_lag=LAG) == J.SETTLE_STEP
    t.observe(row('RUNNING', last_status_duration=90000), 30.0)  # even later: still no evidence, keep waiting
    assert J.decide(t, J.RESTARTED, now=30.0, read_lag=LAG) == J.SETTLE_STEP
    t.observe(row('RUNNING', last_status_duration=500), 31.0)  # a START record after the PUT was sent
    assert J.decide(t, J.RESTARTED, now=31.0, read_lag=LAG) == J.DONE_STEP
    t = acted('RUNNING', J.RESTART)
    t.observe(row('RUNNING', yarn_app_id='application_1_0009', last_status_duration=90000), 11.0)
    assert J.decide(t, J.RESTARTED, now=11.0, read_lag=LAG) == J.DONE_STEP


def test_a_job_mid_kill_is_not_a_failure():
    t = acted('RUNNING', J.FORCE_STOP)
    t.observe(row('STOPPING'), 40.0)
    assert J.decide(t, J.STOPPED_STATE, now=40.0, read_lag=LAG) == J.SETTLE_STEP
    t.observe(row('STOPPED'), 60.0)
    assert J.decide(t, J.STOPPED_STATE, now=60.0, read_lag=LAG) == J.DONE_STEP


@pytest.mark.parametrize('status,first', [('RUNNING', J.act(J.STOP)), ('STOPPED', J.act(J.START)),
                                          ('ERROR', J.act(J.START)), ('STARTING', J.HOLD_STEP),
                                          ('STOPPING', J.HOLD_STEP)])
def test_graceful_restart_stops_then_starts(status, first):
    t = track(status)
    assert J.decide(t, J.RESTARTED, restart_method=J.GRACEFUL_RESTART) == first


def test_graceful_restart_sequence_with_force_after():
    t = track('RUNNING')
    kw = dict(restart_method=J.GRACEFUL_RESTART, force_after=30, read_lag=LAG)
    assert J.decide(t, J.RESTARTED, now=0, **kw) == J.act(J.STOP)
    t.applied(J.STOP, now=1)
    t.observe(row('RUNNING'), 2)  # lagging read: not a verdict
    assert J.decide(t, J.RESTARTED, now=2, **kw) == J.HOLD_STEP
    assert J.decide(t, J.RESTARTED, now=2, wait=False, **kw) == J.HOLD_STEP  # still goes on without wait
    t.observe(row('STOPPING'), 10)
    assert J.decide(t, J.RESTARTED, now=20, **kw) == J.HOLD_STEP
    assert J.decide(t, J.RESTARTED, now=32, **kw) == J.act(J.FORCE_STOP)
    t.applied(J.FORCE_STOP, now=40)
    assert J.decide(t, J.RESTARTED, now=40, **kw) == J.act(J.START)  # FORCE_STOP answers once STOPPED
    t.applied(J.START, now=41)
    t.observe(row('RUNNING'), 42)  # the RUNNING from before the STOP, from a lagging node
    assert J.decide(t, J.RESTARTED, now=42, **kw) == J.SETTLE_STEP
    t.observe(row('RUNNING', yarn_app_id='application_1_0002'), 50)
    assert J.decide(t, J.RESTARTED, now=50, **kw) == J.DONE_STEP
    assert t.actions == [J.STOP, J.FORCE_STOP, J.START]


def test_graceful_restart_refuses_a_broken_model_before_stopping():
    step = J.decide(track('RUNNING', model_broken=True), J.RESTARTED, restart_method=J.GRACEFUL_RESTART)
    assert step.kind == J.FAIL and 'broken' in step.reason


@pytest.mark.parametrize('state', STATES)
@pytest.mark.parametrize('status', sorted(TABLE))
@pytest.mark.parametrize('force', [False, True])
def test_decide_does_not_write_to_the_track(state, status, force):
    t = track(status)
    before = copy.deepcopy(t.__dict__)
    J.decide(t, state, force=force, force_after=5, now=100)
    assert t.__dict__ == before


def test_a_job_seen_starting_by_someone_else_is_awaited():
    t = track('STOPPING')
    t.observe(row('STARTING'), 1)
    assert t.awaiting_running
    t.observe(row('STOPPED'), 2)
    step = J.decide(t, J.STARTED)
    assert step.kind == J.FAIL and step.fatal


def test_decisions_reach_no_http_library():
    import subprocess
    import sys
    code = ('import sys; '
            'from ansible_collections.kylin.streaming.plugins.module_utils import _decisions, _results, _job_params, '
            '_filters, _job_options, _rows, _errors; '
            'print(sorted(m for m in sys.modules if m.split(".")[0] in ("requests", "urllib3", "http")))')
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True,
                         env=dict(__import__('os').environ, PYTHONPATH=':'.join(sys.path)))
    assert out.stdout.strip() == '[]', out.stdout


def test_a_run_read_before_the_evidence_of_a_restart_is_not_its_launch():
    """A RESTART whose answer was lost counts as applied from a read of the job STARTING again (an epoch
    take-over's kill and relaunch look the same); a node that has not caught up then shows the RUNNING of the run
    before that kill, whose application the follow had read: it is not the launch that follows the RESTART."""
    job = track('STARTING', yarn_app_id='', last_status_duration=1000)
    job.applied(J.RESTART, now=50.0, sent_at=10.0)
    job.older_runs([J.Seen(row('RUNNING', yarn_app_id='application_1_0002', last_status_duration=100), 20.0, 20.01)])
    job.observe(row('STARTING', yarn_app_id='', last_status_duration=100), 50.0, 50.01)
    job.observe(row('RUNNING', yarn_app_id='application_1_0002', last_status_duration=30100), 51.0, 51.01)
    assert not J.launch_evidence(job)
    assert J.decide(job, J.RESTARTED, now=51.0).kind != J.DONE
    # The launch that follows: another application, a START record after the kill.
    job.observe(row('RUNNING', yarn_app_id='application_1_0003', last_status_duration=500), 60.0, 60.01)
    assert J.launch_evidence(job)
    assert J.decide(job, J.RESTARTED, now=60.0).kind == J.DONE
