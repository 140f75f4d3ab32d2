# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures: the collection's client over real HTTP to the session's simulator (``sim``, reset before each
test: tests/conftest.py), in-process, empty seed, the fast timing settings (kylin_sim.testing.FAST)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.kylin.streaming.plugins.module_utils._client import KylinClient


@pytest.fixture
def client_factory(sim):
    made = []

    def make(**kwargs):
        options = dict(url=sim.url, username='ADMIN', password='KYLIN', timeout=5, retries=3,
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
