# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r'''
name: fleet_stage
short_description: The stages of a staged rollout over Kylin clusters, and how one of them ended
version_added: 0.1.0
description:
  - The rule of the runbooks' staged rollouts (C(kylin_fleet_serial), C(kylin_fleet_max_fail_percentage)), which
    hand Ansible's own C(serial) and C(max_fail_percentage) play keywords these values.
  - Checks O(serial) and O(max_fail_percentage) (RV(_value.problems)) and gives them as the play keywords take
    them, RV(_value.serial) and RV(_value.max_fail_percentage) (V(0) when stages are given and no percentage is,
    V(100), no limit, without stages).
  - Cuts the clusters into the stages Ansible makes of them (each item of O(serial) is the size of the next
    stage, a number or a percentage of all the clusters rounded down, at least 1; the last item repeats).
  - Given the stage that just ran (O(batch)) and its clusters that failed (O(failed)), says whether Ansible
    starts the later stages (no when more than O(max_fail_percentage) % of the stage failed, or all of it) and
    which clusters a stopped rollout never reached.
author:
  - kylin.streaming maintainers (@kylin-streaming)
options:
  _input:
    description: The clusters of the play, in play order (C(ansible_play_hosts_all)).
    type: list
    elements: str
    required: true
  serial:
    description:
      - The stages, C(kylin_fleet_serial) (a number of clusters, a percentage of them such as V(25%), or a
        list of those, for example V([1, "25%", "100%"]), a canary, a quarter, then the rest). Unset, one stage.
    type: raw
  max_fail_percentage:
    description: C(kylin_fleet_max_fail_percentage), from 0 to 100. Unset, V(0) with stages, V(100) without.
    type: raw
  batch:
    description: The clusters of the stage that just ran (C(ansible_play_batch)); unset, no stage is judged.
    type: list
    elements: str
    default: []
  failed:
    description: The clusters of O(batch) that failed.
    type: list
    elements: str
    default: []
seealso:
  - plugin: kylin.streaming.change_window
    plugin_type: filter
'''

EXAMPLES = r'''
- name: A canary cluster, then a quarter of the fleet, then the rest; one failure stops the later stages
  hosts: "{{ kylin_hosts }}"
  serial: "{{ (query('ansible.builtin.inventory_hostnames', kylin_hosts) | kylin.streaming.fleet_stage(serial=kylin_fleet_serial)).serial }}"
  max_fail_percentage: 0
  gather_facts: false
  tasks:
    - name: Say how the stage ended
      ansible.builtin.debug:
        msg: "{{ (ansible_play_hosts_all | kylin.streaming.fleet_stage(serial=kylin_fleet_serial, batch=ansible_play_batch)).line }}"
      run_once: true
# [a, b, c, d, e] with serial [1, "50%"]: stages [[a], [b, c], [d, e]]. When a fails:
# "Stage 1 of 3 (a): 1 of 1 failed (a), every cluster of the stage failed: the later stages are not started.
#  Not reached: b, c, d, e."
'''

RETURN = r'''
_value:
  description: The play keywords, the stages, and the verdict on O(batch).
  type: dict
  contains:
    serial:
      description: O(serial) as a list for the C(serial) play keyword (V([]) without stages, or with a problem).
      type: list
      elements: raw
    max_fail_percentage:
      description: The number for the C(max_fail_percentage) play keyword.
      type: float
    problems:
      description: What is wrong with O(serial) or O(max_fail_percentage), one line each.
      type: list
      elements: str
    stages:
      description: The clusters of O(_input), stage by stage.
      type: list
      elements: list
    number:
      description: The number of the stage of O(batch), from 1 (V(0) without O(batch)).
      type: int
    count:
      description: How many stages there are.
      type: int
    failed:
      description: The clusters of O(batch) that failed.
      type: list
      elements: str
    stops:
      description: Whether Ansible starts no later stage.
      type: bool
    later:
      description: The clusters of the later stages.
      type: list
      elements: str
    not_reached:
      description: The clusters the rollout does not reach (RV(_value.later) when it RV(_value.stops)).
      type: list
      elements: str
    line:
      description:
        - "One line about the stage, for example C(Stage 2 of 3 (dr, staging): done; next: lab.), or
          C(Stage 1 of 3 (prod): 1 of 1 failed (prod), every cluster of the stage failed: the later stages are
          not started. Not reached: dr, staging, lab.)"
      type: str
'''

from ansible.errors import AnsibleFilterError

from ansible_collections.kylin.streaming.plugins.module_utils import _fleet


def fleet_stage(hosts, serial=None, max_fail_percentage=None, batch=None, failed=None):
    """The play keywords of a staged rollout, its stages, and how the stage of ``batch`` ended."""
    if not isinstance(hosts, (list, tuple)):
        raise AnsibleFilterError('kylin.streaming.fleet_stage: the input must be the list of clusters (ansible_play_hosts_all)')
    hosts = ['%s' % host for host in hosts]
    items, serial_problem = _fleet.serial_items(serial)
    percentage, percentage_problem = _fleet.max_fail(max_fail_percentage, bool(items))
    result = _fleet.stage(hosts, ['%s' % host for host in batch or []], items, percentage,
                          ['%s' % host for host in failed or []])
    result.update(serial=items, max_fail_percentage=percentage, stages=_fleet.stages(hosts, items),
                  problems=[problem for problem in (serial_problem, percentage_problem) if problem])
    return result


class FilterModule:
    def filters(self):
        return {'fleet_stage': fleet_stage}
