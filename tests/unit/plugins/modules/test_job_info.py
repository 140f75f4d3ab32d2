# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The job_info module's wiring: filters validated once, before any request; warnings and errors."""

import pytest

from ansible_collections.kylin.streaming.plugins.module_utils import _module
from ansible_collections.kylin.streaming.plugins.module_utils._errors import KylinPermissionError
from ansible_collections.kylin.streaming.plugins.modules import job_info
from ansible_collections.kylin.streaming.tests.unit.plugins.modules.conftest import FakeClient

CONN = dict(url='http://127.0.0.1:1', username='ADMIN', password='KYLIN')


@pytest.fixture
def calls(monkeypatch):
    seen = []
    monkeypatch.setattr(_module, 'build_client', lambda adapter, warn=None: FakeClient())

    def inventory(client, **kwargs):
        seen.append(kwargs)
        if kwargs.get('project') == 'denied':
            raise KylinPermissionError('GET ...: HTTP 400, KE-010024001 access denied', status=400,
                                       error_code='KE-010024001')
        return dict(jobs=[], total=0, counts={}, warnings=['job ids not found in project p1: x_build'])
    monkeypatch.setattr(job_info, 'inventory', inventory)
    return seen


def test_filters_reach_the_inventory(calls, run_module):
    rc, result = run_module(job_info.main, dict(CONN, project='p1', statuses=['running'], job_types=['build'],
                                                limit=3, include=['records']))
    assert rc == 0 and not result['changed']
    assert calls == [dict(project='p1', include=['records'], stats_minutes=30, global_retry_enabled=False,
                          model_name=None, models=None, job_types=['build'], statuses=['running'], job_ids=None,
                          sort_by='last_modified', reverse=True, limit=3, page_size=500, fields=None, summary=False)]
    assert result['warnings'] == ['job ids not found in project p1: x_build']


@pytest.mark.parametrize('args,words', [
    (dict(statuses=['RUNNIN']), 'statuses must be among'),
    (dict(job_ids=['a_build']), 'job_ids needs project'),
    (dict(limit=-1), 'limit must be 0 or more'),
    (dict(page_size=0), 'page_size must be 1 or more'),
    (dict(stats_minutes=0), 'stats_minutes must be between'),
    (dict(fields=['uuid', 'colour']), 'fields must be among'),
    (dict(summary=True, fields=['uuid']), 'summary returns counts only'),
    (dict(summary=True, include=['records']), 'cannot be combined with include'),
])
def test_bad_filters_fail_before_any_request(calls, run_module, args, words):
    rc, result = run_module(job_info.main, dict(CONN, **args))
    assert rc == 1 and words in result['msg'] and result['error_type'] == 'options'
    assert calls == [] and result['jobs'] == [] and result['total'] == 0


def test_permission_error_is_typed(calls, run_module):
    rc, result = run_module(job_info.main, dict(CONN, project='denied'))
    assert rc == 1 and result['error_type'] == 'permission' and result['error_code'] == 'KE-010024001'
