# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r'''
name: desired_plan
short_description: A desired state of streaming jobs as kylin.streaming.job calls, and its contradictions
version_added: 0.1.0
description:
  - Groups a desired state (the C(kylin_streaming_jobs) list of the R(kylin.streaming.jobs role,ansible_collections.kylin.streaming.jobs_role))
    into one M(kylin.streaming.job) call per project, state, job types and params, the plan the role runs.
  - Each entry is normalised first (C(model) becomes C(models), and the defaults are filled in,
    C(state=started), C(job_types=[build, merge]), C(params_purge=false), C(apply_params=restart)).
    Calls that stop jobs come first, so that cluster resources are freed before jobs start; otherwise
    the order of the list is kept, and the order of models within a call.
  - Finds what makes the desired state unusable, that is an entry without models, one with both C(models) and
    C(model), and one job wanted in two states or given two different params by two entries (an entry
    without params has no opinion about them).
  - Mistyped keys and values are found by P(kylin.streaming.desired_problems#filter); check with it first.
  - Says which calls may run side by side (RV(_value.rounds)), as Kylin serializes the work of one project,
    not that of different projects, so calls of different projects can run at the same time.
author:
  - kylin.streaming maintainers (@kylin-streaming)
extends_documentation_fragment:
  - kylin.streaming.desired_state
options:
  concurrency:
    description:
      - At most this many calls in one round of RV(_value.rounds); V(0) puts every call it can in one round.
    type: int
    default: 0
seealso:
  - plugin: kylin.streaming.desired_problems
    plugin_type: filter
  - plugin: kylin.streaming.desired_jobs
    plugin_type: filter
'''

EXAMPLES = r'''
- name: One module call per project, state, job types and params
  kylin.streaming.job:
    project: "{{ item.project }}"
    models: "{{ item.models }}"
    job_types: "{{ item.job_types }}"
    state: "{{ item.state }}"
    params: "{{ item.params if item.params is not none else omit }}"
  loop: "{{ (kylin_streaming_jobs | kylin.streaming.desired_plan).calls }}"

# Projects side by side: the calls of a round in the background, the rounds one after another
# (the kylin.streaming.jobs role does so, with kylin_streaming_jobs_concurrency).
- name: Say which projects each round converges side by side (at most four at a time)
  ansible.builtin.debug:
    msg: "round {{ index + 1 }}: {{ round | map('extract', plan.calls, 'project') | join(', ') }}"
  loop: "{{ plan.rounds }}"
  loop_control:
    loop_var: round
    index_var: index
  vars:
    plan: "{{ kylin_streaming_jobs | kylin.streaming.desired_plan(concurrency=4) }}"

# [{project: sales, models: [a, b]}, {project: sales, model: b, job_types: [merge], state: stopped}] gives
# problems: ["sales/b merge: entry 1 wants it started, entry 2 wants it stopped"]
'''

RETURN = r'''
_value:
  description: The calls and the problems.
  type: dict
  contains:
    calls:
      description: One M(kylin.streaming.job) call each, stopping calls first.
      type: list
      elements: dict
      contains:
        project:
          description: The project.
          type: str
        models:
          description: The model aliases, in the order the entries name them, each once.
          type: list
          elements: str
        job_types:
          description: V(build) and/or V(merge), sorted.
          type: list
          elements: str
        state:
          description: V(started) or V(stopped).
          type: str
        params:
          description: The params to ensure, or V(null) (no opinion).
          type: dict
        params_purge:
          description: Whether O(kylin.streaming.job#module:params) is the whole map.
          type: bool
        apply_params:
          description: V(restart) or V(next_start).
          type: str
    rounds:
      description:
        - The calls grouped in rounds, as indexes into RV(_value.calls) (V([[0, 1], [2]])). The calls of a round are
          of different projects (compared without case, as Kylin does) and may run side by side; the rounds run one
          after another. Every stopping call comes in a round before the starting ones, a project's calls keep
          their order, and no round has more than O(concurrency) calls.
      type: list
      elements: list
    problems:
      description:
        - What makes the desired state unusable, one line each (C(sales/b merge; entry 1 wants it
          started, entry 2 wants it stopped)); empty when it is consistent.
      type: list
      elements: str
'''

from ansible.errors import AnsibleFilterError

from ansible_collections.kylin.streaming.plugins.module_utils._desired import plan


def desired_plan(entries, concurrency=0):
    """The module calls of a desired state, in rounds of calls that may run side by side, and its contradictions."""
    if not isinstance(entries, (list, tuple)):
        raise AnsibleFilterError('kylin.streaming.desired_plan: the desired state must be a list of entries')
    try:
        concurrency = int(concurrency or 0)
    except (TypeError, ValueError):
        concurrency = -1
    if concurrency < 0:
        raise AnsibleFilterError('kylin.streaming.desired_plan: concurrency must be a number, 0 or more')
    return plan(entries, concurrency)


class FilterModule:
    def filters(self):
        return {'desired_plan': desired_plan}
