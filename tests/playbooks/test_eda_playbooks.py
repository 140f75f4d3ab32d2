# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The playbooks the EDA rulebooks run: restart_errored limited to kylin_job_ids, force_stop, eda_notify."""

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

from conftest import POLL, PROJECT


def restarts(ctl, job_id):
    return [a for a in ctl.actions(job_id=job_id) if a['action'] == 'RESTART']


def test_restart_errored_only_the_given_job(ctl, playbook):
    errored = ctl.job_id('ad_impressions')   # ERROR
    other = ctl.job_id('payments_fraud')     # ERROR (launching error), not given
    run = playbook('restart_errored', kylin_project=PROJECT, kylin_job_ids=[errored], kylin_poll_interval=POLL)
    assert run.rc == 0, run
    assert len(restarts(ctl, errored)) == 1 and ctl.status(errored) == 'RUNNING'
    assert not restarts(ctl, other) and ctl.status(other) == 'LAUNCHING_ERROR'


def test_a_job_that_keeps_failing_to_launch_stops_at_the_budget(ctl, playbook):
    job = ctl.job_id('payments_fraud')
    # two RESTARTs in the window already ended in a launch failure (each wrote a STOP record)
    ctl.patch_job(job, records=[['STOP', 600], ['STOP', 300]], status='LAUNCHING_ERROR')
    run = playbook('restart_errored', kylin_project=PROJECT, kylin_job_ids=[job], kylin_max_failures=2,
                   kylin_poll_interval=POLL)
    assert run.rc != 0, run
    assert 'OVER BUDGET, not restarted: streaming_demo/payments_fraud build: ERROR (failed to launch), 2 failures' in run.output
    assert not restarts(ctl, job)
    # one failed restart in the window: still within a budget of 2
    ctl.reset('demo')
    job = ctl.job_id('payments_fraud')
    ctl.patch_job(job, records=[['STOP', 300]], status='LAUNCHING_ERROR')
    run = playbook('restart_errored', kylin_project=PROJECT, kylin_job_ids=[job], kylin_max_failures=2,
                   kylin_poll_interval=POLL)
    assert run.rc == 0, run
    assert len(restarts(ctl, job)) == 1


def test_force_stop(ctl, playbook):
    running = ctl.job_id('orders_rt')
    ctl.set_config(start_delay=3600, yarn_accept_delay=3600)
    stopped = ctl.job_id('orders_rt', 'merge')
    ctl.patch_job(stopped, status='STARTING')
    run = playbook('force_stop', kylin_project=PROJECT, kylin_job_ids=stopped)
    assert run.rc == 0, run
    actions = [(a['action'], a['status_before'], a['status_after']) for a in ctl.actions(job_id=stopped)]
    assert actions == [('FORCE_STOP', 'STARTING', 'STOPPED')]
    assert not ctl.actions(job_id=running) and ctl.status(stopped) == 'STOPPED'
    run = playbook('force_stop', kylin_project=PROJECT)
    assert run.rc != 0 and 'kylin_project and kylin_job_ids are required' in run.output


def test_eda_notify_prints_and_posts(ctl, playbook):
    posts = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # pylint: disable=invalid-name
            posts.append((self.headers.get('X-Token'), json.loads(self.rfile.read(int(self.headers['Content-Length'])))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):  # pylint: disable=arguments-differ
            pass
    server = HTTPServer(('127.0.0.1', 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    job = ctl.jobs(job_id=ctl.job_id('orders_rt'))[0]
    event = {'kylin': {'event': 'stuck', 'status': 'STOPPING', 'previous_status': 'RUNNING', 'stuck_for': 612.4,
                       'stuck_after': 600, 'job': {'uuid': job['id'], 'project': PROJECT, 'model_alias': 'orders_rt',
                                                   'type': 'build'}}}
    try:
        run = playbook('eda_notify', ansible_eda={'event': event, 'rule': 'r1', 'ruleset': 's1'},
                       kylin_notify_url='http://127.0.0.1:%d/hook' % server.server_address[1],
                       kylin_notify_headers={'X-Token': 't0k'})
    finally:
        server.shutdown()
        server.server_close()
    assert run.rc == 0, run
    line = 'Kylin streaming stuck: streaming_demo/orders_rt build: STOPPING for 612s (bound 600s)'
    assert line in run.output
    assert len(posts) == 1
    token, body = posts[0]
    assert token == 't0k' and body['text'] == line and body['rule'] == 'r1' and body['kylin'] == event['kylin']
    run = playbook('eda_notify', ansible_eda={'event': {'kylin': {'event': 'unreachable', 'status': None, 'job': None,
                                                                  'previous_status': None, 'reason': 'auth',
                                                                  'error': 'HTTP 401', 'url': 'http://k/kylin'}}})
    assert run.rc == 0 and 'Kylin streaming unreachable: http://k/kylin: auth: HTTP 401' in run.output, run
