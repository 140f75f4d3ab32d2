# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A production Kylin: slow serialized kills, long PUTs, nodes behind a load balancer, cluster refusals.

docs/production.md says what the module does in each case; docs/kylin-api.md §3.2 and §7 say what the
server does. The simulator models it with the real proportions, scaled down (``time_scale``). Every
scenario checks the server's own logs: each job acted on exactly once, no false failure, no early done.
"""

import collections
import time

import pytest

from kylin_sim.control import STATUS_PUT

from conftest import PROJECT, SIM_TIMING, all_ids, job_task
from kylin_sim.testing import wait_until

SCALE = 0.02  # a 21 s kill takes 0.42 s


def scaled(kill=21.0, start=1.0, stop=0.2, lag=0.0):
    """The module's server_timing for the simulator's real defaults at SCALE."""
    return dict(kill_seconds=kill * SCALE, start_seconds=start * SCALE, stop_seconds=stop * SCALE,
                read_lag_seconds=lag)


def refused_starts(ctl):
    return [a for a in ctl.actions() if not a['ok'] and a['action'] == 'START']


KILL_CASES = {
    # id: (state, force, the module's figure for a kill in real seconds)
    'RESTART-sized': ('restarted', False, 21.0),
    'FORCE_STOP-sized': ('stopped', True, 21.0),
    'RESTART-kills-slower-than-configured': ('restarted', False, 3.0),
    'FORCE_STOP-kills-slower-than-configured': ('stopped', True, 3.0),
}


@pytest.mark.parametrize('case', list(KILL_CASES))
def test_slow_serialized_kills_with_a_short_timeout(ctl, run, facts, case):
    """RESTART and FORCE_STOP of running jobs whose kills take 21 s (scaled), one at a time on the node.

    With `timeout: 1` (0.5 s of server work per PUT) the sized cases send one kill per PUT; the
    "slower than configured" cases tell the module a kill takes 3 s (scaled), so one PUT carries
    several kills, outlasts the timeout and goes on on the server: the module must follow it, not
    resend. Checked on the server: each job acted on exactly once, every job in the desired status,
    no kills overlapping, and the task succeeds."""
    state, force, kill = KILL_CASES[case]
    action = 'FORCE_STOP' if force else 'RESTART'
    ids = ctl.add_models(PROJECT, 3, 'RUNNING', digits=2)
    aliases = list(ids)
    ctl.set_config(time_scale=SCALE, kill_delay=21.0, start_work=1.0, stop_work=0.2, start_delay=10.0,
                   yarn_accept_delay=5.0)
    args = dict(models=aliases, state=state, timeout=1, server_timing=scaled(kill=kill))
    if force:
        args['force'] = True
    res = run([job_task(**args)])

    assert res.rc == 0, res.describe()
    result = res.result('converge')
    assert all(j['changed'] and not j['error'] for j in result['jobs']), result['jobs']
    jobs = all_ids(ids)
    applied = collections.Counter(ctl.applied())
    assert applied == {(job_id, action): 1 for job_id in jobs}, applied
    expected = {'stopped': {'STOPPED'}, 'restarted': {'RUNNING'}}[state]
    assert set(ctl.statuses(PROJECT).values()) == expected, ctl.statuses(PROJECT)
    kills = ctl.request('GET', '/_sim/kills')
    kills = kills.get('kills', kills) if isinstance(kills, dict) else kills
    assert sorted(k['job_id'] for k in kills) == sorted(jobs), kills
    spans = sorted((k['start'], k['end']) for k in kills)
    assert all(later[0] >= earlier[1] for earlier, later in zip(spans, spans[1:])), spans  # one kill at a time
    puts = ctl.counters()['requests'][STATUS_PUT]
    facts.add('%s of %d running jobs, kills of %.2f s (21 s scaled), timeout 1 s: %d PUT(s), each job %s once, '
              'all %s, task ok.', action, len(jobs), 21.0 * SCALE, puts, action, '/'.join(expected))


def test_start_put_that_outlasts_the_timeout(ctl, run, facts):
    """One START PUT whose server work (1 s per START, scaled) outlasts `timeout: 1`.

    The module is told START is free (`start_seconds: 0`), so it sends every job in one PUT; the
    server goes on after the client gave up. Checked: each job started exactly once, no START refused
    with KE-010035005 (the sign of a resend), every job RUNNING, the task succeeds."""
    ids = ctl.add_models(PROJECT, 4, 'STOPPED', digits=2)
    aliases = list(ids)
    ctl.set_config(time_scale=0.25, start_work=1.0)  # 8 STARTs: 2 s in the request thread
    res = run([job_task(models=aliases, timeout=1, server_timing=dict(kill_seconds=0.01, start_seconds=0,
                                                                      stop_seconds=0, read_lag_seconds=0))])
    assert res.rc == 0, res.describe()
    jobs = all_ids(ids)
    assert collections.Counter(ctl.applied()) == {(job_id, 'START'): 1 for job_id in jobs}, collections.Counter(ctl.applied())
    assert refused_starts(ctl) == []
    assert set(ctl.statuses(PROJECT).values()) == {'RUNNING'}
    assert ctl.counters()['requests'][STATUS_PUT] == 1
    facts.add('8 STARTs of 0.25 s each in one PUT, timeout 1 s: 1 PUT, each job started once, no START refused.')


LAG_CASES = {
    # id: (status before, desired state, action, status after)
    'started': ('STOPPED', 'started', 'START', 'RUNNING'),
    'stopped': ('RUNNING', 'stopped', 'STOP', 'STOPPED'),
    'restarted': ('RUNNING', 'restarted', 'RESTART', 'RUNNING'),
}


@pytest.mark.parametrize('case', list(LAG_CASES))
def test_lagging_reads_behind_a_load_balancer(ctl, run, facts, case):
    """Three Kylin nodes behind one port; reads from nodes that catch up every second.

    Right after a START a read can say STOPPED, after a STOP RUNNING, after a RESTART the old RUNNING
    (docs/kylin-api.md §7). The module is told reads may lag 1.2 s. Checked: no false failure, each
    job acted on once, and no early done: the moment the task ends, the owner's true state (the
    control API) is already the desired one, and after a RESTART every job runs a new YARN app."""
    before, state, action, after = LAG_CASES[case]
    ids = ctl.add_models(PROJECT, 3, before, digits=2)
    aliases = list(ids)
    old_apps = {job['id']: job.get('yarn_app_id') for job in ctl.jobs(project='p1')}
    ctl.set_config(nodes=3, catchup_interval=1.0, stop_delay=0.3)
    res = run([job_task(models=aliases, state=state, server_timing=dict(kill_seconds=0.01, start_seconds=0,
                                                                        stop_seconds=0, read_lag_seconds=1.2))])
    now = ctl.statuses(PROJECT)  # read at once: a task that ended early leaves jobs STARTING or STOPPING
    assert res.rc == 0, res.describe()
    assert set(now.values()) == {after}, now
    jobs = all_ids(ids)
    assert collections.Counter(ctl.applied()) == {(job_id, action): 1 for job_id in jobs}, collections.Counter(ctl.applied())
    if action == 'RESTART':
        apps = {job['id']: job.get('yarn_app_id') for job in ctl.jobs(project='p1')}
        assert all(apps[j] and apps[j] != old_apps.get(j) for j in jobs), (old_apps, apps)
    facts.add('%s of %d jobs behind 3 nodes lagging up to 1 s: task ok, each job %s once, all %s when the task ended.',
              action, len(jobs), action, after)


def test_maintenance_mode_fails_once_and_job_info_still_works(ctl, run, facts):
    """Kylin in maintenance mode refuses every write (KE-040024201).

    Checked: the job task fails once with a message that says what to do and `error_type: cluster`,
    after a single refused status PUT (no PUT per job), nothing applied; job_info in the same play
    still lists the jobs."""
    ids = ctl.add_models(PROJECT, 3, 'STOPPED', digits=2)
    aliases = list(ids)
    ctl.set_config(maintenance_mode=True)
    tasks = [dict(job_task(models=aliases), ignore_errors=True),
             {'name': 'inventory', 'kylin.streaming.job_info': {'project': 'p1'}}]
    res = run(tasks)
    assert res.task('converge')['status'] == 'failed'
    result = res.result('converge')
    assert result['error_type'] == 'cluster' and result['error_code'] == 'KE-040024201', result
    assert 'maintenance mode' in result['msg'] and 'job_info' in result['msg'], result['msg']
    counters = ctl.counters()
    assert counters['requests'].get(STATUS_PUT, 0) == 1, counters['requests']
    assert counters['refusals'] == {'KE-040024201': 1}, counters['refusals']
    assert collections.Counter(ctl.applied()) == collections.Counter() and set(ctl.statuses(PROJECT).values()) == {'STOPPED'}
    info = res.result('inventory')
    assert res.task('inventory')['status'] == 'ok' and len(info['jobs']) == len(all_ids(ids))
    facts.add('Maintenance mode: 1 status PUT (refused), nothing applied, one failure: "%s"; job_info listed %d jobs.',
              result['msg'][:120], len(info['jobs']))


def test_epoch_hand_over_converges(ctl, run, facts):
    """The project's epoch moves to another node during the first PUT (KE-040021201, nothing applied).

    Checked: the task converges, each job started exactly once, one refusal on the server."""
    ids = ctl.add_models(PROJECT, 3, 'STOPPED', digits=2)
    aliases = list(ids)
    ctl.set_faults(epoch_moved=1)
    res = run([job_task(models=aliases)])
    assert res.rc == 0, res.describe()
    jobs = all_ids(ids)
    assert collections.Counter(ctl.applied()) == {(job_id, 'START'): 1 for job_id in jobs}
    assert set(ctl.statuses(PROJECT).values()) == {'RUNNING'}
    assert ctl.counters()['refusals'] == {'KE-040021201': 1}
    facts.add('Epoch moved once: %d status PUTs, each job started once, all RUNNING.',
              ctl.counters()['requests'][STATUS_PUT])


def test_owner_unreachable_after_applying_is_not_resent(ctl, run, facts):
    """The owner applied the PUT but its answer was lost between nodes (KE-010021002).

    Checked: no job started twice, one status PUT, the task succeeds."""
    ids = ctl.add_models(PROJECT, 2, 'STOPPED', digits=2)
    aliases = list(ids)
    ctl.set_faults(owner_unreachable=1)
    res = run([job_task(models=aliases)])
    assert res.rc == 0, res.describe()
    assert collections.Counter(ctl.applied()) == {(job_id, 'START'): 1 for job_id in all_ids(ids)}
    assert ctl.counters()['requests'][STATUS_PUT] == 1
    facts.add('Owner unreachable after applying: 1 PUT, each job started once.')


def test_streaming_disabled_names_the_setting(ctl, run, facts):
    """`kylin.streaming.enabled=false`: every call refused with KE-010035014 ("under development").

    Checked: the task fails before any write, and the message names `kylin.streaming.enabled=true`."""
    aliases = list(ctl.add_models(PROJECT, 1, 'STOPPED', digits=2))
    ctl.set_config(streaming_enabled=False)
    res = run([dict(job_task(models=aliases), ignore_errors=True)])
    assert res.task('converge')['status'] == 'failed'
    result = res.result('converge')
    assert result['error_type'] == 'cluster', result
    assert 'kylin.streaming.enabled=true' in result['msg'], result['msg']
    assert ctl.counters()['requests'].get(STATUS_PUT, 0) == 0
    facts.add('Streaming disabled: "%s"', result['msg'][:160])


def test_wrong_password_is_one_failed_login_and_an_auth_error(ctl, run, conn, facts):
    """A wrong password: the module tries once, never again (Kylin locks the user at the 3rd), and says `auth`.

    Checked on the server: one failed login for the user, the user not locked, no write."""
    aliases = list(ctl.add_models(PROJECT, 2, 'STOPPED', digits=2))
    res = run([dict(job_task(models=aliases), ignore_errors=True)], connection=dict(conn, password='Wr0ng-pw'))
    assert res.task('converge')['status'] == 'failed'
    result = res.result('converge')
    assert result['error_type'] == 'auth' and result['status'] == 401, result
    assert 'Wr0ng-pw' not in res.output
    counters = ctl.counters()
    assert counters['failed_logins'] == {'ADMIN': 1}, counters['failed_logins']
    assert not counters.get('locked_logins'), counters.get('locked_logins')
    assert counters['requests'].get(STATUS_PUT, 0) == 0
    facts.add('Wrong password: 1 failed login, user not locked, error_type auth.')


# ------------------------------------------------------------------ docs/kylin-api.md §11

HELD_CASES = {
    # id: (the target's status before, desired state, action)
    'START-held': ('STOPPED', 'started', 'START'),
    'RESTART-held': ('RUNNING', 'restarted', 'RESTART'),
}


@pytest.mark.parametrize('case', list(HELD_CASES))
def test_a_write_held_behind_an_epoch_take_over_is_not_sent_twice(ctl, run, facts, case):
    """A write held behind an epoch take-over and applied after the client gave up (docs/kylin-api.md §11.2).

    Three other models run. The task's PUT starts a take-over of the project: its running jobs are killed one
    at a time (1 s each) and relaunched, and only then is the write applied; the client's `timeout: 1` is long
    gone. The project moves meanwhile, so the module follows without sending anything. Checked on the server:
    one status PUT, the action applied exactly once (for a RESTART, once the held write landed: never two),
    no START refused as a resend, the take-over happened, the task succeeds."""
    before, state, action = HELD_CASES[case]
    ids = ctl.add_models(PROJECT, 3, 'RUNNING', merge_status='STOPPED', digits=2)
    aliases = list(ids)
    target = ctl.add_model(PROJECT, 'target', build={'status': before}, merge={'status': 'STOPPED'})['job_ids'][0]
    ctl.set_config(kill_delay=1.0)
    ctl.hold_writes(1)
    res = run([job_task(job_ids=[target], state=state, timeout=1,
                        server_timing=dict(kill_seconds=1.0, start_seconds=0, stop_seconds=0, read_lag_seconds=0))])
    assert res.rc == 0, res.describe()
    result = res.result('converge')
    wait_until(lambda: collections.Counter(ctl.applied(action)), timeout=30, what='the held %s applied' % action)
    time.sleep(1.0)  # anything sent after it would land now
    assert collections.Counter(ctl.applied()) == {(target, action): 1}, ctl.actions()
    assert refused_starts(ctl) == []
    counters = ctl.counters()
    assert counters['requests'][STATUS_PUT] == 1, counters['requests']
    assert counters['faults'].get('hold_write') == 1, counters
    relaunched = set(k['job_id'] for k in ctl.kills(by='takeover'))
    assert set(ids[alias][0] for alias in aliases) <= relaunched, relaunched
    job = result['jobs'][0]
    assert (job['action'], job['changed'], job['error']) == (action, True, None) and 'resent' not in job, job
    facts.add('%s held behind a take-over that killed %d jobs, timeout 1 s: 1 PUT, %s applied once, task ok, %d polls.',
              action, len(relaunched), action, result['polls'])


@pytest.mark.parametrize('fault,code', [('transfer_failed', 'KE-010021003'), ('metadata_unreachable', 'KE-010019002')])
def test_transient_forwarding_refusals_are_sent_again(ctl, run, facts, fault, code):
    """Writes refused before they reach the owner (docs/kylin-api.md §11.4): KE-010021003, KE-010019002.

    Checked on the server: the task converges, each job started exactly once, two status PUTs (the refused
    one, then once more), one refusal; each job's result says it was sent again and why."""
    ids = ctl.add_models(PROJECT, 2, 'STOPPED', digits=2)
    aliases = list(ids)
    ctl.set_faults(**{fault: 1})
    res = run([job_task(models=aliases)])
    assert res.rc == 0, res.describe()
    assert collections.Counter(ctl.applied()) == {(job_id, 'START'): 1 for job_id in all_ids(ids)}
    assert ctl.counters()['requests'][STATUS_PUT] == 2
    assert set(ctl.statuses(PROJECT).values()) == {'RUNNING'}
    result = res.result('converge')
    assert all(code in j['resent'][0]['reason'] for j in result['jobs']), result['jobs']
    facts.add('%s once: 2 status PUTs, each job started once, all RUNNING; resent reason: "%s".',
              code, result['jobs'][0]['resent'][0]['reason'])


