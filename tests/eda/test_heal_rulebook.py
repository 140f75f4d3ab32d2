# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""End to end: the real ansible-rulebook runs kylin.streaming.heal against a simulator process.

The outcome is read from the simulator's action and transition logs: which job was restarted or
force-stopped, and how often; the rulebook's output only serves to know when a decision was taken.
"""

import base64
import json
import os
import signal
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from kylin_sim.testing import wait_until

from conftest import eda_bin

PROJECT = 'p1'
USER, PASSWORD = 'EDA', 'Sup3r-Secret-9'
INTERVAL = 0.3
WAIT = 120.0  # bound for one awaited outcome: a JVM start plus a few playbook runs on a loaded machine


class Rulebook:
    """``ansible-rulebook -r kylin.streaming.heal`` in a process of its own, output in a file."""

    def __init__(self, workdir, sim, variables, collections_root):
        self.workdir = str(workdir)
        self.log_path = os.path.join(self.workdir, 'rulebook.log')
        inventory = os.path.join(self.workdir, 'inventory.yml')
        with open(inventory, 'w') as handle:
            handle.write('all:\n  hosts:\n    localhost:\n      ansible_connection: local\n'
                         '      ansible_python_interpreter: "{{ ansible_playbook_python }}"\n')
        vars_file = os.path.join(self.workdir, 'vars.yml')
        with open(vars_file, 'w') as handle:
            json.dump(variables, handle)
        env = dict((k, v) for k, v in os.environ.items() if not k.startswith(('KYLIN_', 'ANSIBLE_')))
        env.update({'KYLIN_URL': sim.url, 'KYLIN_USERNAME': USER, 'KYLIN_PASSWORD': PASSWORD,
                    'ANSIBLE_COLLECTIONS_PATH': collections_root, 'ANSIBLE_NOCOLOR': '1',
                    'ANSIBLE_LOCALHOST_WARNING': 'false', 'PATH': eda_bin() + os.pathsep + env.get('PATH', '')})
        cmd = [os.path.join(eda_bin(), 'ansible-rulebook'), '-r', 'kylin.streaming.heal', '-i', inventory,
               '--vars', vars_file, '--print-events']
        with open(self.log_path, 'w') as log:
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=self.workdir, env=env,
                                         start_new_session=True)

    def output(self):
        with open(self.log_path) as handle:
            return handle.read()

    def alive(self):
        return self.proc.poll() is None

    def wait_for(self, text, count=1, timeout=WAIT):
        def seen():
            assert self.alive(), 'ansible-rulebook ended (%s):\n%s' % (self.proc.returncode, self.output()[-6000:])
            return self.output().count(text) >= count
        try:
            wait_until(seen, timeout=timeout, interval=0.2, what='%r in the rulebook output' % text)
        except AssertionError:
            raise AssertionError('%r not seen %d time(s):\n%s' % (text, count, self.output()[-6000:])) from None

    def stop(self):
        if self.alive():
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)


@pytest.fixture(name='rulebook')
def rulebook_fixture(tmp_path, collections_root):
    started = []

    def start(sim, **variables):
        values = {'kylin_project': PROJECT, 'kylin_eda_interval': INTERVAL, 'kylin_poll_interval': 0.2,
                  'kylin_max_failures': 2, 'kylin_failure_window': 3600, 'kylin_wait_timeout': 60}
        values.update(variables)
        book = Rulebook(tmp_path, sim, values, collections_root)
        started.append(book)
        return book
    yield start
    for book in started:
        book.stop()


def kylin_put(sim, action, job_ids):
    """A user's PUT /streaming_jobs/status through the Kylin API (not the control API)."""
    import urllib.request
    body = json.dumps({'action': action, 'job_ids': job_ids, 'project': PROJECT}).encode()
    req = urllib.request.Request(sim.url + '/kylin/api/streaming_jobs/status', data=body, method='PUT', headers={
        'Accept': 'application/vnd.apache.kylin-v4-public+json', 'Content-Type': 'application/json',
        'Authorization': 'Basic ' + base64.b64encode(('%s:%s' % (USER, PASSWORD)).encode()).decode()})
    with urllib.request.urlopen(req, timeout=30) as resp:
        assert json.loads(resp.read())['code'] == '000'


def restarts(ctl, job_id):
    return [a for a in ctl.actions(job_id=job_id) if a['action'] == 'RESTART']


def polled(ctl):
    return ctl.counters()['requests'].get('GET /kylin/api/streaming_jobs', 0)


