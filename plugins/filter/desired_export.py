# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r'''
name: desired_export
short_description: The live streaming jobs of a cluster as a desired state file
version_added: 0.1.0
description:
  - The rule of the C(kylin.streaming.export) runbook. Describes the live jobs of one cluster as the
    C(kylin_streaming_jobs) list of the R(kylin.streaming.jobs role,ansible_collections.kylin.streaming.jobs_role),
    so that C(kylin.streaming.converge) with it changes nothing, and gives it as the text of a YAML file.
  - "Each job's state: V(started) when RUNNING or STARTING, V(stopped) when STOPPED, STOPPING or ERROR; its params
    as they are (merged by converge, so nothing else is touched)."
  - Compact, one entry per project, state, job types and params; a model's build and merge jobs share an entry when
    their state and params agree, and models with the same state and params share one.
  - Secret params (a name with password, passwd, secret, token, credential or jaas) are never written in clear;
    their value is the vault placeholder C({{ vault_kylin_<cluster>_<param> }}) (a number added for each other value),
    listed in the file's header and in RV(_value.secrets), and a warning names them. Define them in a vault file
    given to converge with C(-e @vault.yml).
  - The jobs that converging the export would still act on (an ERROR job whose params make Kylin relaunch it is
    force-stopped by V(stopped)) are listed in RV(_value.notes) and in the header.
author:
  - kylin.streaming maintainers (@kylin-streaming)
options:
  _input:
    description: The live job rows of the cluster, for example RV(kylin.streaming.job_info#module:jobs) (with C(params)).
    type: list
    elements: dict
    required: true
  cluster:
    description: The name of the cluster (its inventory host), in the header and the placeholders' names.
    type: str
    default: ''
  server:
    description: The cluster's URL, for the header.
    type: str
    default: ''
  global_retry_enabled:
    description: The cluster's C(kylin.streaming.job-retry-enabled), for RV(_value.notes).
    type: bool
    default: false
  warn:
    description: Warn about the secrets written as placeholders.
    type: bool
    default: true
seealso:
  - plugin: kylin.streaming.desired_drift
    plugin_type: filter
'''

EXAMPLES = r'''
- name: Read the live jobs
  kylin.streaming.job_info:
    fields: [uuid, project, model_alias, job_type, job_status, params, model_broken]
  register: live

- name: Write them as a desired state (ansible-playbook kylin.streaming.converge -e @prod.yml changes nothing)
  ansible.builtin.copy:
    content: "{{ (live.jobs | kylin.streaming.desired_export(cluster=inventory_hostname)).text }}"
    dest: "exports/{{ inventory_hostname }}.yml"
    mode: "0600"
'''

RETURN = r'''
_value:
  description: The file's text, and what it holds.
  type: dict
  contains:
    text:
      description: The YAML file, a header of comments and C(kylin_streaming_jobs).
      type: str
    entries:
      description: How many entries C(kylin_streaming_jobs) has.
      type: int
    jobs:
      description: How many jobs they describe.
      type: int
    secrets:
      description: The secret params written as placeholders, C({variable, key, project, models, job_types}) each.
      type: list
      elements: dict
    notes:
      description: The jobs that converging the export would still act on, one line each.
      type: list
      elements: str
'''

import yaml

from ansible.errors import AnsibleFilterError
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.utils.display import Display

from ansible_collections.kylin.streaming.plugins.module_utils._desired import export

display = Display()


def _header(cluster, server, result):
    where = cluster or 'a Kylin cluster'
    server = (' (%s)' % server) if server else ''
    lines = ['# kylin.streaming.export of %s%s: its live streaming jobs as a desired state.' % (where, server),
             '#   ansible-playbook kylin.streaming.converge -e @<this file>   # changes nothing']
    if result['secrets']:
        lines.append('# Secret params are not written in clear: define these variables (ansible-vault encrypt a file'
                     ' of them, and add -e @vault.yml):')
        seen = set()
        for secret in result['secrets']:
            if secret['variable'] in seen:
                continue
            seen.add(secret['variable'])
            lines.append('#   %s: %s (%s/%s)' % (secret['variable'], secret['key'], secret['project'], ', '.join(secret['models'])))
    for note in result['notes']:
        lines.append('# Converging this would still act on %s' % note)
    return '\n'.join(lines) + '\n'


def desired_export(jobs, cluster='', server='', global_retry_enabled=False, warn=True):
    """The live jobs of one cluster as the text of a desired-state file, secrets as vault placeholders."""
    if not isinstance(jobs, (list, tuple)):
        raise AnsibleFilterError('kylin.streaming.desired_export: the input must be a list of job rows (job_info\'s jobs)')
    cluster = '%s' % (cluster or '')
    result = export(jobs, cluster=cluster, global_retry=boolean(global_retry_enabled, strict=False))
    body = yaml.safe_dump({'kylin_streaming_jobs': result['entries']}, default_flow_style=False, sort_keys=False,
                          allow_unicode=True, width=120)
    if result['secrets'] and boolean(warn, strict=False):
        display.warning('%s: %d secret param(s) written as vault placeholders, not in clear: define %s' % (
            cluster or 'kylin.streaming.desired_export', len(result['secrets']),
            ', '.join(sorted(set(s['variable'] for s in result['secrets'])))))
    return dict(text=_header(cluster, '%s' % (server or ''), result) + body, entries=len(result['entries']),
                jobs=result['jobs'], secrets=result['secrets'], notes=result['notes'])


class FilterModule:
    def filters(self):
        return {'desired_export': desired_export}
