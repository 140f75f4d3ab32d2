# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""kylin.streaming.rolling_restart against the simulator: batches, proven from /_sim/transitions."""

import re

PROJECT = 'streaming_demo'
POLL = 0.2


def most_down_at_once(transitions, job_ids):
    """Replay the transition log: the largest number of ``job_ids`` not RUNNING at the same moment.

    Every job starts RUNNING (the playbook restarts running jobs only). Transitions that share a
    timestamp are applied together before counting, so a STOPPED -> STARTING -> ... chain written
    at one instant counts once.
    """
    status = dict((job, 'RUNNING') for job in job_ids)
    most = 0
    events = [t for t in transitions if t['job_id'] in status]
    for index, event in enumerate(events):
        status[event['job_id']] = event['to']
        if index + 1 == len(events) or events[index + 1]['time'] != event['time']:
            most = max(most, sum(1 for value in status.values() if value != 'RUNNING'))
    return most


def test_rolling_restart_keeps_at_most_batch_size_jobs_down(ctl, playbook):
    before = dict((job['id'], job) for job in ctl.jobs(project=PROJECT))
    running = sorted(job for job, row in before.items() if row['status'] == 'RUNNING')
    assert len(running) == 6

    run = playbook('rolling_restart', kylin_project=PROJECT, kylin_batch_size=2, kylin_poll_interval=POLL)
    assert run.rc == 0, run
    assert 'Restarted 6 running jobs of streaming_demo, at most 2 at a time, in 3 batches' in run.output
    # Progress as it goes: a line per batch, once that batch is RUNNING again, before the next batch starts.
    lines = [run.output.index('batch %d of 3 RUNNING again' % number) for number in (1, 2, 3)]
    assert lines == sorted(lines), run
    assert '2 of 6 jobs done, 4 to go' in run.output and '6 of 6 jobs done, 0 to go' in run.output, run
    restarts = [index for index in range(len(run.output)) if run.output.startswith('TASK [Restart in the background: batch ', index)]
    assert len(restarts) == 3 and restarts[0] < lines[0] < restarts[1] < lines[1] < restarts[2] < lines[2], run

    after = dict((job['id'], job) for job in ctl.jobs(project=PROJECT))
    for job in running:  # each running job was restarted once: a new launch, RUNNING again
        assert after[job]['status'] == 'RUNNING'
        assert after[job]['job_execution_id'] == before[job]['job_execution_id'] + 1
    actions = ctl.actions()
    assert sorted(action['job_id'] for action in actions) == running
    assert set(action['action'] for action in actions) == {'RESTART'}
    for job in set(before) - set(running):  # stopped and errored jobs were left alone
        assert after[job]['status'] == before[job]['status']

    # Never more than batch_size jobs down at once, and really in batches of two (not one by one).
    assert most_down_at_once(ctl.transitions(), running) == 2
    # Each batch was RUNNING again before the next one was restarted.
    restarted_at = [action['time'] for action in actions]
    running_again = dict((t['job_id'], t['time']) for t in ctl.transitions() if t['to'] == 'RUNNING' and t['cause'] == 'launch')
    for batch in range(1, 3):
        previous = [action['job_id'] for action in actions[2 * (batch - 1):2 * batch]]
        assert max(running_again[job] for job in previous) <= min(restarted_at[2 * batch:2 * batch + 2])


def test_a_running_batch_shows_where_its_jobs_are_and_the_plan_names_types(ctl, playbook):
    """Kylin's RESTART kills one job at a time (here 2.5 s each, 21 s on a real cluster): while a batch runs,
    a line every kylin_progress_interval seconds says where each of its jobs is, and the plan names each job
    with its type, so that a model listed twice (build and merge) is explained."""
    ctl.set_config(kill_delay=2.5)
    run = playbook('rolling_restart', kylin_project=PROJECT, kylin_batch_size=2, kylin_poll_interval=POLL,
                   kylin_progress_interval=1)
    assert run.rc == 0, run
    plan = re.findall(r'\(item=batch (\d) of 3: ([^)]*)\)', run.output)
    assert [number for number, dummy in plan] == ['1', '2', '3'], run
    labels = ', '.join(jobs for dummy, jobs in plan).split(', ')
    assert len(labels) == 6 and all(re.match(r'^\w+ (build|merge)$', label) for label in labels), labels
    assert len(set(labels)) == 6 and len(set(label.split()[0] for label in labels)) < 6  # a model twice, typed

    for number in (1, 2, 3):
        start = run.output.index('TASK [Restart in the background: batch %d of 3: ' % number)
        end = run.output.index('batch %d of 3 RUNNING again after' % number)
        progress = re.findall(r'"msg": "localhost: batch %d of 3 after (\d+) s: ([^"]*)"' % number, run.output[start:end])
        assert progress, run.output[start:end]
        # Each line names every job of the batch with its type and status; one of them is the kill under way.
        jobs = plan[number - 1][1].split(', ')
        for dummy, line in progress:
            assert [part.split(' ')[:2] for part in line.split(', ') if ' ' in part and not part.startswith('not ')] == \
                [job.split() for job in jobs], line
        assert any('STOPPING' in line for dummy, line in progress), progress
        assert [int(seconds) for seconds, dummy in progress] == sorted(int(seconds) for seconds, dummy in progress)
    # The same restarts as in the foreground: each running job once, by Kylin's RESTART, RUNNING again.
    actions = ctl.actions()
    assert len(actions) == 6 and set(action['action'] for action in actions) == {'RESTART'}
    assert all(ctl.job(action['job_id'])['status'] == 'RUNNING' for action in actions)


