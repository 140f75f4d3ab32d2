# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The job_events source's decisions without a server (_events): JobWatcher (transitions, thresholds, no
duplicates), the back-off of its polls, classify, its options."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.kylin.streaming.plugins.module_utils import _errors
from ansible_collections.kylin.streaming.plugins.module_utils._events import (
    MASK,
    MISSING_URL,
    JobWatcher,
    classify,
    events_options,
    mask_value,
    poll_backoffs,
    poll_delay,
)

CONTRACT_KEYS = {'event', 'status', 'previous_status', 'job'}
BUILD = 'a' * 36 + '_build'
MERGE = 'a' * 36 + '_merge'


def row(uuid=BUILD, status='RUNNING', latency=1000, duration=None, app='application_1_0001', **extra):
    data = {'uuid': uuid, 'job_status': status, 'job_type': 'STREAMING_MERGE' if uuid.endswith('_merge') else 'STREAMING_BUILD',
            'project': 'p1', 'model_alias': 'orders', 'data_latency': latency, 'last_status_duration': duration,
            'yarn_app_id': app, 'launching_error': False, 'params': {}}
    data['type'] = 'merge' if uuid.endswith('_merge') else 'build'
    data.update(extra)
    return data


class Clock:
    """Polls every ``step`` seconds; each job's last_status_duration grows with the clock unless reset."""

    def __init__(self, watcher, step=10.0):
        self.watcher = watcher
        self.step = step
        self.now = 1000.0

    def poll(self, *rows):
        self.now += self.step
        return self.watcher.observe(list(rows), self.now)


def kinds(events):
    return [(e['kylin']['event'], e['kylin']['previous_status'], e['kylin']['status']) for e in events]


@pytest.fixture(name='watcher')
def watcher_fixture():
    return JobWatcher(latency_threshold=60, latency_polls=3, stuck_after=30, snapshot=False, url='http://k/kylin')


def test_event_contract(watcher):
    clock = Clock(watcher)
    assert clock.poll(row()) == []  # no snapshot asked: the first poll only learns
    events = clock.poll(row(status='ERROR', duration=1000, launching_error=True))
    assert len(events) == 1
    body = events[0]['kylin']
    assert set(events[0]) == {'kylin'}
    assert CONTRACT_KEYS <= set(body)
    assert body['event'] == 'status_changed' and body['status'] == 'ERROR' and body['previous_status'] == 'RUNNING'
    assert body['job']['uuid'] == BUILD and body['job']['type'] == 'build' and body['job']['launching_error'] is True
    assert body['launching_error'] is True


def test_snapshot_once_at_start():
    watcher = JobWatcher(snapshot=True)
    clock = Clock(watcher)
    events = clock.poll(row(), row(MERGE, status='STOPPED', latency=None))
    assert kinds(events) == [('snapshot', None, 'RUNNING'), ('snapshot', None, 'STOPPED')]
    assert clock.poll(row(duration=15000), row(MERGE, status='STOPPED', latency=None, duration=15000)) == []


def test_one_event_per_transition_no_duplicates(watcher):
    clock = Clock(watcher)
    clock.poll(row(status='STOPPED', app=None, duration=0))
    assert kinds(clock.poll(row(status='STARTING', app=None, duration=10000))) == [('status_changed', 'STOPPED', 'STARTING')]
    assert clock.poll(row(status='STARTING', app=None, duration=20000)) == []
    assert kinds(clock.poll(row(status='RUNNING', duration=0))) == [('status_changed', 'STARTING', 'RUNNING')]
    for k in range(1, 5):  # steady: nothing, however often polled
        assert clock.poll(row(status='RUNNING', duration=10000 * k)) == []


def test_reentered_status_between_polls_is_one_repeated_event(watcher):
    clock = Clock(watcher)
    clock.poll(row(status='ERROR', duration=50000, app='application_1_0001'))
    # restarted, RUNNING, failed again, all between two polls: a new app, a new ERROR record
    events = clock.poll(row(status='ERROR', duration=2000, app='application_1_0002'))
    assert kinds(events) == [('status_changed', 'ERROR', 'ERROR')]
    assert events[0]['kylin']['repeated'] is True
    assert clock.poll(row(status='ERROR', duration=12000, app='application_1_0002')) == []


