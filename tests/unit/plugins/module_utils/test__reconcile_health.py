# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The health gate and rollback against the simulator's live stats, over real HTTP (docs/design.md §2.2a).

The simulator writes one stats row per micro-batch of a running build job (``stats_interval``), the list's
``data_latency`` shows the newest row whatever the run (docs/kylin-api.md §11.7), and each job's latency mode
(``healthy``: a backlog worked off over three micro-batches; ``lagging``; ``stalled``) or a ``param_effects``
rule is fixed when a run starts. Every test judges the outcome from the simulator's action journal, its
params writes and its stats rows, not only from what the loop returned.
"""

import time

import pytest

from ansible_collections.kylin.streaming.plugins.module_utils import _decisions as J
from ansible_collections.kylin.streaming.plugins.module_utils._job_options import JobOptions
from ansible_collections.kylin.streaming.plugins.module_utils._reconcile import JobReconciler
from kylin_sim.control import PARAMS_PUT, STATS

SIM_TIMING = dict(kill_seconds=0.01, start_seconds=0.0, stop_seconds=0.0, read_lag_seconds=0.0)
INTERVAL = 0.2  # seconds between two micro-batches of every running build job
MAX_OFFSETS = 'kylin.streaming.kafka-conf.maxOffsetsPerTrigger'


@pytest.fixture(name='live')
def live_fixture(ctl):
    """The simulator after a reset, writing a stats row every INTERVAL seconds."""
    ctl.set_config(stats_interval=INTERVAL)
    return ctl


def reconcile(client, **kwargs):
    options = dict(project='p1', poll_interval=0.05, wait_timeout=20, server_timing=SIM_TIMING)
    options.update(kwargs)
    return JobReconciler(client, JobOptions.of(**options)).run()


def actions(ctl, **kwargs):
    return [(a['job_id'], a['action']) for a in ctl.actions(**kwargs) if a['ok']]


def last_start(ctl, job_id):
    """Server time (ms) of the job's latest run."""
    return ctl.stats(job_id)['runs'][-1]['start']


def fresh_rows(ctl, job_id):
    """The stats rows of the job's latest run: ``[(create_time, latency ms)]``."""
    start = last_start(ctl, job_id)
    return [(r['create_time'], r['min_data_latency']) for r in ctl.stats(job_id)['rows'] if r['create_time'] > start]


def running_with_old_rows(ctl, count=1, latency_ms=100, **build):
    """``count`` models whose build jobs RUNNING wrote low-latency micro-batches: what the list's data_latency shows."""
    models = ctl.add_models('p1', count, build=dict(status='RUNNING', **build), merge={'status': 'RUNNING'})
    for build_id, dummy in models.values():
        ctl.patch_job(build_id, stats=[[3, latency_ms], [2, latency_ms], [1, latency_ms]])
    return models


def test_the_gate_waits_for_fresh_micro_batches_not_for_the_stale_figure(live, client):
    models = running_with_old_rows(live, latency_ms=100)
    build, merge = models['m0']
    live.set_latency(build, 'healthy', base_ms=200)  # after the restart: 1600, 800, 400 ms, then at or under 200
    live.clear_counters()
    result = reconcile(client, models=['m0'], state=J.RESTARTED, health=dict(max_latency=0.5, samples=3))
    ended = time.time() * 1000
    assert not result['failed'], result['msg']
    jobs = {j['id']: j for j in result['jobs']}
    rows = fresh_rows(live, build)
    # Healthy only from the 5th micro-batch of the new run (400, 200, 200 in a row), although the list showed
    # 100 ms when the job read RUNNING: the task ended after that micro-batch.
    assert [lat for dummy, lat in rows[:3]] == [1600, 800, 400]
    fifth = rows[4][0]
    assert ended >= fifth
    health = jobs[build]['health']
    assert health['healthy'] is True and health['latency'] <= 0.5 and health['samples'] >= 5
    assert jobs[merge]['health'] == dict(healthy=True, latency=None, samples=0)
    assert actions(live) == [(build, 'RESTART'), (merge, 'RESTART')]
    # At most one stats read per poll, and never for the merge job.
    assert 5 <= live.request_count(STATS) <= result['polls']


def test_a_stalled_job_fails_the_gate_after_one_restart_whatever_the_list_shows(live, client):
    models = running_with_old_rows(live, latency_ms=100)
    build = models['m0'][0]
    live.set_latency(build, 'stalled')
    result = reconcile(client, job_ids=[build], state=J.RESTARTED, health=dict(max_latency=0.5, timeout=2))
    job = result['jobs'][0]
    assert result['failed'] and 'no micro-batch since the start' in job['error']
    assert job['health'] == dict(healthy=False, latency=None, samples=0)
    assert actions(live) == [(build, 'RESTART')]
    assert fresh_rows(live, build) == []
    # The trap the gate avoided: the list still shows the previous run's last micro-batch.
    assert client.list_jobs(project='p1', job_ids=[build])['value'][0]['data_latency'] == 100


