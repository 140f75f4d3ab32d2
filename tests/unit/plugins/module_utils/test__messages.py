# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a new user reads when something is off (issue "rough edges"): each message names what to do.

Jobs by model and type beside the id; TLS/HTTP mismatches; a missing url; honest summaries; "did you
mean" for model typos; force_after that could never act; job_info's docs about reads only.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import socket
import threading

import pytest
import yaml

from ansible.module_utils.common.parameters import remove_values

from ansible_collections.kylin.streaming.plugins.doc_fragments.connection import ModuleDocFragment
from ansible_collections.kylin.streaming.plugins.module_utils import _decisions as J
from ansible_collections.kylin.streaming.plugins.module_utils import _results as R
from ansible_collections.kylin.streaming.plugins.module_utils._client import KylinClient
from ansible_collections.kylin.streaming.plugins.module_utils._errors import (
    KylinAuthError,
    KylinNotFoundError,
    KylinOptionError,
    KylinSelectionError,
    KylinTransportError,
)
from ansible_collections.kylin.streaming.plugins.module_utils._job_options import JobOptions
from ansible_collections.kylin.streaming.plugins.module_utils._module import build_client
from ansible_collections.kylin.streaming.plugins.module_utils._options import OptionAdapter, connection_argument_spec
from ansible_collections.kylin.streaming.plugins.module_utils._reconcile import JobReconciler
from ansible_collections.kylin.streaming.plugins.modules import job as job_module
from ansible_collections.kylin.streaming.plugins.modules import job_info as job_info_module
from kylin_sim.control import LIST


def reconcile(client, **kwargs):
    options = dict(project='p1', poll_interval=0.05, wait_timeout=20)
    options.update(kwargs)
    return JobReconciler(client, JobOptions.of(**options)).run()


# ---------------------------------------------------------------- 3: names beside ids


def test_failures_and_diffs_name_the_model_and_type(ctl, client):
    models = ctl.add_models('p1', count=2)
    ctl.patch_job(models['m1'][0], fail_launch=True)
    result = JobReconciler(client, JobOptions.of(project='p1', models=['m0', 'm1'], job_types=['build'], diff=True,
                                                 poll_interval=0.05, wait_timeout=20)).run()
    assert result['failed']
    assert 'm1 build (%s): ' % models['m1'][0] in result['msg'], result['msg']
    assert set(result['diff']['after']) == {'m0 build (%s)' % models['m0'][0], 'm1 build (%s)' % models['m1'][0]}


def test_the_params_diff_says_a_restart_follows(ctl, client):
    models = ctl.add_models('p1', count=1, build={'status': 'RUNNING'}, merge={'status': 'STOPPED'})
    result = JobReconciler(client, JobOptions.of(project='p1', models=['m0'], params={'spark.executor.instances': '4'},
                                                 check_mode=True, diff=True, poll_interval=0.05)).run()
    after = result['diff']['after']
    assert after['m0 build (%s)' % models['m0'][0]]['then'] == 'RESTART, so that the new params take effect'
    assert after['m0 merge (%s)' % models['m0'][1]]['then'] == 'START, so that the new params take effect'
    assert ctl.actions() == []


# ---------------------------------------------------------------- 4: TLS and plain HTTP mismatched


def test_https_url_to_a_plain_http_server_says_so(sim):
    client = KylinClient(url=sim.url.replace('http://', 'https://'), username='ADMIN', password='KYLIN',
                         timeout=5, retries=0, sleep=lambda seconds: None)
    with pytest.raises(KylinTransportError) as caught:
        client.list_jobs(project='p1')
    client.close()
    text = str(caught.value)
    assert 'the server answers plain HTTP, not TLS; use an http:// url' in text, text
    assert 'certificate not trusted' not in text


class HangUp(threading.Thread):
    """A server that treats every plain HTTP request as a TLS server does: an alert, or a reset, then gone."""

    def __init__(self, how):
        super().__init__(daemon=True)
        self.how = how
        self.sock = socket.socket()
        self.sock.bind(('127.0.0.1', 0))
        self.sock.listen(5)
        self.port = self.sock.getsockname()[1]

    def run(self):
        while True:
            try:
                conn, dummy = self.sock.accept()
            except OSError:
                return
            conn.recv(65536)
            if self.how == 'alert':
                conn.sendall(b'\x15\x03\x01\x00\x02\x02\x46')  # TLS alert: protocol version
            else:
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b'\x01\x00\x00\x00\x00\x00\x00\x00')
            conn.close()


