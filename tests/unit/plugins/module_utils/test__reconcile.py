# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The reconcile loop and its waiter against the simulator over real HTTP.

Every test checks the simulator's own state and logs, not only what the loop returned.
"""

import pytest

from ansible_collections.kylin.streaming.plugins.module_utils import _decisions as J
from ansible_collections.kylin.streaming.plugins.module_utils._errors import (
    KylinClusterError,
    KylinOptionError,
    KylinSelectionError,
)
from ansible_collections.kylin.streaming.plugins.module_utils._job_options import JobOptions
from ansible_collections.kylin.streaming.plugins.module_utils._job_params import REFRESH_INTERVAL_PARAM
from ansible_collections.kylin.streaming.plugins.module_utils._reconcile import JobReconciler
from ansible_collections.kylin.streaming.plugins.module_utils._rows import RETRY_PARAM
from kylin_sim.control import LIST, PARAMS_PUT, STATUS_PUT


# What the simulator's fast timing (kylin_sim.testing.FAST) costs the server: kills of 0.01 s, no START or
# STOP work, one node (no read lag).
SIM_TIMING = dict(kill_seconds=0.01, start_seconds=0.0, stop_seconds=0.0, read_lag_seconds=0.0)


def reconcile(client, check_mode=False, diff=False, **kwargs):
    options = dict(project='p1', poll_interval=0.05, wait_timeout=20, server_timing=SIM_TIMING)
    options.update(kwargs)
    return JobReconciler(client, JobOptions.of(check_mode=check_mode, diff=diff, **options)).run()


def actions(ctl, **kwargs):
    return [(a['job_id'], a['action']) for a in ctl.actions(**kwargs) if a['ok']]


def test_start_everything_in_one_put_builds_first(ctl, client):
    models = ctl.add_models('p1', count=3)
    ctl.clear_counters()
    result = reconcile(client, models=['m2', 'm0', 'm1'], state=J.STARTED)
    assert not result['failed'] and result['changed']
    assert [j['status'] for j in result['jobs']] == ['RUNNING'] * 6
    assert [j['action'] for j in result['jobs']] == ['START'] * 6
    assert [j['model'] for j in result['jobs']] == ['m2', 'm2', 'm0', 'm0', 'm1', 'm1']
    assert all(ctl.status(i) == 'RUNNING' for pair in models.values() for i in pair)
    order = [job_id for job_id, dummy in actions(ctl)]
    assert order == [models['m2'][0], models['m0'][0], models['m1'][0], models['m2'][1], models['m0'][1], models['m1'][1]]
    assert ctl.request_count(STATUS_PUT) == 1


def test_second_run_changes_nothing_and_sends_no_put(ctl, client):
    ctl.add_models('p1', count=2, build={'status': 'RUNNING'}, merge={'status': 'RUNNING'})
    ctl.clear_counters()
    result = reconcile(client, models=['m0', 'm1'], state=J.STARTED)
    assert not result['changed'] and not result['failed']
    assert result['msg'] == '4 already running'
    assert ctl.request_count(LIST) == 1 and ctl.request_count(STATUS_PUT) == 0


def test_stop_merges_first_and_waits_for_stopped(ctl, client):
    models = ctl.add_models('p1', count=2, build={'status': 'RUNNING'}, merge={'status': 'RUNNING'})
    result = reconcile(client, models=['m0', 'm1'], state=J.STOPPED_STATE)
    assert [j['status'] for j in result['jobs']] == ['STOPPED'] * 4
    order = [job_id for job_id, dummy in actions(ctl)]
    assert order == [models['m0'][1], models['m1'][1], models['m0'][0], models['m1'][0]]
    assert all(ctl.status(i) == 'STOPPED' for pair in models.values() for i in pair)


def test_check_mode_plans_without_writing(ctl, client):
    ctl.add_models('p1', count=1, build={'status': 'RUNNING'}, merge={'status': 'STOPPED'})
    ctl.clear_counters()
    result = reconcile(client, models=['m0'], state=J.STOPPED_STATE, check_mode=True, diff=True)
    assert result['changed']
    assert [(j['action'], j['status']) for j in result['jobs']] == [('STOP', 'STOPPED'), (None, 'STOPPED')]
    assert result['msg'] == 'would have stopped 1, 1 already stopped'
    assert list(result['diff']['before'].values()) == ['RUNNING', 'STOPPED']
    assert list(result['diff']['after'].values()) == ['STOPPED', 'STOPPED']
    assert ctl.request_count(STATUS_PUT) == 0 and ctl.request_count(LIST) == 1


def test_unknown_names_fail_before_any_change(ctl, client):
    ctl.add_models('p1', count=1)
    ctl.clear_counters()
    with pytest.raises(KylinSelectionError, match='model\\(s\\) not found in project p1: M0, zz'):
        reconcile(client, models=['m0', 'M0', 'zz'])
    with pytest.raises(KylinSelectionError, match='job id\\(s\\) not found'):
        reconcile(client, job_ids=['deadbeef_build'])
    with pytest.raises(KylinSelectionError, match='not of the form'):
        reconcile(client, job_ids=['nounderscore'])
    assert ctl.request_count(STATUS_PUT) == 0


def test_broken_model_reported_others_converge(ctl, client):
    ctl.add_models('p1', count=1)
    broken = ctl.add_model('p1', 'bad', broken=True)['job_ids']
    result = reconcile(client, models=['m0', 'bad'], state=J.STARTED)
    assert result['failed']
    by_model = dict(((j['model'], j['type']), j) for j in result['jobs'])
    assert by_model[('m0', 'build')]['status'] == 'RUNNING'
    assert 'broken' in by_model[('bad', 'build')]['error']
    assert ctl.status(broken[0]) == 'STOPPED'
    assert all(job_id not in broken for job_id, dummy in actions(ctl))


def test_launch_failure_fails_at_once(ctl, client):
    models = ctl.add_models('p1', count=2)
    ctl.patch_job(models['m1'][0], fail_launch=True)
    result = reconcile(client, models=['m0', 'm1'], state=J.STARTED, wait_timeout=120)
    assert result['failed']
    failed = [j for j in result['jobs'] if j['error']]
    assert [j['id'] for j in failed] == [models['m1'][0]]
    assert 'failed to launch' in failed[0]['error'] and failed[0]['launching_error']
    assert result['elapsed'] < 30
    assert models['m1'][0] in result['msg']


def test_timeout_reports_last_status(ctl, client):
    models = ctl.add_models('p1', count=1)
    ctl.set_config(start_delay=30)
    result = reconcile(client, models=['m0'], job_types=['build'], state=J.STARTED, wait_timeout=0.3)
    assert result['failed'] and result['msg'].startswith('timed out after 0.3s')
    assert result['jobs'][0]['error'] == 'timed out after 0.3s; last status STARTING'
    assert ctl.status(models['m0'][0]) == 'STARTING'


def test_wait_false_does_not_poll(ctl, client):
    models = ctl.add_models('p1', count=2)
    ctl.clear_counters()
    result = reconcile(client, models=['m0', 'm1'], wait=False)
    assert [j['status'] for j in result['jobs']] == ['STARTING'] * 4
    assert ctl.request_count(LIST) == 1 and ctl.request_count(STATUS_PUT) == 1
    assert ctl.status(models['m0'][0]) in ('STARTING', 'RUNNING')


def test_restart_always_changes_once(ctl, client):
    models = ctl.add_models('p1', count=1, build={'status': 'RUNNING'}, merge={'status': 'STOPPED'})
    result = reconcile(client, models=['m0'], state=J.RESTARTED)
    assert result['changed'] and [j['action'] for j in result['jobs']] == ['RESTART', 'RESTART']
    assert sorted(actions(ctl)) == sorted([(models['m0'][0], 'RESTART'), (models['m0'][1], 'RESTART')])
    assert ctl.status(models['m0'][0]) == 'RUNNING'


def test_rolling_batches_never_exceed_batch_size(ctl, client_factory):
    client = client_factory(timeout=60)
    models = ctl.add_models('p1', count=3, build={'status': 'RUNNING'}, merge={'status': 'RUNNING'})
    ids = [i for pair in models.values() for i in pair]
    result = reconcile(client, models=list(models), state=J.RESTARTED, batch_size=2)
    assert not result['failed']
    down, worst = set(), 0
    for change in ctl.transitions():
        if change['to'] == 'RUNNING':
            down.discard(change['job_id'])
        elif change['job_id'] in ids:
            down.add(change['job_id'])
        worst = max(worst, len(down))
    assert worst == 2
    assert ctl.request_count(STATUS_PUT) == 3


def test_a_failed_batch_stops_the_rollout(ctl, client):
    models = ctl.add_models('p1', count=3, build={'status': 'RUNNING'}, merge={'status': 'RUNNING'})
    ctl.patch_job(models['m0'][0], fail_launch=True)
    result = reconcile(client, models=list(models), job_types=['build'], state=J.RESTARTED, batch_size=1)
    assert result['failed']
    assert [j['action'] for j in result['jobs']] == ['RESTART', None, None]
    assert all('not attempted' in j['note'] for j in result['jobs'][1:])
    assert result['msg'].endswith('. 2 not attempted')  # the failed job is not also counted as restarted
    assert 'Restarted' not in result['msg']
    assert ctl.status(models['m1'][0]) == 'RUNNING' and len(actions(ctl)) == 1


def test_stopping_job_is_waited_out_then_started_even_without_wait(ctl, client):
    models = ctl.add_models('p1', count=1, build={'status': 'RUNNING'})
    build = models['m0'][0]
    client.act('STOP', [build], 'p1')
    assert ctl.status(build) == 'STOPPING'
    result = reconcile(client, job_ids=[build], state=J.STARTED, wait=False)
    assert result['jobs'][0]['action'] == 'START'
    assert actions(ctl) == [(build, 'STOP'), (build, 'START')]


def test_starting_job_is_stopped_only_once_running(ctl, client):
    models = ctl.add_models('p1', count=1)
    build = models['m0'][0]
    client.act('START', [build], 'p1')
    result = reconcile(client, job_ids=[build], state=J.STOPPED_STATE)
    assert result['jobs'][0]['status'] == 'STOPPED'
    assert actions(ctl) == [(build, 'START'), (build, 'STOP')]
    stop = [t for t in ctl.transitions(job_id=build) if t['to'] == 'STOPPING'][0]
    running = [t for t in ctl.transitions(job_id=build) if t['to'] == 'RUNNING'][0]
    assert running['time'] <= stop['time']


def test_force_after_escalates_to_force_stop(ctl, client):
    models = ctl.add_models('p1', count=1, build={'status': 'RUNNING'})
    build = models['m0'][0]
    ctl.set_config(stop_delay=60)
    result = reconcile(client, job_ids=[build], state=J.STOPPED_STATE, force_after=0.3)
    assert result['jobs'][0]['action'] == 'FORCE_STOP' and result['jobs'][0]['status'] == 'STOPPED'
    assert actions(ctl) == [(build, 'STOP'), (build, 'FORCE_STOP')]


def test_retry_enabled_error_job_is_force_stopped(ctl, client):
    models = ctl.add_models('p1', count=1, build={'status': 'ERROR', 'params': {RETRY_PARAM: 'true'}},
                            merge={'status': 'ERROR'})
    result = reconcile(client, models=['m0'], state=J.STOPPED_STATE)
    assert [(j['action'], j['status']) for j in result['jobs']] == [('FORCE_STOP', 'STOPPED'), (None, 'ERROR')]
    assert actions(ctl) == [(models['m0'][0], 'FORCE_STOP')]


def test_lost_put_answer_is_reconciled_without_double_action(ctl, client):
    models = ctl.add_models('p1', count=2)
    ctl.set_faults(lose_response_count=1)
    result = reconcile(client, models=['m0', 'm1'], state=J.STARTED)
    assert not result['failed']
    assert all(j['changed'] and j['status'] == 'RUNNING' for j in result['jobs'])
    applied = actions(ctl)
    assert len(applied) == 4 and len(set(applied)) == 4


@pytest.mark.parametrize('state,action,status', [(J.RESTARTED, 'RESTART', 'RUNNING'),
                                                 (J.STOPPED_STATE, 'STOP', 'RUNNING')])
def test_lost_answer_of_restart_and_stop(ctl, client, state, action, status):
    models = ctl.add_models('p1', count=1, build={'status': status}, merge={'status': status})
    ctl.set_faults(lose_response_count=1)
    result = reconcile(client, models=['m0'], state=state)
    assert not result['failed'] and all(j['changed'] for j in result['jobs'])
    assert sorted(actions(ctl)) == sorted([(models['m0'][0], action), (models['m0'][1], action)])


def test_put_503_that_was_not_applied_is_resent(ctl, client):
    models = ctl.add_models('p1', count=1)
    ctl.set_faults(error_count=1, error_statuses=[503], error_methods=['PUT'])
    result = reconcile(client, models=['m0'], state=J.STARTED)
    assert not result['failed']
    assert ctl.request_count(STATUS_PUT) == 2
    assert sorted(actions(ctl)) == sorted([(models['m0'][0], 'START'), (models['m0'][1], 'START')])


def test_job_refused_mid_batch_is_blamed_the_rest_converge(ctl, client):
    ctl.add_models('p1', count=1)
    bad = ctl.add_model('p1', 'nopart', no_partition=True)['job_ids']
    ctl.add_models('p1', count=1, prefix='z')
    result = reconcile(client, models=['m0', 'nopart', 'z0'], job_types=['build'], state=J.STARTED)
    assert result['failed']
    errors = dict((j['model'], j['error']) for j in result['jobs'])
    assert errors['m0'] is None and errors['z0'] is None
    assert 'KE-010006002' in errors['nopart']
    assert ctl.status(bad[0]) == 'STOPPED'
    assert [j['status'] for j in result['jobs'] if j['model'] != 'nopart'] == ['RUNNING', 'RUNNING']


def test_start_refused_because_someone_else_started_it(ctl, client_factory):
    models = ctl.add_models('p1', count=2)
    other = client_factory()
    ours = client_factory()
    real_act = ours.act
    raced = []

    def racing_act(action, job_ids, project=None, timeout=None):
        if not raced:
            raced.append(other.act('START', [models['m0'][0]], 'p1'))  # another controller wins the race
        real_act(action, job_ids, project, timeout)
    ours.act = racing_act
    result = reconcile(ours, models=['m0', 'm1'], job_types=['build'], state=J.STARTED)
    assert not result['failed']
    first, second = result['jobs']
    assert (first['changed'], first['action'], first['status']) == (False, None, 'RUNNING')
    assert 'someone else' in first['note']
    assert (second['changed'], second['action']) == (True, 'START')
    assert [a for a in actions(ctl) if a[1] == 'START'] == [(models['m0'][0], 'START'), (models['m1'][0], 'START')]


def test_polls_are_one_list_read_for_all_jobs(ctl, client):
    ctl.add_models('p1', count=20)
    ctl.set_config(start_delay=0.5)
    ctl.clear_counters()
    result = reconcile(client, models=['m%d' % i for i in range(20)], poll_interval=0.2)
    polls = ctl.request_count(LIST) - 1
    assert not result['failed'] and 1 <= polls <= 4
    assert ctl.request_count(STATUS_PUT) == 1


def test_params_are_written_before_and_restart_a_running_job_once(ctl, client):
    models = ctl.add_models('p1', count=1, build={'status': 'RUNNING', 'params': {'spark.executor.instances': '2'}})
    build = models['m0'][0]
    before = ctl.job(build)['params']
    assert before['spark.executor.instances'] == '2' and len(before) > 1
    result = reconcile(client, job_ids=[build], params={'spark.executor.instances': 4}, diff=True)
    job = result['jobs'][0]
    assert job['action'] == 'RESTART' and job['params_changed'] == {
        'spark.executor.instances': {'before': '2', 'after': '4'}}
    assert ctl.job(build)['params'] == dict(before, **{'spark.executor.instances': '4'})
    assert actions(ctl) == [(build, 'RESTART')]
    assert result['diff']['after']['m0 build (%s)' % build] == {
        'status': 'RUNNING', 'params': {'spark.executor.instances': '4'}, 'then': 'RESTART, so that the new params take effect'}
    ctl.clear_counters()
    again = reconcile(client, job_ids=[build], params={'spark.executor.instances': '4'})
    assert not again['changed'] and ctl.request_count(PARAMS_PUT) == 0


def test_invalid_params_fail_before_anything(ctl, client):
    models = ctl.add_models('p1', count=1)
    ctl.clear_counters()
    with pytest.raises(KylinOptionError, match='KE-010043214'):
        reconcile(client, job_ids=[models['m0'][0]], params={REFRESH_INTERVAL_PARAM: '30x'})
    assert ctl.counters()['requests'] == {}


def test_project_name_in_another_case_is_written_with_kylins_spelling(ctl, client):
    models = ctl.add_models(count=1, project='Sales')
    sent = []
    real_act = client.act
    client.act = lambda action, ids, project=None, timeout=None: sent.append(project) or real_act(action, ids, project, timeout)
    result = reconcile(client, project='SALES', models=['m0'], job_types=['build'])
    assert not result['failed'] and result['jobs'][0]['project'] == 'Sales'
    assert sent == ['Sales']
    assert ctl.status(models['m0'][0]) == 'RUNNING'


# ------------------------------------------------------------------ a production Kylin (docs/production.md)

def acted_once(ctl):
    """Every job acted on at most once per action kind, from the simulator's action log."""
    applied = actions(ctl)
    return len(applied) == len(set(applied))


