# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Runs one scenario against a simulator and collects what the oracle reads.

1. Set up: reset the simulator, the server's timing at the time scale, the project's models and their jobs in
   their initial statuses. A STARTING job is made by a START and a STOPPING job by a graceful STOP that the
   user ``EARLIER`` sends just before the task (through the Kylin API, as a person or a playbook would);
   the steady and ERROR statuses are set through the control API.
2. The faults, the nodes behind the load balancer, and the second controller (``RIVAL``, a thread that sends
   its PUT some time after the task began).
3. The task, as ``ADMIN``: in-process (``JobReconciler`` from plugins/module_utils/_reconcile.py with the real
   ``KylinClient`` over HTTP, what ``kylin.streaming.job`` runs) or through ``ansible-playbook``.
4. The journal: ``/_sim/actions``, ``/_sim/transitions``, ``/_sim/kills``, into an ``oracle.Run``.
"""

import collections
import threading
import time

from kylin_sim.control import STATUS_PUT

from oracle import EARLIER_USER, RIVAL_USER, TASK_USER, Run
from scenario import PROJECT

PASSWORD = {TASK_USER: 'KYLIN', EARLIER_USER: 'earlier-pass', RIVAL_USER: 'rival-pass'}


def kylin_client(url, user, timeout=10, retries=3, warn=None):
    """The collection's own client (plugins/module_utils/_client.py), as the module builds it."""
    from ansible_collections.kylin.streaming.plugins.module_utils._client import KylinClient  # pylint: disable=import-outside-toplevel
    return KylinClient(url=url, username=user, password=PASSWORD[user], timeout=timeout, retries=retries, warn=warn)


def in_process(url, scenario, ids, scale):
    """What ``kylin.streaming.job`` does, in this process: ``KylinModule.run`` around ``JobReconciler.run``."""
    # pylint: disable=import-outside-toplevel
    from ansible_collections.kylin.streaming.plugins.module_utils._errors import KylinError, error_fields
    from ansible_collections.kylin.streaming.plugins.module_utils._job_options import JobOptions
    from ansible_collections.kylin.streaming.plugins.module_utils._reconcile import JobReconciler
    warnings = []
    client = kylin_client(url, TASK_USER, warn=None, **scenario.connection_args())
    try:
        options = JobOptions.of(**scenario.task_args(ids, scale))
        result = JobReconciler(client, options, warn=warnings.append).run()
    except KylinError as exc:
        result = dict(failed=True, msg=str(exc), changed=False, jobs=[], **error_fields(exc))
    finally:
        client.close()
    result['warnings'] = warnings
    return result


def through_playbook(runner, conn):
    """A task runner that plays ``kylin.streaming.job`` with ``ansible-playbook`` (``runner``: a PlaybookRunner)."""
    from kylin_sim.testing import play  # pylint: disable=import-outside-toplevel

    def run(url, scenario, ids, scale):
        args = scenario.task_args(ids, scale)
        task = {'name': 'converge', 'kylin.streaming.job': args}
        connection = dict(conn, url=url, **scenario.connection_args())
        res = runner.run([play([task], connection)])
        result = dict(res.result('converge') or {})
        if res.rc != 0 and not result.get('failed'):
            result.update(failed=True, msg=result.get('msg') or res.describe())
        result['warnings'] = result.get('warnings') or []
        return result

    return run


class Rival(threading.Thread):
    """The second controller: one status PUT as ``RIVAL`` some time after the task began."""

    def __init__(self, url, rival, ids, scale):
        super().__init__(name='rival', daemon=True)
        self.url, self.rival, self.ids, self.scale = url, rival, ids, scale
        self.outcome = None

    def run(self):
        from ansible_collections.kylin.streaming.plugins.module_utils._errors import KylinError  # pylint: disable=import-outside-toplevel
        time.sleep(self.rival.delay * self.scale)
        client = kylin_client(self.url, RIVAL_USER, retries=1)
        try:
            client.act(self.rival.action, [self.ids[k] for k in self.rival.jobs], PROJECT)
            self.outcome = 'applied'
        except KylinError as exc:
            self.outcome = 'error: %s' % exc
        finally:
            client.close()


class Settler(threading.Thread):
    """Settles the jobs ``EARLIER`` left transitional (STARTING to RUNNING, STOPPING to STOPPED) as soon as the
    task's first status PUT reaches the server: their natural end then falls inside the window in which the
    task does not know whether its write was applied, the hardest case for it to read right. A job that ended
    its transition by itself, or that the task or the rival acted on, is left alone: the patch is applied only
    while the job has had no status write since the settler counted them, checked on the server at once (a
    check here, then a patch, raced with a RESTART passing through STOPPING, and the patch undid its launch)."""

    def __init__(self, ctl, keys, ids, already):
        super().__init__(name='settler', daemon=True)
        self.ctl, self.keys, self.ids, self.already = ctl, keys, ids, already
        self.done = threading.Event()
        self.settled = []
        counts = collections.Counter(t['job_id'] for t in ctl.transitions())
        self.transitions = dict((key, counts[ids[key]]) for key, _initial in keys)

    def run(self):
        while not self.done.wait(0.005):
            if self.ctl.counters()['requests'].get(STATUS_PUT, 0) > self.already:
                break
        else:
            return
        for key, initial in self.keys:
            if self.ctl.patch_job_if_unchanged(self.ids[key], self.transitions[key],
                                               status={'STARTING': 'RUNNING', 'STOPPING': 'STOPPED'}[initial]):
                self.settled.append(key)


