# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The Kylin server crashes and comes back (same port, same metadata) while a task waits."""

import collections
import time

import pytest

from kylin_sim.control import STATUS_PUT

from conftest import PROJECT, all_ids, job_task
from kylin_sim.testing import ADMIN, play, wait_until

CASES = {
    # state: (status before, action, what Kylin's restart does to the waited-for jobs, final status)
    'started': ('STOPPED', 'START', [('STARTING', 'restart_resume')], 'RUNNING'),
    'stopped': ('RUNNING', 'STOP', [('ERROR', 'restart_resume')], 'ERROR'),
}


@pytest.mark.parametrize('state', list(CASES))
def test_server_killed_and_restarted_during_wait(kylin_sim_factory, kylin_playbook, facts, state):
    """The server killed and restarted (same port, same state file) while the task waits.

    10 jobs are started (launch time 3 s), or stopped (stop time 3 s); as soon as the server has applied
    the action, the simulator process is killed (SIGKILL) and, 1 s later, started again on the same port
    with the same `--state-file`. Kylin's restart behaviour applies: STARTING jobs are killed and
    resubmitted, STOPPING jobs become ERROR (which `state: stopped` accepts as stopped). Checked: the
    playbook was still waiting when the server died and while it was down; the task then succeeds; every
    job is in the expected status on the restarted server, went through the server's `restart_resume`,
    and got the action exactly once (the restarted server received no PUT at all)."""
    before, action, resumed, final = CASES[state]
    sim = kylin_sim_factory.make(process=True, state_file=True, config={'start_delay': 3.0, 'stop_delay': 3.0})
    try:
        ids = sim.ctl.add_models(PROJECT, 5, before, digits=2)
        aliases = list(ids)
        jobs = all_ids(ids)
        conn = dict(url=sim.url, **ADMIN)
        playbook = kylin_playbook.start([play([job_task(models=aliases, state=state)], conn)])

        def applied_all():
            return set(a['job_id'] for a in sim.ctl.actions() if a['action'] == action and a['ok']) == set(jobs)

        wait_until(applied_all, timeout=60, what='%s of every job applied' % action)
        before_kill = collections.Counter((a['job_id'], a['action']) for a in sim.ctl.actions() if a['ok'])
        assert playbook.running(), 'the playbook finished before the server could be killed'
        sim.kill()
        time.sleep(1.0)
        assert playbook.running(), 'the playbook ended while the server was down'
        sim.start()
        res = playbook.wait()

        assert res.rc == 0, res.describe()
        result = res.result('converge')
        assert all(j['status'] == final and j['changed'] and not j['error'] for j in result['jobs']), result['jobs']
        assert dict((job['id'], job['status']) for job in sim.ctl.jobs()) == dict((j, final) for j in jobs)
        assert before_kill == dict(((j, action), 1) for j in jobs)
        counters = sim.ctl.counters()  # the restarted process counts from zero
        assert counters['requests'].get(STATUS_PUT, 0) == 0, counters
        assert not sim.ctl.actions()
        seen = collections.defaultdict(list)
        for transition in sim.ctl.transitions():
            seen[transition['job_id']].append((transition['to'], transition['cause']))
        for job_id in jobs:
            for step in resumed:
                assert step in seen[job_id], seen[job_id]
            assert seen[job_id][-1][0] == final, seen[job_id]
        warned = [w.split(';')[0] for w in result.get('warnings', [])]
        facts.add('%s applied once to each of %d jobs before the kill; the restarted server received %d GET and 0 PUT '
                  'requests; every job went through restart_resume and ended %s; task ok in %.1f s.', action, len(jobs),
                  counters['requests'].get('GET /kylin/api/streaming_jobs', 0), final, res.seconds)
        facts.add('Module warnings (first clause): %s', ' / '.join(warned) or 'none')
    finally:
        sim.stop()
