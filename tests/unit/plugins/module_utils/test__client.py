# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The client against the simulator over real HTTP: envelope, error types, retries, secrets."""

import json
import socket

import pytest

from ansible_collections.kylin.streaming.plugins.module_utils import _client as C
from ansible_collections.kylin.streaming.plugins.module_utils import _errors as E
from kylin_sim.control import LIST, STATUS_PUT


@pytest.mark.parametrize('url,expected', [
    ('http://kylin:7070', 'http://kylin:7070/kylin'),
    ('http://kylin:7070/', 'http://kylin:7070/kylin'),
    ('https://kylin:7070/kylin', 'https://kylin:7070/kylin'),
    ('https://kylin:7070/kylin/', 'https://kylin:7070/kylin'),
    ('https://gw.example.com/analytics', 'https://gw.example.com/analytics/kylin'),
    ('  http://kylin  ', 'http://kylin/kylin'),
])
def test_base_url(url, expected):
    assert C.normalize_base_url(url) == expected


@pytest.mark.parametrize('url,words', [
    ('', 'required'),
    ('kylin:7070', 'http:// or https://'),
    ('ftp://kylin', 'http:// or https://'),
    ('http://ADMIN:secret@kylin:7070', 'must not contain credentials'),
    ('http://kylin:7070/kylin/api/streaming_jobs', 'not an API endpoint'),
    ('http://kylin:7070/?project=x', 'without a query'),
    ('http://kylin:99999', 'invalid port'),
])
def test_bad_base_url(url, words):
    with pytest.raises(ValueError, match=words) as info:
        C.normalize_base_url(url)
    assert 'secret' not in str(info.value)


def test_list_and_envelope(ctl, client):
    models = ctl.add_models('p1', count=2)
    data = client.list_jobs(project='p1', page_size=10)
    assert data['total_size'] == 4
    assert set(r['uuid'] for r in data['value']) == set(models['m0'] + models['m1'])
    # job_ids is only honoured by the public API, so this proves the public Accept header is sent
    data = client.list_jobs(project='p1', job_ids=[models['m0'][0]], page_size=10)
    assert [r['uuid'] for r in data['value']] == [models['m0'][0]]
    assert client.session.headers['Accept-Language'] == 'en'
    assert client.session.headers['Content-Type'] == 'application/json;charset=utf-8'


def test_act_and_params(ctl, client):
    models = ctl.add_models('p1', count=1)
    build = models['m0'][0]
    client.act('START', [build], 'p1')
    assert ctl.status(build) == 'STARTING'
    client.set_params('p1', build, {'spark.executor.instances': '3'})
    assert ctl.job(build)['params'] == {'spark.executor.instances': '3'}
    assert client.records(build) == [] or isinstance(client.records(build), list)
    assert isinstance(client.stats(build, 30), dict)


def test_bad_password_is_not_retried_and_not_printed(ctl, client_factory):
    ctl.add_models('p1', count=1)
    client = client_factory(password='n0t-the-Secret!')
    with pytest.raises(E.KylinAuthError) as info:
        client.list_jobs(project='p1')
    assert info.value.status == 401
    assert info.value.error_code == 'KE-010003208'
    assert 'n0t-the-Secret!' not in str(info.value)
    assert ctl.request_count(LIST) == 1


def test_locked_user_is_an_auth_error(ctl, client_factory):
    ctl.add_models('p1', count=1)
    ctl.set_config(lock_attempts=2)
    bad = client_factory(username='OPERATOR', password='wrong')
    for dummy in range(2):
        with pytest.raises(E.KylinAuthError):
            bad.list_jobs(project='p1')
    good = client_factory(username='OPERATOR', password='OPERATOR')
    with pytest.raises(E.KylinAuthError) as info:
        good.list_jobs(project='p1')
    assert info.value.status == 400 and info.value.error_code == 'KE-010003005'


