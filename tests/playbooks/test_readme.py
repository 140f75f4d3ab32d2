# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The README's quick start, run literally on a fresh clone (``git clone`` of the committed tree).

The commands are read from README.md's "Quick start against the simulator" block: the ``make sim`` line
runs in the background ("terminal 1"), the others one after the other in one bash ("terminal 2"), in the
clone, with nothing from this checkout: no venv, no build copy, no KYLIN_* or ANSIBLE_* variable. The only
change is the port (7070 becomes a free one). The clone makes its own .venv (pip, a minute or two). The
simulator's own state then shows the quick start did what it says: the inventory_levels jobs RUNNING.
"""

import os
import re
import signal
import socket
import subprocess
import time

import pytest

from kylin_sim.control import SimControl

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SECTION = '## Quick start against the simulator'
MARK = '@@ quick start command %d @@'


def quick_start():
    """The shell lines of the first sh block after the quick start heading, comments dropped."""
    with open(os.path.join(ROOT, 'README.md'), encoding='utf-8') as handle:
        text = handle.read()
    assert SECTION in text, 'README.md has no "%s" section' % SECTION
    block = re.search(r'```sh\n(.*?)```', text[text.index(SECTION):], re.S)
    assert block, 'no sh block in the quick start'
    lines = []
    for line in block.group(1).splitlines():
        command = re.sub(r'\s+#.*$', '', line).strip()
        if command and not command.startswith('#'):
            lines.append(command)
    return lines


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def clean_env(home):
    env = dict((key, value) for key, value in os.environ.items()
               if not key.startswith(('KYLIN_', 'ANSIBLE_', 'VIRTUAL_ENV', 'PYTHON')))
    path = [entry for entry in env.get('PATH', '').split(os.pathsep) if '.venv' not in entry]
    env.update(PATH=os.pathsep.join(path), HOME=env.get('HOME', str(home)))
    return env


def test_the_readme_quick_start_works_on_a_fresh_clone(tmp_path):
    lines = quick_start()
    port = free_port()
    lines = [line.replace('7070', str(port)) for line in lines]
    sim_lines = [line for line in lines if line.startswith('make sim')]
    assert len(sim_lines) == 1, lines
    rest = [line for line in lines if line not in sim_lines]
    assert any('kylin.streaming.job_info' in line for line in rest) and any('kylin.streaming.job ' in line for line in rest)

    clone = tmp_path / 'clone'
    subprocess.run(['git', 'clone', '--quiet', ROOT, str(clone)], check=True)
    env = clean_env(tmp_path)
    log = open(str(tmp_path / 'sim.log'), 'w', encoding='utf-8')  # pylint: disable=consider-using-with
    sim = subprocess.Popen(['bash', '-c', 'exec ' + sim_lines[0]], cwd=str(clone), env=env, stdout=log,
                           stderr=subprocess.STDOUT, start_new_session=True)
    try:
        ctl = SimControl('http://127.0.0.1:%d' % port)
        deadline = time.monotonic() + 900  # make venv first: pip, on a busy machine
        while True:
            try:
                ctl.health()
                break
            except Exception:  # pylint: disable=broad-except
                assert sim.poll() is None, (tmp_path / 'sim.log').read_text()
                assert time.monotonic() < deadline, 'the simulator did not come up:\n' + (tmp_path / 'sim.log').read_text()
                time.sleep(1)
        before = dict((job['model_alias'] + ' ' + job['job_type'], job['status']) for job in ctl.jobs(project='streaming_demo'))
        # Each command's output follows a marker line (an echo between the README's lines, which stay as written).
        script = '\n'.join('echo %s\n%s' % (MARK % index, line) for index, line in enumerate(rest))
        proc = subprocess.run(['bash', '-e', '-c', script], cwd=str(clone), env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, universal_newlines=True, timeout=600, check=False)
        assert proc.returncode == 0, proc.stdout
        assert 'SUCCESS' in proc.stdout and 'CHANGED' in proc.stdout, proc.stdout
        outputs = dict((line, proc.stdout.split(MARK % index, 1)[1].split(MARK % (index + 1), 1)[0])
                       for index, line in enumerate(rest))
        # Quiet: the clone's ansible.cfg, which the quick start uses from the root of the checkout, turns off
        # the warnings about playing on localhost without an inventory.
        for line, output in outputs.items():
            assert 'No inventory was parsed' not in output and 'provided hosts list is empty' not in output, (line, output)
        # The first look at the jobs is short: every job, three keys each, not fifty lines per job.
        listing = next(output for line, output in outputs.items() if 'kylin.streaming.job_info' in line)
        assert listing.count('"model_alias"') == 12 and listing.count('"job_status"') == 12, listing
        assert len(listing.splitlines()) < 100, listing
        after = dict((job['model_alias'] + ' ' + job['job_type'], job['status']) for job in ctl.jobs(project='streaming_demo'))
        assert before['inventory_levels STREAMING_BUILD'] != 'RUNNING'
        assert after['inventory_levels STREAMING_BUILD'] in ('STARTING', 'RUNNING')
        assert after['inventory_levels STREAMING_MERGE'] in ('STARTING', 'RUNNING')
    finally:
        os.killpg(sim.pid, signal.SIGTERM)
        try:
            sim.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(sim.pid, signal.SIGKILL)
            sim.wait()
        log.close()


if __name__ == '__main__':  # pragma: no cover
    pytest.main([__file__, '-q'])