@pytest.mark.parametrize('how', ['alert', 'reset'])
def test_http_url_to_a_tls_server_suggests_https(how):
    server = HangUp(how)
    server.start()
    client = KylinClient(url='http://127.0.0.1:%d' % server.port, username='ADMIN', password='KYLIN', timeout=5, retries=0,
                         sleep=lambda seconds: None)
    try:
        with pytest.raises(KylinTransportError) as caught:
            client.list_jobs(project='p1')
    finally:
        client.close()
        server.sock.close()
    text = str(caught.value)
    assert 'if it speaks HTTPS, use an https:// url (url is http://127.0.0.1:%d)' % server.port in text, text


# ---------------------------------------------------------------- 5: no url


def test_a_missing_url_names_every_way_to_set_it():
    with pytest.raises(KylinOptionError) as caught:
        build_client(OptionAdapter.from_dict(dict(url=None, username='ADMIN', password='KYLIN')))
    text = str(caught.value)
    for way in ('url option', 'its environment variable (kylin_url in capitals)', 'module_defaults',
                'group/kylin.streaming.kylin', 'the variable kylin_url'):
        assert way in text, (way, text)
    # Ansible masks the password in a module's output: with Kylin's default, KYLIN, a variable written out
    # would read ********_URL.
    assert 'KYLIN' not in text and masked(text, 'KYLIN') == text
    # Not required=True in the argspec: Ansible's own "missing required arguments: url" names none of them.
    assert not connection_argument_spec()['url'].get('required')


def masked(text, password):
    """TEXT as Ansible shows a module's output whose password option is PASSWORD."""
    return remove_values(text, {password})


def test_a_refused_login_says_what_to_fix_and_the_lock_out_first_and_survives_masking(ctl, client_factory):
    client = client_factory(password='KYLIN-not')
    with pytest.raises(KylinAuthError) as caught:
        client.list_jobs(project='p1', page_size=500, sort_by='model_alias', reverse=False)
    text = str(caught.value)
    assert text.startswith('Kylin refused the login of ADMIN (HTTP 401, KE-010003208: Invalid username or password.'), text
    for words in ('the password and username options', 'kylin_password', 'kylin_password and kylin_username in capitals',
                  'at the 3rd wrong password in a row', '30 s, then 1 min, 5 min', 'an expired lock keeps the count'):
        assert words in text, (words, text)
    # Kylin's URL comes last, without its query.
    assert text.endswith('[GET %s/kylin/api/streaming_jobs]' % client.base_url[:-len('/kylin')]), text
    assert masked(text, 'KYLIN') == text  # the wrong password was KYLIN-not; a user typing KYLIN gets it whole too


def test_a_refused_login_names_where_the_client_says_the_login_is_set(ctl, client_factory):
    # The EDA source's client says the rulebook's arguments, not a play's module_defaults.
    client = client_factory(password='nope')
    client.login_settings = 'the source arguments'
    with pytest.raises(KylinAuthError) as caught:
        client.list_jobs(project='p1')
    text = str(caught.value)
    assert 'fix the password (or the username) before trying again: the source arguments.' in text, text
    assert 'module_defaults' not in text and 'an expired lock keeps the count' in text, text


def test_a_locked_user_is_told_so_and_that_the_next_wrong_password_locks_again(ctl, client_factory):
    ctl.set_config(lock_attempts=1)
    with pytest.raises(KylinAuthError):
        client_factory(username='OPERATOR', password='nope').list_jobs(project='p1')
    with pytest.raises(KylinAuthError) as caught:
        client_factory(username='OPERATOR', password='OPERATOR').list_jobs(project='p1')
    text = str(caught.value)
    assert caught.value.error_code == 'KE-010003005'
    assert text.startswith('Kylin has locked the user OPERATOR after wrong passwords (HTTP 400, KE-010003005'), text
    assert 'wait until the lock ends' in text and 'the next wrong password locks again' in text, text


def test_no_login_at_all_names_the_options(ctl, client_factory):
    with pytest.raises(KylinAuthError) as caught:
        client_factory(username=None, password=None).list_jobs(project='p1')
    text = str(caught.value)
    assert text.startswith('Kylin needs a login, and none was given (HTTP 401'), text
    assert 'kylin_password and kylin_username in capitals' in text and masked(text, 'KYLIN') == text