def setup(ctl, url, scenario, scale):
    """The project as the scenario describes it when the task starts; returns job key -> job id."""
    ctl.reset('empty')
    ctl.set_config(**scenario.sim_config(scale))
    for user in (EARLIER_USER, RIVAL_USER):
        ctl.add_user(user, PASSWORD[user], admin=True)
    ids = {}
    starts, stops = [], []
    for alias in scenario.aliases:
        specs = {}
        broken = alias in scenario.broken
        for job in (j for j in scenario.jobs if j.model == alias):
            status = job.initial
            if status == 'STARTING' and not broken:
                status = 'STOPPED'          # a START from EARLIER, below
                starts.append(job.key)
            elif status == 'STOPPING':
                status = 'RUNNING'          # a graceful STOP from EARLIER, below
                stops.append(job.key)
            specs[job.type] = dict(status=status, retry_enabled=job.retry)
        made = ctl.add_model(PROJECT, alias, broken=broken, build=specs['build'], merge=specs['merge'])
        build_id, merge_id = made['job_ids']
        ids['%s_build' % alias], ids['%s_merge' % alias] = build_id, merge_id
    earlier = kylin_client(url, EARLIER_USER, retries=0)
    try:
        for action, keys in (('STOP', stops), ('START', starts)):
            if keys:
                earlier.act(action, [ids[k] for k in keys], PROJECT)
    finally:
        earlier.close()
    for job in scenario.jobs:
        if job.fail_launch:
            ctl.patch_job(ids[job.key], fail_launch=True)
    if scenario.cluster_config():
        ctl.set_config(**scenario.cluster_config())
    ctl.set_faults(**scenario.sim_faults())
    return ids


def run_scenario(ctl, url, scenario, scale, task=in_process):
    """Set up, run the task (``task(url, scenario, ids, scale)`` -> result), and collect the journal."""
    ids = setup(ctl, url, scenario, scale)
    rival = Rival(url, scenario.rival, ids, scale) if scenario.rival else None
    settler = None
    if scenario.settle_on_write:
        transitional = [(j.key, j.initial) for j in scenario.jobs if j.initial in ('STARTING', 'STOPPING')]
        settler = Settler(ctl, transitional, ids, ctl.counters()['requests'].get(STATUS_PUT, 0))
    if scenario.faults.owner_down and scenario.faults.nodes > 1:
        ctl.set_faults(owner_down=scenario.faults.owner_down)
    started = int(time.time() * 1000)
    for thread in (rival, settler):
        if thread:
            thread.start()
    try:
        result = task(url, scenario, ids, scale)
    finally:
        ended = int(time.time() * 1000)
        if settler:
            settler.done.set()
    for thread in (rival, settler):
        if thread:
            thread.join(30)
    time.sleep(scenario.settle_seconds(scale))
    return Run(scenario=scenario, ids=ids, result=result, actions=ctl.actions(), transitions=ctl.transitions(),
               started=started, ended=ended, kills=ctl.kills(), counters=ctl.counters(),
               rival_outcome=rival.outcome if rival else None)


def explain(run, violations):
    """A failure's text: the scenario readably, what broke, the result and the journal, and the JSON to keep."""
    scenario = run.scenario
    keys = {v: k for k, v in run.ids.items()}
    lines = ['%d promise(s) broken:' % len(violations)]
    lines += ['  - [%s] %s' % v for v in violations]
    lines += ['', 'Scenario:'] + ['  ' + line for line in scenario.describe().splitlines()]
    lines += ['', 'Result: %s%s' % ('FAILED: ' if run.result.get('failed') else '', run.result.get('msg'))]
    for res in run.result.get('jobs') or []:
        lines.append('  %s: action %s, changed %s, status %s -> %s%s' % (
            keys.get(res.get('id'), res.get('id')), res.get('action'), res.get('changed'), res.get('status_before'),
            res.get('status'), ', error: %s' % res['error'] if res.get('error') else ''))
    for warning in run.result.get('warnings') or []:
        lines.append('  warning: %s' % warning)
    lines += ['', 'Journal (ms after the task began; ADMIN is the task, EARLIER before it, RIVAL the second controller):']
    events = [(a['time'], '%s %s %s by %s: %s -> %s%s' % (
        keys.get(a['job_id'], a['job_id']), a['action'], 'applied' if a['ok'] else 'refused', a['user'],
        a['status_before'], a['status_after'], '' if a['ok'] else ' (%s)' % a['error_code'])) for a in run.actions]
    events += [(t['time'], '%s %s -> %s (%s)' % (keys.get(t['job_id'], t['job_id']), t['from'], t['to'], t['cause']))
               for t in run.transitions if t['time'] >= run.started - 2000]
    events.append((run.ended, 'the task returned'))
    for when, text in sorted(events, key=lambda e: e[0]):
        lines.append('  %+6d %s' % (when - run.started, text))
    lines += ['', 'Keep it as a fixed case (tests/model/cases.py):', '  ' + scenario.to_json()]
    return '\n'.join(lines)
