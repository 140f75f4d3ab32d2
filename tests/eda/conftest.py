# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fixtures of the Event-Driven Ansible suite (``make eda-test``); simulators come from the kylin_sim plugin
(``sim``, ``ctl``: the session's, reset before each test, tests/conftest.py).

The source plugin is loaded the way ansible-rulebook loads it, with ``runpy.run_path`` on the file
of the installed collection (the build copy ``make collection`` keeps under ``.build``), so that
its imports of the collection's module_utils are the ones a user's run makes.
"""

import os
import runpy

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SOURCE = os.path.join('ansible_collections', 'kylin', 'streaming', 'extensions', 'eda', 'plugins', 'event_source',
                      'job_events.py')


def eda_bin():
    """The bin folder of the ansible-rulebook venv (make eda-venv), with ansible-galaxy and ansible-playbook."""
    path = os.environ.get('KYLIN_EDA_VENV') or os.path.join(ROOT, '.venv-eda')
    path = os.path.join(path, 'bin')
    if not os.path.exists(os.path.join(path, 'ansible-rulebook')):
        pytest.fail('ansible-rulebook is not in %s: run `make eda-test` (it builds .venv-eda)' % path)
    return path


@pytest.fixture(name='source', scope='session')
def source_fixture(collections_root):
    """The job_events module's globals, as ansible-rulebook's runpy.run_path gives them."""
    return runpy.run_path(os.path.join(collections_root, SOURCE))
