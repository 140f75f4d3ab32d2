# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures: one simulator per test session (the kylin_sim plugin's, see tests/unit/conftest.py), over
real HTTP, reset before each test."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.kylin.streaming.plugins.module_utils._client import KylinClient

from kylin_sim.control import SimControlError


@pytest.fixture(name='sim_server', scope='session')
def sim_server_fixture(kylin_sim_session):
    """The session's simulator: in-process, empty seed, the fast timing settings (kylin_sim.testing.FAST)."""
    return kylin_sim_session


@pytest.fixture
def ctl(sim_server):
    """Its control client, after a reset (empty seed, start-up config, no faults, no counters or logs)."""
    return sim_server.reset('empty')


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