def test_a_project_without_a_resource_group_ends_the_task_once(ctl, run, facts):
    """KE-010021005: a project bound to no resource group, none of whose writes is forwarded (docs/kylin-api.md §11.4).

    Checked: the task fails once with `error_type: cluster`, a message saying to bind the project to a
    resource group, one refused status PUT, nothing applied."""
    aliases = list(ctl.add_models(PROJECT, 3, 'STOPPED', digits=2))
    ctl.unbind_projects(PROJECT)
    res = run([dict(job_task(models=aliases), ignore_errors=True)])
    result = res.result('converge')
    assert res.task('converge')['status'] == 'failed'
    assert result['error_type'] == 'cluster' and result['error_code'] == 'KE-010021005', result
    assert 'resource group' in result['msg'], result['msg']
    assert ctl.counters()['requests'].get(STATUS_PUT, 0) == 1 and collections.Counter(ctl.applied()) == collections.Counter()
    facts.add('Project without a resource group: 1 status PUT, nothing applied: "%s"', result['msg'][:160])


@pytest.mark.parametrize('method', ['stopped', 'graceful'])
def test_force_after_waits_out_the_end_of_run_kills(ctl, run, facts, method):
    """A graceful STOP ends with a kill under the node's lock, one job at a time (docs/kylin-api.md §11.1).

    Six running jobs stopped gracefully at once reach STOPPED 0.5 s apart, the last well after `force_after: 1`.
    The module sees the queue moving and sends no FORCE_STOP, which would only queue behind the same kills.
    Checked on the server: no FORCE_STOP, six end-of-run kills that never overlap, every job in the desired
    state; a graceful restart is reported as `restarted 6 (graceful)`, each job `RESTART (STOP, START)`."""
    ids = ctl.add_models(PROJECT, 3, 'RUNNING', digits=2)
    aliases = list(ids)
    ctl.set_config(kill_delay=0.5, stop_delay=0.2)
    timing = dict(kill_seconds=0.5, start_seconds=0, stop_seconds=0, read_lag_seconds=0)
    if method == 'stopped':
        args = dict(state='stopped')
    else:
        args = dict(state='restarted', restart_method='graceful')
    res = run([job_task(models=aliases, force_after=1, server_timing=timing, **args)])
    assert res.rc == 0, res.describe()
    result = res.result('converge')
    jobs = all_ids(ids)
    assert collections.Counter(ctl.applied('FORCE_STOP')) == collections.Counter(), ctl.actions()
    ends = ctl.kills(by='listener')
    assert sorted(k['job_id'] for k in ends) == sorted(jobs), ends
    spans = sorted((k['start'], k['end']) for k in ctl.kills())
    assert all(later[0] >= earlier[1] for earlier, later in zip(spans, spans[1:])), spans
    last = max(k['end'] for k in ends) - min(k['start'] for k in ends)
    assert last > 1000, ends  # the queue outlasted force_after: without the queue, FORCE_STOPs would have gone
    if method == 'stopped':
        assert set(ctl.statuses(PROJECT).values()) == {'STOPPED'}
        assert [j['action'] for j in result['jobs']] == ['STOP'] * 6
    else:
        assert set(ctl.statuses(PROJECT).values()) == {'RUNNING'}
        assert collections.Counter(ctl.applied()) == dict([((j, 'STOP'), 1) for j in jobs] + [((j, 'START'), 1) for j in jobs])
        assert result['msg'] == 'restarted 6 (graceful)', result['msg']
        assert all(j['action'] == 'RESTART (STOP, START)' for j in result['jobs']), result['jobs']
    facts.add('%s: 6 end-of-run kills over %.1f s, force_after 1 s: no FORCE_STOP, %d polls.', method, last / 1000.0,
              result['polls'])