# Every heal has a health gate (by default max_latency kylin_latency_threshold, 3 micro-batches): the
# simulators write a micro-batch every 0.2 s, so that a healed job is judged in about a second.
LIVE = {'stats_interval': 0.2}


@pytest.mark.kylin_sim(process=True, state_file=True, config=LIVE)
def test_heal_restarts_once_and_stops_a_crash_loop_at_the_budget(kylin_sim, rulebook):
    sim = kylin_sim
    ctl = sim.ctl
    ctl.add_project(PROJECT)
    ctl.add_user(USER, PASSWORD, admin=True)
    crashy = ctl.add_model(PROJECT, 'crashy', build={'status': 'RUNNING'})['job_ids'][0]
    flaky = ctl.add_model(PROJECT, 'flaky', build={'status': 'RUNNING'})['job_ids'][0]
    unlucky = ctl.add_model(PROJECT, 'unlucky', build={'status': 'STOPPED'})['job_ids'][0]
    steady = ctl.add_model(PROJECT, 'steady', build={'status': 'RUNNING'})['job_ids'][0]
    book = rulebook(sim)
    wait_until(lambda: polled(ctl) >= 2, timeout=WAIT, what='the source polling')

    # a runtime failure once (the Spark app died), a launch failure once, and a crash loop
    ctl.patch_job(flaky, status='ERROR')
    ctl.patch_job(unlucky, fail_launch=True)
    kylin_put(sim, 'START', [unlucky])
    ctl.patch_job(crashy, fail_after=0.5)

    wait_until(lambda: ctl.status(flaky) == 'RUNNING' and restarts(ctl, flaky), timeout=WAIT, what='flaky restarted')
    wait_until(lambda: ctl.status(unlucky) == 'RUNNING' and restarts(ctl, unlucky), timeout=WAIT,
               what='unlucky restarted')
    book.wait_for('OVER BUDGET, not restarted: p1/crashy build')
    assert 'restart: p1/crashy build: ERROR, 1 failure' in book.output()
    # let a few more polls and decisions go by: nothing is restarted again
    start = polled(ctl)
    wait_until(lambda: polled(ctl) >= start + 10, timeout=WAIT, what='ten more polls')

    assert len(restarts(ctl, flaky)) == 1
    assert len(restarts(ctl, unlucky)) == 1
    assert len(restarts(ctl, crashy)) == 1          # budget 2: one restart, then only reported
    assert ctl.status(crashy) == 'ERROR'
    crashes = [t for t in ctl.transitions(job_id=crashy) if t['to'] == 'ERROR']
    assert len(crashes) == 2
    launches = [t for t in ctl.transitions(job_id=unlucky) if t['to'] == 'LAUNCHING_ERROR']
    assert len(launches) == 1
    assert 'launching_error' in book.output()
    assert book.alive()

    # a burst of 503s, then the simulator dies and comes back: the source and the rules go on
    ctl.set_faults(error_count=8, error_statuses=[503])
    book.wait_for('Kylin streaming unreachable: ')
    book.wait_for('Kylin streaming reachable: ')
    sim.kill()
    book.wait_for('Kylin streaming unreachable: ', count=2)
    time.sleep(5 * INTERVAL)
    sim.start()
    ctl = sim.ctl
    book.wait_for('Kylin streaming reachable: ', count=2)
    wait_until(lambda: ctl.status(steady) == 'RUNNING', timeout=WAIT, what='steady resumed after the restart')
    ctl.patch_job(steady, status='ERROR')
    wait_until(lambda: restarts(ctl, steady) and ctl.status(steady) == 'RUNNING', timeout=WAIT,
               what='steady restarted after the simulator restart')
    ctl.patch_job(flaky, status='ERROR')  # its second failure in the window: over the budget of 2
    book.wait_for('OVER BUDGET, not restarted: p1/flaky build')
    start = polled(ctl)
    wait_until(lambda: polled(ctl) >= start + 5, timeout=WAIT, what='five more polls')
    # the new simulator process keeps a new action log
    assert len(restarts(ctl, steady)) == 1 and not restarts(ctl, flaky) and not restarts(ctl, crashy)
    assert book.alive()
    assert PASSWORD not in book.output()