def test_a_lagging_job_fails_the_gate_after_one_restart(live, client):
    models = running_with_old_rows(live, latency_ms=100)
    build = models['m0'][0]
    live.set_latency(build, 'lagging', base_ms=200)  # 600, 1000, 1400 ... ms
    result = reconcile(client, job_ids=[build], state=J.RESTARTED, health=dict(max_latency=0.5, timeout=2))
    job = result['jobs'][0]
    assert result['failed'] and 'over max_latency 0.5s' in job['error']
    assert actions(live) == [(build, 'RESTART')]
    rows = fresh_rows(live, build)
    assert len(rows) >= job['health']['samples'] >= 1
    assert job['health']['latency'] * 1000 in [lat for dummy, lat in rows] and job['health']['latency'] > 0.5


def test_a_rolling_restart_halts_at_the_unhealthy_batch(live, client):
    models = running_with_old_rows(live, count=3, latency_ms=100)
    builds = [pair[0] for pair in models.values()]
    for build in builds:
        live.set_latency(build, 'steady', base_ms=100)
    live.set_latency(builds[1], 'lagging', base_ms=200)
    before = {b: live.job(b)['yarn_app_id'] for b in builds}
    seeded = live.transitions(job_id=builds[2])
    result = reconcile(client, job_ids=builds, state=J.RESTARTED, batch_size=1,
                       health=dict(max_latency=0.5, samples=2, timeout=2))
    assert result['failed']
    jobs = {j['id']: j for j in result['jobs']}
    assert jobs[builds[0]]['health']['healthy'] is True
    assert jobs[builds[1]]['health']['healthy'] is False
    assert jobs[builds[2]]['health'] is None and jobs[builds[2]]['note'].startswith('not attempted: batch 2 of 3')
    assert actions(live) == [(builds[0], 'RESTART'), (builds[1], 'RESTART')]
    # The third job was not touched: the same run, no transition.
    assert live.job(builds[2])['yarn_app_id'] == before[builds[2]] and live.transitions(job_id=builds[2]) == seeded
    # The second batch began after the first one's second fresh micro-batch (healthy), not at its RUNNING.
    healthy_at = fresh_rows(live, builds[0])[1][0]
    assert live.actions(job_id=builds[1])[0]['time'] >= healthy_at


def test_rollback_after_a_failed_launch_leaves_the_old_params_running(live, client):
    models = live.add_models('p1', 1, build={'status': 'STOPPED'})
    build = models['m0'][0]
    before = live.job(build)['params']
    live.set_param_effects({'key': 'spark.executor.memory', 'value': '64g', 'effect': 'launch_error'})
    result = reconcile(client, job_ids=[build], state=J.STARTED, params={'spark.executor.memory': '64g'},
                       rollback=True, health=dict(max_latency=5))
    job = result['jobs'][0]
    assert result['failed'] and job['rolled_back'] is True
    assert 'failed to launch' in job['error'] and 'rolled back' in job['error']
    writes = live.param_writes(job_id=build)
    assert [w['params'] for w in writes] == [dict(before, **{'spark.executor.memory': '64g'}), before]
    assert writes[1]['params_before'] == writes[0]['params']
    assert actions(live) == [(build, 'START'), (build, 'START')]
    assert live.status(build) == 'RUNNING' and live.job(build)['params'] == before


def test_rollback_after_a_failed_gate_leaves_the_old_params_running(live, client):
    models = running_with_old_rows(live, latency_ms=100, params={MAX_OFFSETS: '100000'})
    build = models['m0'][0]
    before = live.job(build)['params']
    live.set_param_effects({'key': MAX_OFFSETS, 'value': '10', 'effect': 'lagging'})
    result = reconcile(client, job_ids=[build], state=J.STARTED, params={MAX_OFFSETS: 10}, rollback=True,
                       health=dict(max_latency=0.5, samples=2, timeout=2))
    job = result['jobs'][0]
    assert result['failed'] and job['rolled_back'] is True
    assert 'over max_latency' in job['error'] and 'rolled back' in job['error']
    writes = live.param_writes(job_id=build)
    assert [w['params'] for w in writes] == [dict(before, **{MAX_OFFSETS: '10'}), before]
    assert actions(live) == [(build, 'RESTART'), (build, 'RESTART')]
    assert live.status(build) == 'RUNNING' and live.job(build)['params'] == before
    assert [r['mode'] for r in live.stats(build)['runs'][-2:]] == ['lagging', 'steady']


def test_no_rollback_of_what_the_task_did_not_change(live, client):
    models = running_with_old_rows(live, latency_ms=100)
    build = models['m0'][0]
    live.set_latency(build, 'lagging', base_ms=200)
    live.clear_counters()
    result = reconcile(client, job_ids=[build], state=J.RESTARTED, rollback=True,
                       health=dict(max_latency=0.5, timeout=1))
    assert result['failed'] and 'rolled_back' not in result['jobs'][0]
    assert live.request_count(PARAMS_PUT) == 0 and actions(live) == [(build, 'RESTART')]


def test_merge_jobs_pass_on_running(live, client):
    models = live.add_models('p1', 2, build={'status': 'STOPPED'}, merge={'status': 'STOPPED'})
    merges = [pair[1] for pair in models.values()]
    live.clear_counters()
    result = reconcile(client, job_ids=merges, state=J.STARTED, health=dict(max_latency=0.1))
    assert not result['failed'], result['msg']
    assert [j['health'] for j in result['jobs']] == [dict(healthy=True, latency=None, samples=0)] * 2
    assert live.request_count(STATS) == 0
    assert all(live.status(m) == 'RUNNING' for m in merges)
