# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r'''
name: desired_drift
short_description: What drifted from a desired state of streaming jobs on one cluster, one line per job
version_added: 0.1.0
description:
  - The rule of the C(kylin.streaming.drift) runbook. Compares a desired state (the C(kylin_streaming_jobs) list of
    the R(kylin.streaming.jobs role,ansible_collections.kylin.streaming.jobs_role)) with the live job rows of one
    cluster exactly as P(kylin.streaming.desired_jobs#filter) does (the decisions of C(kylin.streaming.converge)),
    and tells the jobs that differ, reading nothing itself.
  - A job has drifted when converging would act on it or cannot bring it to its state (V(status)), or when its
    params differ (V(params)); a desired job that the cluster lacks is missing.
  - Params whose name holds password, passwd, secret, token, credential or jaas are never shown; their lines say
    C((secret)) and that they differ.
author:
  - kylin.streaming maintainers (@kylin-streaming)
extends_documentation_fragment:
  - kylin.streaming.desired_state
options:
  jobs:
    description: The live job rows of the cluster, for example RV(kylin.streaming.job_info#module:jobs).
    type: list
    elements: dict
    required: true
  cluster:
    description: The name of the cluster (its inventory host), put before every line.
    type: str
    default: ''
  global_retry_enabled:
    description: The cluster's C(kylin.streaming.job-retry-enabled), as O(kylin.streaming.desired_jobs#filter:global_retry_enabled).
    type: bool
    default: false
seealso:
  - plugin: kylin.streaming.desired_jobs
    plugin_type: filter
'''

EXAMPLES = r'''
- name: Read the live jobs
  kylin.streaming.job_info:
    fields: [uuid, project, model_alias, job_type, job_status, params, model_broken]
  register: live

- name: Fail when the cluster drifted from its desired state
  vars:
    drift: "{{ kylin_streaming_jobs | kylin.streaming.desired_drift(live.jobs, cluster=inventory_hostname) }}"
  ansible.builtin.assert:
    that: drift.lines | length == 0 and drift.problems | length == 0
    fail_msg: "{{ drift.problems + drift.lines }}"
# prod: streaming_demo/orders_rt build: status STOPPED, desired RUNNING (converge would START it)
# prod: streaming_demo/clickstream build: params spark.executor.instances 4 -> 6, kafka.sasl.jaas.config differs
'''

RETURN = r'''
_value:
  description: What drifted, what is missing, and one line for each.
  type: dict
  contains:
    cluster:
      description: O(cluster).
      type: str
    jobs:
      description: How many desired jobs were found and compared.
      type: int
    drifted:
      description:
        - The jobs that differ, C({cluster, project, model, type, id, status, desired_status, action, differs, params, line}) each;
          C(params) has C({before, after}) per param that differs, V((secret)) for a secret.
      type: list
      elements: dict
    missing:
      description: The desired jobs the cluster lacks, C({cluster, project, model, type, line}) each.
      type: list
      elements: dict
    lines:
      description: One line per drifted or missing job.
      type: list
      elements: str
    problems:
      description: Mistakes or contradictions in the desired state, one line each; with any, nothing is compared.
      type: list
      elements: str
'''

from ansible.errors import AnsibleFilterError
from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.kylin.streaming.plugins.module_utils._desired import drift


def desired_drift(entries, jobs, cluster='', global_retry_enabled=False):
    """The jobs of one cluster that drifted from the desired state, one line each, secrets masked."""
    if not isinstance(entries, (list, tuple)):
        raise AnsibleFilterError('kylin.streaming.desired_drift: the desired state must be a list of entries')
    if not isinstance(jobs, (list, tuple)):
        raise AnsibleFilterError('kylin.streaming.desired_drift: jobs must be a list of job rows (job_info\'s jobs)')
    return drift(entries, jobs, cluster='%s' % (cluster or ''), global_retry=boolean(global_retry_enabled, strict=False))


class FilterModule:
    def filters(self):
        return {'desired_drift': desired_drift}
