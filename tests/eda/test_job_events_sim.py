# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The job_events source against the simulator, through an asyncio queue, as ansible-rulebook runs it.

Each test starts the source's ``main(queue, args)`` as a task, changes the simulator (``sim``, the session's,
reset before the test) through its control API, and reads the events off the queue; request counts are read
from the simulator's counters, not from the source.
"""

import asyncio
import base64
import contextlib
import json
import logging
import os
import urllib.request

from kylin_sim.control import LIST

INTERVAL = 0.2
WAIT = 15.0  # upper bound for one awaited event; never reached when things work
PASSWORD = 'KYLIN'


def args_for(sim, **extra):
    args = {'url': sim.url, 'username': 'ADMIN', 'password': PASSWORD, 'project': 'p1', 'interval': INTERVAL,
            'latency_threshold': 0, 'stuck_after': 0, 'retries': 0, 'max_backoff': 0.5}
    args.update(extra)
    return args


class Source:
    """The plugin's main() running as a task, and helpers to read its queue."""

    def __init__(self, module, args):
        self.queue = asyncio.Queue()
        self.task = asyncio.ensure_future(module['main'](self.queue, args))
        self.seen = []

    async def next(self, kind, job_id=None, status=None, timeout=WAIT):
        """The next event of ``kind`` (for ``job_id``, with ``status``); the others are kept in ``seen``."""
        async def wait():
            while True:
                event = await self.queue.get()
                self.seen.append(event)
                body = event['kylin']
                if body['event'] != kind:
                    continue
                if job_id is not None and (body['job'] or {}).get('uuid') != job_id:
                    continue
                if status is not None and body['status'] != status:
                    continue
                return body
        if self.task.done():
            self.task.result()
        return await asyncio.wait_for(wait(), timeout)

    def drain(self):
        while not self.queue.empty():
            self.seen.append(self.queue.get_nowait())
        return self.seen

    async def stop(self):
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task


def act(sim, action, job_ids):
    """A status PUT through Kylin's API, as an operator's STOP or START (not the control API)."""
    body = json.dumps({'action': action, 'job_ids': job_ids, 'project': 'p1'}).encode()
    token = base64.b64encode(('ADMIN:%s' % PASSWORD).encode()).decode()
    request = urllib.request.Request(sim.url + '/kylin/api/streaming_jobs/status', data=body, method='PUT', headers={
        'Accept': 'application/vnd.apache.kylin-v4-public+json', 'Content-Type': 'application/json;charset=utf-8',
        'Authorization': 'Basic ' + token})
    with urllib.request.urlopen(request, timeout=30) as answer:
        assert json.load(answer)['code'] == '000'


async def in_thread(func, *args, **kwargs):
    return await asyncio.get_running_loop().run_in_executor(None, lambda: func(*args, **kwargs))


def run(coro):
    asyncio.run(asyncio.wait_for(coro, 120))


def test_snapshot_transitions_and_one_read_per_poll(source, sim, ctl, caplog):
    caplog.set_level(logging.DEBUG, logger='kylin.streaming.job_events')
    model = ctl.add_model('p1', 'orders', build={'status': 'RUNNING'}, merge={'status': 'STOPPED'})
    build, merge = model['job_ids']
    ctl.add_project('p2')
    other = ctl.add_model('p2', 'other', build={'status': 'RUNNING'})['job_ids']

    async def scenario():
        src = Source(source, args_for(sim, snapshot=True))
        first = await src.next('snapshot', build)
        assert first['status'] == 'RUNNING' and first['previous_status'] is None and first['job']['type'] == 'build'
        assert (await src.next('snapshot', merge))['job']['type'] == 'merge'
        await in_thread(ctl.patch_job, build, fail_after=0)        # the Spark app dies: ERROR
        failed = await src.next('status_changed', build)
        assert (failed['previous_status'], failed['status']) == ('RUNNING', 'ERROR')
        assert failed['job']['launching_error'] is False and failed['job']['job_status'] == 'ERROR'
        await in_thread(ctl.patch_job, merge, status='RUNNING')
        started = await src.next('status_changed', merge)
        assert (started['previous_status'], started['status']) == ('STOPPED', 'RUNNING')
        await asyncio.sleep(5 * INTERVAL)                              # steady: nothing more
        await src.stop()
        return src
    src = asyncio.run(asyncio.wait_for(scenario(), 120))
    events = [e['kylin'] for e in src.drain()]
    changes = [(e['job']['uuid'], e['previous_status'], e['status']) for e in events if e['event'] == 'status_changed']
    assert changes == [(build, 'RUNNING', 'ERROR'), (merge, 'STOPPED', 'RUNNING')]  # no duplicate, nothing else
    assert not [e for e in events if e['job'] and e['job']['uuid'] in other]  # project p2 is not watched
    polls = [r for r in caplog.records if r.getMessage().startswith('poll ')]
    counters = ctl.counters()['requests']
    # one list read per poll for both jobs (plus, at most, the read of a poll cancelled in flight)
    assert len(polls) <= counters[LIST] <= len(polls) + 1 and len(polls) >= 5
    assert PASSWORD not in caplog.text


