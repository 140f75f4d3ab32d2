# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fixtures of the runbook tests (``make playbooks-test``).

Each test runs one of the collection's playbooks exactly as a user would,
``ansible-playbook kylin.streaming.<name> -e ...`` in a subprocess (the kylin_sim plugin's ``kylin_playbook``),
with the collection found through ``ANSIBLE_COLLECTIONS_PATH`` (the build copy ``make`` keeps), against the
session's simulator, reset to the demo seed before each test (``sim``, ``ctl``: tests/conftest.py). Outcomes
are judged from the simulator's own state and logs (``/_sim/jobs``, ``/_sim/actions``, ``/_sim/transitions``,
``/_sim/counters``), not only from what the playbook printed.
"""

import os

import pytest

# Poll the simulator often: the playbooks' own default (5 s) would only make the suite slow.
POLL = 0.2
PROJECT = 'streaming_demo'
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(scope='session')
def kylin_sim_session_options(collections_root):  # pylint: disable=unused-argument
    """The session's simulator: in-process, demo seed, fast timing (the build copy must be there first)."""
    return {'seed': 'demo'}


@pytest.fixture(name='playbook')
def playbook_fixture(sim, kylin_playbook):
    """``playbook(name, check=False, diff=False, **extra_vars)`` runs ``kylin.streaming.<name>`` (a ``PlaybookResult``).

    The connection comes from the environment (KYLIN_URL, KYLIN_USERNAME, KYLIN_PASSWORD), as the
    playbooks document; extra vars are passed as JSON, so lists and dicts arrive typed.
    """

    def run(name, check=False, diff=False, **extra_vars):
        return kylin_playbook.run('kylin.streaming.' + name, extra_vars=extra_vars, check=check, diff=diff, sim=sim,
                                  timeout=300)

    return run


@pytest.fixture(name='command')
def command_fixture(kylin_playbook, tmp_path):
    """``command(playbook, *args, env=None)``: ``ansible-playbook PLAYBOOK ARGS`` as a user types it in ``tmp_path``
    (no inventory but the one in ``args``), in the environment of ``kylin_playbook`` plus ``env``; the result's
    ``output`` has what the terminal shows, stdout and stderr."""

    def run(playbook, *args, **kwargs):
        return kylin_playbook.run(playbook, inventory=False, env=kwargs.pop('env', None), args=args, cwd=tmp_path,
                                  stderr_to_stdout=True, timeout=300, **kwargs)

    return run
