# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the docs tell a new user to type, run as written.

- The simulator docs' CI example: its ``ansible-playbook`` line, run with a ``hosts: localhost`` playbook,
  must reach the simulator (``-i localhost,`` made localhost an SSH host: UNREACHABLE).
- Variables in ``group_vars/`` next to the user's own playbook are not seen by a collection playbook: the
  runbook must say where they go instead of only "missing".
"""

import os
import re
import shlex

import yaml

from conftest import ROOT

CI_DOCS = ('kylin-sim/README.md', 'docs/simulator.md')


def ci_command():
    """The ``- run: ansible-playbook ...`` line of the CI workflow example, from whichever doc has it."""
    for name in CI_DOCS:
        path = os.path.join(ROOT, name)
        if not os.path.exists(path):
            continue
        with open(path, encoding='utf-8') as handle:
            for line in handle:
                found = re.match(r'\s*- run: (ansible-playbook .*?)(\s+#.*)?$', line)
                if found:
                    return name, found.group(1)
    raise AssertionError('no "- run: ansible-playbook" line in %s' % ', '.join(CI_DOCS))


def test_the_ci_example_runs_as_written(sim, ctl, command, tmp_path):
    name, typed = ci_command()
    args = shlex.split(typed)
    playbook = [arg for arg in args if arg.endswith('.yml')]
    assert len(playbook) == 1, (name, typed)
    (tmp_path / playbook[0]).write_text(yaml.safe_dump([{
        'name': 'CI', 'hosts': 'localhost', 'gather_facts': False,
        'tasks': [{'name': 'Read the jobs', 'kylin.streaming.job_info': {'project': 'streaming_demo'}, 'register': 'jobs'},
                  {'name': 'Show the count', 'ansible.builtin.debug': {'msg': 'jobs={{ jobs.jobs | length }}'}}]}]))
    env = dict(KYLIN_URL=sim.url, KYLIN_USERNAME='ADMIN', KYLIN_PASSWORD='KYLIN', ANSIBLE_LOCALHOST_WARNING=None)
    run = command(playbook[0], *[arg for arg in args[1:] if arg != playbook[0]], env=env)
    assert run.rc == 0, (name, run)
    assert 'jobs=%d' % len(ctl.jobs(project='streaming_demo')) in run.output, run
    assert 'UNREACHABLE' not in run.output


def test_group_vars_next_to_the_users_playbook_get_a_pointer_to_the_inventory(ctl, command, tmp_path):
    (tmp_path / 'group_vars').mkdir()
    (tmp_path / 'group_vars' / 'all.yml').write_text(yaml.safe_dump({
        'kylin_streaming_jobs': [{'project': 'streaming_demo', 'model': 'orders_rt', 'state': 'stopped'}]}))
    # What the docs say instead: group_vars next to the inventory.
    (tmp_path / 'inventory' / 'group_vars').mkdir(parents=True)
    (tmp_path / 'inventory' / 'hosts.yml').write_text(yaml.safe_dump({'all': {'hosts': {'localhost': None}}}))
    (tmp_path / 'inventory' / 'group_vars' / 'all.yml').write_text((tmp_path / 'group_vars' / 'all.yml').read_text())
    env = dict(KYLIN_URL=ctl.url, KYLIN_USERNAME='ADMIN', KYLIN_PASSWORD='KYLIN')

    run = command('kylin.streaming.converge', env=env)  # the collection's playbook: not read
    assert run.rc != 0, run
    assert 'a collection playbook does not read the group_vars/ next to your own playbook' in run.output, run
    assert 'host_vars/group_vars' in run.output
    assert ctl.actions() == []

    run = command('kylin.streaming.converge', '-i', 'inventory/', env=env)
    assert run.rc == 0, run
    assert ctl.by_name('streaming_demo')[('streaming_demo', 'orders_rt', 'build')]['status'] == 'STOPPED'
