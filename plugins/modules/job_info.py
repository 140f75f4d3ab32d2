#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r'''
module: job_info
short_description: Inventory of Kylin streaming jobs
version_added: 0.1.0
description:
  - Lists the streaming jobs of Apache Kylin 5 / Kyligence Enterprise, with their status, data latency
    and time in status, for reports and to drive loops. Never changes anything.
  - Pages through Kylin's list with as few requests as O(page_size) allows. Kylin's default order
    changes while paging (running build jobs rewrite C(last_modified) every micro-batch), so when more
    than one page is needed the pages are read in storage order and sorted here, without duplicates.
author:
  - kylin.streaming maintainers (@kylin-streaming)
options:
  project:
    description:
      - Project to list. All projects when not set.
      - Kylin lets only users with OPERATION permission on a project (or admins) list its jobs.
    type: str
  model_name:
    description:
      - Substring of the model alias, matched by the server (case-sensitive, except that an exact
        alias matches whatever its case).
    type: str
  models:
    description:
      - Exact, case-sensitive model aliases.
    type: list
    elements: str
  job_types:
    description:
      - Only these kinds of job.
    type: list
    elements: str
    choices: [build, merge]
  statuses:
    description:
      - Only jobs in these statuses (any case). V(ERROR) includes jobs that failed to launch.
      - Allowed values are V(STARTING), V(RUNNING), V(STOPPING), V(ERROR) and V(STOPPED), in any case.
    type: list
    elements: str
  job_ids:
    description:
      - Only these job ids. Needs O(project).
    type: list
    elements: str
  sort_by:
    description:
      - Sort key. V(data_latency) and V(last_status_duration) put jobs without a value first when
        O(reverse=true) and last otherwise, as Kylin does.
    type: str
    choices: [last_modified, data_latency, last_status_duration, model_alias]
    default: last_modified
  reverse:
    description:
      - Sort in descending order.
    type: bool
    default: true
  limit:
    description:
      - Return at most this many jobs (after sorting). V(0) returns all.
    type: int
    default: 0
  page_size:
    description:
      - Rows per request while paging.
    type: int
    default: 500
  include:
    description:
      - Extra data per job, one more request per job and kind, only when asked for.
      - V(records) adds C(records), the job's status history (START, STOP and ERROR events, newest first).
      - V(stats) adds C(stats), the build job's consumption rate, data latency and processing time series
        over the last O(stats_minutes) minutes (merge jobs have none, V(null)).
    type: list
    elements: str
    choices: [records, stats]
    default: []
  stats_minutes:
    description:
      - Window of the O(include=stats) series, in minutes (at most 10080, a week).
    type: int
    default: 30
  global_retry_enabled:
    description:
      - The cluster's C(kylin.streaming.job-retry-enabled) setting (in C(kylin.properties)), which Kylin
        applies to jobs whose params lack that key; it decides each job's C(retry_enabled).
    type: bool
    default: false
  fields:
    description:
      - Return only these keys of each job in RV(jobs) (any of V(uuid), V(type), V(job_type),
        V(project), V(model_alias), V(model_id), V(job_status), V(launching_error), V(model_broken),
        V(data_latency), V(last_status_duration), V(last_modified), V(yarn_app_id), V(params),
        V(retry_enabled), V(records), V(stats)); the keys of O(include) are always kept. Not set, every key.
      - The same reads and the same RV(total) and RV(counts); only the answer is smaller. Ansible's own
        cost of a task grows with the size of its result, so over thousands of jobs asking for the few
        keys a play uses makes the task several times faster (docs/benchmarks.md).
    type: list
    elements: str
  summary:
    description:
      - Return counts only (RV(total) and RV(counts)) and an empty RV(jobs), the fastest way to watch
        thousands of jobs. Cannot be combined with O(fields) or O(include).
    type: bool
    default: false
extends_documentation_fragment:
  - kylin.streaming.connection
  - kylin.streaming.attributes
  - kylin.streaming.attributes.info
seealso:
  - module: kylin.streaming.job
  - plugin: kylin.streaming.jobs
    plugin_type: lookup
'''

EXAMPLES = r'''
- name: Every job of a project
  kylin.streaming.job_info:
    url: http://kylin.example.com:7070
    username: ADMIN
    password: "{{ vault_kylin_password }}"
    project: sales
  register: inventory

- name: Print how many jobs are in each status
  ansible.builtin.debug:
    var: inventory.counts

- name: The ten build jobs with the highest data latency, across all projects
  kylin.streaming.job_info:
    job_types: [build]
    statuses: [running]
    sort_by: data_latency
    limit: 10
  register: slowest

- name: Jobs Kylin would relaunch from ERROR, on a cluster that enables retries globally
  kylin.streaming.job_info:
    project: sales
    global_retry_enabled: true
  register: with_retries

