# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""One job of a batch cannot be started: the others still converge; the task names the refused job."""

import collections

from kylin_sim.control import STATUS_PUT

from conftest import PROJECT, job_task

MODELS = 6  # 12 jobs


def test_job_refused_by_kylin_mid_put(ctl, run, facts):
    """One job refused by Kylin in the middle of a PUT: the others converge, the refused one is named.

    12 STOPPED jobs are started by `job_ids`; the 3rd id has a leftover YARN application that cannot be
    killed, so Kylin refuses its START with KE-010035007 and, as Kylin does, stops processing the
    `job_ids` of that PUT there, keeping what it did. Checked on the server: the other 11 jobs are RUNNING
    and got START exactly once (the ids after the refused one are resent, the ones before are not); the
    refused job got exactly one START attempt and is still STOPPED; the task fails, and both that job's
    `error` and the task's `msg` name it by id with Kylin's message."""
    ids = ctl.add_models(PROJECT, MODELS, 'STOPPED', digits=2)
    job_ids = [ids[alias][0] for alias in sorted(ids)] + [ids[alias][1] for alias in sorted(ids)]
    refused = job_ids[2]
    ctl.patch_job(refused, app_alive=True, app_unkillable=True)

    res = run([job_task(job_ids=job_ids)])

    assert res.rc != 0, res.describe()
    result = res.result('converge')
    assert res.task('converge')['status'] == 'failed'
    by_id = dict((job['id'], job) for job in result['jobs'])
    error = by_id[refused]['error']
    assert 'KE-010035007' in error and 'as it has an ongoing one at the moment' in error, error
    assert refused in result['msg'] and 'KE-010035007' in result['msg'], result['msg']
    others = [job_id for job_id in job_ids if job_id != refused]
    assert all(by_id[j]['status'] == 'RUNNING' and by_id[j]['changed'] and not by_id[j]['error'] for j in others)
    assert by_id[refused]['changed'] is False
    server = ctl.statuses(PROJECT)
    assert server == dict([(j, 'RUNNING') for j in others] + [(refused, 'STOPPED')]), server
    actions = ctl.actions()
    assert collections.Counter(a['job_id'] for a in actions if a['ok']) == dict((j, 1) for j in others)
    attempts = [a for a in actions if a['job_id'] == refused]
    assert [(a['ok'], a['error_code']) for a in attempts] == [(False, 'KE-010035007')], attempts
    puts = ctl.counters()['requests'][STATUS_PUT]
    assert puts == 2, puts  # the refused PUT, then one resend of the ids after the refused one
    facts.add('Server: %d/11 other jobs RUNNING with one START each, in %d PUTs; the refused job: 1 START '
              'attempt (KE-010035007), still STOPPED.', sum(1 for j in others if server[j] == 'RUNNING'), puts)
    facts.add('Reported: `%s`', error)


def test_broken_model_in_the_middle(ctl, run, facts):
    """A broken model in the middle of the selection: not started, the others converge.

    12 STOPPED jobs of 6 models are started by model list; the 3rd model is broken. docs/design.md §2.2: its
    jobs are not sent START, the others converge, the task fails at the end naming them. Checked on the
    server: no action at all on the broken model's jobs, one START on each of the 10 others, all RUNNING."""
    ids = ctl.add_models(PROJECT, MODELS, 'STOPPED', digits=2)
    aliases = list(ids)
    broken = aliases[2]
    ctl.patch_job(ids[broken][0], broken=True)

    res = run([job_task(models=aliases)])

    assert res.rc != 0, res.describe()
    result = res.result('converge')
    assert res.task('converge')['status'] == 'failed'
    by_id = dict((job['id'], job) for job in result['jobs'])
    for job_id in ids[broken]:
        assert 'is broken' in by_id[job_id]['error'] and broken in by_id[job_id]['error'], by_id[job_id]
        assert job_id in result['msg']
    others = [j for alias in aliases if alias != broken for j in ids[alias]]
    server = ctl.statuses(PROJECT)
    assert server == dict([(j, 'RUNNING') for j in others] + [(j, 'STOPPED') for j in ids[broken]]), server
    actions = ctl.actions()
    assert not [a for a in actions if a['job_id'] in ids[broken]]
    assert collections.Counter((a['job_id'], a['action'], a['ok']) for a in actions) == dict(
        ((j, 'START', True), 1) for j in others)
    facts.add('Server: 10/10 other jobs RUNNING with one START each; no action on the broken model\'s 2 jobs.')
    facts.add('Reported: `%s`', by_id[ids[broken][0]]['error'])


def test_launch_failure_fails_fast(ctl, run, facts):
    """A job fails to launch: the task fails at once, not after the timeout.

    4 STOPPED jobs are started with `wait_timeout: 300`; the launch of one of them fails (Kylin marks
    it ERROR with `launching_error`). docs/design.md §2.2: a job that falls into ERROR while RUNNING is awaited
    fails the task at once, never after the whole timeout. Checked: the task fails in under 30 s (a tenth
    of the timeout) naming the job and its launching error; the server applied exactly one START per job
    (no restart storm) and shows the failed job in LAUNCHING_ERROR."""
    ctl.set_config(start_delay=1.0)
    ids = ctl.add_models(PROJECT, 2, 'STOPPED', digits=2)
    aliases = list(ids)
    failing = ids[aliases[1]][0]
    ctl.patch_job(failing, fail_launch=True)

    res = run([job_task(models=aliases, wait_timeout=300)])

    assert res.rc != 0, res.describe()
    record = res.task('converge')
    assert record['status'] == 'failed'
    assert record['seconds'] < 30, record['seconds']
    result = record['result']
    by_id = dict((job['id'], job) for job in result['jobs'])
    assert 'failed to launch (launching_error: true)' in by_id[failing]['error'], by_id[failing]
    assert failing in result['msg']
    assert ctl.statuses(PROJECT)[failing] == 'LAUNCHING_ERROR'
    assert collections.Counter((a['job_id'], a['action'], a['ok']) for a in ctl.actions()) == dict(
        ((j, 'START', True), 1) for pair in ids.values() for j in pair)
    facts.add('Task failed after %.1f s of a 300 s timeout; one START per job; reported: `%s`',
              record['seconds'], by_id[failing]['error'])
