# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The runbooks over a fleet: three simulators as three Kylin clusters of one inventory.

Each cluster is an inventory host with its own ``kylin_url``, credentials and desired state in
``host_vars/`` (shared settings in ``group_vars/``, next to the inventory), and the runbooks are run with
``-e kylin_hosts=kylin_clusters`` and no KYLIN_* in the environment, so nothing can fall back to one URL.
Outcomes are judged on each simulator's own state and logs. The simulators come from the kylin_sim pytest
plugin's ``kylin_sim_factory``.
"""

import json
import os
import socket
import time

from html.parser import HTMLParser

import pytest
import yaml

from conftest import POLL, PROJECT, Control, playbook_env, run_playbook

CLUSTERS = ('prod', 'dr', 'staging')
# Each cluster's own desired state (the same seed, so the same job ids, on every simulator).
DESIRED = {
    'prod': [{'project': PROJECT, 'models': ['orders_rt', 'clickstream', 'ad_impressions']},
             {'project': PROJECT, 'model': 'user_sessions', 'state': 'stopped'}],
    'dr': [{'project': PROJECT, 'models': ['orders_rt', 'clickstream', 'user_sessions'], 'state': 'stopped'},
           {'project': 'iot', 'model': 'fleet_telemetry', 'state': 'stopped'}],
    'staging': [{'project': PROJECT, 'model': 'inventory_levels'},
                {'project': PROJECT, 'model': 'orders_rt', 'job_types': ['merge'], 'state': 'stopped'}],
}
EXPECTED = {
    'prod': {('orders_rt', 'build'): 'RUNNING', ('orders_rt', 'merge'): 'RUNNING',
             ('clickstream', 'build'): 'RUNNING', ('clickstream', 'merge'): 'RUNNING',
             ('ad_impressions', 'build'): 'RUNNING', ('ad_impressions', 'merge'): 'RUNNING',
             ('user_sessions', 'build'): 'STOPPED', ('user_sessions', 'merge'): 'STOPPED'},
    'dr': {('orders_rt', 'build'): 'STOPPED', ('orders_rt', 'merge'): 'STOPPED',
           ('clickstream', 'build'): 'STOPPED', ('clickstream', 'merge'): 'STOPPED',
           ('user_sessions', 'build'): 'STOPPED', ('user_sessions', 'merge'): 'STOPPED'},
    'staging': {('inventory_levels', 'build'): 'RUNNING', ('inventory_levels', 'merge'): 'RUNNING',
                ('orders_rt', 'merge'): 'STOPPED'},
}
IOT_EXPECTED = {'dr': {('fleet_telemetry', 'build'): 'STOPPED', ('fleet_telemetry', 'merge'): 'STOPPED'}}
STATUS_PUT = 'PUT /kylin/api/streaming_jobs/status'
TIMINGS = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), '.tmp',
                       'fleet-timings.json')


@pytest.fixture(name='sims')
def sims_fixture(kylin_sim_factory):
    """Three simulators, three clusters (the kylin_sim pytest plugin's factory; all stopped after the test)."""
    return dict((name, kylin_sim_factory.make(seed='demo', name=name)) for name in CLUSTERS)


@pytest.fixture(name='ctls')
def ctls_fixture(sims):
    ctls = {}
    for name, server in sims.items():
        ctls[name] = Control(server.url)
        ctls[name].reset('demo')
    return ctls


def write_inventory(path, sims, names=CLUSTERS, passwords=None):
    """An inventory directory as docs/runbooks.md shows it: hosts.yml, group_vars/, host_vars/."""
    (path / 'group_vars').mkdir(parents=True)
    (path / 'host_vars').mkdir()
    (path / 'hosts.yml').write_text(yaml.safe_dump({'kylin_clusters': {'hosts': dict((name, None) for name in names)}}, sort_keys=False))
    (path / 'group_vars' / 'kylin_clusters.yml').write_text(yaml.safe_dump({
        'kylin_username': 'ADMIN', 'kylin_streaming_jobs_poll_interval': POLL, 'kylin_poll_interval': POLL}))
    for name in names:
        host_vars = {'kylin_url': sims[name].url, 'kylin_password': (passwords or {}).get(name, 'KYLIN'),
                     'kylin_streaming_jobs': DESIRED[name]}
        (path / 'host_vars' / ('%s.yml' % name)).write_text(yaml.safe_dump(host_vars))
    return path / 'hosts.yml'


@pytest.fixture(name='fleet')
def fleet_fixture(sims, tmp_path):
    """``fleet(name, names=CLUSTERS, passwords=None, **extra_vars)``: ``kylin.streaming.<name>`` over the fleet."""
    env = playbook_env(tmp_path)
    count = [0]

    def run(name, names=CLUSTERS, passwords=None, check=False, **extra_vars):
        count[0] += 1
        inventory = write_inventory(tmp_path / ('inventory-%d' % count[0]), sims, names, passwords)
        args = ['-i', str(inventory), 'kylin.streaming.' + name,
                '-e', json.dumps(dict({'kylin_hosts': 'kylin_clusters'}, **extra_vars))]
        if check:
            args.append('--check')
        return run_playbook(args, tmp_path, env)

    return run


def states(ctl, project=PROJECT):
    return dict(((model, kind), job['status']) for (dummy, model, kind), job in ctl.by_name(project).items())


def test_converge_reaches_each_clusters_own_state_then_changes_nothing(ctls, fleet):
    first = fleet('converge')
    assert first.rc == 0, first
    for name in CLUSTERS:
        jobs = states(ctls[name])
        assert dict((key, jobs[key]) for key in EXPECTED[name]) == EXPECTED[name], name
        iot = states(ctls[name], 'iot')
        for key, status in IOT_EXPECTED.get(name, {}).items():
            assert iot[key] == status, (name, key)
    # prod's desired state did not leak into staging (and so on): staging's clickstream merge was untouched.
    assert states(ctls['staging'])[('user_sessions', 'build')] == 'RUNNING'
    assert states(ctls['prod'])[('inventory_levels', 'build')] == 'STOPPED'
    recaps = first.recaps
    assert sorted(recaps) == sorted(CLUSTERS), first
    assert all(recaps[name]['changed'] > 0 and recaps[name]['failed'] == 0 for name in CLUSTERS), recaps
    # The summary per cluster, named by its inventory host and server.
    for name in CLUSTERS:
        assert '%s (%s): ' % (name, ctls[name].url) in first.output, first

    actions = dict((name, len(ctls[name].actions())) for name in CLUSTERS)
    for ctl in ctls.values():
        ctl.clear_counters()
    second = fleet('converge')
    assert second.rc == 0, second
    assert all(second.recaps[name]['changed'] == 0 for name in CLUSTERS), second
    for name in CLUSTERS:
        assert len(ctls[name].actions()) == actions[name]
        assert ctls[name].counters()['requests'].get(STATUS_PUT, 0) == 0


def test_three_clusters_take_about_as_long_as_one(ctls, fleet):
    """The clusters are converged in parallel (forks); the figures go to .tmp/fleet-timings.json, no assert on time."""
    for ctl in ctls.values():
        ctl.set_config(start_delay=2.0, stop_delay=1.0)
    started = time.monotonic()
    one = fleet('converge', names=('prod',))
    one_s = time.monotonic() - started
    assert one.rc == 0, one
    for ctl in ctls.values():
        ctl.reset('demo')
        ctl.set_config(start_delay=2.0, stop_delay=1.0)
    started = time.monotonic()
    three = fleet('converge')
    three_s = time.monotonic() - started
    assert three.rc == 0, three
    for name in CLUSTERS:  # really converged, each of them
        jobs = states(ctls[name])
        assert dict((key, jobs[key]) for key in EXPECTED[name]) == EXPECTED[name], name
    os.makedirs(os.path.dirname(TIMINGS), exist_ok=True)
    with open(TIMINGS, 'w', encoding='utf-8') as handle:
        json.dump({'one_cluster_s': round(one_s, 1), 'three_clusters_s': round(three_s, 1)}, handle)
    print('converge: 1 cluster %.1fs, 3 clusters %.1fs' % (one_s, three_s))


def test_a_host_without_its_own_url_or_a_shared_url_is_refused(sims, ctls, tmp_path):
    inventory = write_inventory(tmp_path / 'no-url', sims)
    dr_vars = tmp_path / 'no-url' / 'host_vars' / 'dr.yml'
    dr_vars.write_text(yaml.safe_dump(dict((key, value) for key, value in yaml.safe_load(dr_vars.read_text()).items()
                                           if key != 'kylin_url')))
    # KYLIN_URL points at prod: dr, without a kylin_url of its own, would stop prod's jobs.
    env = playbook_env(tmp_path, KYLIN_URL=sims['prod'].url, KYLIN_USERNAME='ADMIN', KYLIN_PASSWORD='KYLIN')
    run = run_playbook(['-i', str(inventory), 'kylin.streaming.converge', '-e', 'kylin_hosts=kylin_clusters'], tmp_path, env)
    assert run.rc != 0, run
    assert 'dr has no kylin_url' in run.output and 'host_vars/dr.yml' in run.output, run
    assert run.recaps['dr']['failed'] == 1 and run.recaps['prod']['failed'] == 0, run
    jobs = states(ctls['prod'])
    assert dict((key, jobs[key]) for key in EXPECTED['prod']) == EXPECTED['prod']  # prod's own state, not dr's
    assert ctls['dr'].actions() == []

    for ctl in ctls.values():
        ctl.reset('demo')
    inventory = write_inventory(tmp_path / 'shared', sims)
    prod_vars = tmp_path / 'shared' / 'host_vars' / 'prod.yml'
    prod_vars.write_text(yaml.safe_dump(dict(yaml.safe_load(prod_vars.read_text()), kylin_url=sims['dr'].url + '/')))
    run = run_playbook(['-i', str(inventory), 'kylin.streaming.converge', '-e', 'kylin_hosts=kylin_clusters'],
                       tmp_path, playbook_env(tmp_path))
    assert run.rc != 0, run
    assert 'prod and dr of kylin_clusters have the same kylin_url' in run.output, run
    assert ctls['dr'].actions() == [] and ctls['prod'].actions() == []
    assert ctls['staging'].actions() != []  # the third cluster is not held back


class FleetPage(HTMLParser):
    """The cluster sections of the report, their job rows and the totals."""

    def __init__(self):
        super().__init__()
        self.sections = []
        self.rows = {}
        self.cards = {}
        self._card = None
        self._in = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == 'section' and 'data-cluster' in attrs:
            self.sections.append(attrs['data-cluster'])
        elif tag == 'tr' and 'data-job-id' in attrs:
            self.rows.setdefault(attrs.get('data-cluster'), []).append(attrs)
        elif tag == 'div' and 'data-count' in attrs and not self.sections:
            self._card = attrs['data-count']
        elif tag == 'div' and 'value' in attrs.get('class', '').split() and self._card:
            self._in = 'card'

    def handle_endtag(self, tag):
        if tag == 'div':
            self._in = None

    def handle_data(self, data):
        if self._in == 'card':
            self.cards[self._card] = int(data.strip())
            self._card = None


def test_report_over_the_fleet_is_one_page_with_a_section_per_cluster(ctls, fleet, tmp_path):
    ctls['dr'].patch_job(ctls['dr'].job_id('orders_rt'), status='ERROR')
    out = tmp_path / 'report'
    run = fleet('report', kylin_streaming_report_dir=str(out), kylin_streaming_report_charts=False)
    assert run.rc == 0, run
    files = sorted(os.listdir(str(out)))
    assert files == ['kylin-streaming-jobs.csv', 'kylin-streaming-jobs.html', 'kylin-streaming-jobs.md'], files
    page = FleetPage()
    page.feed((out / 'kylin-streaming-jobs.html').read_text(encoding='utf-8'))
    assert page.sections == list(CLUSTERS)  # in inventory order
    for name in CLUSTERS:
        assert sorted(row['data-job-id'] for row in page.rows[name]) == sorted(job['id'] for job in ctls[name].jobs())
    assert page.cards['total'] == sum(len(ctls[name].jobs()) for name in CLUSTERS)
    errors = sum(1 for name in CLUSTERS for job in ctls[name].jobs() if job['status'] in ('ERROR', 'LAUNCHING_ERROR'))
    assert page.cards['error'] == errors
    assert [row['data-status'] for row in page.rows['dr'] if row['data-job-id'] == ctls['dr'].job_id('orders_rt')] == ['ERROR']
    # The banner names the job of its cluster, linked to its row in that cluster's section.
    html = (out / 'kylin-streaming-jobs.html').read_text(encoding='utf-8')
    anchor = 'job-%d-%s' % (list(CLUSTERS).index('dr') + 1, ctls['dr'].job_id('orders_rt'))
    banner = html[html.index('id="verdict"'):html.index('id="summary"')]
    assert 'href="#%s"><span class="cluster">dr</span> orders_rt' % anchor in banner, banner
    assert html.count('id="%s"' % anchor) == 1
    markdown = (out / 'kylin-streaming-jobs.md').read_text(encoding='utf-8')
    assert all('#### %s' % name in markdown for name in CLUSTERS)
    csv_lines = (out / 'kylin-streaming-jobs.csv').read_text(encoding='utf-8').splitlines()
    assert len(csv_lines) == 1 + page.cards['total']
    assert '%d clusters' % len(CLUSTERS) in run.output, run


def test_a_cluster_that_cannot_be_read_gets_a_section_and_fails_after_the_page(sims, ctls, tmp_path):
    inventory = write_inventory(tmp_path / 'inventory', sims)
    hosts = yaml.safe_load((tmp_path / 'inventory' / 'hosts.yml').read_text())
    hosts['kylin_clusters']['hosts']['lab'] = None
    (tmp_path / 'inventory' / 'hosts.yml').write_text(yaml.safe_dump(hosts, sort_keys=False))
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(('127.0.0.1', 0))
        closed = sock.getsockname()[1]
    (tmp_path / 'inventory' / 'host_vars' / 'lab.yml').write_text(yaml.safe_dump(
        {'kylin_url': 'http://127.0.0.1:%d' % closed, 'kylin_password': 'KYLIN'}))
    out = tmp_path / 'report'
    run = run_playbook(['-i', str(inventory), 'kylin.streaming.report', '-e', json.dumps(
        {'kylin_hosts': 'kylin_clusters', 'kylin_streaming_report_dir': str(out), 'kylin_streaming_report_charts': False})],
        tmp_path, playbook_env(tmp_path))
    assert run.rc != 0, run
    assert run.recaps['lab']['failed'] == 1 and all(run.recaps[name]['failed'] == 0 for name in CLUSTERS), run
    html = (out / 'kylin-streaming-jobs.html').read_text(encoding='utf-8')
    page = FleetPage()
    page.feed(html)
    assert page.sections == list(CLUSTERS) + ['lab']
    assert 'lab: the jobs could not be read' in html and 'Connection refused' in html
    assert '1 cluster could not be read' in html
    assert page.cards['total'] == sum(len(ctls[name].jobs()) for name in CLUSTERS)


def test_maintenance_over_the_fleet_keeps_one_snapshot_per_cluster(ctls, fleet, tmp_path):
    running = dict((name, sorted(job['id'] for job in ctls[name].jobs() if job['status'] in ('RUNNING', 'STARTING')))
                   for name in CLUSTERS)
    ctls['dr'].patch_job(running['dr'][0], status='STOPPED')  # the clusters differ: dr has one job fewer running
    running['dr'] = running['dr'][1:]

    shared = fleet('maintenance_stop', kylin_snapshot=str(tmp_path / 'one.yml'))
    assert shared.rc != 0, shared
    assert 'is the snapshot file of several clusters' in shared.output, shared
    assert all(ctls[name].actions() == [] for name in CLUSTERS) and not (tmp_path / 'one.yml').exists()

    stop = fleet('maintenance_stop')
    assert stop.rc == 0, stop
    for name in CLUSTERS:
        snapshot = yaml.safe_load((tmp_path / ('kylin-maintenance-snapshot-%s.yml' % name)).read_text())
        assert sorted(job['id'] for job in snapshot['jobs']) == running[name], name
        assert all(job['status'] not in ('RUNNING', 'STARTING') for job in ctls[name].jobs()), name

    resume = fleet('maintenance_resume')
    assert resume.rc == 0, resume
    for name in CLUSTERS:
        assert sorted(job['id'] for job in ctls[name].jobs() if job['status'] == 'RUNNING') == running[name], name
        assert not (tmp_path / ('kylin-maintenance-snapshot-%s.yml' % name)).exists()


def test_rolling_restart_over_the_fleet_reports_each_clusters_batches(ctls, fleet):
    running = dict((name, sorted(job['id'] for job in ctls[name].jobs(project=PROJECT) if job['status'] == 'RUNNING'))
                   for name in CLUSTERS)
    run = fleet('rolling_restart', kylin_project=PROJECT, kylin_batch_size=3)
    assert run.rc == 0, run
    for name in CLUSTERS:
        assert sorted(action['job_id'] for action in ctls[name].actions()) == running[name], name  # each job once
        assert set(action['action'] for action in ctls[name].actions()) == {'RESTART'}
        assert all(ctls[name].job(job)['status'] == 'RUNNING' for job in running[name])
        batches = -(-len(running[name]) // 3)
        for number in range(1, batches + 1):
            assert '%s: batch %d of %d RUNNING again' % (name, number, batches) in run.output, (name, run)
