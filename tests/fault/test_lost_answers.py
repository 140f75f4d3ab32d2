# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Writes whose outcome the module cannot see: applied but unanswered, or refused by a proxy.

docs/design.md §4: a PUT is never blindly resent; after a failed PUT the jobs are re-read and only
those that did not move are sent again. So: no job acted on twice, and no false failure.
"""

import pytest

from conftest import STATUS_PUT, all_ids, job_task, make_models, ok_actions, statuses

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
    aliases, ids = make_models(ctl, MODELS, before)
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
    assert set(statuses(ctl).values()) == {after}, statuses(ctl)
    applied = ok_actions(ctl)
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