def test_lost_answer_of_slow_kills_is_followed_not_resent(ctl, client_factory):
    models = ctl.add_models('p1', count=3, build={'status': 'RUNNING'}, merge={'status': 'RUNNING'})
    ctl.set_config(kill_delay=0.35)
    client = client_factory(timeout=0.5)  # the PUT of 6 kills (2.1 s) outlasts it; the server goes on
    builds = [models[m][0] for m in sorted(models)]
    # Underestimated kills put every job in one PUT: the case a cluster slower than configured makes.
    options = JobOptions.of(project='p1', job_ids=builds, state=J.RESTARTED, poll_interval=0.05, wait_timeout=20,
                            server_timing=dict(SIM_TIMING, kill_seconds=0.01))
    reconciler = JobReconciler(client, options)
    result = reconciler.run()
    assert not result['failed'], result['msg']
    assert sorted(actions(ctl)) == sorted((b, 'RESTART') for b in builds)
    assert ctl.request_count(STATUS_PUT) == 1
    assert all(ctl.status(b) in ('STARTING', 'RUNNING') for b in builds)
    assert any('was lost' in w for w in reconciler.warnings)


def test_kills_are_sized_to_the_timeout(ctl, client_factory):
    models = ctl.add_models('p1', count=3, build={'status': 'RUNNING'}, merge={'status': 'RUNNING'})
    ctl.set_config(kill_delay=0.2)
    client = client_factory(timeout=1)
    result = reconcile(client, models=list(models), job_types=['build'], state=J.STOPPED_STATE, force=True,
                       server_timing=dict(SIM_TIMING, kill_seconds=0.2))
    assert not result['failed'], result['msg']
    assert ctl.request_count(STATUS_PUT) == 2  # 0.5 s of work per PUT at most: 2 kills, then 1
    assert sorted(actions(ctl)) == sorted((models[m][0], 'FORCE_STOP') for m in models)


