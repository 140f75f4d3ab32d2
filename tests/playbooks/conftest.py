# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fixtures of the runbook tests (``make playbooks-test``).

Each test runs one of the collection's playbooks exactly as a user would,
``ansible-playbook kylin.streaming.<name> -e ...`` in a subprocess, with the collection found through
``ANSIBLE_COLLECTIONS_PATH`` (the build copy ``make`` keeps), against a simulator started once per
test module on a free port and reset to the demo seed before each test. Outcomes are judged from the
simulator's own state and logs (``/_sim/jobs``, ``/_sim/actions``, ``/_sim/transitions``,
``/_sim/counters``), not only from what the playbook printed.
"""

import pytest

from kylin_sim.control import SimControl
from kylin_sim.playbook import collections_root

# Poll the simulator often: the playbooks' own default (5 s) would only make the suite slow.
POLL = 0.2
PROJECT = 'streaming_demo'


class Control(SimControl):
    """The simulator's control client, plus lookups by model name."""

    def by_name(self, project=None):
        """``{(project, model, 'build'|'merge'): job}`` from ``GET /_sim/jobs``."""
        return dict(((job['project'], job['model_alias'], job['job_type'].split('_')[1].lower()), job)
                    for job in self.jobs(project=project))

    def job_id(self, model, job_type='build', project=PROJECT):
        return self.by_name(project)[(project, model, job_type)]['id']

    def statuses(self, project=None):
        """``{job id: internal status}``."""
        return dict((job['id'], job['status']) for job in self.jobs(project=project))


@pytest.fixture(scope='module')
def kylin_sim_module_options():
    """One simulator per test module (the plugin's ``kylin_sim_module``): in-process, demo seed, fast timing."""
    return {'seed': 'demo'}


@pytest.fixture(name='sim', scope='module')
def sim_fixture(kylin_sim_module):
    return kylin_sim_module


@pytest.fixture(name='ctl')
def ctl_fixture(sim):
    """The control client, after a reset to the demo seed (config, counters and logs cleared)."""
    sim.reset('demo')
    return Control(sim.url)


@pytest.fixture(name='playbook')
def playbook_fixture(sim, kylin_playbook):
    """``playbook(name, check=False, diff=False, **extra_vars)`` runs ``kylin.streaming.<name>`` (a ``PlaybookResult``).

    The connection comes from the environment (KYLIN_URL, KYLIN_USERNAME, KYLIN_PASSWORD), as the
    playbooks document; extra vars are passed as JSON, so lists and dicts arrive typed.
    """
    collections_root(hint='run `make playbooks-test`, or `make collection` first')

    def run(name, check=False, diff=False, **extra_vars):
        return kylin_playbook.run('kylin.streaming.' + name, extra_vars=extra_vars, check=check, diff=diff, sim=sim,
                                  timeout=300)

    return run
