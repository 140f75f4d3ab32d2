# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The converge runbook as an AWX / AAP job runs it: through ansible-runner, with the Kylin credential.

``make awx-test`` runs these with the Python of .venv-2.21 (ansible-core 2.21, ansible-runner). Each
test lays out a job's private data directory as AWX does: the project (extensions/awx/project,
whose converge.yml imports kylin.streaming.converge) with a desired-state file, the inventory,
``env/extravars`` (the survey's answers) and ``env/envvars``: exactly the environment that the
credential type of extensions/awx/credential_type.yml injects (tests/awx/awx_credential.py does
what AWX does with it). The collection is found where an execution environment has it installed
(ANSIBLE_COLLECTIONS_PATH, the installed artifact); no KYLIN_* variable comes from anywhere else. The
simulator (``sim``, the session's, reset to the demo seed before each test: tests/conftest.py) serves
HTTPS with a self-signed certificate, so the run works only if the CA file that AWX writes from the
credential reaches the modules. Outcomes are judged from the simulator's state and action log.
"""

import glob
import json
import os
import shutil
import subprocess
import sys

import pytest
import yaml

import awx_credential

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CREDENTIAL_TYPE = os.path.join(ROOT, 'extensions', 'awx', 'credential_type.yml')
PROJECT = os.path.join(ROOT, 'extensions', 'awx', 'project')
USER, PASSWORD = 'awx_automation', 'S3cret-AWX-pass!'
DESIRED = {'kylin_streaming_jobs': [
    {'project': 'streaming_demo', 'models': ['orders_rt', 'clickstream']},
    {'project': 'streaming_demo', 'model': 'user_sessions', 'state': 'stopped'},
]}
EXPECTED = {('orders_rt', 'build'): 'RUNNING', ('orders_rt', 'merge'): 'RUNNING',
            ('clickstream', 'build'): 'RUNNING', ('clickstream', 'merge'): 'RUNNING',
            ('user_sessions', 'build'): 'STOPPED', ('user_sessions', 'merge'): 'STOPPED'}


def load(path):
    with open(path, encoding='utf-8') as handle:
        return yaml.safe_load(handle)


@pytest.fixture(scope='session')
def kylin_sim_session_options(self_signed, collections_root):  # pylint: disable=unused-argument
    """The session's simulator: HTTPS with the self-signed certificate, the demo seed (the installed artifact
    must be there first)."""
    return {'seed': 'demo', 'cert': self_signed[0], 'key': self_signed[1]}


@pytest.fixture(name='automation_user', autouse=True)
def automation_user_fixture(ctl):
    """The credential's user, with OPERATION on the demo project (after the reset of ``ctl``)."""
    ctl.add_user(USER, PASSWORD, permissions={'streaming_demo': 'OPERATION'})


def run_job(tmp_path, inputs, survey, collections_root):
    """Run the converge job template through ansible-runner; return (rc, status, stdout, private data dir)."""
    credential_type = load(CREDENTIAL_TYPE)
    data_dir = tmp_path / 'job'
    shutil.copytree(PROJECT, str(data_dir / 'project'))
    with open(str(data_dir / 'project' / 'desired' / 'test.yml'), 'w', encoding='utf-8') as handle:
        yaml.safe_dump(DESIRED, handle)
    os.makedirs(str(data_dir / 'inventory'))
    shutil.copy(str(data_dir / 'project' / 'inventory' / 'hosts.yml'), str(data_dir / 'inventory' / 'hosts.yml'))
    envvars = awx_credential.inject(credential_type, inputs, str(data_dir))
    with open(str(data_dir / 'env' / 'envvars'), 'w', encoding='utf-8') as handle:
        yaml.safe_dump(envvars, handle)
    with open(str(data_dir / 'env' / 'extravars'), 'w', encoding='utf-8') as handle:
        yaml.safe_dump(survey, handle)
    # The runner's own environment: the execution environment's (collection installed), no KYLIN_*.
    env = dict((key, value) for key, value in os.environ.items() if not key.startswith('KYLIN_'))
    env.update({'ANSIBLE_COLLECTIONS_PATH': collections_root, 'ANSIBLE_NOCOLOR': '1',
                'PATH': os.path.dirname(sys.executable) + os.pathsep + env.get('PATH', '')})
    runner = os.path.join(os.path.dirname(sys.executable), 'ansible-runner')
    proc = subprocess.run([runner, 'run', str(data_dir), '-p', 'converge.yml', '--ident', 'job1'], env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, timeout=300,
                          check=False)
    artifacts = data_dir / 'artifacts' / 'job1'
    status = (artifacts / 'status').read_text(encoding='utf-8').strip() if (artifacts / 'status').exists() else None
    return proc.returncode, status, proc.stdout, envvars, artifacts


def test_credential_type_is_valid_for_awx_and_injects_exactly_the_connection(tmp_path):
    credential_type = load(CREDENTIAL_TYPE)
    awx_credential.validate(credential_type)
    fields = dict((field['id'], field) for field in credential_type['inputs']['fields'])
    assert fields['password'].get('secret') is True
    assert fields['ca_cert'].get('multiline') is True and not fields['ca_cert'].get('secret')
    assert fields['validate_certs']['type'] == 'boolean' and fields['validate_certs']['default'] is True
    assert set(credential_type['inputs']['required']) == {'url', 'username', 'password'}
    env = awx_credential.inject(credential_type, {'url': 'https://kylin:7070', 'username': 'u', 'password': 'p',
                                                  'validate_certs': False, 'ca_cert': 'PEM'}, str(tmp_path))
    assert sorted(env) == ['KYLIN_CA_PATH', 'KYLIN_PASSWORD', 'KYLIN_URL', 'KYLIN_USERNAME', 'KYLIN_VALIDATE_CERTS']
    assert (env['KYLIN_URL'], env['KYLIN_USERNAME'], env['KYLIN_PASSWORD'], env['KYLIN_VALIDATE_CERTS']) == \
        ('https://kylin:7070', 'u', 'p', 'False')
    with open(env['KYLIN_CA_PATH'], encoding='utf-8') as handle:
        assert handle.read() == 'PEM'
    assert os.path.dirname(env['KYLIN_CA_PATH']) == str(tmp_path / 'env')
    # Without a CA certificate: no CA path (the system's trust store); the checkbox's default.
    env = awx_credential.inject(credential_type, {'url': 'u', 'username': 'u', 'password': 'p', 'validate_certs': True},
                                str(tmp_path / 'other'))
    assert env['KYLIN_CA_PATH'] == '' and env['KYLIN_VALIDATE_CERTS'] == 'True'


def test_converge_job_template_runs_with_the_injected_credential(ctl, sim, self_signed, tmp_path, collections_root):
    with open(self_signed[0], encoding='utf-8') as handle:
        pem = handle.read()
    before = ctl.statuses_by_name('streaming_demo')
    assert [key for key in EXPECTED if before[key] != EXPECTED[key]], 'the demo seed must need changes'
    inputs = {'url': sim.url, 'username': USER, 'password': PASSWORD, 'validate_certs': True, 'ca_cert': pem}
    survey = {'kylin_desired_state_file': 'desired/test.yml', 'kylin_streaming_jobs_poll_interval': 0.2}
    rc, status, stdout, envvars, artifacts = run_job(tmp_path, inputs, survey, collections_root)
    assert (rc, status) == (0, 'successful'), stdout
    assert envvars['KYLIN_URL'].startswith('https://127.0.0.1:')
    after = ctl.statuses_by_name('streaming_demo')
    assert dict((key, after[key]) for key in EXPECTED) == EXPECTED
    # Untouched models stay as they were.
    assert dict((key, value) for key, value in after.items() if key not in EXPECTED) == \
        dict((key, value) for key, value in before.items() if key not in EXPECTED)
    actions = ctl.actions()
    assert actions and all(action['user'] == USER for action in actions), actions
    # The job's events and output never carry the password (AWX stores and shows both).
    events = glob.glob(str(artifacts / 'job_events' / '*.json'))
    assert events
    for path in events + [str(artifacts / 'stdout')]:
        with open(path, encoding='utf-8') as handle:
            assert PASSWORD not in handle.read(), path
    summary = [json.load(open(path, encoding='utf-8')) for path in events]
    assert any(event.get('event') == 'playbook_on_stats' for event in summary)

    # Run again: nothing to change, no action sent.
    count = len(actions)
    rc, status, stdout, _envvars, _artifacts = run_job(tmp_path / 'again', inputs, survey, collections_root)
    assert (rc, status) == (0, 'successful'), stdout
    assert len(ctl.actions()) == count
    assert 'changed=0' in stdout.replace(' ', '')


def test_without_the_ca_certificate_the_job_fails_before_any_change(ctl, sim, tmp_path, collections_root):
    before = ctl.statuses_by_name('streaming_demo')
    inputs = {'url': sim.url, 'username': USER, 'password': PASSWORD, 'validate_certs': True}
    rc, status, stdout, envvars, _artifacts = run_job(tmp_path, inputs, {'kylin_desired_state_file': 'desired/test.yml'},
                                                      collections_root)
    assert envvars['KYLIN_CA_PATH'] == ''
    assert rc != 0 and status == 'failed', stdout
    assert 'TLS error' in stdout and 'CERTIFICATE_VERIFY_FAILED' in stdout, stdout
    assert PASSWORD not in stdout
    assert ctl.actions() == []
    assert ctl.statuses_by_name('streaming_demo') == before
