# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Transient faults: a proxy answering 503 to reads, and connections dropped before processing."""

import collections

import pytest

from conftest import PROJECT, all_ids, job_task

MODELS = 10  # 20 jobs


@pytest.mark.parametrize('state, before, after, action', [
    ('started', 'STOPPED', 'RUNNING', 'START'),
    ('stopped', 'RUNNING', 'STOPPED', 'STOP'),
])
def test_503_reads_and_dropped_connections(ctl, run, facts, state, before, after, action):
    """30% of reads answered 503 and connections dropped: the task converges.

    20 jobs converge while 30% of reads are answered 503 by a proxy and 5% of all requests (reads and
    PUTs) have their connection dropped before the server processes them (default `retries: 3`, seeded
    faults, the first request always dropped and its retry always answered 503; start 2 s, stop 1.5 s).
    Checked: the task succeeds, every job ends in the desired status on the server, and the server
    applied exactly one action per job (a dropped PUT is re-read, then resent only for the jobs that did
    not move)."""
    ids = ctl.add_models(PROJECT, MODELS, before, digits=2)
    aliases = list(ids)
    jobs = all_ids(ids)
    ctl.set_config(start_delay=2.0, stop_delay=1.5)  # a few polls, so the rates have requests to bite
    # Rates, seeded; plus one of each for sure: the first request dropped, its retry answered 503.
    ctl.set_faults(error_rate=0.3, error_methods=['GET'], error_statuses=[503], drop_rate=0.05, seed=11,
                   drop_count=1, error_count=1)

    res = run([job_task(models=aliases, state=state)])

    counters = ctl.counters()
    ctl.set_faults(error_rate=None, drop_rate=None, drop_count=None, error_count=None)
    assert res.rc == 0, res.describe()
    result = res.result('converge')
    assert result['changed'] is True
    assert sorted(j['id'] for j in result['jobs'] if j['changed']) == sorted(jobs)
    assert set(ctl.statuses(PROJECT).values()) == {after}, ctl.statuses(PROJECT)
    applied = collections.Counter(ctl.applied())
    assert applied == dict(((job_id, action), 1) for job_id in jobs), applied
    injected = counters['faults']
    assert injected.get('error', 0) > 0 and injected.get('drop', 0) > 0, counters
    facts.add('%d reads answered 503 and %d connections dropped, out of %d requests; the task succeeded.',
              injected.get('error', 0), injected.get('drop', 0), sum(counters['requests'].values()))
    facts.add('Server: %d/%d jobs %s, %s applied once per job (%d applied actions in all); requests: %s.',
              sum(1 for s in ctl.statuses(PROJECT).values() if s == after), len(jobs), after, action,
              sum(applied.values()), counters['requests'])
