# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The runbooks and the jobs role with a health gate (kylin_health) and rollback (kylin_rollback), against the
simulator's live stats: a stats row per micro-batch of every running build job (every 0.2 s here), each job's
latency behaviour fixed when it starts. Judged on the simulator's action journal, its params writes and its
stats rows."""

import re

import yaml

PROJECT = 'streaming_demo'
POLL = 0.2
MAX_OFFSETS = 'kylin.streaming.kafka-conf.maxOffsetsPerTrigger'


def live(ctl, **modes):
    """Micro-batches every 0.2 s; every build job steady at 100 ms, except ``modes`` (model -> (mode, base ms))."""
    ctl.set_config(stats_interval=0.2)
    for job in ctl.jobs():
        if job['job_type'] == 'STREAMING_BUILD':
            mode, base = modes.get(job['model_alias'], ('steady', 100))
            ctl.set_latency(job['id'], mode, base_ms=base)


def restarts(ctl):
    return [(a['job_id'], a['action']) for a in ctl.actions() if a['ok']]


def fresh_rows(ctl, job_id):
    stats = ctl.stats(job_id)
    start = stats['runs'][-1]['start']
    return [row for row in stats['rows'] if row['create_time'] > start]


def test_rolling_restart_reports_each_batch_gate_and_halts_at_the_unhealthy_batch(ctl, playbook):
    # Builds first, by model: clickstream (works off its backlog), orders_rt (lags), user_sessions, then merges.
    live(ctl, clickstream=('healthy', 100), orders_rt=('lagging', 300))
    clickstream, orders, sessions = (ctl.job_id(m) for m in ('clickstream', 'orders_rt', 'user_sessions'))
    seeded = ctl.transitions(job_id=sessions)
    run = playbook('rolling_restart', kylin_project=PROJECT, kylin_batch_size=1, kylin_poll_interval=POLL,
                   kylin_health={'max_latency': 0.5, 'samples': 2, 'timeout': 3})
    assert run.rc != 0, run
    # Batch 1's line says what its gate saw, as it finishes, before batch 2 starts.
    line = re.search(r'batch 1 of 6 RUNNING again after [\d.]+s: clickstream build; health gate: clickstream build '
                     r'healthy, data latency ([\d.]+)s after (\d+) micro-batches', run.output)
    assert line, run
    assert float(line.group(1)) <= 0.5 and int(line.group(2)) >= 3  # 800, 400, 200 ms of backlog, then 100
    assert run.output.index(line.group(0)) < run.output.index('TASK [Restart in the background: batch 2 of 6')
    assert 'stopped at the first failing batch (2 of 6)' in run.output, run
    assert re.search(r'orders_rt build not healthy 3s after RUNNING: data latency [\d.]+s at its last micro-batch, '
                     r'over max_latency 0.5s', run.output), run
    assert 'Not attempted, still running: user_sessions build, ' in run.output
    # The journal: two restarts, the later batches untouched; the gate judged fresh micro-batches only.
    assert restarts(ctl) == [(clickstream, 'RESTART'), (orders, 'RESTART')]
    assert ctl.status(sessions) == 'RUNNING' and ctl.transitions(job_id=sessions) == seeded
    healthy = fresh_rows(ctl, clickstream)
    assert [row['min_data_latency'] for row in healthy[:3]] == [800, 400, 200]
    assert ctl.actions(job_id=orders)[0]['time'] > healthy[2]['create_time']  # batch 2 after its 2nd under 0.5 s
    assert all(row['min_data_latency'] > 500 for row in fresh_rows(ctl, orders))


def test_converge_rolls_back_a_params_change_that_makes_the_job_lag(ctl, playbook, tmp_path):
    live(ctl, orders_rt=('steady', 300))  # with the change: 900, 1500 ... ms
    ctl.set_param_effects({'key': MAX_OFFSETS, 'value': '10', 'effect': 'lagging'})
    orders = ctl.job_id('orders_rt')
    before = ctl.job(orders)['params']
    desired = tmp_path / 'desired.yml'
    desired.write_text(yaml.safe_dump({'kylin_streaming_jobs': [
        {'project': PROJECT, 'model': 'orders_rt', 'job_types': ['build'], 'params': {MAX_OFFSETS: '10'}}]}))
    run = playbook('converge', kylin_health={'max_latency': 0.5, 'samples': 2, 'timeout': 2}, kylin_rollback=True,
                   kylin_streaming_jobs_poll_interval=POLL,
                   kylin_streaming_jobs=yaml.safe_load(desired.read_text())['kylin_streaming_jobs'])
    assert run.rc != 0, run
    assert 'rolled back: its previous params were written back and it is RUNNING again with them' in run.output, run
    writes = ctl.param_writes(job_id=orders)
    assert [w['params'] for w in writes] == [dict(before, **{MAX_OFFSETS: '10'}), before]
    assert restarts(ctl) == [(orders, 'RESTART'), (orders, 'RESTART')]
    assert ctl.status(orders) == 'RUNNING' and ctl.job(orders)['params'] == before
    assert [run_['mode'] for run_ in ctl.stats(orders)['runs'][-2:]] == ['lagging', 'steady']


def test_maintenance_resume_waits_for_healthy_jobs(ctl, playbook, tmp_path):
    live(ctl)
    snapshot = tmp_path / 'window.yml'
    stop = playbook('maintenance_stop', kylin_project='iot', kylin_snapshot=str(snapshot), kylin_poll_interval=POLL)
    assert stop.rc == 0, stop
    sensor = ctl.job_id('sensor_readings', project='iot')
    ctl.clear_counters()
    resume = playbook('maintenance_resume', kylin_snapshot=str(snapshot), kylin_poll_interval=POLL,
                      kylin_health={'max_latency': 0.5, 'samples': 3})
    assert resume.rc == 0, resume
    assert ctl.status(sensor) == 'RUNNING' and len(fresh_rows(ctl, sensor)) >= 3
    assert ctl.counters()['requests'].get('GET /kylin/api/streaming_jobs/stats', 0) >= 1


def test_restart_errored_counts_a_restart_that_did_not_become_healthy(ctl, playbook):
    """The errored job is restarted behind a gate and lags: the run fails, saying so after its summary. When the
    job falls into ERROR again, the failed restart counts in the budget: 1 ERROR + 1 unhealthy run reach 2."""
    live(ctl, ad_impressions=('lagging', 400))
    ads = ctl.job_id('ad_impressions')
    common = dict(kylin_project=PROJECT, kylin_job_ids=[ads], kylin_poll_interval=POLL, kylin_max_failures=2,
                  kylin_health={'max_latency': 0.5, 'samples': 2, 'timeout': 2})
    first = playbook('restart_errored', **common)
    assert first.rc != 0, first
    assert re.search(r'localhost: 1 restarted but failed: streaming_demo/ad_impressions build: not healthy 2s after '
                     r'RUNNING: data latency [\d.]+s at its last micro-batch, over max_latency 0.5s', first.output), first
    assert restarts(ctl) == [(ads, 'RESTART')] and ctl.status(ads) == 'RUNNING'

    ctl.patch_job(ads, status='ERROR')
    second = playbook('restart_errored', **common)
    assert second.rc != 0, second
    assert ('OVER BUDGET, not restarted: streaming_demo/ad_impressions build: ERROR, 2 failures in the last 3600s '
            '(1 of them a restart that did not become healthy) (budget 2)') in second.output, second
    assert restarts(ctl) == [(ads, 'RESTART')] and ctl.status(ads) == 'ERROR'
    # The stats the budget judged: the restarted run wrote micro-batches, none at or under 0.5 s.
    stats = ctl.stats(ads)
    run = [run for run in stats['runs'] if run['mode'] == 'lagging']
    assert len(run) == 1
    rows = [r for r in stats['rows'] if run[0]['start'] < r['create_time'] <= run[0]['end']]
    assert rows and all(r['min_data_latency'] > 500 for r in rows)


def test_the_report_shows_what_the_gate_saw(ctl, sim, kylin_playbook, tmp_path):
    """The jobs role with a gate, then the report role in the same play: the row of the job started behind the gate
    carries the latency of the last micro-batch the gate saw; the rows of the others, nothing about a gate."""
    live(ctl)
    inventory = ctl.job_id('inventory_levels')  # STOPPED in the demo seed: the role starts it
    out = tmp_path / 'report'
    play = {'name': 'Converge, then report', 'hosts': 'localhost', 'gather_facts': False,
            'vars': {'kylin_streaming_jobs': [{'project': PROJECT, 'model': 'inventory_levels', 'job_types': ['build']}],
                     'kylin_health': {'max_latency': 0.5, 'samples': 3}, 'kylin_streaming_jobs_poll_interval': POLL,
                     'kylin_streaming_report_dir': str(out), 'kylin_streaming_report_formats': ['html', 'md']},
            'roles': ['kylin.streaming.jobs', 'kylin.streaming.report']}
    run = kylin_playbook.run([play], sim=sim, timeout=300)
    assert run.rc == 0, run.output
    assert restarts(ctl) == [(inventory, 'START')]
    gate = re.search(r'health gate: healthy, ([\d.]+)s after (\d+) micro-batches', (out / 'kylin-streaming-jobs.html')
                     .read_text())
    assert gate and float(gate.group(1)) <= 0.5 and int(gate.group(2)) >= 3
    html = (out / 'kylin-streaming-jobs.html').read_text()
    row = html[html.index('data-job-id="%s"' % inventory):]
    assert row.index('health gate: healthy') < row.index('</tr>')
    assert html.count('health gate:') == 1
    assert 'health gate: healthy' in (out / 'kylin-streaming-jobs.md').read_text()
    latency = float(gate.group(1)) * 1000
    assert latency in [r['min_data_latency'] for r in fresh_rows(ctl, inventory)]