def test_utf8_password(ctl, client_factory):
    ctl.add_models('p1', count=1)
    ctl.add_user('UNICODE', u'p\u00e4ss:w\u00f6rd "$%&', admin=True)
    client = client_factory(username='UNICODE', password=u'p\u00e4ss:w\u00f6rd "$%&')
    assert client.list_jobs(project='p1')['total_size'] == 2


def test_read_only_user_gets_permission_error(ctl, client_factory):
    models = ctl.add_models('p1', count=1)
    reader = client_factory(username='READER', password='READER')
    with pytest.raises(E.KylinPermissionError) as info:
        reader.act('START', [models['m0'][0]], 'p1')
    assert info.value.status == 400 and info.value.error_code == 'KE-010024001'
    assert 'OPERATION permission' in str(info.value)
    assert ctl.status(models['m0'][0]) == 'STOPPED'


def test_unknown_project_is_not_found(ctl, client):
    with pytest.raises(E.KylinNotFoundError) as info:
        client.list_jobs(project='nope')
    assert info.value.error_code == 'KE-010001201'
    assert 'Can\'t find project "nope"' in str(info.value)


def test_business_error_carries_kylin_code_and_message(ctl, client):
    models = ctl.add_models('p1', count=1)
    build = models['m0'][0]
    client.act('START', [build], 'p1')
    with pytest.raises(E.KylinApiError) as info:
        client.act('START', [build], 'p1')
    exc = info.value
    assert (exc.status, exc.error_code) == (500, 'KE-010035005')
    assert build in exc.kylin_msg
    assert not exc.maybe_applied
    assert str(exc).startswith('PUT %s/kylin/api/streaming_jobs/status: HTTP 500, KE-010035005' % client.base_url[:-6])


def test_reads_are_retried_on_503(ctl, client):
    ctl.add_models('p1', count=1)
    ctl.set_faults(error_count=2, error_statuses=[503])
    assert client.list_jobs(project='p1')['total_size'] == 2
    assert ctl.request_count(LIST) == 3
    assert len(client.retried) == 2


def test_reads_give_up_after_retries(ctl, client_factory):
    ctl.add_models('p1', count=1)
    client = client_factory(retries=1)
    ctl.set_faults(error_count=5, error_statuses=[502])
    with pytest.raises(E.KylinError) as info:
        client.list_jobs(project='p1')
    assert info.value.status == 502
    assert 'after 2 attempts' in str(info.value)
    assert ctl.request_count(LIST) == 2


def test_writes_are_not_resent_on_503(ctl, client):
    models = ctl.add_models('p1', count=1)
    ctl.set_faults(error_count=1, error_statuses=[503], error_methods=['PUT'])
    with pytest.raises(E.KylinError) as info:
        client.act('START', [models['m0'][0]], 'p1')
    assert info.value.maybe_applied
    assert ctl.request_count(STATUS_PUT) == 1


def test_dropped_connection_on_read_is_retried(ctl, client):
    ctl.add_models('p1', count=1)
    ctl.set_faults(drop_count=1)
    assert client.list_jobs(project='p1')['total_size'] == 2


def test_lost_answer_of_a_write_is_maybe_applied(ctl, client):
    models = ctl.add_models('p1', count=1)
    build = models['m0'][0]
    ctl.set_faults(lose_response_count=1)
    with pytest.raises(E.KylinTransportError) as info:
        client.act('START', [build], 'p1')
    assert info.value.maybe_applied
    assert ctl.status(build) in ('STARTING', 'RUNNING')
    assert ctl.request_count(STATUS_PUT) == 1


def test_proxy_html_page_is_a_response_error(ctl, client_factory):
    ctl.add_models('p1', count=1)
    client = client_factory(retries=0)
    ctl.set_faults(html_error_count=1)
    with pytest.raises(E.KylinResponseError) as info:
        client.list_jobs(project='p1')
    assert 'not a Kylin answer' in str(info.value)
    assert '<' not in str(info.value)


def test_non_json_body_is_a_response_error(ctl, client):
    ctl.add_models('p1', count=1)
    ctl.set_faults(non_json_count=1)
    with pytest.raises(E.KylinResponseError):
        client.list_jobs(project='p1')


