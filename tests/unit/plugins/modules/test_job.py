# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The job module's wiring: options as one object, errors as types, warnings on failure, tracebacks for bugs."""

import pytest

from ansible_collections.kylin.streaming.plugins.module_utils import _module
from ansible_collections.kylin.streaming.plugins.module_utils._errors import KylinApiError, KylinAuthError
from ansible_collections.kylin.streaming.plugins.module_utils._job_options import JOB_SPEC, JobOptions
from ansible_collections.kylin.streaming.plugins.modules import job
from ansible_collections.kylin.streaming.tests.unit.plugins.modules.conftest import FakeClient

CONN = dict(url='http://127.0.0.1:1', username='ADMIN', password='Secr3t-pw')


class Recorder:
    """A JobReconciler stand-in that records what it was given and does what the test says."""

    made = []

    def __init__(self, behaviour):
        self.behaviour = behaviour

    def __call__(self, client, options, warn=None):
        self.client, self.options, self.warn = client, options, warn
        Recorder.made.append(self)
        return self

    def run(self):
        return self.behaviour(self)


@pytest.fixture
def fake(monkeypatch):
    clients = []

    def client_for(adapter, warn=None):
        _module.check_connection(adapter)
        client = FakeClient(retried=['GET /kylin/api/streaming_jobs: HTTP 503'])
        clients.append(client)
        return client

    def install(behaviour):
        recorder = Recorder(behaviour)
        monkeypatch.setattr(job, 'JobReconciler', recorder)
        return recorder
    monkeypatch.setattr(_module, 'build_client', client_for)
    install.clients = clients
    return install


def test_every_option_reaches_the_reconciler_as_one_object(fake, run_module):
    recorder = fake(lambda r: dict(changed=False, jobs=[], msg='ok', elapsed=0.0, failed=False))
    rc, result = run_module(job.main, dict(CONN, project='p1', models=['m1'], state='stopped', force_after=30,
                                           batch_size=2, wait_timeout=90, _ansible_check_mode=True))
    assert rc == 0 and result['msg'] == 'ok'
    options = recorder.options
    assert isinstance(options, JobOptions) and options.check_mode
    assert (options.project, options.models, options.state, options.force_after, options.batch_size,
            options.wait_timeout) == ('p1', ['m1'], 'stopped', 30, 2, 90)
    for name in JOB_SPEC:
        getattr(options, name)
    assert recorder.warn is not None
    assert all(c.closed for c in fake.clients)


def test_bad_option_combination_fails_before_any_request(monkeypatch, run_module):
    sent = []
    monkeypatch.setattr(_module, 'build_client', lambda adapter, warn=None: FakeClient())
    monkeypatch.setattr(job.JobReconciler, 'select', lambda self: sent.append('read'))
    rc, result = run_module(job.main, dict(CONN, project='p1', models=['m1'], state='started', force_after=5))
    assert rc == 1 and result['failed']
    assert result['msg'] == 'force_after only applies to state=stopped'
    assert result['error_type'] == 'options' and result['jobs'] == [] and not result['changed']
    assert sent == []


def test_auth_failure_is_its_own_error_type_and_keeps_the_warnings(fake, run_module):
    def refuse(recorder):
        recorder.warn('a warning given while working')
        raise KylinAuthError('GET http://127.0.0.1:1/kylin/api/streaming_jobs: HTTP 401 (check username and password)',
                             status=401)
    fake(refuse)
    rc, result = run_module(job.main, dict(CONN, project='p1', models=['m1']))
    assert rc == 1 and result['error_type'] == 'auth' and result['status'] == 401
    assert result['msg'].startswith('GET http://127.0.0.1:1/kylin/api/streaming_jobs: HTTP 401')
    assert 'a warning given while working' in result['warnings']
    assert any('retried' in w for w in result['warnings'])
    assert 'Secr3t-pw' not in repr(result)


def test_a_failed_run_reports_its_warnings(fake, run_module):
    def fail(recorder):
        recorder.warn('2 status poll(s) failed and were retried; last error: HTTP 503')
        return dict(changed=True, jobs=[], msg='1 of 1 jobs failed', elapsed=1.0, failed=True)
    fake(fail)
    rc, result = run_module(job.main, dict(CONN, project='p1', models=['m1']))
    assert rc == 1 and result['msg'] == '1 of 1 jobs failed' and result['changed']
    assert any('status poll' in w for w in result['warnings'])


def test_kylin_error_becomes_a_message_with_kylins_code(fake, run_module):
    def refuse(recorder):
        raise KylinApiError('PUT ...: HTTP 400, KE-010035014 streaming is disabled', status=400, error_code='KE-010035014')
    fake(refuse)
    rc, result = run_module(job.main, dict(CONN, project='p1', models=['m1']))
    assert rc == 1 and result['error_code'] == 'KE-010035014' and result['error_type'] == 'api'
    assert result['msg'] == 'PUT ...: HTTP 400, KE-010035014 streaming is disabled'


def test_a_bug_fails_with_its_traceback(fake, run_module):
    def bug(recorder):
        return {}['missing']
    fake(bug)
    rc, result = run_module(job.main, dict(CONN, project='p1', models=['m1']))
    assert rc == 1 and 'KeyError' in result['msg']
    assert 'Traceback' in result['exception'] and 'def bug' not in result['msg']


def test_bad_url_is_an_options_error(run_module):
    rc, result = run_module(job.main, dict(CONN, url='ftp://x', project='p1', models=['m1']))
    assert rc == 1 and result['error_type'] == 'options' and 'http://' in result['msg']
