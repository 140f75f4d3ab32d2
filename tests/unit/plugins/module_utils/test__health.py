# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The health gate's decisions (docs/design.md §2.2a): the pure ``Gate``, then the loop on a fake clock against
``FakeKylin``, whose server clock runs three days ahead of the client's and whose jobs write a stats row per
micro-batch (``trigger`` seconds after RUNNING, then every ``trigger``)."""

import pytest

from ansible_collections.kylin.streaming.plugins.module_utils._evidence import Seen, launch_time
from ansible_collections.kylin.streaming.plugins.module_utils._health import (
    FAILED,
    PASSED,
    WAIT,
    Gate,
    HealthSpec,
    failed_runs,
)
from ansible_collections.kylin.streaming.plugins.module_utils._job_options import JobOptions
from ansible_collections.kylin.streaming.plugins.module_utils._errors import KylinOptionError
from ansible_collections.kylin.streaming.plugins.module_utils._reconcile import JobReconciler
from ansible_collections.kylin.streaming.tests.unit.plugins.module_utils.fake_kylin import SKEW, Clock, FakeKylin
from ansible_collections.kylin.streaming.tests.unit.plugins.module_utils.test__reconcile_fake_clock import by_id, converge

SERVER = int(SKEW * 1000)  # server ms at client time 0
MAX_OFFSETS = 'kylin.streaming.kafka-conf.maxOffsetsPerTrigger'


# ------------------------------------------------------------------------------------------------ the pure gate

def running_row(record_age_ms):
    return dict(uuid='a_build', job_status='RUNNING', last_status_duration=record_age_ms)


def records(*entries):
    """GET /records, newest first: ``(action, server ms)``."""
    return [dict(action=action, create_time=created) for action, created in entries]


def launched_gate(spec, launch_local=100.0, read_at=101.0, trigger=30.0):
    """A gate whose job was sent START at 90 and reached RUNNING at ``launch_local`` (client clock)."""
    gate = Gate(spec, running_at=read_at, since=90.0, interval=trigger, first_poll=1.0)
    launch_ms = SERVER + int(launch_local * 1000)
    seen = Seen(running_row(int((read_at - launch_local) * 1000)), read_at, read_at)
    assert gate.launched(records(('START', launch_ms), ('STOP', launch_ms - 5000)), seen)
    return gate, launch_ms


def stats(*rows):
    return {'create_time': [t for t, dummy in rows], 'data_latency_hist': [lat for dummy, lat in rows]}


def test_only_micro_batches_newer_than_the_launch_count_whatever_the_skew():
    gate, launch = launched_gate(HealthSpec(max_latency=5, samples=3))
    # The previous run's last micro-batches: low latency, what the list's data_latency would still show.
    old = [(launch - 60000, 1000), (launch - 30000, 1000), (launch - 1, 1000)]
    assert not gate.took(stats(*old))
    assert gate.judge(110.0) == WAIT and gate.result() == dict(healthy=None, latency=None, samples=0)
    gate.took(stats(*(old + [(launch + 30000, 16000), (launch + 60000, 8000)])))
    assert gate.judge(161.0) == WAIT and gate.result()['samples'] == 2
    gate.took(stats(*(old + [(launch + 30000, 16000), (launch + 60000, 4000), (launch + 90000, 2000),
                             (launch + 120000, 2000)])))
    assert gate.judge(221.0) == PASSED
    assert gate.result() == dict(healthy=True, latency=2.0, samples=4)


def test_the_launch_is_the_newest_record_only_when_it_agrees_with_the_row_and_follows_the_send():
    launch_ms = SERVER + 100000
    rows_read_at = 101.0
    seen = Seen(running_row(1000), rows_read_at, rows_read_at)
    assert launch_time(records(('START', launch_ms)), seen, since=90.0) == (launch_ms, (100.0, 100.0))
    # The newest record is a STOP: the records and the RUNNING row disagree (a read from another moment).
    assert launch_time(records(('STOP', launch_ms)), seen, since=90.0) is None
    # The row's newest record is older than this task's send: a lagging node's view of the previous run.
    old = Seen(running_row(20000), rows_read_at, rows_read_at)
    assert launch_time(records(('START', launch_ms)), old, since=90.0) is None


@pytest.mark.parametrize('rows, reason', [
    ([], 'no micro-batch since the start'),
    ([(30000, 3000), (60000, 9000), (90000, 15000)], 'data latency 15s at its last micro-batch, over max_latency 5s'
                                                     ' (3 micro-batches since the start)'),
    ([(30000, 9000), (60000, 3000)], '1 micro-batch in a row at or under max_latency 5s, 3 needed'),
])
def test_past_its_timeout_the_gate_fails_saying_why(rows, reason):
    gate, launch = launched_gate(HealthSpec(max_latency=5, samples=3, timeout=120))
    gate.took(stats(*[(launch + t, lat) for t, lat in rows]))
    assert gate.judge(gate.running_at + 119.0) == WAIT
    assert gate.judge(gate.running_at + 120.0) == FAILED
    assert reason in gate.reason and gate.reason.startswith('not healthy 120s after RUNNING')
    assert gate.result()['healthy'] is False


def test_polls_are_timed_for_the_next_micro_batch_once_the_run_wrote_one():
    gate, launch = launched_gate(HealthSpec(max_latency=5), launch_local=100.0, read_at=101.0, trigger=30.0)
    # Before the first micro-batch: poll_interval (1 s), growing while nothing comes, cut short by when the first
    # micro-batch is due by the params (one trigger interval after RUNNING: 130, plus a margin).
    assert gate.delay(101.0) == 1.0
    for dummy in range(20):
        gate.took(stats())
    assert gate.delay(105.0) == pytest.approx(130.6 - 105.0)
    assert gate.delay(131.0) == 1.0  # due: poll_interval, for one trigger interval
    assert gate.delay(170.0) == 30.0  # long overdue: the back-off, never over the trigger interval
    # The first micro-batch at 130 (server time, 30 s after the launch): the next is due at 160 (+ a margin).
    gate.took(stats((launch + 30000, 9000)))
    assert gate.delay(131.0) == pytest.approx(160.0 + 0.6 - 131.0)
    gate.took(stats((launch + 30000, 9000), (launch + 60000, 9000)))
    assert gate.delay(161.0) == pytest.approx(190.6 - 161.0)
    # Late: the next micro-batch did not come when due: back to poll_interval, never past the deadline.
    assert gate.delay(191.0) == 1.0
    assert gate.delay(gate.deadline - 0.5) <= 0.5


def test_a_merge_job_is_healthy_when_running():
    gate = Gate(HealthSpec(max_latency=5), running_at=10.0, since=1.0, build=False)
    assert gate.judge(10.0) == PASSED and not gate.needs_stats
    assert gate.result() == dict(healthy=True, latency=None, samples=0)


def test_the_runs_that_failed_the_gate_are_counted_from_records_and_stats_alone():
    spec = HealthSpec(max_latency=5, samples=2, timeout=100)
    minute = 60000
    history = records(('START', 0), ('ERROR', minute),             # ended in ERROR before its timeout: not here
                      ('START', 3 * minute), ('STOP', 6 * minute),  # 3 minutes, lagging all along: failed
                      ('START', 7 * minute), ('STOP', 10 * minute),  # healthy at its 2nd and 3rd micro-batch
                      ('START', 11 * minute))                       # still within its gate at 'now'
    lagging = [(3 * minute + k * 30000, 9000) for k in range(1, 6)]
    healthy = [(7 * minute + k * 30000, lat) for k, lat in ((1, 9000), (2, 4000), (3, 3000))]
    young = [(11 * minute + 30000, 9000)]
    answer = stats(*(lagging + healthy + young))
    assert failed_runs(history, answer, spec, since_ms=0, now_ms=12 * minute) == 1
    # Outside the window, not counted; with a looser gate, the lagging run passes.
    assert failed_runs(history, answer, spec, since_ms=4 * minute, now_ms=12 * minute) == 0
    assert failed_runs(history, answer, HealthSpec(max_latency=10, samples=2, timeout=100), 0, 12 * minute) == 0
    # A run of a job that wrote no micro-batch at all (stalled) fails once its timeout passed.
    assert failed_runs(records(('START', 0)), stats(), spec, since_ms=0, now_ms=2 * minute) == 1


# ------------------------------------------------------------------------------------------------ options

@pytest.mark.parametrize('values, message', [
    (dict(state='started', wait=False, health=dict(max_latency=5)), 'health needs wait=true'),
    (dict(state='stopped', health=dict(max_latency=5)), 'health applies to state=started and state=restarted'),
    (dict(state='started', health=dict(max_latency=0)), 'health.max_latency must be more than 0'),
    (dict(state='started', health=dict(max_latency=5, samples=0)), 'health.samples must be 1 or more'),
    (dict(state='started', health=dict(max_latency=5, timeout=0)), 'health.timeout must be more than 0'),
    (dict(state='restarted', wait=False, rollback=True), 'rollback needs wait=true'),
])
def test_a_gate_that_cannot_work_is_refused_before_anything(values, message):
    clock = Clock()
    kylin = FakeKylin(clock)
    kylin.add('a_build', 'RUNNING')
    with pytest.raises(KylinOptionError, match=message):
        JobReconciler(kylin, JobOptions.of(project='p1', job_ids=['a_build'], **values), clock=clock,
                      sleep=clock.sleep).run()
    assert kylin.puts == [] and kylin.reads == []


# ------------------------------------------------------------------------------------------------ the loop

def make_kylin(clock, **kwargs):
    values = dict(kill=1.0, start_work=0.1, start_delay=5.0, trigger=30.0, base_latency=2000)
    values.update(kwargs)
    return FakeKylin(clock, **values)


def micro_batches(kylin, job_id, since_ms):
    """Client times of the micro-batches of ``job_id`` newer than ``since_ms`` (server ms), with their latency."""
    answer = kylin.stats(job_id, 10000)
    kylin.stats_reads.pop()
    return [((t - SERVER) / 1000.0, lat) for t, lat in zip(answer['create_time'], answer['data_latency_hist'])
            if t > since_ms]


def test_a_restarted_job_is_done_once_fresh_micro_batches_are_healthy_not_at_running():
    clock = Clock()
    kylin = make_kylin(clock)
    for name in ('a_build', 'a_merge'):
        kylin.add(name, 'RUNNING', record_age=600.0)  # steady at 2 s for ten minutes: the stale figure
    kylin.jobs['a_build'].latency = 'healthy'         # after the restart: 16, 8, 4 s, then 2 s
    reconciler, result = converge(kylin, clock, job_ids=['a_build', 'a_merge'], state='restarted',
                                  health=dict(max_latency=5, samples=3))
    assert not result['failed'], result['msg']
    jobs = by_id(result)
    assert jobs['a_merge']['health'] == dict(healthy=True, latency=None, samples=0)
    running_ms = kylin.jobs['a_build'].runs[-1][0]
    batches = micro_batches(kylin, 'a_build', running_ms)
    # Healthy at the 5th micro-batch of the new run (4, 2, 2 s in a row), not at RUNNING, not on the old rows.
    healthy_at = batches[4][0]
    assert [lat for dummy, lat in batches[:5]] == [16000, 8000, 4000, 2000, 2000]
    assert jobs['a_build']['health'] == dict(healthy=True, latency=2.0, samples=5)
    # The gate added at most one trigger interval past that moment, and read each job's stats about once
    # per micro-batch (plus the polls before the first one), never the merge job's.
    assert healthy_at <= clock() <= healthy_at + 30.0
    reads = [j for dummy, j in kylin.stats_reads]
    assert set(reads) == {'a_build'} and len(reads) <= 5 + 8
    assert 'health gate' in result['msg'] and '2 healthy' in result['msg']


def test_a_stalled_job_fails_the_gate_after_one_restart_although_the_old_latency_was_low():
    clock = Clock()
    kylin = make_kylin(clock)
    kylin.add('a_build', 'RUNNING', record_age=600.0)
    kylin.jobs['a_build'].latency = 'stalled'
    dummy, result = converge(kylin, clock, job_ids=['a_build'], state='restarted',
                             health=dict(max_latency=5, timeout=200))
    assert result['failed']
    job = result['jobs'][0]
    assert 'no micro-batch since the start' in job['error']
    assert job['health'] == dict(healthy=False, latency=None, samples=0)
    assert kylin.actions() == [('a_build', 'RESTART')]
    # Failed at its timeout, 200 s after RUNNING as the loop saw it, not at the wait_timeout (600 s): RUNNING is
    # seen at a poll, and polls back off (1.5x from 1 s) while a launch the timing does not predict is under way.
    running = (kylin.jobs['a_build'].runs[-1][0] - SERVER) / 1000.0
    assert running + 200.0 <= clock() <= running + 200.0 + 5.0


def test_a_lagging_job_fails_the_gate_with_its_last_latency():
    clock = Clock()
    kylin = make_kylin(clock)
    kylin.add('a_build', 'RUNNING')
    kylin.jobs['a_build'].latency = 'lagging'
    dummy, result = converge(kylin, clock, job_ids=['a_build'], state='restarted',
                             health=dict(max_latency=5, samples=2, timeout=300))
    job = result['jobs'][0]
    assert result['failed'] and 'over max_latency 5s' in job['error']
    # (1 + 2k) x 2 s at the k-th micro-batch: about ten of them in 300 s, the last one's latency reported.
    assert job['health']['healthy'] is False and job['health']['samples'] >= 9
    assert job['health']['latency'] == (1 + 2 * job['health']['samples']) * 2
    assert kylin.actions() == [('a_build', 'RESTART')] and kylin.params_log == []  # nothing to roll back


def test_a_job_already_running_is_not_gated():
    clock = Clock()
    kylin = make_kylin(clock)
    kylin.add('a_build', 'RUNNING')
    kylin.add('b_build', 'STOPPED')
    kylin.jobs['b_build'].latency = 'healthy'
    dummy, result = converge(kylin, clock, job_ids=['a_build', 'b_build'], state='started',
                             health=dict(max_latency=5))
    assert not result['failed'], result['msg']
    jobs = by_id(result)
    assert jobs['a_build']['health'] is None and jobs['a_build']['action'] is None
    assert jobs['b_build']['health']['healthy'] is True
    assert {j for dummy, j in kylin.stats_reads} == {'b_build'}


def test_a_rolling_restart_halts_at_the_batch_that_fails_the_gate():
    clock = Clock()
    kylin = make_kylin(clock)
    ids = ['a_build', 'b_build', 'c_build']
    for name in ids:
        kylin.add(name, 'RUNNING')
    kylin.jobs['b_build'].latency = 'lagging'
    dummy, result = converge(kylin, clock, job_ids=ids, state='restarted', batch_size=1,
                             health=dict(max_latency=5, samples=2, timeout=150))
    assert result['failed']
    jobs = by_id(result)
    assert jobs['a_build']['health']['healthy'] is True and not jobs['a_build']['error']
    assert jobs['b_build']['health']['healthy'] is False and 'over max_latency' in jobs['b_build']['error']
    assert jobs['c_build']['action'] is None and jobs['c_build']['health'] is None
    assert jobs['c_build']['note'] == 'not attempted: batch 2 of 3 failed its health gate'
    assert kylin.actions() == [('a_build', 'RESTART'), ('b_build', 'RESTART')]
    # Batch 2 began only once batch 1 was healthy (its 2nd micro-batch at or under 5 s).
    healthy_a = micro_batches(kylin, 'a_build', kylin.jobs['a_build'].runs[-1][0])[1][0]
    b_sent = [t for t, action, put_ids in kylin.puts if put_ids == ['b_build']][0]
    assert healthy_a <= b_sent <= healthy_a + 30.0


def test_rollback_after_a_failed_gate_writes_the_old_params_back_and_restarts_with_them():
    clock = Clock()
    kylin = make_kylin(clock)
    kylin.add('a_build', 'RUNNING')
    kylin.add('b_build', 'RUNNING')
    before = dict(kylin.jobs['a_build'].params, **{MAX_OFFSETS: '100000'})
    kylin.jobs['a_build'].params = dict(before)
    kylin.jobs['b_build'].params = dict(before)
    kylin.effects[(MAX_OFFSETS, '10')] = 'lagging'
    dummy, result = converge(kylin, clock, job_ids=['a_build'], state='started', params={MAX_OFFSETS: 10},
                             rollback=True, health=dict(max_latency=5, samples=2, timeout=120))
    assert result['failed']
    job = result['jobs'][0]
    assert job['rolled_back'] is True and job['action'] == 'RESTART'
    assert job['error'].startswith('not healthy 120s after RUNNING') and 'rolled back' in job['error']
    assert job['health']['healthy'] is False
    # The journal: the new params, a RESTART, the exact old map written back, a RESTART with it.
    assert [(j, p) for dummy, j, p in kylin.params_log] == [
        ('a_build', dict(before, **{MAX_OFFSETS: '10'})), ('a_build', before)]
    assert kylin.actions() == [('a_build', 'RESTART'), ('a_build', 'RESTART')]
    assert kylin.launch_params['a_build'][-1] == before and kylin.jobs['a_build'].status == 'RUNNING'
    assert kylin.jobs['b_build'].params == before  # not selected, not touched
    assert 'rolled back 1' in result['msg']


def test_rollback_after_a_failed_launch_starts_the_job_again_with_its_old_params():
    clock = Clock()
    kylin = make_kylin(clock)
    kylin.add('a_build', 'STOPPED')
    before = dict(kylin.jobs['a_build'].params)
    kylin.effects[('spark.executor.memory', '64g')] = 'launch_error'
    dummy, result = converge(kylin, clock, job_ids=['a_build'], state='started',
                             params={'spark.executor.memory': '64g'}, rollback=True,
                             health=dict(max_latency=5))
    assert result['failed']
    job = result['jobs'][0]
    assert job['rolled_back'] is True and job['error'].startswith('failed to launch (launching_error: true)')
    assert 'rolled back' in job['error'] and job['status'] == 'RUNNING'
    assert [p for dummy, j, p in kylin.params_log] == [dict(before, **{'spark.executor.memory': '64g'}), before]
    assert kylin.actions() == [('a_build', 'START'), ('a_build', 'START')]
    assert kylin.launch_params['a_build'] == [dict(before, **{'spark.executor.memory': '64g'}), before]


def test_without_rollback_a_failed_launch_keeps_the_new_params():
    clock = Clock()
    kylin = make_kylin(clock)
    kylin.add('a_build', 'STOPPED')
    kylin.effects[('spark.executor.memory', '64g')] = 'launch_error'
    dummy, result = converge(kylin, clock, job_ids=['a_build'], state='started',
                             params={'spark.executor.memory': '64g'}, health=dict(max_latency=5))
    assert result['failed'] and 'rolled_back' not in result['jobs'][0]
    assert len(kylin.params_log) == 1 and kylin.actions() == [('a_build', 'START')]
    assert result['jobs'][0]['health'] == dict(healthy=False, latency=None, samples=0)


def test_check_mode_shows_the_gate_and_waits_for_nothing():
    clock = Clock()
    kylin = make_kylin(clock)
    kylin.add('a_build', 'RUNNING')
    kylin.add('b_build', 'STOPPED')
    dummy, result = converge(kylin, clock, job_ids=['a_build', 'b_build'], state='started', check_mode=True,
                             health=dict(max_latency=5))
    jobs = by_id(result)
    assert jobs['b_build']['health'] == dict(healthy=None, latency=None, samples=0)
    assert jobs['a_build']['health'] is None
    assert 'would then have to pass a health gate' in result['msg']
    assert kylin.puts == [] and kylin.stats_reads == [] and clock() == 0.0
