# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Change control over a fleet (issue 18): three simulators as three clusters of one inventory.

Staged rollouts (kylin_fleet_serial, kylin_fleet_max_fail_percentage, from the inventory or -e), change windows
computed around "now" (so the tests do not depend on the hour they run), the drift, export and metrics runbooks,
and the projects of one cluster converged side by side. Every outcome is judged on the simulators' own journals
(``/_sim/actions``, ``/_sim/counters``), never on wall time.
"""

import datetime
import json
import os
import socket

import pytest
import yaml

from prometheus_client import parser
from zoneinfo import ZoneInfo

from kylin_sim.control import PARAMS_PUT, STATUS_PUT

from conftest import PROJECT
from test_fleet import CLUSTERS, EXPECTED, ctls_fixture, sims_fixture, write_inventory  # noqa: F401  pylint: disable=unused-import

ZONE = 'Europe/Berlin'
DAYS = ('mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun')
SECRET = 'org.apache.kafka.common.security.plain.PlainLoginModule required username="etl" password="hunter2-s3cret";'


@pytest.fixture(name='run')
def run_fixture(sims, command, tmp_path):
    """``run(name, names=CLUSTERS, group_vars=None, host_vars=None, passwords=None, check=False, **extra_vars)``."""
    count = [0]

    def run(name, names=CLUSTERS, group_vars=None, host_vars=None, passwords=None, check=False, **extra_vars):
        count[0] += 1
        folder = tmp_path / ('inventory-%d' % count[0])
        inventory = write_inventory(folder, sims, names, passwords)
        shared = folder / 'group_vars' / 'kylin_clusters.yml'
        shared.write_text(yaml.safe_dump(dict(yaml.safe_load(shared.read_text()), **(group_vars or {}))))
        for host, values in (host_vars or {}).items():
            own = folder / 'host_vars' / ('%s.yml' % host)
            own.write_text(yaml.safe_dump(dict(yaml.safe_load(own.read_text()), **values)))
        args = ['-i', str(inventory), '-e', json.dumps(dict({'kylin_hosts': 'kylin_clusters'}, **extra_vars))]
        if check:
            args.append('--check')
        return command('kylin.streaming.' + name, *args)

    return run


def writes(ctl):
    """The requests that change something on a cluster: status and params PUTs, and the actions of its journal."""
    return ctl.request_count(STATUS_PUT, PARAMS_PUT) + len(ctl.actions()) + len(ctl.param_writes())


def window(start_offset_minutes, length_minutes):
    """A change window from now + start_offset for length_minutes, in Berlin's wall clock, whatever the hour now."""
    start = datetime.datetime.now(ZoneInfo(ZONE)) + datetime.timedelta(minutes=start_offset_minutes)
    end = start + datetime.timedelta(minutes=length_minutes)
    return {'days': [DAYS[start.weekday()]], 'start': start.strftime('%H:%M'), 'end': end.strftime('%H:%M'), 'tz': ZONE}


def converged(ctls, names=CLUSTERS):
    for name in names:
        jobs = ctls[name].statuses_by_name(PROJECT)
        assert dict((key, jobs[key]) for key in EXPECTED[name]) == EXPECTED[name], name


# ---------------------------------------------------------------- staged rollouts


@pytest.mark.parametrize('where', ['group_vars', 'extra_vars'])
def test_a_failed_canary_stops_the_later_stages(ctls, run, where):
    """prod is the canary (stage 1 of [1, "100%"]); one of its jobs cannot start: dr and staging get no request."""
    prod = ctls['prod']
    prod.patch_job(prod.job_id('clickstream', 'merge'), fail_launch=True)  # STOPPED, and prod wants it RUNNING
    for ctl in ctls.values():
        ctl.clear_counters()
    stages = {'kylin_fleet_serial': [1, '100%']}
    if where == 'group_vars':
        result = run('converge', group_vars=stages)
    else:
        result = run('converge', **stages)
    assert result.rc != 0, result
    assert ('Stage 1 of 2 (prod): 1 of 1 failed (prod), every cluster of the stage failed: the later stages are not '
            'started. Not reached: dr, staging.') in result.output, result
    assert sorted(result.recaps) == ['prod'], result  # the later stages never ran
    assert result.recaps['prod']['failed'] == 1
    assert any(a['job_id'] == prod.job_id('clickstream', 'merge') and a['action'] == 'START' for a in prod.actions())
    for name in ('dr', 'staging'):  # not a request, let alone a write
        assert ctls[name].actions() == [] and ctls[name].counters()['requests'] == {}, name


