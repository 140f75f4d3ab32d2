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

import json
import os
import shutil
import subprocess
import sys

import pytest

TESTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROOT = os.path.dirname(TESTS)
if TESTS not in sys.path:
    sys.path.insert(0, TESTS)  # for kylin_sim

from kylin_sim.control import SimControl  # noqa: E402  pylint: disable=wrong-import-position
from kylin_sim.server import SimServer  # noqa: E402  pylint: disable=wrong-import-position

# Short but realistically ordered delays: YARN accepts before the launch completes.
FAST = {'start_delay': 0.3, 'yarn_accept_delay': 0.1, 'stop_delay': 0.2, 'kill_delay': 0.01}
# Poll the simulator often: the playbooks' own default (5 s) would only make the suite slow.
POLL = 0.2
PROJECT = 'streaming_demo'


def collections_path():
    """Where kylin.streaming is installed for ansible-playbook: the build copy made by ``make``."""
    path = os.environ.get('ANSIBLE_COLLECTIONS_PATH') or os.path.join(ROOT, '.build')
    if not os.path.isdir(os.path.join(path, 'ansible_collections', 'kylin', 'streaming', 'playbooks')):
        pytest.fail('kylin.streaming is not in %s: run `make BUILD=<dir> playbooks-test`, or `make collection` first' % path)
    return path


def ansible_playbook():
    """ansible-playbook of the Python running the tests (the venv), else the one on PATH."""
    here = os.path.join(os.path.dirname(sys.executable), 'ansible-playbook')
    return here if os.path.exists(here) else shutil.which('ansible-playbook')


class PlaybookRun:
    """The outcome of one ``ansible-playbook`` run."""

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

    @property
    def recap(self):
        """The PLAY RECAP line of localhost, e.g. ``{'ok': 7, 'changed': 0, 'failed': 0, ...}``."""
        for line in reversed(self.output.splitlines()):
            if line.startswith('localhost') and 'ok=' in line:
                return dict((key, int(value)) for key, value in (field.split('=') for field in line.split()[2:]))
        raise AssertionError('no PLAY RECAP in the output:\n' + self.output)

    def __repr__(self):
        return 'ansible-playbook %s -> rc=%s\n%s' % (' '.join(self.args), self.rc, self.output)


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


@pytest.fixture(name='sim', scope='module')
def sim_fixture():
    """One simulator per test module, on a free port."""
    server = SimServer(host='127.0.0.1', port=0, seed='demo', config=FAST).start()
    yield server
    server.stop()


@pytest.fixture(name='ctl')
def ctl_fixture(sim):
    """The control client, after a reset to the demo seed (config, counters and logs cleared)."""
    control = Control(sim.url)
    control.reset('demo')
    return control


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


@pytest.fixture(name='playbook')
def playbook_fixture(sim, tmp_path):
    """``playbook(name, check=False, **extra_vars)`` runs ``kylin.streaming.<name>`` in ``tmp_path``.

    The connection comes from the environment (KYLIN_URL, KYLIN_USERNAME, KYLIN_PASSWORD), as the
    playbooks document; extra vars are passed as JSON, so lists and dicts arrive typed.
    """
    env = dict(os.environ)
    env.update({
        'ANSIBLE_COLLECTIONS_PATH': collections_path(),
        'KYLIN_URL': sim.url,
        'KYLIN_USERNAME': 'ADMIN',
        'KYLIN_PASSWORD': 'KYLIN',
        'ANSIBLE_NOCOLOR': '1',
        'ANSIBLE_FORCE_COLOR': '0',
        'ANSIBLE_LOCALHOST_WARNING': 'false',
        'ANSIBLE_INVENTORY_UNPARSED_WARNING': 'false',
        'ANSIBLE_RETRY_FILES_ENABLED': 'false',
        'ANSIBLE_LOCAL_TEMP': str(tmp_path / '.ansible-tmp'),
    })
    for name in ('KYLIN_VALIDATE_CERTS', 'KYLIN_CA_PATH', 'KYLIN_TIMEOUT', 'ANSIBLE_CONFIG'):
        env.pop(name, None)

    def run(name, check=False, diff=False, **extra_vars):
        args = ['kylin.streaming.' + name]
        if extra_vars:
            args += ['-e', json.dumps(extra_vars)]
        if check:
            args.append('--check')
        if diff:
            args.append('--diff')
        proc = subprocess.run([ansible_playbook()] + args, cwd=str(tmp_path), env=env, stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True,
                              timeout=300, check=False)
        return PlaybookRun(args, proc)

    return run