def test_rolling_restart_stops_at_the_first_failing_batch(ctl, playbook):
    failing = ctl.job_id('orders_rt', 'build')
    ctl.patch_job(failing, fail_launch=True)
    before = dict((job['id'], job) for job in ctl.jobs(project=PROJECT))

    run = playbook('rolling_restart', kylin_project=PROJECT, kylin_batch_size=2, kylin_poll_interval=POLL)
    assert run.rc != 0, run
    assert 'Rolling restart of streaming_demo stopped at the first failing batch' in run.output, run
    assert 'Failed: orders_rt build failed to launch' in run.output, run
    # An honest count: the jobs really RUNNING again on a new launch, not every job the module touched.
    restarted = [job for job, row in before.items() if row['status'] == 'RUNNING' and job != failing
                 and ctl.job(job)['job_execution_id'] == row['job_execution_id'] + 1]
    assert 'Restarted: %d of 6.' % len(restarted) in ' '.join(run.output.split()), run

    acted = [action['job_id'] for action in ctl.actions()]
    assert failing in acted[-2:], acted  # the failing job was in the last batch acted on
    assert len(acted) < 6, acted
    assert ctl.status(failing) == 'LAUNCHING_ERROR'
    for job, row in before.items():
        if row['status'] == 'RUNNING' and job not in acted:  # later batches: untouched, still running
            after = ctl.job(job)
            assert (after['status'], after['yarn_app_id']) == ('RUNNING', row['yarn_app_id'])


def test_rolling_restart_selection_and_unknown_models(ctl, playbook):
    run = playbook('rolling_restart', kylin_project=PROJECT, kylin_models=['orders_rt', 'inventory_levels'],
                   kylin_job_types=['build'], kylin_poll_interval=POLL)
    assert run.rc == 0, run
    assert [action['job_id'] for action in ctl.actions()] == [ctl.job_id('orders_rt', 'build')]

    run = playbook('rolling_restart', kylin_project=PROJECT, kylin_models=['orders_rt', 'nope'])
    assert run.rc != 0, run
    assert 'Unknown models in project streaming_demo: nope. Nothing was restarted.' in run.output
    assert len(ctl.actions()) == 1

    run = playbook('rolling_restart')
    assert run.rc != 0 and 'Set kylin_project' in run.output, run


def test_graceful_rolling_restart_stops_and_starts_each_batch(ctl, playbook):
    before = dict((job['id'], job) for job in ctl.jobs(project=PROJECT))
    running = sorted(job for job, row in before.items() if row['status'] == 'RUNNING')

    run = playbook('rolling_restart', kylin_project=PROJECT, kylin_batch_size=3, kylin_poll_interval=POLL,
                   kylin_restart_method='graceful', kylin_force_after=120)
    assert run.rc == 0, run
    assert 'Restarted 6 running jobs of streaming_demo, at most 3 at a time, in 2 batches' in run.output

    actions = ctl.actions()
    # Graceful: a STOP then a START per job, never Kylin's RESTART (nor a FORCE_STOP within force_after).
    assert set(action['action'] for action in actions) == {'STOP', 'START'}, actions
    for job in running:
        assert [action['action'] for action in actions if action['job_id'] == job] == ['STOP', 'START']
        assert ctl.job(job)['status'] == 'RUNNING'
        assert ctl.job(job)['job_execution_id'] == before[job]['job_execution_id'] + 1
    for job in set(before) - set(running):
        assert ctl.job(job)['status'] == before[job]['status']
    assert most_down_at_once(ctl.transitions(), running) == 3


def test_check_mode_plans_the_batches_and_sends_nothing(ctl, playbook):
    run = playbook('rolling_restart', check=True, kylin_project=PROJECT, kylin_batch_size=2, kylin_poll_interval=POLL)
    assert run.rc == 0, run
    assert 'batch 1 of 3 would be restarted' in run.output, run
    assert '2 of 6 jobs planned, 4 to go' in run.output and 'jobs done' not in run.output, run
    assert 'Would restart 6 running jobs of streaming_demo' in run.output, run
    assert ctl.actions() == []
