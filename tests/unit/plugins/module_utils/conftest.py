# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures: one simulator per test session, over real HTTP, reset before each test."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import sys

import pytest

from ansible_collections.kylin.streaming.plugins.module_utils._client import KylinClient

# The simulator package lives in the collection's kylin-sim/ folder; ansible-test's venv does not install it.
SIM_SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', '..', 'kylin-sim', 'src')
if os.path.abspath(SIM_SRC) not in sys.path:
    sys.path.insert(0, os.path.abspath(SIM_SRC))

from kylin_sim.control import SimControl, SimControlError  # noqa: E402  pylint: disable=wrong-import-position
from kylin_sim.server import SimServer  # noqa: E402  pylint: disable=wrong-import-position

# No server work per START/STOP and instant kills (the simulator's real defaults are 1 s, 0.2 s and 21 s).
FAST = dict(start_delay=0.2, yarn_accept_delay=0.05, stop_delay=0.2, kill_delay=0.0, kill_idle_delay=0.0, start_work=0.0,
            stop_work=0.0)


@pytest.fixture(scope='session')
def sim_server():
    server = SimServer(port=0, seed='empty', config=dict(FAST)).start()
    yield server
    server.stop()


@pytest.fixture
def ctl(sim_server):
    control = SimControl(sim_server.url)
    control.reset('empty')
    control.set_config(**FAST)
    return control


@pytest.fixture
def client_factory(sim_server, ctl):
    made = []

    def make(**kwargs):
        options = dict(url=sim_server.url, username='ADMIN', password='KYLIN', timeout=5, retries=3,
                       sleep=lambda seconds: None)
        options.update(kwargs)
        client = KylinClient(**options)
        made.append(client)
        return client
    yield make
    for client in made:
        client.close()


@pytest.fixture
def client(client_factory):
    return client_factory()


def seed_models(ctl, project='p1', count=3, prefix='m', **fields):
    """``count`` models in ``project``; returns ``{alias: (build_id, merge_id)}`` in creation order."""
    try:
        ctl.add_project(project)
    except SimControlError as exc:
        if 'exists' not in str(exc):
            raise
    models = {}
    for index in range(count):
        alias = '%s%d' % (prefix, index)
        answer = ctl.add_model(project, alias, **fields)
        models[alias] = tuple(answer['job_ids'])
    return models


def requests_of(ctl, key):
    return ctl.counters()['requests'].get(key, 0)


LIST = 'GET /kylin/api/streaming_jobs'
PUT_STATUS = 'PUT /kylin/api/streaming_jobs/status'
PUT_PARAMS = 'PUT /kylin/api/streaming_jobs/params'