- name: Jobs in ERROR, with their status history
  kylin.streaming.job_info:
    project: sales
    statuses: [ERROR]
    include: [records]
  register: errored

- name: Restart each errored job that has not failed more than 3 times
  kylin.streaming.job:
    project: sales
    job_ids: ["{{ item.uuid }}"]
    state: restarted
  loop: "{{ errored.jobs }}"
  loop_control:
    label: "{{ item.model_alias }} {{ item.type }}"
  when: item.records | selectattr('action', 'equalto', 'ERROR') | list | length <= 3

- name: Ten thousand jobs, only what the loop below needs (a far smaller, faster result)
  kylin.streaming.job_info:
    project: sales
    fields: [uuid, model_alias, job_status]
  register: light

- name: How many jobs are in each status, without the jobs themselves
  kylin.streaming.job_info:
    project: sales
    summary: true
  register: summary
  failed_when: summary.counts.ERROR > 0
'''

RETURN = r'''
jobs:
  description:
    - The jobs, each row as Kylin returns it, plus C(type); only the keys of O(fields) when it is set;
      empty with O(summary=true).
    - See Kylin's API documentation for every field; the most useful ones are below.
  returned: always
  type: list
  elements: dict
  contains:
    uuid:
      description: Job id.
      type: str
      sample: 7bccf62d-535c-70b8-8271-eaef3985aa96_build
    type:
      description: V(build) or V(merge) (added by this module).
      type: str
      sample: build
    job_type:
      description: C(STREAMING_BUILD) or C(STREAMING_MERGE).
      type: str
    project:
      description: Project.
      type: str
    model_alias:
      description: Model alias.
      type: str
    model_id:
      description: Model uuid.
      type: str
    job_status:
      description: V(STARTING), V(RUNNING), V(STOPPING), V(ERROR) or V(STOPPED).
      type: str
    launching_error:
      description: Whether an V(ERROR) job failed to launch.
      type: bool
    model_broken:
      description: Whether the model is broken (its jobs cannot start).
      type: bool
    data_latency:
      description: Build jobs only, in milliseconds; V(null) for merge jobs and jobs without statistics.
      type: int
    last_status_duration:
      description: Milliseconds since the last START, STOP or ERROR event; V(null) if the job never ran.
      type: int
    last_modified:
      description: Epoch milliseconds of the last change of the job's metadata.
      type: int
    yarn_app_id:
      description: YARN application of the running driver.
      type: str
    params:
      description: The job's parameters (strings).
      type: dict
    retry_enabled:
      description:
        - Whether Kylin relaunches the job when it falls into V(ERROR) (added by this module), from its
          C(kylin.streaming.job-retry-enabled) param, or O(global_retry_enabled) when the param is missing.
      type: bool
    records:
      description: Status history, newest first. Only with O(include=records).
      type: list
      returned: when requested
    stats:
      description: C(consumption_rate_hist), C(data_latency_hist), C(processing_time_hist), C(create_time). Only with O(include=stats).
      type: dict
      returned: when requested
total:
  description: Number of jobs matching the filters, as the server counts them (before O(limit)).
  returned: always
  type: int
  sample: 42
counts:
  description: Number of returned jobs in each status (every status is present).
  returned: always
  type: dict
  sample: {"STARTING": 0, "RUNNING": 30, "STOPPING": 0, "ERROR": 2, "STOPPED": 10}
'''

from ansible_collections.kylin.streaming.plugins.module_utils._errors import KylinOptionError
from ansible_collections.kylin.streaming.plugins.module_utils._filters import FILTER_SPEC, check_filters
from ansible_collections.kylin.streaming.plugins.module_utils._inventory import inventory
from ansible_collections.kylin.streaming.plugins.module_utils._module import KylinModule

INFO_SPEC = dict(
    FILTER_SPEC,
    include=dict(type='list', elements='str', choices=['records', 'stats'], default=[]),
    stats_minutes=dict(type='int', default=30),
    global_retry_enabled=dict(type='bool', default=False),
)


def list_jobs(module, client):
    filters = check_filters(module.adapter)
    minutes = module.params['stats_minutes']
    if not 1 <= minutes <= 10080:
        raise KylinOptionError('stats_minutes must be between 1 and 10080 (got %s)' % minutes)
    if filters['summary'] and module.params['include']:
        raise KylinOptionError('summary returns counts only: it cannot be combined with include')
    answer = inventory(client, project=module.params['project'], include=module.params['include'],
                       stats_minutes=minutes, global_retry_enabled=module.params['global_retry_enabled'], **filters)
    for warning in answer.pop('warnings'):
        module.warn(warning)
    return dict(changed=False, **answer)


def main():
    module = KylinModule(argument_spec=INFO_SPEC, supports_check_mode=True)
    module.run(lambda client: list_jobs(module, client), jobs=[], total=0, counts={})


if __name__ == '__main__':
    main()