def test_stages_run_one_after_another_and_say_what_comes_next(ctls, run):
    result = run('converge', kylin_fleet_serial=[1, '50%'])
    assert result.rc == 0, result
    converged(ctls)
    for line in ('Stage 1 of 3 (prod): done; next: dr, staging.', 'Stage 2 of 3 (dr): done; next: staging.',
                 'Stage 3 of 3 (staging): done; every stage is done.'):
        assert line in result.output, result
    # The canary's writes all came before the next stage's first write (the simulators share this machine's clock).
    first = dict((name, min(a['time'] for a in ctls[name].actions())) for name in CLUSTERS)
    last = dict((name, max(a['time'] for a in ctls[name].actions())) for name in CLUSTERS)
    assert last['prod'] <= first['dr'] and last['dr'] <= first['staging'], (first, last)


def test_max_fail_percentage_lets_a_stage_with_few_failures_go_on(ctls, run):
    """dr's password is wrong: 1 of the 2 clusters of stage 1 fails. At 50 % the rollout goes on; at 0 % it stops."""
    wrong = {'dr': 'WRONG'}
    stopped = run('converge', passwords=wrong, kylin_fleet_serial=[2, '100%'])
    assert stopped.rc != 0, stopped
    assert ('Stage 1 of 2 (prod, dr): 1 of 2 failed (dr), more than kylin_fleet_max_fail_percentage 0%: the later stages '
            'are not started. Not reached: staging.') in stopped.output, stopped
    assert ctls['staging'].actions() == [] and ctls['dr'].actions() == []
    assert stopped.recaps['dr']['failed'] == 1 and 'staging' not in stopped.recaps
    converged(ctls, ['prod'])  # the other cluster of the failed stage finished its work

    for ctl in ctls.values():
        ctl.reset('demo')
    going = run('converge', passwords=wrong, group_vars={'kylin_fleet_serial': [2, '100%'], 'kylin_fleet_max_fail_percentage': 50})
    assert going.rc != 0, going  # dr failed, and says so
    assert 'Stage 1 of 2 (prod, dr): 1 of 2 failed (dr), within kylin_fleet_max_fail_percentage 50%; next: staging.' in going.output
    assert 'Stage 2 of 2 (staging): done; every stage is done.' in going.output, going
    converged(ctls, ['prod', 'staging'])
    assert ctls['dr'].actions() == []


def test_a_wrong_serial_or_settings_that_differ_are_refused_before_any_change(ctls, run):
    result = run('converge', kylin_fleet_serial='half')
    assert result.rc != 0, result
    assert "kylin_fleet_serial must be a number of clusters or a percentage of them, or a list of those" in result.output
    assert all(writes(ctl) == 0 for ctl in ctls.values())
    result = run('converge', host_vars={'dr': {'kylin_fleet_serial': [2]}}, group_vars={'kylin_fleet_serial': [1]})
    assert result.rc != 0, result
    assert 'kylin_fleet_serial or kylin_fleet_max_fail_percentage differ between the clusters of kylin_clusters' in result.output
    assert all(writes(ctl) == 0 for ctl in ctls.values())  # the canary too


# ---------------------------------------------------------------- change windows