def test_duration_jitter_is_not_a_transition(watcher):
    clock = Clock(watcher)
    clock.poll(row(status='RUNNING', duration=50000))
    assert clock.poll(row(status='RUNNING', duration=59000)) == []  # a second behind: lag, not a new record


def test_latency_needs_n_polls_and_hysteresis(watcher):
    clock = Clock(watcher)
    high, low = 120000, 5000
    clock.poll(row(latency=low))
    assert clock.poll(row(latency=high)) == []
    assert clock.poll(row(latency=high)) == []
    events = clock.poll(row(latency=high))
    assert kinds(events) == [('latency_high', None, 'RUNNING')]
    assert events[0]['kylin']['latency'] == 120.0 and events[0]['kylin']['threshold'] == 60.0
    assert clock.poll(row(latency=high)) == []          # still high: no second event
    assert clock.poll(row(latency=low)) == []
    assert clock.poll(row(latency=high)) == []          # flapping does not recover it
    assert clock.poll(row(latency=low)) == []
    assert clock.poll(row(latency=low)) == []
    assert kinds(clock.poll(row(latency=low))) == [('latency_recovered', None, 'RUNNING')]
    assert clock.poll(row(latency=low)) == []


def test_latency_only_for_running_build_jobs(watcher):
    clock = Clock(watcher)
    for dummy in range(5):
        assert clock.poll(row(MERGE, latency=999999), row(status='STOPPED', latency=999999, app=None)) == []


def test_latency_off():
    clock = Clock(JobWatcher(latency_threshold=0, latency_polls=1))
    for dummy in range(3):
        assert clock.poll(row(latency=10 ** 9)) == []


def test_stuck_once_per_stay(watcher):
    clock = Clock(watcher)
    clock.poll(row(status='STOPPED', app=None))
    clock.poll(row(status='STARTING', app=None))
    assert clock.poll(row(status='STARTING', app=None)) == []     # 10 s
    assert clock.poll(row(status='STARTING', app=None)) == []     # 20 s
    events = clock.poll(row(status='STARTING', app=None))          # 30 s
    assert kinds(events) == [('stuck', 'STOPPED', 'STARTING')]
    assert events[0]['kylin']['stuck_for'] == 30.0 and events[0]['kylin']['stuck_after'] == 30.0
    assert clock.poll(row(status='STARTING', app=None)) == []
    clock.poll(row(status='STOPPING'))
    for dummy in range(2):
        assert clock.poll(row(status='STOPPING')) == []
    assert kinds(clock.poll(row(status='STOPPING'))) == [('stuck', 'STARTING', 'STOPPING')]


def stopping_jobs(count):
    return ['%036d_build' % number for number in range(count)]


def queue_poll(clock, ids, stopped_at, start):
    """One poll of ``ids``, stopped gracefully together at ``start``: each is STOPPED from its ``stopped_at`` on
    (its STOP record that old), STOPPING before."""
    rows = []
    for job in ids:
        end = stopped_at.get(job)
        if end is not None and clock.now + clock.step >= end:
            rows.append(row(job, status='STOPPED', app=None, duration=int((clock.now + clock.step - end) * 1000)))
        else:
            rows.append(row(job, status='STOPPING', duration=int((clock.now + clock.step - start + 600) * 1000)))
    return clock.poll(*rows)


def test_a_job_waiting_in_the_nodes_kill_queue_is_not_stuck():
    """Six jobs stopped together: their micro-batches end 30 s later, then the node kills them one at a time, 21 s
    each (docs/kylin-api.md §11.1): the last reaches STOPPED 156 s after the STOP, far past stuck_after (60 s).
    None of them is stuck while they keep reaching STOPPED at the kill's pace."""
    watcher = JobWatcher(latency_threshold=0, stuck_after=60, kill_seconds=21, interval=10)
    clock = Clock(watcher, step=10.0)
    ids = stopping_jobs(6)
    clock.poll(*[row(job, status='RUNNING') for job in ids])
    start = clock.now + 5.0
    stopped_at = {job: start + 30 + 21 * (index + 1) for index, job in enumerate(ids)}
    events = []
    for dummy in range(20):
        events += queue_poll(clock, ids, stopped_at, start)
    assert [e['kylin']['event'] for e in events].count('status_changed') == 12  # STOPPING, then STOPPED, each
    assert [e for e in events if e['kylin']['event'] == 'stuck'] == []


