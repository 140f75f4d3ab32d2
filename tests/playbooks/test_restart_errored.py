# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""kylin.streaming.restart_errored against the simulator: restarts, and the restart budget."""

import time

PROJECT = 'streaming_demo'
POLL = 0.2


def restarted_ids(ctl, since=None):
    return sorted(action['job_id'] for action in ctl.actions(since=since) if action['action'] == 'RESTART')


def test_restarts_errored_jobs_and_leaves_broken_models_alone(ctl, playbook):
    errored = sorted([ctl.job_id('ad_impressions'), ctl.job_id('payments_fraud')])  # ERROR, launching error
    broken = ctl.job_id('smart_meter', project='iot')
    ctl.patch_job(broken, status='ERROR')

    run = playbook('restart_errored', kylin_poll_interval=POLL)
    assert run.rc == 0, run
    assert restarted_ids(ctl) == errored
    assert [ctl.status(job) for job in errored] == ['RUNNING', 'RUNNING']
    assert ctl.status(broken) == 'ERROR'
    assert 'not restarted: iot/smart_meter build: ERROR, model broken (fix the model first)' in run.output
    assert 'restart: streaming_demo/payments_fraud build: ERROR (failed to launch), 0 failures in the last 3600s' in run.output
    # The run says how it ended, as the other runbooks do: what was restarted and is RUNNING, what was left.
    assert ('"msg": "localhost: 2 restarted, now RUNNING: streaming_demo/ad_impressions build, streaming_demo/payments_fraud '
            'build; 1 of broken models, not restarted: iot/smart_meter build."') in run.output, run

    # Nothing in ERROR any more (the broken model aside): a second run restarts nothing.
    again = playbook('restart_errored', kylin_project=PROJECT, kylin_poll_interval=POLL)
    assert again.rc == 0, again
    assert 'nothing to restart' in again.output
    assert '"msg": "localhost: nothing restarted."' in again.output, again
    assert len(restarted_ids(ctl)) == 2


def test_budget_skips_a_crash_looping_job(ctl, playbook):
    """A job that dies a second after each start is restarted until the budget is spent, then only reported."""
    looping = ctl.job_id('ad_impressions')
    ctl.patch_job(looping, fail_after=1.0)
    budget = {'kylin_project': PROJECT, 'kylin_max_failures': 2, 'kylin_failure_window': 600, 'kylin_poll_interval': POLL}
    payments = ctl.job_id('payments_fraud')

    for attempt in (1, 2):  # 0, then 1 failure in the window: within the budget, restarted
        since = int(time.time() * 1000)
        run = playbook('restart_errored', **budget)
        assert run.rc == 0, run
        assert looping in restarted_ids(ctl, since), (attempt, run)
        ctl.wait_for_status(looping, 'ERROR', timeout=10)  # it crashes again: one more ERROR record

    # Two ERROR records in the window now. Another job fails meanwhile: it is still restarted.
    ctl.patch_job(payments, status='ERROR')
    since = int(time.time() * 1000)
    run = playbook('restart_errored', **budget)
    assert run.rc != 0, run
    assert restarted_ids(ctl, since) == [payments]
    assert ctl.actions(job_id=looping, since=since) == []
    assert ctl.status(looping) == 'ERROR'
    assert ('OVER BUDGET, not restarted: streaming_demo/ad_impressions build: ERROR, 2 failures in the last 600s (budget 2)'
            in run.output), run
    assert '1 job(s) over the restart budget (2 failures in 600s), not restarted: streaming_demo/ad_impressions build' in run.output
    # The summary comes before the failure: the restart that was made, and the job left out.
    summary = ('"msg": "localhost: 1 restarted, now RUNNING: streaming_demo/payments_fraud build; 1 over the restart budget, '
               'not restarted: streaming_demo/ad_impressions build (2 failures in the last 600s)."')
    assert summary in run.output and run.output.index(summary) < run.output.index('1 job(s) over the restart budget'), run

    # Reported only, when the run must not fail for it.
    since = int(time.time() * 1000)
    run = playbook('restart_errored', kylin_fail_over_budget=False, **budget)
    assert run.rc == 0, run
    assert 'OVER BUDGET' in run.output
    assert ctl.actions(since=since) == []


def test_budget_counts_only_failures_inside_the_window(ctl, playbook):
    job = ctl.job_id('orders_rt', 'merge')
    ctl.patch_job(job, status='ERROR', records=[['START', 7300], ['ERROR', 7200], ['START', 200], ['ERROR', 120],
                                                ['START', 90], ['ERROR', 60]])
    common = {'kylin_project': PROJECT, 'kylin_models': ['orders_rt'], 'kylin_max_failures': 2, 'kylin_poll_interval': POLL}

    run = playbook('restart_errored', kylin_failure_window=3600, **common)  # 2 failures in the last hour
    assert run.rc != 0, run
    assert '2 failures in the last 3600s (budget 2)' in run.output
    assert ctl.actions() == []

    run = playbook('restart_errored', kylin_failure_window=90, **common)  # only 1 in the last 90 s
    assert run.rc == 0, run
    assert 'restart: streaming_demo/orders_rt merge: ERROR, 1 failure in the last 90s' in run.output
    assert restarted_ids(ctl) == [job]
    assert ctl.status(job) == 'RUNNING'


def test_latency_threshold_restarts_slow_build_jobs(ctl, playbook):
    slow = ctl.job_id('clickstream')
    ctl.patch_job(slow, data_latency=200000)
    check = playbook('restart_errored', check=True, kylin_project=PROJECT, kylin_latency_threshold=120, kylin_poll_interval=POLL)
    assert check.rc == 0 and ctl.actions() == [], check
    assert ('"msg": "localhost: would restart 3: streaming_demo/ad_impressions build, streaming_demo/payments_fraud build, '
            'streaming_demo/clickstream build."') in check.output, check

    run = playbook('restart_errored', kylin_project=PROJECT, kylin_latency_threshold=120, kylin_poll_interval=POLL)
    assert run.rc == 0, run
    assert 'restart: streaming_demo/clickstream build: data latency 200s, 0 restarts in the last 3600s' in run.output
    assert slow in restarted_ids(ctl)
    assert ctl.status(slow) == 'RUNNING'
