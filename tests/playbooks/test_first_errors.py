# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The first errors a new user meets, from the real commands (``ansible``, ``ansible-playbook``) against
the simulator, as the README's quick start sets things up: the connection in the environment, user ADMIN
with Kylin's default password KYLIN.

- Ansible masks the password wherever it appears in a module's output: with KYLIN, a message that
  spelled a variable (``KYLIN_URL``) would read ``********_URL``. No message may write that word.
- A wrong password says first what to fix and that Kylin locks the user at the 3rd in a row, from the
  first attempt on; the lock itself is named when it comes.
- An unknown project gets the closest names, from one more read made only on that error path.
"""

import os
import subprocess
import sys

import yaml

from kylin_sim.control import LIST

from conftest import PROJECT, ROOT

DESIRED = os.path.join(ROOT, 'playbooks', 'vars', 'demo_desired_state.yml')


def adhoc(env, module, args):
    """``ansible localhost -m MODULE -a ARGS``: (rc, output)."""
    here = os.path.join(os.path.dirname(sys.executable), 'ansible')
    proc = subprocess.run([here, 'localhost', '-m', module, '-a', args], env=env, stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, timeout=300,
                          check=False)
    return proc.returncode, proc.stdout


def failures(output):
    """The lines of OUTPUT that carry an error: what the user reads."""
    return [line for line in output.splitlines() if 'FAILED' in line or 'fatal' in line or '"msg"' in line
            or 'ERROR' in line or 'url is required' in line]


def test_no_message_is_masked_with_the_default_password(ctl, kylin_playbook, command):
    """KYLIN_PASSWORD=KYLIN and no url: every way of calling the collection says how to set the url, unmasked."""
    given = dict(KYLIN_USERNAME='ADMIN', KYLIN_PASSWORD='KYLIN')
    env = kylin_playbook.environment(env=given)
    runs = {
        'job_info module': adhoc(env, 'kylin.streaming.job_info', 'project=%s' % PROJECT),
        'job module': adhoc(env, 'kylin.streaming.job', 'project=%s models=orders_rt state=started' % PROJECT),
        'lookup': adhoc(env, 'ansible.builtin.debug', "msg={{ query('kylin.streaming.jobs', project='%s') }}" % PROJECT),
    }
    for name, args in (('runbook', ['kylin.streaming.rolling_restart', '-e', 'kylin_project=' + PROJECT]),
                       ('role', ['kylin.streaming.converge', '-e', '@' + DESIRED])):
        run = command(*args, env=given)
        runs[name] = (run.rc, run.output)
    for name, (rc, output) in runs.items():
        assert rc != 0, (name, output)
        assert 'url is required' in output, (name, output)
        assert 'its environment variable (kylin_url in capitals)' in output, (name, output)
        assert not [line for line in failures(output) if '********' in line or 'KYLIN' in line], (name, output)
    assert ctl.counters()['requests'].get(LIST, 0) == 0


def test_a_fleet_host_without_its_url_is_told_so_without_the_masked_word(ctl, command, tmp_path):
    (tmp_path / 'hosts.yml').write_text(yaml.safe_dump({'kylin_clusters': {'hosts': {
        'prod': {'kylin_url': ctl.url}, 'dr': {}}}}))
    env = dict(KYLIN_URL=ctl.url, KYLIN_USERNAME='ADMIN', KYLIN_PASSWORD='KYLIN')
    run = command('kylin.streaming.report', '-i', 'hosts.yml', '-e', 'kylin_hosts=kylin_clusters', env=env)
    assert run.rc != 0, run
    assert 'dr has no kylin_url, so it would use the url of the environment (another cluster)' in run.output, run
    assert not [line for line in failures(run.output) if 'KYLIN' in line], run


def test_a_wrong_password_warns_of_the_lock_out_from_the_first_call(ctl, kylin_playbook):
    env = kylin_playbook.environment(env=dict(KYLIN_URL=ctl.url, KYLIN_USERNAME='ADMIN', KYLIN_PASSWORD='Not-The-Pa55word'))
    outputs = []
    for dummy in range(4):
        rc, output = adhoc(env, 'kylin.streaming.job_info', 'project=%s' % PROJECT)
        assert rc != 0, output
        outputs.append(output)
    first, locked = outputs[0], outputs[3]
    # What to fix and the lock-out come first, before Kylin's answer; the URL last, without its query.
    assert '"msg": "Kylin refused the login of ADMIN (HTTP 401, KE-010003208: Invalid username or password.' in first, first
    for words in ('the password and username options', 'the variables kylin_password and kylin_username',
                  '(kylin_password and kylin_username in capitals)', 'Kylin locks the user at the 3rd wrong password in a row',
                  'an expired lock keeps the count', '[GET %s/kylin/api/streaming_jobs]"' % ctl.url):
        assert words in first, (words, first)
    assert 'page_size=' not in first and 'Not-The-Pa55word' not in first
    # The 3rd call locked ADMIN (still a 401, as Kylin answers it), having said so twice before; the 4th is told.
    assert all('at the 3rd wrong password in a row' in output for output in outputs[:3])
    assert '"msg": "Kylin has locked the user ADMIN after wrong passwords (HTTP 400, KE-010003005' in locked, locked
    assert 'wait until the lock ends' in locked
    assert ctl.counters()['failed_logins'] == {'ADMIN': 3}, ctl.counters()
    assert ctl.actions() == []


def test_the_converge_role_repeats_the_module_message_once(ctl, command):
    env = dict(KYLIN_URL=ctl.url, KYLIN_USERNAME='ADMIN', KYLIN_PASSWORD='Not-The-Pa55word')
    run = command('kylin.streaming.converge', '-e', '@' + DESIRED, env=env)
    assert run.rc != 0, run
    message = [line for line in run.output.splitlines() if 'None of the' in line and line.startswith('fatal')]
    assert len(message) == 1, run
    assert 'Kylin refused the login of ADMIN (HTTP 401' in message[0] and 'at the 3rd wrong password in a row' in message[0]
    assert message[0].count('kylin_password') == 2, message[0]  # the module's advice, not a second one of the role
    assert ctl.counters()['failed_logins'] == {'ADMIN': 1}


def test_an_unknown_project_gets_the_closest_name_from_one_more_read(ctl, kylin_playbook):
    env = kylin_playbook.environment(env=dict(KYLIN_URL=ctl.url, KYLIN_USERNAME='ADMIN', KYLIN_PASSWORD='KYLIN'))
    ctl.clear_counters()
    rc, output = adhoc(env, 'kylin.streaming.job_info', 'project=streaming_dmo')
    assert rc != 0, output
    assert '"msg": "project streaming_dmo does not exist on %s: did you mean streaming_demo? (Kylin answered GET ' % ctl.url \
        in output, output
    assert 'HTTP 500, KE-010001201' in output and not [line for line in failures(output) if '********' in line]
    assert ctl.counters()['requests'].get(LIST) == 2  # the refused read, and one read of every project's jobs

    ctl.clear_counters()
    rc, output = adhoc(env, 'kylin.streaming.job', 'project=Sales models=orders_rt state=started')
    assert rc != 0, output
    assert 'project Sales does not exist on %s: the projects with streaming jobs are iot, streaming_demo' % ctl.url in output, output
    assert ctl.counters()['requests'].get(LIST) == 2 and ctl.actions() == []

    ctl.clear_counters()
    rc, output = adhoc(env, 'kylin.streaming.job_info', 'project=%s summary=true' % PROJECT)
    assert rc == 0, output
    assert ctl.counters()['requests'].get(LIST) == 1  # the happy path reads nothing more