def test_reads_that_lag_beyond_the_catch_up_interval_are_no_verdict(ctl, run, facts):
    """Catch-ups that stall keep nodes behind for longer than the catch-up interval (docs/kylin-api.md §11.5).

    Three nodes, catch-ups every 0.5 s that stall for 3 s; the module is told reads lag 0.6 s. A launch takes
    2 s, and during it two reads in three still say STOPPED, seconds after the START. Checked: no false
    failure, each job started once, and every job RUNNING on the owner when the task ends."""
    ids = ctl.add_models(PROJECT, 3, 'STOPPED', digits=2)
    aliases = list(ids)
    ctl.set_config(nodes=3, catchup_interval=0.5, catchup_stall_rate=1.0, catchup_stall=3.0, start_delay=2.0)
    res = run([job_task(models=aliases, server_timing=dict(SIM_TIMING, read_lag_seconds=0.6))])
    now = ctl.statuses(PROJECT)
    assert res.rc == 0, res.describe()
    assert set(now.values()) == {'RUNNING'}, now
    assert collections.Counter(ctl.applied()) == {(job_id, 'START'): 1 for job_id in all_ids(ids)}
    facts.add('Reads lagging up to 3.5 s against a declared 0.6 s: task ok, each job started once, %d polls.',
              res.result('converge')['polls'])