def test_outside_every_window_nothing_is_written_inside_or_with_the_override_it_is(ctls, run):
    later = {'kylin_change_windows': [window(120, 60)]}
    closed = run('converge', group_vars=later)
    assert closed.rc != 0, closed
    for name in CLUSTERS:
        assert '%s: outside every change window (now ' % name in closed.output, closed
        assert writes(ctls[name]) == 0, name
    assert 'the next opens %s' % later['kylin_change_windows'][0]['days'][0].capitalize() in closed.output
    assert 'Nothing was changed (-e kylin_change_window_override=true to change now)' in closed.output

    overridden = run('converge', group_vars=later, kylin_change_window_override=True)
    assert overridden.rc == 0, overridden
    assert 'kylin_change_window_override is set: changing anyway' in overridden.output
    converged(ctls)

    for ctl in ctls.values():
        ctl.reset('demo')
    now = run('converge', group_vars={'kylin_change_windows': [window(-60, 120), window(300, 30)]})
    assert now.rc == 0, now
    assert 'inside the change window' in now.output
    converged(ctls)


def test_healing_is_exempt_unless_kylin_change_windows_heal(ctls, run):
    later = {'kylin_change_windows': [window(120, 60)]}
    errored = dict((name, ctls[name].job_id('ad_impressions')) for name in CLUSTERS)  # ERROR in the demo seed
    healed = run('restart_errored', names=('prod',), group_vars=later, kylin_project=PROJECT)
    assert healed.rc == 0, healed
    assert [a['job_id'] for a in ctls['prod'].actions() if a['action'] == 'RESTART'].count(errored['prod']) == 1

    refused = run('restart_errored', names=('dr',), group_vars=dict(later, kylin_change_windows_heal=True),
                  kylin_project=PROJECT)
    assert refused.rc != 0, refused
    assert 'dr: outside every change window' in refused.output
    assert writes(ctls['dr']) == 0

    # force_stop is a change like any other by hand...
    job = ctls['staging'].job_id('orders_rt')
    by_hand = run('force_stop', names=('staging',), group_vars=later, kylin_project=PROJECT, kylin_job_ids=[job])
    assert by_hand.rc != 0 and writes(ctls['staging']) == 0, by_hand
    # ... and heals when an EDA rulebook runs it (ansible_eda is set).
    by_rule = run('force_stop', names=('staging',), group_vars=later, kylin_project=PROJECT, kylin_job_ids=[job],
                  ansible_eda={'event': {'kylin': {'event': 'stuck'}}, 'rule': 'stuck'})
    assert by_rule.rc == 0, by_rule
    assert [a['action'] for a in ctls['staging'].actions()] == ['FORCE_STOP']


# ---------------------------------------------------------------- drift


def test_drift_passes_on_a_converged_fleet_and_names_a_job_stopped_behind_its_back(ctls, run, tmp_path):
    assert run('converge').rc == 0
    clean = run('drift')
    assert clean.rc == 0, clean
    assert 'No drift: the ' in clean.output and 'desired jobs of 3 clusters are as desired' in clean.output

    prod = ctls['prod']
    prod.patch_job(prod.job_id('orders_rt'), status='STOPPED')  # behind the runbooks' back
    before = dict((name, len(ctls[name].actions())) for name in CLUSTERS)
    for ctl in ctls.values():
        ctl.clear_counters()
    report = tmp_path / 'drift-report'
    drifted = run('drift', kylin_streaming_report_dir=str(report), kylin_notify_playbook='kylin.streaming.eda_notify')
    assert drifted.rc != 0, drifted
    assert 'prod: streaming_demo/orders_rt build: status STOPPED, desired RUNNING (converge would START it)' in drifted.output
    assert 'Drift on 1 of 3 clusters (prod): 1 job drifted or missing.' in drifted.output
    assert drifted.recaps['prod']['failed'] == 1 and drifted.recaps['dr']['failed'] == 0 and drifted.recaps['staging']['failed'] == 0
    assert 'kylin.streaming.eda_notify was run with the drift of prod: Kylin streaming drift: prod: 1 job(s) drifted' in drifted.output
    for name in CLUSTERS:  # read only
        assert len(ctls[name].actions()) == before[name]
        assert ctls[name].request_count(STATUS_PUT, PARAMS_PUT) == 0, name
    html = (report / 'kylin-streaming-drift.html').read_text(encoding='utf-8')
    assert 'data-job-id="%s"' % prod.job_id('orders_rt') in html and html.count('data-job-id=') == 1
    assert '<section class="cluster" id="cluster-1" data-cluster="prod">' in html