def test_launch_failure_event(source, sim, ctl):
    model = ctl.add_model('p1', 'orders', build={'status': 'STOPPED'})
    build = model['job_ids'][0]

    async def scenario():
        src = Source(source, args_for(sim))
        await asyncio.sleep(3 * INTERVAL)
        await in_thread(ctl.patch_job, build, fail_launch=True, status='STARTING')
        event = await src.next('status_changed', build, status='ERROR')
        assert event['job']['launching_error'] is True
        await src.stop()
    run(scenario())
    assert ctl.status(build) == 'LAUNCHING_ERROR'


def test_burst_of_503_then_simulator_restart(source, kylin_sim_factory):
    sim = kylin_sim_factory.make(process=True, state_file=True)  # killed and started again: its own process
    ctl = sim.ctl
    build = ctl.add_model('p1', 'orders', build={'status': 'RUNNING'})['job_ids'][0]

    async def scenario():
        src = Source(source, args_for(sim))
        await asyncio.sleep(3 * INTERVAL)
        await in_thread(ctl.set_faults, error_count=5, error_statuses=[503])
        down = await src.next('unreachable')
        assert down['reason'] == 'connection' and down['job'] is None and 'HTTP 503' in down['error']
        assert (await src.next('reachable'))['url'] == sim.url + '/kylin'
        # the simulator dies and comes back on the same port with the same state file
        await in_thread(sim.kill)
        down = await src.next('unreachable')
        assert down['reason'] == 'connection'
        await asyncio.sleep(5 * INTERVAL)
        await in_thread(sim.start)
        await src.next('reachable')
        # Kylin resumes the running jobs at start-up; the source follows, and still reports
        await in_thread(sim.ctl.wait_for_status, build, 'RUNNING')
        await in_thread(sim.ctl.patch_job, build, fail_after=0)
        failed = await src.next('status_changed', build, status='ERROR')
        assert failed['job']['uuid'] == build
        assert not src.task.done()
        await src.stop()
        return src
    src = asyncio.run(asyncio.wait_for(scenario(), 120))
    kinds = [e['kylin']['event'] for e in src.drain()]
    assert kinds.count('unreachable') == 2 and kinds.count('reachable') == 2  # once per outage


def test_wrong_password_is_not_retried_in_a_loop(source, sim, ctl, caplog):
    caplog.set_level(logging.DEBUG, logger='kylin.streaming.job_events')
    ctl.add_model('p1', 'orders')
    ctl.clear_counters()
    secret = 'wrong-Passw0rd'

    async def scenario():
        src = Source(source, args_for(sim, password=secret, auth_backoff=3600))
        down = await src.next('unreachable')
        assert down['reason'] == 'auth' and 'HTTP 401' in down['error']
        # The advice names the rulebook's source arguments, not a play's module_defaults.
        assert 'arguments of the kylin.streaming.job_events source' in down['error'], down['error']
        assert 'module_defaults' not in down['error'], down['error']
        await asyncio.sleep(10 * INTERVAL)   # ten intervals: no second login attempt
        await src.stop()
        return src
    src = asyncio.run(asyncio.wait_for(scenario(), 120))
    assert ctl.counters()['statuses'].get('401') == 1
    assert ctl.counters()['requests'][LIST] == 1
    assert [e['kylin']['event'] for e in src.drain()] == ['unreachable']
    assert secret not in caplog.text and secret not in repr(src.seen)


def test_stuck_and_latency(source, sim, ctl):
    model = ctl.add_model('p1', 'orders', build={'status': 'RUNNING'}, merge={'status': 'STOPPED'})
    build, merge = model['job_ids']

    async def scenario():
        src = Source(source, args_for(sim, stuck_after=0.5, latency_threshold=60, latency_polls=2))
        await asyncio.sleep(3 * INTERVAL)
        await in_thread(ctl.set_config, start_delay=3600, yarn_accept_delay=3600)
        await in_thread(ctl.patch_job, merge, status='STARTING')
        stuck = await src.next('stuck', merge)
        assert stuck['status'] == 'STARTING' and stuck['previous_status'] == 'STOPPED' and stuck['stuck_for'] >= 0.5
        await in_thread(ctl.patch_job, build, data_latency=120000)
        high = await src.next('latency_high', build)
        assert high['latency'] == 120.0 and high['threshold'] == 60.0 and high['status'] == 'RUNNING'
        await in_thread(ctl.patch_job, build, data_latency=1000)
        low = await src.next('latency_recovered', build)
        assert low['latency'] == 1.0
        await asyncio.sleep(4 * INTERVAL)
        await src.stop()
        return src
    src = asyncio.run(asyncio.wait_for(scenario(), 120))
    kinds = [e['kylin']['event'] for e in src.drain()]
    assert kinds.count('stuck') == 1 and kinds.count('latency_high') == 1 and kinds.count('latency_recovered') == 1


