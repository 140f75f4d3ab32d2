# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r'''
name: jobs
short_description: Kylin streaming jobs, for loops and templates
version_added: 0.1.0
description:
  - Returns the streaming jobs of Apache Kylin 5 / Kyligence Enterprise as a list of job rows (as
    Kylin returns them, plus C(type), V(build) or V(merge)), with the filters of M(kylin.streaming.job_info).
  - Use it with C(query()) or C(lookup(..., wantlist=true)) so that one job still comes back as a list.
  - Positional terms, when given, are project names; their jobs are returned one project after the other.
author:
  - kylin.streaming maintainers (@kylin-streaming)
options:
  _terms:
    description: Project names (optional; the same as O(project)).
    required: false
  project:
    description: Project to list. All projects when neither this nor a term is given.
    type: str
  model_name:
    description: Substring of the model alias (case-sensitive), matched by the server.
    type: str
  models:
    description: Exact model aliases.
    type: list
    elements: str
  job_types:
    description: Only these kinds of job, V(build) and/or V(merge).
    type: list
    elements: str
  statuses:
    description: Only jobs in these statuses (V(STARTING), V(RUNNING), V(STOPPING), V(ERROR), V(STOPPED), any case).
    type: list
    elements: str
  job_ids:
    description: Only these job ids. Needs a project.
    type: list
    elements: str
  sort_by:
    description: Sort key, V(last_modified), V(data_latency), V(last_status_duration) or V(model_alias).
    type: str
    default: last_modified
  reverse:
    description: Sort in descending order.
    type: bool
    default: true
  limit:
    description: At most this many jobs (per project). V(0) returns all.
    type: int
    default: 0
  page_size:
    description: Rows per request while paging.
    type: int
    default: 500
  fields:
    description:
      - Return only these keys of each job (as the O(kylin.streaming.job_info#module:fields) option of
        M(kylin.streaming.job_info)); not set, every key. A smaller answer is a faster template over
        thousands of jobs.
    type: list
    elements: str
  summary:
    description:
      - Return one entry per project instead of the jobs, C(project), C(total) and C(counts) (jobs per
        status). Cannot be combined with O(fields).
    type: bool
    default: false
extends_documentation_fragment:
  - kylin.streaming.connection
  - kylin.streaming.connection.plugins
notes:
  - The connection options can also come from the variables C(kylin_url), C(kylin_username),
    C(kylin_password), C(kylin_validate_certs), C(kylin_ca_path) and C(kylin_timeout), or from the
    environment; options given to the lookup win over variables, variables over the environment.
seealso:
  - module: kylin.streaming.job_info
'''

EXAMPLES = r'''
- name: Restart every errored job of a project, one task per job
  kylin.streaming.job:
    project: sales
    job_ids: ["{{ item.uuid }}"]
    state: restarted
  loop: "{{ query('kylin.streaming.jobs', project='sales', statuses=['ERROR']) }}"
  loop_control:
    label: "{{ item.model_alias }} {{ item.type }}"

- name: Models with a running build job, from the environment's connection settings
  ansible.builtin.debug:
    msg: "{{ query('kylin.streaming.jobs', 'sales', job_types=['build'], statuses=['RUNNING'])
             | map(attribute='model_alias') | list }}"

- name: The slowest build job in a template
  ansible.builtin.debug:
    msg: >-
      {% set slowest = query('kylin.streaming.jobs', project='sales', job_types=['build'],
                             sort_by='data_latency', limit=1) %}
      {{ slowest[0].model_alias }} is {{ (slowest[0].data_latency or 0) / 1000 }} s behind

- name: The ids of the running build jobs, nothing else
  ansible.builtin.set_fact:
    running_builds: "{{ query('kylin.streaming.jobs', 'sales', job_types=['build'], statuses=['RUNNING'],
                              fields=['uuid']) | map(attribute='uuid') | list }}"

- name: Fail when a project has jobs in ERROR (counts only, one entry per project)
  ansible.builtin.assert:
    that: item.counts.ERROR == 0
    fail_msg: "{{ item.project }}: {{ item.counts.ERROR }} of {{ item.total }} jobs in ERROR"
  loop: "{{ query('kylin.streaming.jobs', 'sales', 'marketing', summary=true) }}"
'''

RETURN = r'''
_list:
  description:
    - Job rows as Kylin returns them (see M(kylin.streaming.job_info)), each with C(type); only the
      keys of O(fields) when it is set.
    - With O(summary=true), one dict per project instead, with C(project), C(total) and C(counts).
  type: list
  elements: dict
'''

from ansible import constants as C
from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase

from ansible_collections.kylin.streaming.plugins.module_utils._errors import KylinError
from ansible_collections.kylin.streaming.plugins.module_utils._filters import check_filters
from ansible_collections.kylin.streaming.plugins.module_utils._inventory import inventory
from ansible_collections.kylin.streaming.plugins.module_utils._module import build_client
from ansible_collections.kylin.streaming.plugins.module_utils._options import MISSING_URL, OptionAdapter


class LookupModule(LookupBase):

    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=self._option_vars(variables), direct=kwargs)
        adapter = OptionAdapter.from_plugin(self)
        projects = [t for t in terms if t] or [self.get_option('project')]
        if len(projects) > 1 and self.get_option('project'):
            raise AnsibleLookupError('kylin.streaming.jobs: give projects as terms or as project=, not both')
        if not self.get_option('url'):
            raise AnsibleLookupError('kylin.streaming.jobs: %s' % MISSING_URL)
        client = None
        try:
            filters = check_filters(adapter, projects)
            client = build_client(adapter)
            jobs = []
            for project in projects:
                answer = inventory(client, project=project, **filters)
                if filters['summary']:
                    jobs.append(dict(project=project, total=answer['total'], counts=answer['counts']))
                else:
                    jobs.extend(answer['jobs'])
            return jobs
        except KylinError as exc:
            raise AnsibleLookupError('kylin.streaming.jobs: %s' % exc) from None
        finally:
            if client is not None:
                client.close()

    def _option_vars(self, variables):
        """The option variables (kylin_url, ...) templated: Ansible hands them to lookups raw."""
        variables = variables or {}
        names = C.config.get_plugin_vars('lookup', self._load_name)
        return {name: self._templar.template(variables[name]) for name in names if name in variables}
