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

import os
import shutil
import subprocess
import sys

import pytest

from kylin_sim.control import SimControl
from kylin_sim.playbook import collections_root

# Poll the simulator often: the playbooks' own default (5 s) would only make the suite slow.
POLL = 0.2
PROJECT = 'streaming_demo'
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def collections_path():
    """Where kylin.streaming is installed for ansible-playbook: the build copy made by ``make``."""
    path = os.environ.get('ANSIBLE_COLLECTIONS_PATH') or os.path.join(ROOT, '.build')
    if not os.path.isdir(os.path.join(path, 'ansible_collections', 'kylin', 'streaming', 'playbooks')):
        pytest.fail('kylin.streaming is not in %s: run `make playbooks-test`, or `make collection` first' % path)
    return path


def ansible_playbook():
    """ansible-playbook of the Python running the tests (the venv), else the one on PATH."""
    here = os.path.join(os.path.dirname(sys.executable), 'ansible-playbook')
    return here if os.path.exists(here) else shutil.which('ansible-playbook')


class PlaybookRun:
    """The outcome of one ``ansible-playbook`` run with an inventory (the fleet tests)."""

    def __init__(self, args, proc):
        self.args = args
        self.rc = proc.returncode
        self.output = proc.stdout

    @property
    def recaps(self):
        """Every host's PLAY RECAP line: ``{'prod': {'ok': 7, 'changed': 0, ...}, ...}``."""
        recaps, seen = {}, False
        for line in self.output.splitlines():
            if line.startswith('PLAY RECAP'):
                seen = True
            elif seen and ' : ' in line and 'ok=' in line:
                host, dummy, fields = line.partition(' : ')
                recaps[host.strip()] = dict((key, int(value)) for key, value in (field.split('=') for field in fields.split()))
        return recaps

    def __repr__(self):
        return 'ansible-playbook %s -> rc=%s\n%s' % (' '.join(self.args), self.rc, self.output)


def playbook_env(tmp_path, **kylin):
    """The environment of ``ansible-playbook``: the build copy of the collection, no stray KYLIN_* or config."""
    env = dict(os.environ)
    for name in list(env):
        if name.startswith('KYLIN_') or name == 'ANSIBLE_CONFIG':
            del env[name]
    env.update({
        'ANSIBLE_COLLECTIONS_PATH': collections_path(),
        'ANSIBLE_NOCOLOR': '1',
        'ANSIBLE_FORCE_COLOR': '0',
        'ANSIBLE_LOCALHOST_WARNING': 'false',
        'ANSIBLE_INVENTORY_UNPARSED_WARNING': 'false',
        'ANSIBLE_RETRY_FILES_ENABLED': 'false',
        'ANSIBLE_LOCAL_TEMP': str(tmp_path / '.ansible-tmp'),
    })
    env.update(kylin)
    return env


def run_playbook(args, cwd, env, timeout=300):
    """``ansible-playbook ARGS`` in ``cwd``: a ``PlaybookRun``."""
    proc = subprocess.run([ansible_playbook()] + list(args), cwd=str(cwd), env=env, stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True,
                          timeout=timeout, check=False)
    return PlaybookRun(list(args), proc)


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