def test_jobs_waiting_in_the_nodes_kill_queue_are_not_stuck(source, sim, ctl):
    """Five jobs stopped gracefully at once end their micro-batches together, then the node kills them one at a
    time (0.4 s each here, docs/kylin-api.md §11.1): the last reaches STOPPED well past stuck_after (1 s). The
    source accounts for the queue and calls none of them stuck; a job alone that stays STOPPING is.
    stuck_after is more than a micro-batch and a kill (0.6 s): before the first job ends, only it counts (the
    advice of the job module's force_after), and a shorter one would race the first kill on a loaded machine."""
    ids = [ctl.add_model('p1', 'm%d' % number, build={'status': 'RUNNING'})['job_ids'][0] for number in range(5)]
    ctl.set_config(kill_delay=0.4, stop_delay=0.2)

    async def scenario():
        src = Source(source, args_for(sim, stuck_after=1.0, kill_seconds=0.4))
        await asyncio.sleep(3 * INTERVAL)
        await in_thread(act, sim, 'STOP', ids)
        for job in ids:
            await src.next('status_changed', job, status='STOPPED')
        await asyncio.sleep(4 * INTERVAL)
        # A job alone whose driver never finishes its micro-batch: stuck after stuck_after.
        await in_thread(ctl.set_config, stop_delay=3600)
        await in_thread(act, sim, 'START', ids[:1])
        await src.next('status_changed', ids[0], status='RUNNING')
        await in_thread(act, sim, 'STOP', ids[:1])
        stuck = await src.next('stuck', ids[0])
        await src.stop()
        return src, stuck
    src, stuck = asyncio.run(asyncio.wait_for(scenario(), 120))
    events = [e['kylin'] for e in src.drain()]
    assert [(e['job']['uuid'], e['status']) for e in events if e['event'] == 'stuck'] == [(ids[0], 'STOPPING')]
    assert stuck['stuck_for'] >= 0.5 and stuck['queue_ahead'] == 0
    # The simulator's journal: the listener's kills, one at a time, the last STOPPED more than stuck_after after
    # the first STOP.
    kills = [k for k in ctl.kills(by='listener') if k['job_id'] in ids][:5]
    assert len(kills) == 5 and all(b['start'] >= a['end'] for a, b in zip(kills, kills[1:]))
    stops = [t for t in ctl.transitions() if t['job_id'] in ids and t['to'] in ('STOPPING', 'STOPPED')][:10]
    first_stop = min(t['time'] for t in stops if t['to'] == 'STOPPING')
    assert max(t['time'] for t in stops if t['to'] == 'STOPPED') - first_stop > 1500


def test_bad_answer_is_logged_and_polling_goes_on(source, sim, ctl, caplog):
    model = ctl.add_model('p1', 'orders', build={'status': 'RUNNING'})
    build = model['job_ids'][0]

    async def scenario():
        src = Source(source, args_for(sim))
        await asyncio.sleep(3 * INTERVAL)
        await in_thread(ctl.set_faults, non_json_count=2)
        await asyncio.sleep(4 * INTERVAL)
        await in_thread(ctl.patch_job, build, fail_after=0)
        await src.next('status_changed', build, status='ERROR')
        await src.stop()
        return src
    src = asyncio.run(asyncio.wait_for(scenario(), 120))
    assert 'poll failed (bad_answer)' in caplog.text
    assert [e['kylin']['event'] for e in src.drain()] == ['status_changed']  # a bad answer is no outage


def test_an_unknown_project_is_logged_whole_with_the_default_password(source, sim, ctl, caplog):
    """The password KYLIN is masked in every log line; the message names the closest project, read once."""
    caplog.set_level(logging.DEBUG, logger='kylin.streaming.job_events')
    ctl.add_model('p1', 'orders')
    ctl.clear_counters()

    async def scenario():
        src = Source(source, args_for(sim, project='p11'))
        await asyncio.sleep(8 * INTERVAL)
        await src.stop()
        return src
    asyncio.run(asyncio.wait_for(scenario(), 120))
    failed = [record.getMessage() for record in caplog.records if 'poll failed' in record.getMessage()]
    assert len(failed) >= 2, caplog.text
    assert all('project p11 does not exist on %s: did you mean p1? (Kylin answered GET' % sim.url in line
               for line in failed), failed
    assert '********' not in caplog.text
    # One read of every project's jobs for the suggestion, whatever the number of polls.
    assert ctl.counters()['requests'][LIST] == len(failed) + 1


def test_the_file_runs_outside_ansible(source):
    # ansible-rulebook's runpy gives the module its file name; the imports found the collection beside it
    assert os.path.basename(source['__file__']) == 'job_events.py'
    assert source['_events'].JobWatcher.__name__ == 'JobWatcher'
    collection = os.path.normpath(os.path.join(source['__file__'], '..', '..', '..', '..', '..'))
    assert source['_events'].__file__ == os.path.join(collection, 'plugins', 'module_utils', '_events.py')
