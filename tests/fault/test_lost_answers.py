# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Writes whose outcome the module cannot see: applied but unanswered, or refused by a proxy.

docs/design.md §4: a PUT is never blindly resent; after a failed PUT the jobs are re-read and only
those that did not move are sent again. So: no job acted on twice, and no false failure.
"""

import collections

import pytest

from kylin_sim.control import STATUS_PUT

from conftest import PROJECT, SIM_TIMING, all_ids, job_task

MODELS = 3  # 6 jobs: 3 builds, 3 merges

CASES = {
    # id: (desired state, status before, status after, action, faults)
    'START-answer-lost': ('started', 'STOPPED', 'RUNNING', 'START',
                          dict(lose_response_count=1, lose_response_actions=['START'])),
    'STOP-answer-lost': ('stopped', 'RUNNING', 'STOPPED', 'STOP',
                         dict(lose_response_count=1, lose_response_actions=['STOP'])),
    'RESTART-answer-lost': ('restarted', 'RUNNING', 'RUNNING', 'RESTART',
                            dict(lose_response_count=1, lose_response_actions=['RESTART'])),
    'RESTART-of-STARTING-answer-lost': ('restarted', 'STARTING', 'RUNNING', 'RESTART',
                                        dict(lose_response_count=1, lose_response_actions=['RESTART'])),
    'FORCE_STOP-answer-lost': ('stopped', 'RUNNING', 'STOPPED', 'FORCE_STOP',
                               dict(lose_response_count=1, lose_response_actions=['FORCE_STOP'])),
    'START-answer-after-timeout': ('started', 'STOPPED', 'RUNNING', 'START',
                                   dict(hang_response_count=1, hang_seconds=4)),
    'START-503-not-applied': ('started', 'STOPPED', 'RUNNING', 'START',
                              dict(error_count=1, error_methods=['PUT'], error_statuses=[503])),
}


@pytest.mark.parametrize('case', list(CASES))
def test_put_outcome_unknown(ctl, run, facts, case):
    """A PUT applied but its answer lost, late, or refused by a proxy: no job acted on twice, no false failure.

    The first `PUT /status` of the task is applied by the server but its answer is lost (connection
    closed without an answer), held past the client's `timeout: 2`, or answered 503 by a proxy without
    being applied. Checked on the server: every job ends in the desired status, each job got the action
    exactly once (`/_sim/actions`), and the task succeeds and reports every job as changed. The RESTART of
    STARTING jobs is the hard case of docs/design.md §4: the status reads STARTING before and after."""
    state, before, after, action, faults = CASES[case]
    if before == 'STARTING':
        # STARTING -> (RESTART) -> STARTING: the status alone shows nothing; the module must find the
        # evidence (a new STOP record, a new YARN app) and not restart the jobs a second time.
        ctl.set_config(start_delay=3.0)
    ids = ctl.add_models(PROJECT, MODELS, before, digits=2)
    aliases = list(ids)
    jobs = all_ids(ids)
    ctl.set_faults(**faults)
    args = dict(models=aliases, state=state)
    if action == 'FORCE_STOP':
        args['force'] = True
    if 'hang_response_count' in faults:
        args['timeout'] = 2

    res = run([job_task(**args)])

    counters = ctl.counters()
    assert res.rc == 0, res.describe()
    result = res.result('converge')
    assert result['changed'] is True
    assert all(j['changed'] and not j['error'] for j in result['jobs']), result['jobs']
    assert set(ctl.statuses(PROJECT).values()) == {after}, ctl.statuses(PROJECT)
    applied = collections.Counter(ctl.applied())
    assert applied == dict(((job_id, action), 1) for job_id in jobs), applied
    injected = counters['faults']
    assert sum(injected.values()) == 1, counters  # the fault did happen, once
    puts = counters['requests'][STATUS_PUT]
    # One PUT, plus the resend when the first was refused without being applied.
    assert puts == (2 if 'error_count' in faults else 1), counters
    facts.add('Injected: %s. %s applied once to each of %d jobs (%d PUT request(s)); all %s; task ok, '
              'every job reported changed.', injected, action, len(jobs), puts, after)
    if action == 'RESTART':
        restarts = [t for t in ctl.transitions() if t['cause'] == 'RESTART']
        assert sorted(set(t['job_id'] for t in restarts)) == sorted(jobs)


def restarts_are_true_to_the_log(ctl, result, jobs):
    """Each selected job restarted exactly once on the server, RUNNING, and reported so."""
    applied = collections.Counter(ctl.applied('RESTART'))
    assert applied == dict(((job_id, 'RESTART'), 1) for job_id in jobs), applied
    now = ctl.statuses(PROJECT)
    assert all(now[job_id] == 'RUNNING' for job_id in jobs), now
    reported = dict((j['id'], j) for j in result['jobs'])
    assert sorted(reported) == sorted(jobs)
    for job_id in jobs:
        job = reported[job_id]
        assert (job['action'], job['changed'], job['error'], job['status']) == ('RESTART', True, None, 'RUNNING'), job
    assert result['changed'] is True and result['msg'] == 'restarted %d' % len(jobs), result['msg']


def proxy_503_on_the_next_put(sim_url):
    """A task that makes the simulator answer the next status PUT with a proxy's 503 HTML page, not applied."""
    return {'name': 'the next PUT is refused by a proxy', 'ansible.builtin.uri': {
        'url': sim_url + '/_sim/faults', 'method': 'PUT', 'body_format': 'json',
        'body': {'error_count': 1, 'error_methods': ['PUT'], 'error_statuses': [503]}}}