def test_start_put_that_outlasts_the_timeout_starts_each_job_once(ctl, client_factory):
    models = ctl.add_models('p1', count=3)
    ctl.set_config(start_work=0.25)
    client = client_factory(timeout=0.4)
    result = reconcile(client, models=list(models), state=J.STARTED, wait_timeout=30)
    assert not result['failed'], result['msg']
    assert acted_once(ctl) and len(actions(ctl)) == 6
    assert not [a for a in ctl.actions() if not a['ok']]  # no START refused because of a resend


def test_epoch_hand_over_is_retried_and_converges(ctl, client):
    models = ctl.add_models('p1', count=2)
    ctl.set_faults(epoch_moved=1)
    result = reconcile(client, models=list(models), state=J.STARTED)
    assert not result['failed'], result['msg']
    ok = actions(ctl)
    assert acted_once(ctl) and len(ok) == 4
    assert ctl.counters()['refusals'].get('KE-040021201') == 1


def test_owner_unreachable_after_applying_is_not_resent(ctl, client):
    models = ctl.add_models('p1', count=2)
    ctl.set_faults(owner_unreachable=1)
    result = reconcile(client, models=list(models), state=J.STARTED)
    assert not result['failed'], result['msg']
    assert acted_once(ctl) and len(actions(ctl)) == 4
    assert ctl.request_count(STATUS_PUT) == 1


