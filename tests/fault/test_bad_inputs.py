# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Bad input and hostile answers: a clear error, nothing changed on the server, no secret printed.

Every case runs as user ``ops`` whose password is full of characters that break naive code
(a colon, spaces, quotes, ``%``, ``&``, ``#``, ``@``, ``/``, non-ASCII), created through
``POST /_sim/users``, at ``-vvv``; the password, the wrong one and their Basic-auth tokens must
not appear anywhere in stdout, stderr or the task results.
"""

import base64
import re

import pytest

from kylin_sim.control import PARAMS_PUT, STATUS_PUT
from kylin_sim.testing import play

from conftest import PROJECT, job_task

USER = 'ops'
# Each password has an alphanumeric core that survives any escaping (JSON, YAML, repr, URL encoding), so a
# leak is found whatever form it is printed in.
SECRET_CORE, WRONG_CORE = 'Zq7Vt9Kw', 'Xr4Pm2Qj'
SECRET = SECRET_CORE + ':ä ß"\'%&#@/€!'
WRONG = WRONG_CORE + ':€ "ü"&% /#'
ABSENT_ID = '00000000-0000-0000-0000-00000000dead_build'


def tokens(password, core):
    raw = ('%s:%s' % (USER, password)).encode('utf-8')
    return [password, core, base64.b64encode(raw).decode('ascii')]


SECRETS = tokens(SECRET, SECRET_CORE) + tokens(WRONG, WRONG_CORE)

# id: (module, module args, faults, connection changes, expected message (regex))
# In args, 'ID:<alias>:<0|1>' stands for the build (0) or merge (1) job id of that model.
CASES = {
    'wait-not-a-bool': ('job', {'models': ['m00'], 'wait': 'maybe'}, None, None,
                        r"argument 'wait' is of type .*str.* unable to convert to bool"),
    'batch_size-not-an-int': ('job', {'models': ['m00'], 'batch_size': 'many'}, None, None,
                              r"argument 'batch_size' is of type .*str.* unable to convert to int"),
    'job_ids-a-dict': ('job', {'job_ids': {'id': 'ID:m00:0'}}, None, None,
                       r"argument 'job_ids' is of type .*dict.* unable to convert to list"),
    'poll_interval-zero': ('job', {'models': ['m00'], 'poll_interval': 0}, None, None,
                           r'poll_interval must be more than 0'),
    'models-empty-list': ('job', {'models': []}, None, None, r'models must be a non-empty list'),
    'job_ids-empty-list': ('job', {'job_ids': []}, None, None, r'job_ids must be a non-empty list'),
    'model-unknown': ('job', {'models': ['m00', 'nope']}, None, None,
                      r'model\(s\) not found in project p1: nope \(aliases are exact'),
    'model-wrong-case': ('job', {'models': ['M00']}, None, None, r'model\(s\) not found in project p1: M00'),
    'job-id-unknown': ('job', {'job_ids': ['ID:m00:0', ABSENT_ID]}, None, None,
                       r'job id\(s\) not found in project p1: ' + ABSENT_ID),
    'job-id-malformed': ('job', {'job_ids': ['m00']}, None, None,
                         r"job id 'm00' is not of the form <model uuid>_build or <model uuid>_merge"),
    'models-and-job_ids': ('job', {'models': ['m00'], 'job_ids': ['ID:m00:0']}, None, None,
                           r'parameters are mutually exclusive: models\|job_ids'),
    'no-selection': ('job', {}, None, None, r'one of the following is required: models, job_ids'),
    'state-unknown': ('job', {'models': ['m00'], 'state': 'running'}, None, None,
                      r'value of state must be one of: started, stopped, restarted, got: running'),
    'force_after-with-started': ('job', {'models': ['m00'], 'force_after': 10}, None, None,
                                 r'force_after only applies to state=stopped'),
    'params-value-kylin-refuses': ('job', {'models': ['m00'], 'params': {'kylin.streaming.table-refresh-interval': '5s'}},
                                   None, None, r'KE-010043214'),
    'project-unknown': ('job', {'project': 'nope', 'models': ['m00']}, None, None,
                        r'HTTP 500, KE-010001201.*nope'),
    'url-with-api-path': ('job', {'models': ['m00']}, None, {'url': '{url}/kylin/api/streaming_jobs'},
                          r'url must be the Kylin server address .*not an API endpoint'),
    'url-with-other-path': ('job', {'models': ['m00']}, None, {'url': '{url}/console'},
                            r'HTTP 404, no Kylin streaming job API here; url must be the Kylin server address'),
    'url-not-http': ('job', {'models': ['m00']}, None, {'url': 'ftp://127.0.0.1:21'},
                     r'url must start with http:// or https://'),
    'proxy-html-error-page': ('job', {'models': ['m00']}, {'html_error_count': 10}, None,
                              r'HTTP 502, not a Kylin answer \(text/html\) \(after 4 attempts\): 502 Bad Gateway'),
    'non-json-login-page': ('job', {'models': ['m00']}, {'non_json_count': 1}, None,
                            r'HTTP 200, not a Kylin answer \(text/html\)'),
    'wrong-password': ('job', {'models': ['m00']}, None, {'password': WRONG},
                       r'HTTP 401, KE-010003208: Invalid username or password'),
    'info-status-unknown': ('job_info', {'project': PROJECT, 'statuses': ['RUNNIN']}, None, None,
                            r'statuses must be among STARTING, RUNNING, STOPPING, ERROR, STOPPED \(any case\); got RUNNIN'),
    'info-job_ids-without-project': ('job_info', {'job_ids': ['ID:m00:0']}, None, None, r'job_ids needs project'),
    'info-page_size-zero': ('job_info', {'project': PROJECT, 'page_size': 0}, None, None,
                            r'page_size must be 1 or more'),
    'info-html-error-page': ('job_info', {'project': PROJECT}, {'html_error_count': 10}, None,
                             r'HTTP 502, not a Kylin answer \(text/html\) \(after 4 attempts\): 502 Bad Gateway'),
}


def substitute(value, ids, url):
    if isinstance(value, dict):
        return dict((k, substitute(v, ids, url)) for k, v in value.items())
    if isinstance(value, list):
        return [substitute(v, ids, url) for v in value]
    if isinstance(value, str) and value.startswith('ID:'):
        dummy, alias, index = value.split(':')
        return ids[alias][int(index)]
    if isinstance(value, str):
        return value.replace('{url}', url)
    return value


def server_state(ctl):
    return sorted((job['id'], job['status'], sorted(job['params'].items())) for job in ctl.jobs())


@pytest.fixture(name='ops_conn')
def ops_conn_fixture(ctl, sim):
    ctl.add_user(USER, SECRET, admin=True)
    return dict(url=sim.url, username=USER, password=SECRET)


@pytest.mark.parametrize('case', list(CASES))
def test_bad_input(ctl, sim, ops_conn, run, facts, case):
    """Bad input and hostile answers: a clear error, nothing changed on the server, no secret printed.

    Each row of the table (wrong types, empty lists, unknown names, both `models` and `job_ids`, URLs
    that are not the server's address, a proxy's HTML error page, a 200 answer that is not JSON, a wrong
    password with special characters, values Kylin would refuse): the task fails with the expected clear
    message, the server shows no PUT request, no action and no change in any job's status or params, and
    neither password (nor its Basic-auth token) appears in stdout, stderr or the results at `-vvv`."""
    module, args, faults, conn_changes, expected = CASES[case]
    ids = ctl.add_models(PROJECT, 2, 'STOPPED', merge_status='RUNNING', digits=2)
    before = server_state(ctl)
    conn = dict(ops_conn, **substitute(conn_changes or {}, ids, sim.url))
    args = substitute(args, ids, sim.url)
    if module == 'job':
        task = job_task(**args)
    else:
        task = {'name': 'converge', 'kylin.streaming.job_info': args}
    if faults:
        ctl.set_faults(**faults)

    res = run([task], connection=conn, args=['-vvv'])

    assert res.rc != 0, res.describe()
    record = res.task('converge')
    assert record['status'] == 'failed'
    msg = record['result']['msg']
    assert re.search(expected, msg), msg
    counters = ctl.counters()
    assert counters['requests'].get(STATUS_PUT, 0) == 0 and counters['requests'].get(PARAMS_PUT, 0) == 0, counters
    assert ctl.actions() == []
    assert server_state(ctl) == before
    text = res.text()
    for secret in SECRETS:
        assert secret not in text, 'a secret was printed'
    if case == 'wrong-password':
        assert counters['statuses'] == {'401': 1}, counters  # 401 is never retried (Kylin locks users)
    facts.add('%s', msg if len(msg) < 400 else msg[:400] + '...')


def test_special_password_works_and_stays_hidden(ctl, sim, ops_conn, kylin_playbook, facts):
    """A password with special characters works, and is never printed.

    User `ops` with a password full of special characters (colon, space, quotes, `%`, `&`, `#`, `@`, `/`,
    non-ASCII), created with `POST /_sim/users`: `kylin.streaming.job` with the password in
    `module_defaults` starts the jobs (the server's action log shows user `ops`), and `job_info` with the
    connection from the environment (`KYLIN_URL`, `KYLIN_USERNAME`, `KYLIN_PASSWORD`) reads them; at `-vvv`
    the password and its Basic-auth token appear nowhere in the output or the results."""
    ids = ctl.add_models(PROJECT, 2, 'STOPPED', digits=2)
    aliases = list(ids)
    plays = [
        play([job_task(models=aliases)], ops_conn, name='password in module_defaults'),
        play([{'name': 'inventory', 'kylin.streaming.job_info': {'project': PROJECT}}],
             name='connection from the environment'),
    ]
    env = {'KYLIN_URL': sim.url, 'KYLIN_USERNAME': USER, 'KYLIN_PASSWORD': SECRET}
    res = kylin_playbook.run(plays, args=['-vvv'], env=env)

    assert res.rc == 0, res.describe()
    jobs = [j for pair in ids.values() for j in pair]
    assert ctl.statuses(PROJECT) == dict((j, 'RUNNING') for j in jobs)
    assert sorted((a['job_id'], a['user'].lower(), a['ok']) for a in ctl.actions()) == sorted(
        (j, USER, True) for j in jobs)
    inventory = res.result('inventory')
    assert sorted(row['uuid'] for row in inventory['jobs']) == sorted(jobs)
    text = res.text()
    for secret in tokens(SECRET, SECRET_CORE):
        assert secret not in text, 'the password was printed'
    facts.add('4 jobs started as user ops, inventory read with the environment fallbacks; output at -vvv: %d '
              'characters, no trace of the password.', len(text))
