# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r'''
name: inventory_vars
short_description: Variables of the first host of a pattern, from the inventory, for play keywords
version_added: 0.1.0
description:
  - Play keywords such as C(serial) and C(max_fail_percentage) are templated once, before any host of the play
    exists, from the extra vars and the play's own variables only; C(hostvars) is not there yet, and neither is
    anything set in the inventory's C(group_vars/) and C(host_vars/).
  - This lookup reads the inventory again (the sources of this run, C(ansible_inventory_sources)) and returns the
    values the first host of O(pattern) gets there (its host and group variables, templated with them), one per
    term; V(null) for a variable it does not have.
  - The collection's runbooks read C(kylin_fleet_serial) and C(kylin_fleet_max_fail_percentage) with it when they
    are not extra vars, so that a staged rollout can be set in the inventory.
  - The inventory is parsed once per run, sources and pattern.
author:
  - kylin.streaming maintainers (@kylin-streaming)
options:
  _terms:
    description: The names of the variables.
    required: true
  pattern:
    description: An inventory pattern (a group, a host, C(prod:staging)); the first of its hosts is read.
    type: str
    required: true
'''

EXAMPLES = r'''
- name: A staged rollout set in group_vars/kylin_clusters.yml
  hosts: "{{ kylin_hosts }}"
  serial: "{{ query('kylin.streaming.inventory_vars', 'kylin_fleet_serial', pattern=kylin_hosts) | first or 0 }}"
  gather_facts: false
  tasks:
    - name: Say which clusters this stage holds
      ansible.builtin.debug:
        msg: "{{ ansible_play_batch }}"
'''

RETURN = r'''
_raw:
  description: One value per term, V(null) when the host does not have the variable (or the pattern has no host).
  type: list
  elements: raw
'''

from ansible.errors import AnsibleError
from ansible.inventory.manager import InventoryManager
from ansible.plugins.lookup import LookupBase
from ansible.vars.manager import VariableManager

# (sources, pattern) -> the first host's variables; the inventory is parsed once per run.
_READ = {}


class LookupModule(LookupBase):

    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        pattern = self.get_option('pattern')
        sources = (variables or {}).get('ansible_inventory_sources') or []
        if isinstance(sources, str):
            sources = [sources]
        key = (tuple(sources), pattern)
        if key not in _READ:
            _READ[key] = self._first_host_vars(sources, pattern)
        host_vars = _READ[key]
        if host_vars is None:
            return [None for dummy in terms]
        templar = self._templar.copy_with_new_env(available_variables=host_vars)
        return [templar.template(host_vars[term]) if term in host_vars else None for term in terms]

    def _first_host_vars(self, sources, pattern):
        if not sources:
            return None
        inventory = InventoryManager(loader=self._loader, sources=list(sources))
        try:
            hosts = inventory.get_hosts(pattern)
        except AnsibleError:  # a pattern that matches nothing, where host_pattern_mismatch is error
            return None
        if not hosts:
            return None
        manager = VariableManager(loader=self._loader, inventory=inventory)
        return manager.get_vars(host=hosts[0], include_hostvars=False)