def test_maintenance_mode_ends_the_task_once(ctl, client):
    models = ctl.add_models('p1', count=3)
    ctl.set_config(maintenance_mode=True)
    result = reconcile(client, models=list(models), state=J.STARTED)
    assert result['failed'] and result['error_type'] == 'cluster' and result['error_code'] == 'KE-040024201'
    assert 'maintenance mode' in result['msg'] and 'wait' in result['msg']
    assert ctl.request_count(STATUS_PUT) == 1 and actions(ctl) == []
    assert all(not j['changed'] for j in result['jobs'])


def test_streaming_disabled_names_the_setting(ctl, client):
    ctl.add_models('p1', count=1)
    ctl.set_config(streaming_enabled=False)
    with pytest.raises(KylinClusterError, match='kylin.streaming.enabled=true'):
        reconcile(client, models=['m0'], state=J.STARTED)


def test_global_retry_default_force_stops_error_jobs_without_the_param(ctl, client):
    models = ctl.add_models('p1', count=1, build={'status': 'ERROR'}, merge={'status': 'ERROR'})
    ctl.patch_job(models['m0'][0], retry_enabled=None)  # params without kylin.streaming.job-retry-enabled
    result = reconcile(client, models=['m0'], job_types=['build'], state=J.STOPPED_STATE, global_retry_enabled=True)
    assert result['jobs'][0]['action'] == 'FORCE_STOP'
    assert actions(ctl) == [(models['m0'][0], 'FORCE_STOP')]


def test_graceful_restart_stops_all_then_starts(ctl, client):
    models = ctl.add_models('p1', count=2, build={'status': 'RUNNING'}, merge={'status': 'RUNNING'})
    result = reconcile(client, models=list(models), state=J.RESTARTED, restart_method='graceful')
    assert not result['failed'], result['msg']
    assert all(j['changed'] and j['status'] == 'RUNNING' and j['action'] == 'RESTART (STOP, START)' for j in result['jobs'])
    assert result['msg'] == 'restarted 4 (graceful)'
    log = actions(ctl)
    ids = [i for pair in models.values() for i in pair]
    assert sorted(log) == sorted([(i, 'STOP') for i in ids] + [(i, 'START') for i in ids])
    assert ctl.request_count(STATUS_PUT) >= 2 and not [a for a in log if a[1] in ('RESTART', 'FORCE_STOP')]
