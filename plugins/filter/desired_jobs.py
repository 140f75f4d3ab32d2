# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r'''
name: desired_jobs
short_description: A desired state of streaming jobs against the live jobs of a cluster, job by job
version_added: 0.1.0
description:
  - Compares a desired state (the C(kylin_streaming_jobs) list of the R(kylin.streaming.jobs role,ansible_collections.kylin.streaming.jobs_role))
    with the live job rows of one Kylin cluster (from M(kylin.streaming.job_info) or the
    P(kylin.streaming.jobs#lookup) lookup), reading nothing itself.
  - Gives, per desired job, its desired status and params, what converging would do to it (the
    decision table of M(kylin.streaming.job), the one C(kylin.streaming.converge) applies) and what differs,
    so that drift can be found without changing anything.
  - The entries are checked and merged as P(kylin.streaming.desired_problems#filter) and
    P(kylin.streaming.desired_plan#filter) do; with a mistake or a contradiction nothing is compared, and
    RV(_value.problems) says why.
author:
  - kylin.streaming maintainers (@kylin-streaming)
extends_documentation_fragment:
  - kylin.streaming.desired_state
options:
  jobs:
    description:
      - The live job rows (C(uuid), C(project), C(model_alias), C(job_status), C(params), ...), for example
        RV(kylin.streaming.job_info#module:jobs). Rows of other projects and models are ignored.
      - Projects match case-insensitively (as Kylin reads them), model aliases exactly.
    type: list
    elements: dict
    required: true
  global_retry_enabled:
    description:
      - The cluster's C(kylin.streaming.job-retry-enabled), as O(kylin.streaming.job#module:global_retry_enabled)
        (whether Kylin relaunches a job in V(ERROR) whose params lack the key, so that V(stopped) must FORCE_STOP it).
    type: bool
    default: false
seealso:
  - plugin: kylin.streaming.desired_plan
    plugin_type: filter
  - module: kylin.streaming.job_info
'''

EXAMPLES = r'''
- name: Read the live jobs
  kylin.streaming.job_info:
    fields: [uuid, project, model_alias, job_status, params, model_broken]
  register: live

- name: Fail when a job drifted from the desired state
  vars:
    compared: "{{ kylin_streaming_jobs | kylin.streaming.desired_jobs(live.jobs) }}"
    drifted: "{{ compared.jobs | selectattr('differs') | list }}"
  ansible.builtin.assert:
    that:
      - compared.problems | length == 0
      - compared.missing | length == 0
      - drifted | length == 0
    fail_msg: >-
      {{ compared.problems | join('; ') }}
      {{ drifted | map(attribute='model') | zip(drifted | map(attribute='type'), drifted | map(attribute='differs') | map('join', '+'))
         | map('join', ' ') | join(', ') }}
'''

RETURN = r'''
_value:
  description: The desired jobs compared, the desired jobs not found, and the problems of the desired state.
  type: dict
  contains:
    jobs:
      description: One item per desired job found in O(jobs), in the order the entries name them.
      type: list
      elements: dict
      contains:
        id:
          description: The job id.
          type: str
        project:
          description: The project, as Kylin spells it.
          type: str
        model:
          description: The model alias.
          type: str
        type:
          description: V(build) or V(merge).
          type: str
        status:
          description: The live status (V(RUNNING), V(STOPPED), V(ERROR), V(STARTING), V(STOPPING)).
          type: str
        state:
          description: The desired state, V(started) or V(stopped).
          type: str
        desired_status:
          description:
            - The status converging leads to, V(RUNNING) or V(STOPPED); a job in V(ERROR) that V(stopped)
              leaves alone stays V(ERROR).
          type: str
        action:
          description:
            - What M(kylin.streaming.job) would send first (V(START), V(STOP), V(FORCE_STOP), V(RESTART)), as
              in its check mode; V(null) when nothing (a job already starting is waited for, not sent anything).
            - V(RESTART) also for a running job whose params change with C(apply_params=restart).
          type: str
        error:
          description: Why converging could not bring the job to its state (a broken model), or V(null).
          type: str
        params:
          description: The live params.
          type: dict
        desired_params:
          description: The whole params map converging writes, or V(null) when the desired state has no opinion.
          type: dict
        params_changes:
          description: "Per param that differs: C({before: <live or null>, after: <desired or null>})."
          type: dict
        differs:
          description:
            - What differs, V(status) (converging would act on the job, or cannot) and/or V(params); empty when
              the job is as desired.
          type: list
          elements: str
    missing:
      description: The desired jobs that O(jobs) lacks (C({project, model, type}) each); converging would fail on them.
      type: list
      elements: dict
    problems:
      description: Mistakes or contradictions in the desired state, one line each; with any, RV(_value.jobs) and RV(_value.missing) are empty.
      type: list
      elements: str
'''

from ansible.errors import AnsibleFilterError
from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.kylin.streaming.plugins.module_utils._desired import compare


def desired_jobs(entries, jobs, global_retry_enabled=False):
    """Per desired job: its desired status and params, what converging would do, what differs."""
    if not isinstance(entries, (list, tuple)):
        raise AnsibleFilterError('kylin.streaming.desired_jobs: the desired state must be a list of entries')
    if not isinstance(jobs, (list, tuple)):
        raise AnsibleFilterError('kylin.streaming.desired_jobs: jobs must be a list of job rows (job_info\'s jobs)')
    return compare(entries, jobs, global_retry=boolean(global_retry_enabled, strict=False))


class FilterModule:
    def filters(self):
        return {'desired_jobs': desired_jobs}