def _closed_port():
    sock = socket.socket()
    sock.bind(('127.0.0.1', 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def test_connection_refused_write_is_retried_and_never_sent():
    sleeps = []
    client = C.KylinClient('http://127.0.0.1:%d' % _closed_port(), retries=2, timeout=2, sleep=sleeps.append)
    with pytest.raises(E.KylinTransportError) as info:
        client.act('START', ['x_build'], 'p1')
    assert not info.value.maybe_applied
    assert sleeps == [0.5, 1.0]
    assert 'connection failed: Failed to establish a new connection' in str(info.value)
    assert 'Max retries' not in str(info.value) and ' object at 0x' not in str(info.value)


def test_404_explains_the_url(ctl, client_factory, sim):
    client = client_factory(url=sim.url + '/elsewhere')
    with pytest.raises(E.KylinNotFoundError) as info:
        client.list_jobs()
    assert 'url must be the Kylin server address' in str(info.value)


def test_long_urls_are_refused_before_sending(client):
    with pytest.raises(ValueError, match='over the'):
        client.list_jobs(project='p1', job_ids=['x' * 42 + '_build'] * 200)


def test_answers_are_decoded_as_utf8(ctl, client):
    ctl.add_models('p1', count=1, prefix=u'ventes_\u00e9t\u00e9_\u9500\u552e_')
    rows = client.list_jobs(project='p1')['value']
    assert rows[0]['model_alias'] == u'ventes_\u00e9t\u00e9_\u9500\u552e_0'


class Answer:
    """What ``requests`` returns, for the refusals the simulator does not answer with (docs/kylin-api.md §11.4)."""

    def __init__(self, status, body):
        self.status_code = status
        self.content = json.dumps(body).encode('utf-8')
        self.headers = {'Content-Type': 'application/json'}


def refusal(code, text):
    return Answer(500, dict(code='999', data=None, msg=text, exception=text, error_code=code, url='http://kylin'))


def answers(monkeypatch, client, *queue):
    sent = []

    def request(method, url, **kwargs):
        sent.append(method)
        return queue[min(len(sent), len(queue)) - 1]
    monkeypatch.setattr(client.session, 'request', request)
    return sent


def test_a_project_without_a_resource_group_is_final_and_says_what_to_do(monkeypatch):
    client = C.KylinClient('http://kylin.example.com:7070', sleep=lambda seconds: None)
    sent = answers(monkeypatch, client, refusal('KE-010021005', 'The project is not bound to a resource group.'))
    with pytest.raises(E.KylinClusterError) as info:
        client.act('START', ['m_build'], 'p1')
    assert info.value.error_code == 'KE-010021005' and not info.value.maybe_applied
    assert 'binds the project to a resource group' in str(info.value)
    assert sent == ['PUT']


@pytest.mark.parametrize('code', ['KE-010021003', 'KE-010019002'])
def test_transient_refusals_of_a_write_are_typed_not_resent(monkeypatch, code):
    client = C.KylinClient('http://kylin.example.com:7070', sleep=lambda seconds: None)
    sent = answers(monkeypatch, client, refusal(code, "Can't transfer the request at the moment."))
    with pytest.raises(E.KylinApiError) as info:
        client.act('START', ['m_build'], 'p1')
    assert info.value.error_code == code and code in C.REFUSED_BEFORE_APPLYING
    assert sent == ['PUT']  # the loop re-reads before it sends anything again


def test_a_read_refused_while_the_metadata_database_is_unreachable_is_retried(monkeypatch):
    client = C.KylinClient('http://kylin.example.com:7070', retries=2, sleep=lambda seconds: None)
    ok = Answer(200, dict(code='000', data=dict(value=[], total_size=0), msg=''))
    sent = answers(monkeypatch, client, refusal('KE-010019002', 'metadata store unreachable'), ok)
    assert client.list_jobs(project='p1')['total_size'] == 0
    assert sent == ['GET', 'GET'] and 'KE-010019002' in client.retried[0]
