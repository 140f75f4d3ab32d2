# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one conftest of the collection's test suites: the kylin_sim plugin, the simulator of a test, the build.

``ansible-test units`` runs pytest in a virtualenv of its own, which does not install the simulator
package (``kylin-sim/``); so it is imported from the collection's ``kylin-sim/src``, and the plugin is
registered here unless its ``pytest11`` entry point already did (pytest run from the project's venvs).

Every suite gets its simulator the same way: ``sim``, the session's simulator reset before the test (the
plugin's ``kylin_sim_clean``), and ``ctl``, its ``SimControl``. A suite's own conftest says what kind of
simulator its session has (``kylin_sim_session_options``: a process, the demo seed...). The suites that
run the collection as users do (ansible-playbook, ansible-rulebook, ansible-runner) find it with
``collections_root``: the ``ANSIBLE_COLLECTIONS_PATH`` entry the Makefile points at the build copy.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import subprocess
import sys

import pytest

SIM_SRC = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', 'kylin-sim', 'src'))
if SIM_SRC not in sys.path:
    sys.path.insert(0, SIM_SRC)  # the one sys.path entry of the project's tests: see the docstring


def pytest_configure(config):
    from kylin_sim import pytest_plugin  # pylint: disable=import-outside-toplevel
    if not config.pluginmanager.is_registered(pytest_plugin):
        config.pluginmanager.register(pytest_plugin, 'kylin_sim')


@pytest.fixture(name='sim')
def sim_fixture(kylin_sim_clean):
    """The session's simulator (``kylin_sim_session_options`` of the suite), reset before this test."""
    return kylin_sim_clean


@pytest.fixture(name='ctl')
def ctl_fixture(sim):
    """Its control client (``SimControl``), after the reset."""
    return sim.ctl


@pytest.fixture(name='self_signed', scope='session')
def self_signed_fixture(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1 and localhost (openssl CLI) and its key: ``(cert, key)`` paths."""
    workdir = tmp_path_factory.mktemp('tls')
    cert, key = str(workdir / 'cert.pem'), str(workdir / 'key.pem')
    subprocess.run(['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '2',
                    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
                    '-keyout', key, '-out', cert], check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return cert, key


@pytest.fixture(name='collections_root', scope='session')
def collections_root_fixture():
    """The collections root that holds kylin.streaming (the build copy ``make`` syncs), for ansible-* commands."""
    from kylin_sim.playbook import collections_root  # pylint: disable=import-outside-toplevel
    return collections_root(hint='run the suite through make (e.g. make playbooks-test), which syncs the build copy first')