def test_an_unknown_project_gets_the_closest_names_from_one_more_read(ctl, client):
    for project in ('streaming_demo', 'sales', 'marketing'):
        ctl.add_models(project=project, count=1)
    ctl.add_project('empty_project')  # no streaming job: not in the list, not suggested
    ctl.clear_counters()
    with pytest.raises(KylinNotFoundError) as caught:
        client.list_jobs(project='streaming_dmo')
    text = str(caught.value)
    assert text.startswith('project streaming_dmo does not exist on %s: did you mean streaming_demo? (Kylin answered GET '
                           % client.base_url[:-len('/kylin')]), text
    assert 'HTTP 500, KE-010001201: Can\'t find project "streaming_dmo"' in text, text
    assert caught.value.error_code == 'KE-010001201' and caught.value.status == 500
    # The failed read, then one read of every project's jobs; a second unknown project reads nothing more.
    assert ctl.request_count(LIST) == 2
    with pytest.raises(KylinNotFoundError) as caught:
        client.act('START', ['x' * 36 + '_build'], project='nothing_alike')
    assert 'does not exist on' in str(caught.value)
    assert 'the projects with streaming jobs are marketing, sales, streaming_demo' in str(caught.value), str(caught.value)
    assert ctl.request_count(LIST) == 2
    # A known project costs no such read.
    ctl.clear_counters()
    client.list_jobs(project='sales')
    assert ctl.request_count(LIST) == 1


# ---------------------------------------------------------------- 7: honest summaries


def test_wait_false_does_not_claim_stopped(ctl, client):
    ctl.add_models('p1', count=1, build={'status': 'RUNNING'}, merge={'status': 'RUNNING'})
    ctl.set_config(stop_delay=30)
    result = reconcile(client, models=['m0'], state=J.STOPPED_STATE, wait=False)
    assert [job['status'] for job in result['jobs']] == ['STOPPING', 'STOPPING']
    assert result['msg'] == 'sent STOP to 2, still STOPPING', result['msg']
    assert 'stopped 2' not in result['msg']


def test_a_failed_job_is_not_counted_as_restarted():
    results = [dict(id='a_build', model='a', type='build', action='RESTART', changed=True, error='failed to launch'),
               dict(id='b_build', model='b', type='build', action='RESTART', changed=True, error=None, status='RUNNING')]
    text = R.summary(results, J.RESTARTED)
    assert text == '1 of 2 jobs failed: a build (a_build): failed to launch. Restarted 1', text


def test_jobs_left_alone_by_an_early_end_are_not_called_already_stopped():
    results = [dict(id='a_build', model='a', type='build', action=None, changed=False, error=None, status='RUNNING'),
               dict(id='a_merge', model='a', type='merge', action=None, changed=False, error=None, status='STOPPED')]
    assert R.summary(results, J.STOPPED_STATE) == '1 already stopped, 1 not acted on (still RUNNING)'


# ---------------------------------------------------------------- 9: did you mean


def test_a_model_typo_gets_a_suggestion(ctl, client):
    ctl.add_project('p1')
    ctl.add_model('p1', 'orders_rt')
    ctl.add_model('p1', 'payments_rt')
    with pytest.raises(KylinSelectionError) as caught:
        reconcile(client, models=['orders_rtt', 'Payments_RT', 'zzz'], state=J.STARTED)
    text = str(caught.value)
    assert 'orders_rtt: did you mean orders_rt?' in text, text
    assert 'Payments_RT: did you mean payments_rt?' in text
    assert 'zzz: did you mean' not in text
    assert ctl.actions() == []


# ---------------------------------------------------------------- 10: force_after that can never act


def test_force_after_with_wait_false_is_refused():
    with pytest.raises(KylinOptionError) as caught:
        JobOptions.of(project='p', models=['m'], state='stopped', force_after=60, wait=False).check()
    assert 'force_after needs wait=true' in str(caught.value)
    JobOptions.of(project='p', models=['m'], state='stopped', force_after=60, wait=True).check()


# ---------------------------------------------------------------- 13: job_info's docs are about reads


def fragment_options(text):
    return yaml.safe_load(text)['options']


def test_job_info_docs_do_not_talk_about_writes():
    common = fragment_options(ModuleDocFragment.DOCUMENTATION)
    for name in ('timeout', 'retries'):
        text = ' '.join(common[name]['description'])
        assert 'FORCE_STOP' not in text and 'RESTART' not in text and 'Writes' not in text and 'write' not in text, text
    writes = fragment_options(ModuleDocFragment.WRITES)
    assert 'FORCE_STOP' in ' '.join(writes['timeout']['description'])
    assert 'Writes' in ' '.join(writes['retries']['description'])
    # job lists the writes fragment first (the first description of an option wins); job_info does not list it.
    job = yaml.safe_load(job_module.DOCUMENTATION)['extends_documentation_fragment']
    assert job.index('kylin.streaming.connection.writes') < job.index('kylin.streaming.connection')
    info = yaml.safe_load(job_info_module.DOCUMENTATION)['extends_documentation_fragment']
    assert 'kylin.streaming.connection.writes' not in info