def test_drift_never_shows_a_secret_param(ctls, run):
    prod = ctls['prod']
    job = prod.job_id('orders_rt')
    prod.patch_job(job, params=dict(prod.job(job)['params'], **{'kafka.sasl.jaas.config': SECRET}))
    desired = [{'project': PROJECT, 'model': 'orders_rt', 'job_types': ['build'], 'params': {'kafka.sasl.jaas.config': 'other'}}]
    result = run('drift', names=('prod',), host_vars={'prod': {'kylin_streaming_jobs': desired}})
    assert result.rc != 0, result
    assert 'prod: streaming_demo/orders_rt build: params kafka.sasl.jaas.config differs' in result.output, result
    assert 'hunter2' not in result.output and '-> other' not in result.output


# ---------------------------------------------------------------- export


def test_export_then_converge_changes_nothing_and_writes_no_secret(ctls, run, tmp_path):
    prod = ctls['prod']
    job = prod.job_id('orders_rt')
    prod.patch_job(job, params=dict(prod.job(job)['params'], **{'kafka.sasl.jaas.config': SECRET}))
    exported = tmp_path / 'desired'
    result = run('export', kylin_export_dir=str(exported))
    assert result.rc == 0, result
    assert sorted(os.listdir(str(exported))) == ['dr.yml', 'prod.yml', 'staging.yml']
    assert 'prod: 1 secret param(s) written as vault placeholders, not in clear: define vault_kylin_prod_kafka_sasl_jaas_config' in result.output
    assert 'hunter2' not in result.output
    host_vars = {}
    for name in CLUSTERS:
        text = (exported / ('%s.yml' % name)).read_text(encoding='utf-8')
        assert 'hunter2' not in text
        entries = yaml.safe_load(text)['kylin_streaming_jobs']
        jobs = ctls[name].jobs()
        assert len(entries) < len(jobs), name  # compact: entries share models
        assert sum(len(e['models']) * len(e.get('job_types', ['build', 'merge'])) for e in entries) == len(jobs)
        host_vars[name] = {'kylin_streaming_jobs': entries}
    assert "'{{ vault_kylin_prod_kafka_sasl_jaas_config }}'" in (exported / 'prod.yml').read_text(encoding='utf-8')
    host_vars['prod']['vault_kylin_prod_kafka_sasl_jaas_config'] = SECRET  # the user's vault file

    before = dict((name, len(ctls[name].actions())) for name in CLUSTERS)
    for ctl in ctls.values():
        ctl.clear_counters()
    again = run('converge', host_vars=host_vars)
    assert again.rc == 0, again
    for name in CLUSTERS:
        assert again.recaps[name]['changed'] == 0, again
        assert len(ctls[name].actions()) == before[name] and ctls[name].param_writes() == []
        assert ctls[name].request_count(STATUS_PUT, PARAMS_PUT) == 0, name
    assert prod.job(job)['params']['kafka.sasl.jaas.config'] == SECRET


# ---------------------------------------------------------------- metrics


