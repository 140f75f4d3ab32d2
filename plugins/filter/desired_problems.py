# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r'''
name: desired_problems
short_description: The mistakes of a desired state of streaming jobs, one line each
version_added: 0.1.0
description:
  - Checks a desired state (the C(kylin_streaming_jobs) list of the R(kylin.streaming.jobs role,ansible_collections.kylin.streaming.jobs_role))
    before any request, and returns one line per mistake, with a suggestion for a typo
    (C(unknown key modles; did you mean models?)). An empty list means the entries can be used.
  - Checks each entry's keys, that it names a project, its C(state) (V(started), V(stopped)),
    C(apply_params) (V(restart), V(next_start)), C(job_types) (V(build), V(merge)),
    that C(params) is a mapping and C(params_purge) a boolean.
  - With O(variables), also names the variables that are set but unknown (a misspelt role variable
    that Ansible would silently ignore).
  - Contradictions between entries (one job wanted in two states) are found by
    P(kylin.streaming.desired_plan#filter).
author:
  - kylin.streaming maintainers (@kylin-streaming)
extends_documentation_fragment:
  - kylin.streaming.desired_state
options:
  variables:
    description:
      - Names of variables that are set, for example C(query('ansible.builtin.varnames', '^kylin_streaming_jobs_')).
      - Each one not in O(known_variables) is a mistake, except private names (with a double underscore).
    type: list
    elements: str
    default: []
  known_variables:
    description: The variable names that exist, compared with O(variables); in order of preference for a suggestion.
    type: list
    elements: str
    default: []
seealso:
  - plugin: kylin.streaming.desired_plan
    plugin_type: filter
  - plugin: kylin.streaming.desired_jobs
    plugin_type: filter
'''

EXAMPLES = r'''
- name: Refuse a desired state with mistakes, before any request
  ansible.builtin.assert:
    that: problems | length == 0
    fail_msg: "kylin_streaming_jobs has mistakes, nothing was changed: {{ problems | join('; ') }}"
  vars:
    problems: "{{ kylin_streaming_jobs | kylin.streaming.desired_problems }}"

# [{project: sales, modles: [orders_rt], state: stoped}] gives
# ["kylin_streaming_jobs entry 1 (sales): unknown key modles; did you mean models? (known: project, models, ...)",
#  "kylin_streaming_jobs entry 1 (sales): state stoped is not one of started, stopped; did you mean stopped?"]

- name: Misspelt variables too
  ansible.builtin.debug:
    msg: >-
      {{ kylin_streaming_jobs | kylin.streaming.desired_problems(
           variables=query('ansible.builtin.varnames', '^kylin_streaming_jobs_'),
           known_variables=['kylin_streaming_jobs_wait', 'kylin_streaming_jobs_wait_timeout']) }}
'''

RETURN = r'''
_value:
  description:
    - One line per mistake, empty when there is none. An entry is named by its position and project
      (C(kylin_streaming_jobs entry 2 (sales))).
  type: list
  elements: str
'''

from ansible.errors import AnsibleFilterError

from ansible_collections.kylin.streaming.plugins.module_utils._desired import plain, problems


def desired_problems(entries, variables=None, known_variables=None):
    """The mistakes of a desired state (and of the variables set), one line each."""
    for name, value in (('variables', variables), ('known_variables', known_variables)):
        if value is not None and not isinstance(value, (list, tuple)):
            raise AnsibleFilterError('kylin.streaming.desired_problems: %s must be a list of names' % name)
    return problems(plain(entries), plain(variables), plain(known_variables))


class FilterModule:
    def filters(self):
        return {'desired_problems': desired_problems}