def test_a_kill_queue_that_stops_moving_makes_the_jobs_past_their_bound_stuck():
    """The same six jobs, but after the first two the kills stop (a driver that never ends): the third job is stuck
    once the queue has not moved for a kill (plus the margin and a poll), its bound being stuck_after plus two kills
    ahead of it; the fourth after its own, larger bound."""
    watcher = JobWatcher(latency_threshold=0, stuck_after=60, kill_seconds=21, interval=10)
    clock = Clock(watcher, step=10.0)
    ids = stopping_jobs(6)
    clock.poll(*[row(job, status='RUNNING') for job in ids])
    start = clock.now + 5.0
    stopped_at = {ids[0]: start + 51, ids[1]: start + 72}
    stuck = {}
    for dummy in range(30):
        for event in queue_poll(clock, ids, stopped_at, start):
            if event['kylin']['event'] == 'stuck':
                stuck[event['kylin']['job']['uuid']] = (clock.now - start, event['kylin'])
    assert sorted(stuck) == ids[2:]
    # The queue moved until 72 s; it counts as standing still from 72 + 21 + 10.5 (margin) + 10 (a poll) on.
    third = stuck[ids[2]]
    assert 113.5 <= third[0] <= 113.5 + 10 and third[1]['queue_ahead'] == 0
    assert stuck[ids[3]][0] >= 60 + 21 and stuck[ids[5]][0] >= 60 + 3 * 21
    # Without the queue (one job alone), the old rule: stuck at stuck_after.
    alone = JobWatcher(latency_threshold=0, stuck_after=60, kill_seconds=21, interval=10)
    clock = Clock(alone, step=10.0)
    clock.poll(row(status='RUNNING'))
    clock.poll(row(status='STOPPING'))
    polls = [clock.poll(row(status='STOPPING')) for dummy in range(6)]
    assert [bool(p) for p in polls] == [False] * 5 + [True]


def test_unreachable_once_then_reachable_once(watcher):
    clock = Clock(watcher)
    clock.poll(row())
    first = watcher.failed('connection', 'GET http://k/kylin/api/streaming_jobs: connection refused', clock.now, 10)
    assert kinds(first) == [('unreachable', None, None)]
    body = first[0]['kylin']
    assert body['job'] is None and body['reason'] == 'connection' and body['url'] == 'http://k/kylin'
    assert watcher.failed('connection', 'again', clock.now + 10, 20) == []
    assert watcher.failed('connection', 'again', clock.now + 30, 40) == []
    events = clock.poll(row(duration=60000))
    assert kinds(events) == [('reachable', None, None)]
    assert clock.poll(row(duration=70000)) == []


def test_outage_keeps_the_state_one_event_for_what_changed_meanwhile(watcher):
    clock = Clock(watcher)
    clock.poll(row(status='RUNNING'))
    watcher.failed('connection', 'down', clock.now, 10)
    events = clock.poll(row(status='ERROR', duration=100))
    assert kinds(events) == [('reachable', None, None), ('status_changed', 'RUNNING', 'ERROR')]


def test_auth_after_connection_is_reported(watcher):
    assert len(watcher.failed('connection', 'down', 1.0)) == 1
    events = watcher.failed('auth', 'HTTP 401', 2.0)
    assert [e['kylin']['reason'] for e in events] == ['auth']
    assert watcher.failed('auth', 'HTTP 401', 3.0) == []


def test_new_and_vanished_jobs(watcher):
    clock = Clock(watcher)
    clock.poll(row())
    events = clock.poll(row(duration=15000), row(MERGE, status='STOPPED', latency=None))
    assert kinds(events) == [('status_changed', None, 'STOPPED')]
    # a row missing from one poll (the list can miss it) is still known when it comes back
    assert clock.poll(row(duration=25000)) == []
    assert clock.poll(row(duration=35000), row(MERGE, status='STOPPED', latency=None, duration=30000)) == []


def test_secret_params_masked(watcher):
    clock = Clock(watcher)
    params = {'kylin.streaming.kafka-conf.sasl.jaas.config': 'x password="hunter2";', 'spark.executor.cores': '2',
              'my.db.password': 'hunter2'}
    clock.poll(row(params=params))
    events = clock.poll(row(status='ERROR', duration=100, params=params))
    job = events[0]['kylin']['job']
    assert 'hunter2' not in repr(events)
    assert job['params']['spark.executor.cores'] == '2'
    assert job['params']['my.db.password'] == MASK
    assert mask_value('GET http://u:s3cret@h/ failed s3cret', 's3cret') == 'GET http://u:********@h/ failed ********'