def test_a_stopping_that_ends_by_itself_is_not_a_lost_restart(ctl, run, conn, facts):
    """Issue 16, evidence (1): a STOPPING job that settles by itself is not the effect of a RESTART refused by a proxy.

    Four running models; the build jobs of three are selected (`state: restarted`, `retries: 6`,
    `poll_interval: 0.3`). Two of them were sent STOP by an earlier task of the play (`wait: false`) and settle
    to STOPPED 5 s later by themselves, while the task follows its first RESTART PUT, which a proxy answered with
    a `503` HTML page without applying it (one RESTART per PUT: `timeout: 8` against kills of 4 s). Checked on
    the server: each selected job restarted exactly once (`/_sim/actions`), all RUNNING, the fourth model
    untouched, the task succeeds, and the result's `action` and `changed` match the log; the job whose RESTART
    was refused says it was sent again, and why."""
    ctl.set_config(stop_delay=5.0)
    ids = ctl.add_models(PROJECT, 4, 'RUNNING', merge_status='STOPPED', digits=2)
    aliases = list(ids)
    builds = [ids[alias][0] for alias in aliases[:3]]
    timing = dict(SIM_TIMING, kill_seconds=4.0)

    res = run([job_task('stop two', models=aliases[:2], job_types=['build'], state='stopped', wait=False),
               proxy_503_on_the_next_put(conn['url']),
               job_task(models=aliases[:3], job_types=['build'], state='restarted', retries=6, poll_interval=0.3,
                        timeout=8, server_timing=timing)])

    assert res.rc == 0, res.describe()
    assert res.result('stop two')['msg'] == 'sent STOP to 2, still STOPPING'
    result = res.result('converge')
    assert [j['status_before'] for j in result['jobs']] == ['STOPPING', 'STOPPING', 'RUNNING'], result['jobs']
    restarts_are_true_to_the_log(ctl, result, builds)
    assert collections.Counter(ctl.applied('STOP')) == dict(((b, 'STOP'), 1) for b in builds[:2])  # the earlier task's
    assert ctl.actions(job_id=ids[aliases[3]][0]) == [] and ctl.statuses(PROJECT)[ids[aliases[3]][0]] == 'RUNNING'
    counters = ctl.counters()
    assert counters['faults'].get('error') == 1, counters
    assert counters['requests'][STATUS_PUT] == 5, counters['requests']  # the STOP, three RESTARTs, one again
    first = dict((j['id'], j) for j in result['jobs'])[builds[0]]
    assert [r['action'] for r in first['resent']] == ['RESTART'] and '503' in first['resent'][0]['reason'], first
    assert 'ended by itself' in first['resent'][0]['reason'], first
    facts.add('Two STOPPING jobs ended by themselves; the RESTART of one answered 503 and not applied: each job '
              'restarted once, all RUNNING, task ok; the job\'s result: resent %s.', first['resent'])


def test_a_launch_under_way_is_not_a_lost_restart(ctl, run, conn, facts):
    """Issue 16, evidence (2): a launch under way is not the effect of a RESTART refused by a proxy, behind lagging reads.

    Two models; their build jobs are selected (`state: restarted`). One was sent START by an earlier task of the
    play (`wait: false`) and reaches RUNNING 6 s later; its RESTART PUT is answered by a proxy's `503` HTML page
    and not applied (one RESTART per PUT: `timeout: 8` against kills of 4 s). Two Kylin nodes behind the load
    balancer, one lagging 1 s: half the reads show an older state. Checked on the server: each job restarted
    exactly once and runs a YARN application launched by it, the task succeeds, and the result's `action` and
    `changed` match the log."""
    ctl.set_config(start_delay=6.0)
    first = ctl.add_model(PROJECT, 'm00', build={'status': 'STOPPED'}, merge={'status': 'STOPPED'})['job_ids'][0]
    second = ctl.add_model(PROJECT, 'm01', build={'status': 'RUNNING'}, merge={'status': 'STOPPED'})['job_ids'][0]
    old_app = ctl.job(second)['yarn_app_id']
    ctl.set_config(nodes=2, catchup_interval=1.0)
    timing = dict(SIM_TIMING, kill_seconds=4.0, read_lag_seconds=1.2)

    res = run([job_task('start one', models=['m00'], job_types=['build'], wait=False, server_timing=timing),
               proxy_503_on_the_next_put(conn['url']),
               job_task(models=['m00', 'm01'], job_types=['build'], state='restarted', poll_interval=0.3, timeout=8,
                        server_timing=timing)])

    assert res.rc == 0, res.describe()
    assert res.result('start one')['jobs'][0]['status'] == 'STARTING'
    result = res.result('converge')
    assert result['jobs'][0]['status_before'] == 'STARTING', result['jobs']
    restarts_are_true_to_the_log(ctl, result, [first, second])
    restarts = [t for t in ctl.transitions() if t['cause'] == 'RESTART']
    assert sorted(set(t['job_id'] for t in restarts)) == sorted([first, second]), restarts
    assert ctl.job(second)['yarn_app_id'] != old_app
    assert ctl.counters()['faults'].get('error') == 1
    reported = dict((j['id'], j) for j in result['jobs'])
    assert [r['action'] for r in reported[first].get('resent', [])] == ['RESTART'], reported[first]
    facts.add('A STARTING job whose RESTART was answered 503 (not applied), reads lagging on one of two nodes: each '
              'job restarted once, task ok; resent: %s.', reported[first]['resent'])
