# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The jobs lookup: the filter validation it shares with job_info, projects as terms, errors."""

import pytest

from ansible.errors import AnsibleError, AnsibleLookupError
from ansible.plugins.loader import lookup_loader

from ansible_collections.kylin.streaming.plugins.lookup import jobs
from ansible_collections.kylin.streaming.plugins.module_utils._errors import KylinNotFoundError

CONN = dict(url='http://127.0.0.1:1', username='ADMIN', password='KYLIN')


class Client:
    closed = False

    def close(self):
        self.closed = True


@pytest.fixture
def lookup(monkeypatch):
    seen, clients = [], []

    def build_client(adapter, warn=None):
        clients.append(Client())
        return clients[-1]

    def inventory(client, project=None, **filters):
        seen.append(dict(project=project, **filters))
        if project == 'nope':
            raise KylinNotFoundError('GET ...: HTTP 400, KE-010001201 project nope not found')
        return dict(jobs=[dict(uuid='%s_build' % project)], total=1, counts=dict(RUNNING=1), warnings=[])
    monkeypatch.setattr(jobs, 'build_client', build_client)
    monkeypatch.setattr(jobs, 'inventory', inventory)
    plugin = lookup_loader.get('kylin.streaming.jobs')
    plugin.seen, plugin.clients = seen, clients
    return plugin


def test_projects_as_terms_one_after_the_other(lookup):
    rows = lookup.run(['a', 'b'], variables={}, statuses=['RUNNING'], **CONN)
    assert rows == [dict(uuid='a_build'), dict(uuid='b_build')]
    assert [s['project'] for s in lookup.seen] == ['a', 'b']
    assert lookup.seen[0]['statuses'] == ['RUNNING'] and lookup.seen[0]['sort_by'] == 'last_modified'
    assert all(c.closed for c in lookup.clients)


def test_fields_and_summary_reach_the_inventory(lookup):
    rows = lookup.run(['a'], variables={}, fields=['uuid'], **CONN)
    assert rows == [dict(uuid='a_build')] and lookup.seen[0]['fields'] == ['uuid'] and not lookup.seen[0]['summary']
    rows = lookup.run(['a', 'b'], variables={}, summary=True, **CONN)
    assert rows == [dict(project='a', total=1, counts=dict(RUNNING=1)), dict(project='b', total=1, counts=dict(RUNNING=1))]
    assert lookup.seen[-1]['summary'] is True and lookup.seen[-1]['fields'] is None


@pytest.mark.parametrize('kwargs,words', [
    (dict(fields=['uuid', 'colour']), 'fields must be among'),
    (dict(summary=True, fields=['uuid']), 'summary returns counts only'),
    (dict(statuses=['RUNNIN']), 'statuses must be among STARTING, RUNNING, STOPPING, ERROR, STOPPED (any case); got RUNNIN'),
    (dict(job_ids=['x_build']), 'job_ids needs project'),
    (dict(job_types=['both']), 'job_types must be build and/or merge'),
    (dict(sort_by='name'), 'sort_by must be one of'),
    (dict(limit=-2), 'limit must be 0 or more'),
])
def test_bad_filters_fail_before_any_request(lookup, kwargs, words):
    with pytest.raises(AnsibleLookupError, match='kylin.streaming.jobs: ') as info:
        lookup.run([], variables={}, **dict(CONN, **kwargs))
    assert words in str(info.value)
    assert lookup.seen == [] and lookup.clients == []


def test_kylin_errors_become_lookup_errors(lookup):
    with pytest.raises(AnsibleLookupError, match='KE-010001201'):
        lookup.run(['nope'], variables={}, **CONN)
    assert all(c.closed for c in lookup.clients)


def test_url_is_required(lookup, monkeypatch):
    monkeypatch.delenv('KYLIN_URL', raising=False)
    with pytest.raises(AnsibleError, match='url'):
        lookup.run([], variables={}, project='p1')
    assert lookup.clients == []
