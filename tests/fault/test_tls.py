# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""HTTPS with a self-signed certificate (made with the openssl CLI: ``self_signed``, tests/conftest.py)."""

import pytest

from conftest import PROJECT, job_task
from kylin_sim.pytest_plugin import SimFactory
from kylin_sim.testing import ADMIN, play


@pytest.fixture(name='tls_sim', scope='module')
def tls_sim_fixture(tmp_path_factory, self_signed):
    cert, key = self_signed
    factory = SimFactory(tmp_path_factory)
    server = factory.make(process=True, name='tls-sim', cert=cert, key=key)
    server.cafile = cert
    yield server
    factory.stop_all()


@pytest.fixture(name='tls_ctl')
def tls_ctl_fixture(tls_sim):
    return tls_sim.reset('empty')


def test_self_signed_refused_by_default(tls_sim, tls_ctl, kylin_playbook, facts):
    """TLS: a self-signed certificate is refused by default, with a clear error.

    Default `validate_certs: true` against a self-signed certificate: the task fails with an error that
    says it is a TLS/certificate problem and how to fix it (`ca_path`, or `validate_certs: false`), fails
    fast (no retries: `timeout: 300`, the task must end in under 30 s) and nothing reaches the Kylin API
    (the server's request counters stay at zero)."""
    ids = tls_ctl.add_models(PROJECT, 1, 'STOPPED', digits=2)
    aliases = list(ids)
    conn = dict(url=tls_sim.url, timeout=300, **ADMIN)
    res = kylin_playbook.run([play([job_task(models=aliases)], conn)])

    assert res.rc != 0, res.describe()
    record = res.task('converge')
    assert record['status'] == 'failed'
    msg = record['result']['msg']
    assert tls_sim.url in msg and 'TLS error' in msg and 'CERTIFICATE_VERIFY_FAILED' in msg, msg
    assert 'ca_path' in msg and 'validate_certs' in msg, msg
    assert 'attempts' not in msg, msg  # a certificate problem is not retried
    assert record['seconds'] < 30, record['seconds']
    assert tls_ctl.counters()['requests'] == {}
    assert set(tls_ctl.statuses(PROJECT).values()) == {'STOPPED'}
    assert sorted(tls_ctl.statuses(PROJECT)) == sorted(ids[aliases[0]])
    facts.add('Error (in %.1f s, 0 requests reached the API): `%s`', record['seconds'], msg)


@pytest.mark.parametrize('how', ['ca_path', 'validate_certs_false'])
def test_self_signed_accepted_when_configured(tls_sim, tls_ctl, kylin_playbook, facts, how):
    """TLS: the self-signed certificate is accepted with `ca_path`, and with `validate_certs: false`.

    The same server, trusted through `ca_path` (the certificate as CA bundle) or with
    `validate_certs: false`: the task starts the jobs; the server shows them RUNNING with one START each."""
    ids = tls_ctl.add_models(PROJECT, 1, 'STOPPED', digits=2)
    aliases = list(ids)
    conn = dict(url=tls_sim.url, **ADMIN)
    if how == 'ca_path':
        conn['ca_path'] = tls_sim.cafile
    else:
        conn['validate_certs'] = False
    res = kylin_playbook.run([play([job_task(models=aliases)], conn)])

    assert res.rc == 0, res.describe()
    assert tls_ctl.statuses(PROJECT) == dict((job_id, 'RUNNING') for job_id in ids[aliases[0]])
    assert [(a['job_id'], a['action'], a['ok']) for a in tls_ctl.actions()] == [
        (job_id, 'START', True) for job_id in ids[aliases[0]]]
    assert 'InsecureRequestWarning' not in res.stdout + res.stderr
    facts.add('Over HTTPS: %s', tls_ctl.counters()['requests'])