def test_metrics_file_parses_with_prometheus_client_and_has_a_sample_per_job(ctls, sims, command, tmp_path):
    with socket.socket() as sock:  # a fourth cluster that nobody answers for
        sock.bind(('127.0.0.1', 0))
        closed = sock.getsockname()[1]
    out = tmp_path / 'textfile' / 'kylin_streaming.prom'
    os.makedirs(str(out.parent))
    folder = tmp_path / 'metrics-inventory'
    inventory = write_inventory(folder, sims)
    hosts = yaml.safe_load(inventory.read_text())
    hosts['kylin_clusters']['hosts']['lab'] = None
    inventory.write_text(yaml.safe_dump(hosts, sort_keys=False))
    (folder / 'host_vars' / 'lab.yml').write_text(yaml.safe_dump({'kylin_url': 'http://127.0.0.1:%d' % closed, 'kylin_password': 'KYLIN'}))
    result = command('kylin.streaming.metrics', '-i', str(inventory), '-e',
                     json.dumps({'kylin_hosts': 'kylin_clusters', 'kylin_metrics_file': str(out)}))
    assert result.rc != 0 and result.recaps['lab']['failed'] == 1, result  # lab could not be read: after the file
    assert all(result.recaps[name]['failed'] == 0 for name in CLUSTERS)
    assert os.listdir(str(out.parent)) == ['kylin_streaming.prom']  # no temporary file left beside it
    families = dict((family.name, family) for family in parser.text_string_to_metric_families(out.read_text()))
    assert set(families) >= {'kylin_streaming_up', 'kylin_streaming_jobs', 'kylin_streaming_job_status',
                             'kylin_streaming_job_data_latency_seconds', 'kylin_streaming_job_last_status_duration_seconds'}
    assert all(families[name].type == 'gauge' and families[name].documentation for name in families)
    up = dict((s.labels['cluster'], s.value) for s in families['kylin_streaming_up'].samples)
    assert up == {'prod': 1.0, 'dr': 1.0, 'staging': 1.0, 'lab': 0.0}
    for name in CLUSTERS:
        jobs = ctls[name].jobs()
        status = [s for s in families['kylin_streaming_job_status'].samples if s.labels['cluster'] == name]
        current = [s for s in status if s.value == 1.0]
        assert len(current) == len(jobs), name  # one current status per job
        by_job = dict(((s.labels['project'], s.labels['model'], s.labels['job_type']), s.labels['status']) for s in current)
        for job in jobs:
            kind = job['job_type'].split('_')[1].lower()
            assert (job['project'], job['model_alias'], kind) in by_job, job['id']
        counts = dict((s.labels['status'], s.value) for s in families['kylin_streaming_jobs'].samples if s.labels['cluster'] == name)
        assert sum(counts.values()) == len(jobs)
        durations = [s for s in families['kylin_streaming_job_last_status_duration_seconds'].samples if s.labels['cluster'] == name]
        assert len(durations) == len([job for job in jobs if job.get('last_status_duration') is not None]) > 0
        latency = [s for s in families['kylin_streaming_job_data_latency_seconds'].samples if s.labels['cluster'] == name]
        assert latency and all(s.labels['job_type'] == 'build' for s in latency)
    assert not [s for s in families['kylin_streaming_job_status'].samples if s.labels['cluster'] == 'lab']


# ---------------------------------------------------------------- projects side by side


def test_the_projects_of_one_cluster_start_side_by_side(sims, run):
    """Kylin serializes START work per project: with a START cost, side by side the projects' STARTs interleave."""
    ctl = sims['prod'].ctl
    ctl.reset('empty')
    projects = ['p%d' % n for n in range(3)]
    for project in projects:
        ctl.generate(project, 3, status='STOPPED')
    ctl.set_config(start_work=0.3)
    desired = [{'project': project, 'models': ['model_%04d' % n for n in range(3)]} for project in projects]

    def starts():
        order = [a for a in sorted(ctl.actions(), key=lambda a: a['time']) if a['action'] == 'START']
        return [a['job_id'] for a in order], dict((a['job_id'], job['project']) for job in ctl.jobs() for a in order if a['job_id'] == job['id'])

    side = run('converge', names=('prod',), host_vars={'prod': {'kylin_streaming_jobs': desired}})
    assert side.rc == 0, side
    ids, project_of = starts()
    assert len(ids) == 18
    sequence = [project_of[job] for job in ids]
    # Side by side: a project's STARTs are not all done before another project's begin.
    assert any(sequence.index(b) < max(i for i, p in enumerate(sequence) if p == a) for a in projects for b in projects if a != b), sequence
    assert 'p0: 6 jobs in 1 call, 6 changed' in side.output and 'p2: 6 jobs in 1 call, 6 changed' in side.output

    ctl.reset('empty')
    for project in projects:
        ctl.generate(project, 3, status='STOPPED')
    ctl.set_config(start_work=0.3)
    one = run('converge', names=('prod',), host_vars={'prod': {'kylin_streaming_jobs': desired, 'kylin_streaming_jobs_concurrency': 1}})
    assert one.rc == 0, one
    ids, project_of = starts()
    sequence = [project_of[job] for job in ids]
    assert sequence == sorted(sequence, key=projects.index), sequence  # one project after another
