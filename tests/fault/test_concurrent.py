# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Several controllers converge the same jobs at the same time."""

import collections
import random
import sys

from kylin_sim.testing import play
from conftest import PROJECT, all_ids, job_task
from kylin_sim.control import wait_until

MODELS = 25  # 50 jobs
BARRIER = """import os, sys, time
open(sys.argv[1], 'w').close()
while not os.path.exists(sys.argv[2]):
    time.sleep(0.005)
"""


def test_four_playbooks_start_the_same_jobs(ctl, conn, kylin_playbook, tmp_path, facts):
    """Four playbooks converge the same 50 jobs at once.

    Four `ansible-playbook` processes converge the same 50 STOPPED jobs to `started` (one by model list,
    one by the reversed list, one in batches of 10, one by shuffled job ids; launch time 1 s, 0.2 s of
    latency on every request). The four converge tasks are released together from a start line, so
    they read the same STOPPED jobs and send their STARTs at the same time. Checked: all four succeed; every job is RUNNING on the server; the server applied
    START exactly once per job (the other controllers' STARTs, refused by Kylin with KE-010035005, are
    not errors); every action the server refused was a KE-010035005; and across the four results each
    job is reported `changed` by exactly one playbook."""
    ctl.set_config(start_delay=1.0)
    ids = ctl.add_models(PROJECT, MODELS, 'STOPPED', digits=2)
    aliases = list(ids)
    jobs = all_ids(ids)
    shuffled = list(jobs)
    random.Random(6).shuffle(shuffled)
    # Different orders and batchings, so the controllers' PUTs overlap part-way, not only at the first job.
    tasks = [
        job_task(models=aliases),
        job_task(models=list(reversed(aliases))),
        job_task(models=aliases, batch_size=10),
        job_task(job_ids=shuffled),
    ]
    # A start line: each playbook first says it is ready, then waits for the go; the converge tasks then
    # start together, and a little latency keeps their reads and PUTs in flight at the same time.
    barrier = tmp_path / 'barrier.py'
    barrier.write_text(BARRIER)
    go = tmp_path / 'go'
    running, ready = [], []
    for number, task in enumerate(tasks):
        workdir = tmp_path / ('controller%d' % number)
        workdir.mkdir()
        ready.append(workdir / 'ready')
        wait = {'name': 'start line', 'ansible.builtin.command': {
            'argv': [sys.executable, str(barrier), str(ready[-1]), str(go)]}, 'changed_when': False}
        running.append(kylin_playbook.start([play([wait, task], conn)]))
    wait_until(lambda: all(path.exists() for path in ready) or any(not p.running() for p in running), timeout=60,
               what='all four playbooks at the start line')
    ctl.set_faults(latency=0.2)
    go.write_text('go')
    results = [playbook.wait() for playbook in running]

    for res in results:
        assert res.rc == 0, res.describe()
    assert ctl.statuses(PROJECT) == dict((job_id, 'RUNNING') for job_id in jobs)
    actions = ctl.actions()
    applied = collections.Counter(a['job_id'] for a in actions if a['ok'])
    assert applied == dict((job_id, 1) for job_id in jobs), applied
    assert all(a['action'] == 'START' for a in actions)
    refused = [a for a in actions if not a['ok']]
    assert set(a['error_code'] for a in refused) <= {'KE-010035005'}, refused
    changed_by = collections.Counter()
    for res in results:
        for job in res.result('converge')['jobs']:
            assert job['status'] == 'RUNNING' and not job['error'], job
            if job['changed']:
                changed_by[job['id']] += 1
    assert changed_by == dict((job_id, 1) for job_id in jobs), changed_by
    facts.add('START applied once per job (%d); %d START(s) refused by Kylin as already started (KE-010035005) '
              'and absorbed; jobs reported changed per playbook: %s; all %d RUNNING.',
              sum(applied.values()), len(refused),
              [sum(1 for j in res.result('converge')['jobs'] if j['changed']) for res in results], len(jobs))