def test_backoff():
    polls, logins = poll_backoffs(interval=10, max_backoff=60, auth_backoff=900)
    assert [poll_delay('connection', polls, logins) for dummy in range(5)] == [10, 20, 40, 60, 60]
    assert poll_delay(None, polls, logins) == 10
    assert poll_delay('connection', polls, logins) == 10
    assert [poll_delay('auth', polls, logins) for dummy in range(4)] == [900, 1800, 3600, 3600]
    assert poll_delay('bad_answer', polls, logins) == 10
    poll_delay(None, polls, logins)
    assert poll_delay('auth', polls, logins) == 900
    # an auth back-off shorter than the interval still waits the interval
    polls, logins = poll_backoffs(interval=10, max_backoff=60, auth_backoff=2)
    assert poll_delay('auth', polls, logins) == 10


def test_options_env_fallbacks_and_errors(monkeypatch):
    warnings = []

    def parse(args):
        return events_options(args, warnings.append).get_options(
            'url', 'username', 'password', 'validate_certs', 'timeout', 'retries', 'job_types', 'interval', 'snapshot',
            'latency_threshold', 'stuck_after')
    monkeypatch.setenv('KYLIN_URL', 'http://env:7070')
    monkeypatch.setenv('KYLIN_USERNAME', 'ADMIN')
    monkeypatch.setenv('KYLIN_PASSWORD', 'pw')
    monkeypatch.setenv('KYLIN_VALIDATE_CERTS', 'false')
    monkeypatch.setenv('KYLIN_TIMEOUT', '7')
    settings = parse({'project': 'p1', 'job_types': 'build', 'interval': '2.5', 'snapshot': 'true', 'url': ''})
    assert settings['url'] == 'http://env:7070' and settings['username'] == 'ADMIN' and settings['password'] == 'pw'
    assert settings['validate_certs'] is False and settings['timeout'] == 7
    assert settings['job_types'] == ['build'] and settings['interval'] == 2.5 and settings['snapshot'] is True
    assert settings['retries'] == 1  # the source's own default, not the modules' 3
    assert parse({'url': 'http://arg:7070'})['url'] == 'http://arg:7070'
    assert parse({'eda_feedback_queue': object()})['latency_threshold'] == 300
    assert warnings == []
    for bad, words in (({'interval': 0}, 'interval must be more than 0'), ({'job_types': ['batch']}, 'job_types'),
                       ({'snapshot': 'maybe'}, 'snapshot'), ({'timeout': 'soon'}, 'timeout'),
                       ({'timeout': 0}, 'timeout must be a positive'), ({'latency_polls': 0}, 'latency_polls'),
                       ({'stuck_after': -1}, 'stuck_after must be at least 0'),
                       ({'kill_seconds': -1}, 'kill_seconds must be at least 0')):
        with pytest.raises(ValueError, match=words):
            parse(bad)
    assert parse({'delay': 3})['interval'] == 3 and parse({'stuck_timeout': 9})['stuck_after'] == 9
    assert parse({'intervall': 3})['interval'] == 10  # a typo is logged and ignored, not fatal
    assert len(warnings) == 1 and warnings[0].startswith('ignoring unknown option(s) intervall (known: url, ')
    monkeypatch.delenv('KYLIN_URL')
    with pytest.raises(ValueError, match=r'url is required: the url option, or its environment variable '
                                         r'\(kylin_url in capitals\)') as caught:
        parse({})
    assert str(caught.value) == MISSING_URL
    assert 'KYLIN' not in str(caught.value)  # Ansible would mask it where the password is KYLIN


def test_classify():
    assert classify(_errors.KylinAuthError('401', status=401)) == 'auth'
    assert classify(_errors.KylinTransportError('refused')) == 'connection'
    assert classify(_errors.KylinResponseError('502 page', status=502)) == 'connection'
    assert classify(_errors.KylinResponseError('html', status=200)) == 'bad_answer'
    assert classify(_errors.KylinApiError('KE-1', status=500)) == 'bad_answer'
    assert classify(ValueError('x')) == 'bad_answer'
