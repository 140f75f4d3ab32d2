# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r'''
name: restart_budget
short_description: Which failed streaming jobs to restart, within a restart budget
version_added: 0.1.0
description:
  - Decides, job by job, which candidates to restart so that a crash-looping job never becomes a
    restart storm; the rule of the C(kylin.streaming.restart_errored) runbook.
  - A candidate is a job row of M(kylin.streaming.job_info) with C(include=[records]) (its status
    history), plus C(reason), V(error) (the job is in V(ERROR)) or V(latency) (a running build job
    whose data latency is too high).
  - "Its failures are its records in the window: ERROR records for an errored job; STOP records for one
    that failed to launch (Kylin writes no record for a launch failure, but each RESTART writes a STOP
    before the launch); START records (restarts) for a slow one. With O(max_failures) or more in the
    window a job is over the budget: reported, not restarted."
  - With O(health) (the gate the restarts get, C(kylin_health)), each run of an errored job that began in the
    window and was not healthy within the gate's C(timeout) of its start (no C(samples) micro-batches in a row at
    or under C(max_latency), from the job's C(stats), read with C(include=[records, stats])) counts as one more
    failure, as a restart whose job did not become healthy is a failed restart. Server times only (records and
    stats rows).
  - Jobs of broken models are never restarted (Kylin refuses to start them); they are reported.
  - A job listed twice (by id) counts once, as first listed.
author:
  - kylin.streaming maintainers (@kylin-streaming)