@pytest.mark.kylin_sim(process=True, config=LIVE)
def test_a_heal_whose_job_does_not_become_healthy_counts_against_the_budget(kylin_sim, rulebook):
    """A job that falls into ERROR is healed, but its new run writes no micro-batch (it consumes nothing): the
    heal fails its gate. When the job falls into ERROR again, its two ERROR records and the failed heal make 3
    failures: over the budget of 3, it is not restarted again (the records alone would allow it)."""
    sim = kylin_sim
    ctl = sim.ctl
    ctl.add_project(PROJECT)
    ctl.add_user(USER, PASSWORD, admin=True)
    sick = ctl.add_model(PROJECT, 'sick', build={'status': 'RUNNING'})['job_ids'][0]
    ctl.set_latency(sick, 'stalled', base_ms=100)  # its current run at 100 ms (healthy); the next ones write nothing
    book = rulebook(sim, kylin_max_failures=3, kylin_health={'max_latency': 1, 'samples': 2, 'timeout': 2})
    wait_until(lambda: polled(ctl) >= 2, timeout=WAIT, what='the source polling')

    ctl.patch_job(sick, status='ERROR')
    book.wait_for('restart: p1/sick build: ERROR, 1 failure in the last 3600s')
    book.wait_for('1 restarted but failed: p1/sick build: not healthy 2s after RUNNING: no micro-batch since the start')
    assert len(restarts(ctl, sick)) == 1 and ctl.status(sick) == 'RUNNING'

    ctl.patch_job(sick, status='ERROR')
    book.wait_for('OVER BUDGET, not restarted: p1/sick build: ERROR, 3 failures in the last 3600s (1 of them a '
                  'restart that did not become healthy) (budget 3)')
    start = polled(ctl)
    wait_until(lambda: polled(ctl) >= start + 5, timeout=WAIT, what='five more polls')
    assert len(restarts(ctl, sick)) == 1 and ctl.status(sick) == 'ERROR'
    # The healed run wrote no stats row: the gate was right, whatever the list's data_latency said.
    run = ctl.stats(sick)['runs'][-1]
    assert run['mode'] == 'stalled' and not [r for r in ctl.stats(sick)['rows'] if r['create_time'] > run['start']]
    assert book.alive()


class Webhook:
    """A local HTTP endpoint that keeps what is posted to it."""

    def __init__(self):
        posts = self.posts = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # pylint: disable=invalid-name
                posts.append(json.loads(self.rfile.read(int(self.headers['Content-Length']))))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):  # pylint: disable=arguments-differ
                pass
        self.server = HTTPServer(('127.0.0.1', 0), Handler)
        self.url = 'http://127.0.0.1:%d/hook' % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def kinds(self):
        return [p['kylin']['event'] for p in self.posts]

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.kylin_sim(process=True, config=LIVE)
def test_stuck_jobs_are_force_stopped_and_latency_is_notified(kylin_sim, rulebook):
    sim = kylin_sim
    ctl = sim.ctl
    ctl.add_project(PROJECT)
    ctl.add_user(USER, PASSWORD, admin=True)
    model = ctl.add_model(PROJECT, 'orders', build={'status': 'RUNNING'}, merge={'status': 'STOPPED'})
    build, merge = model['job_ids']
    hook = Webhook()
    try:
        book = rulebook(sim, kylin_stuck_after=1, kylin_latency_threshold=60, kylin_latency_polls=2,
                        kylin_notify_url=hook.url)
        wait_until(lambda: polled(ctl) >= 2, timeout=WAIT, what='the source polling')
        ctl.set_config(start_delay=3600, yarn_accept_delay=3600)   # a launch that never ends
        kylin_put(sim, 'START', [merge])
        ctl.patch_job(build, data_latency=900000)
        wait_until(lambda: ctl.status(merge) == 'STOPPED', timeout=WAIT, what='the stuck job force-stopped')
        wait_until(lambda: 'latency_high' in hook.kinds() and 'stuck' in hook.kinds(), timeout=WAIT,
                   what='the webhook called')
        ctl.patch_job(build, data_latency=1000)
        wait_until(lambda: 'latency_recovered' in hook.kinds(), timeout=WAIT, what='recovered notified')
        force_stops = [a for a in ctl.actions(job_id=merge) if a['action'] == 'FORCE_STOP']
        assert len(force_stops) == 1 and force_stops[0]['status_before'] == 'STARTING'
        assert not [a for a in ctl.actions(job_id=build) if a['action'] != 'START']  # latency: notified only
        high = [p for p in hook.posts if p['kylin']['event'] == 'latency_high'][0]
        assert high['kylin']['job']['uuid'] == build and high['kylin']['latency'] == 900.0
        assert high['text'] == 'Kylin streaming latency_high: p1/orders build: data latency 900s (threshold 60s)'
        assert hook.kinds().count('latency_high') == 1 and hook.kinds().count('stuck') == 1
        assert book.alive()
    finally:
        hook.stop()