options:
  _input:
    description: The candidates, job rows with C(records) and C(reason).
    type: list
    elements: dict
    required: true
  now_ms:
    description: The end of the failure window, in milliseconds since the epoch (C(now().timestamp() * 1000)).
    type: int
    required: true
  window:
    description: The failure window, in seconds before O(now_ms).
    type: float
    default: 3600
  max_failures:
    description: The budget, failures in the window at which a job is no longer restarted.
    type: int
    default: 3
  health:
    description:
      - The health gate of the restarts, C({max_latency, samples, timeout}) as M(kylin.streaming.job)'s
        O(kylin.streaming.job#module:health); its failed runs count (see the description). The candidates need
        C(stats) over the window for it.
    type: dict
  latency_threshold:
    description:
      - Seconds of data latency above which running build jobs were made candidates (0, off). Only
        words the line printed when nothing is to be restarted.
    type: float
    default: 0
seealso:
  - module: kylin.streaming.job_info
'''

EXAMPLES = r'''
- name: Read the jobs in ERROR, with their status history
  kylin.streaming.job_info:
    statuses: [ERROR]
    include: [records]
  register: errored

- name: Decide within the budget
  ansible.builtin.set_fact:
    decisions: >-
      {{ errored.jobs | map('combine', {'reason': 'error'}) | list
         | kylin.streaming.restart_budget(now_ms=(now().timestamp() * 1000) | int, window=1800, max_failures=2) }}

- name: Say what was decided
  ansible.builtin.debug:
    msg: "{{ decisions.lines }}"

- name: Restart what is within the budget
  kylin.streaming.job:
    project: "{{ item }}"
    job_ids: "{{ decisions.restart | selectattr('project', 'equalto', item) | map(attribute='id') | list }}"
    state: restarted
  loop: "{{ decisions.restart | map(attribute='project') | unique | list }}"

- name: With a health gate, a restart whose job did not become healthy counts as a failure
  kylin.streaming.job_info:
    statuses: [ERROR]
    include: [records, stats]
    stats_minutes: 31
  register: errored_with_stats

- name: Decide within the budget, the gate's failed runs counted
  ansible.builtin.set_fact:
    decisions: >-
      {{ errored_with_stats.jobs | map('combine', {'reason': 'error'}) | list
         | kylin.streaming.restart_budget(now_ms=(now().timestamp() * 1000) | int, window=1800, max_failures=3,
                                          health={'max_latency': 90, 'samples': 3, 'timeout': 600}) }}
'''

RETURN = r'''
_value:
  description: The jobs by decision, and one line per job saying why (or one line saying there is nothing to do).
  type: dict
  contains:
    restart:
      description: The jobs to restart, C({id, project, model, type, reason, failures, label}) each.
      type: list
      elements: dict
    over_budget:
      description: The jobs over the budget, not to be restarted; their C(label) ends with their history
        (C(sales/orders_rt build (3 failures in the last 3600s))).
      type: list
      elements: dict
    broken:
      description: The jobs of broken models, not to be restarted.
      type: list
      elements: dict
    lines:
      description:
        - "One line per job: C(restart: sales/orders_rt build: ERROR, 1 failure in the last 3600s),
          C(OVER BUDGET, not restarted: ...), C(not restarted: ..., model broken (fix the model first)); or
          C(nothing to restart: no job in ERROR)."
      type: list
      elements: str
'''

from ansible.errors import AnsibleFilterError

from ansible_collections.kylin.streaming.plugins.module_utils._health import HealthSpec, failed_runs
from ansible_collections.kylin.streaming.plugins.module_utils._rows import job_type


def _what(job):
    if job.get('reason') == 'error':
        return 'ERROR' + (' (failed to launch)' if job.get('launching_error') else '')
    latency = job.get('data_latency')
    return 'data latency %.0fs' % (latency / 1000.0) if latency is not None else 'data latency unknown'


def restart_budget(candidates, now_ms, window=3600, max_failures=3, latency_threshold=0, health=None):
    """The candidates split into restart, over_budget and broken, with a line for each."""
    if not isinstance(candidates, (list, tuple)):
        raise AnsibleFilterError('kylin.streaming.restart_budget: the candidates must be a list of job rows')
    try:
        now_ms, window, max_failures = int(now_ms), float(window), int(max_failures)
        latency_threshold = float(latency_threshold)
    except (TypeError, ValueError):
        raise AnsibleFilterError('kylin.streaming.restart_budget: now_ms, window, max_failures and latency_threshold '
                                 'must be numbers')
    try:
        gate = HealthSpec.of(health) if health else None
    except (KeyError, TypeError, ValueError):
        raise AnsibleFilterError('kylin.streaming.restart_budget: health must be a dict with max_latency (seconds), '
                                 'and optionally samples and timeout')
    since = now_ms - int(window * 1000)
    decided = dict(restart=[], over_budget=[], broken=[], lines=[])
    seen = set()
    for job in candidates:
        if job.get('uuid') in seen:
            continue
        seen.add(job.get('uuid'))
        error = job.get('reason') == 'error'
        counted = ('STOP' if job.get('launching_error') else 'ERROR') if error else 'START'
        failures = len([r for r in job.get('records') or []
                        if r.get('action') == counted and int(r.get('create_time') or 0) >= since])
        unhealthy = failed_runs(job.get('records'), job.get('stats'), gate, since, now_ms) if gate and error else 0
        failures += unhealthy
        entry = dict(id=job.get('uuid'), project=job.get('project'), model=job.get('model_alias'),
                     type=job.get('type') or job_type(job), reason=job.get('reason'), failures=failures)
        entry['label'] = '%s/%s %s' % (entry['project'], entry['model'], entry['type'])
        counted_as = 'failure' if error else 'restart'
        history = '%d %s%s in the last %ds' % (failures, counted_as, '' if failures == 1 else 's', int(window))
        if unhealthy:
            history += ' (%d of them a restart that did not become healthy)' % unhealthy
        if job.get('model_broken'):
            decided['broken'].append(entry)
            decided['lines'].append('not restarted: %s: %s, model broken (fix the model first)' % (entry['label'], _what(job)))
        elif failures >= max_failures:
            decided['over_budget'].append(dict(entry, label='%s (%s)' % (entry['label'], history)))
            decided['lines'].append('OVER BUDGET, not restarted: %s: %s, %s (budget %d)' % (
                entry['label'], _what(job), history, max_failures))
        else:
            decided['restart'].append(entry)
            decided['lines'].append('restart: %s: %s, %s' % (entry['label'], _what(job), history))
    if not decided['lines']:
        decided['lines'].append('nothing to restart: no job in ERROR' + (
            ' or above the latency threshold' if latency_threshold > 0 else ''))
    return decided


class FilterModule:
    def filters(self):
        return {'restart_budget': restart_budget}
