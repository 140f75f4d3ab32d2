# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Shared by the fault suite (tests/fault) and the benchmarks (tests/bench).

* ``SimProcess``: the simulator as a separate process (``python -m kylin_sim --port 0``), which
  can be killed and started again on the same port with the same ``--state-file``.
* ``start_playbook`` / ``run_playbook``: ``ansible-playbook`` as a subprocess, with
  ``ANSIBLE_COLLECTIONS_PATH`` at the build copy (``make BUILD=... collection``), the normal
  stdout callback (so the human output is what a user sees, at any verbosity) plus the
  ``kylin_results`` callback, which writes every task result and its timing as JSON lines.

Both run from the pinned virtualenv the caller runs in (``sys.executable``).
"""

import json
import os
import signal
import subprocess
import sys
import time

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS_DIR = os.path.dirname(HERE)
if TESTS_DIR not in sys.path:
    sys.path.insert(0, TESTS_DIR)

from kylin_sim.control import SimControl  # noqa: E402  pylint: disable=wrong-import-position

CALLBACK_DIR = os.path.join(HERE, 'callback_plugins')
BIN_DIR = os.path.dirname(sys.executable)
ANSIBLE_PLAYBOOK = os.path.join(BIN_DIR, 'ansible-playbook')
ADMIN = dict(username='ADMIN', password='KYLIN')

# Environment that would change what the modules or requests do behind the test's back.
DROPPED_ENV_PREFIXES = ('KYLIN_',)
DROPPED_ENV = ('REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE', 'SSL_CERT_FILE', 'SSL_CERT_DIR', 'ANSIBLE_CONFIG',
               'ANSIBLE_STDOUT_CALLBACK', 'ANSIBLE_CALLBACKS_ENABLED', 'ANSIBLE_CALLBACK_PLUGINS',
               'ANSIBLE_MODULE_DEFAULTS', 'HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy')


def collections_path():
    """The build copy's collections root, from ``ANSIBLE_COLLECTIONS_PATH`` (set by the Makefile)."""
    for root in (os.environ.get('ANSIBLE_COLLECTIONS_PATH') or '').split(os.pathsep):
        if root and os.path.isdir(os.path.join(root, 'ansible_collections', 'kylin', 'streaming', 'plugins')):
            return root
    raise RuntimeError('ANSIBLE_COLLECTIONS_PATH does not hold kylin.streaming; run this through '
                       '`make BUILD=/tmp/some-build fault` (or bench), which syncs the build copy first')


def clean_env(extra=None):
    env = dict((k, v) for k, v in os.environ.items()
               if not k.startswith(DROPPED_ENV_PREFIXES) and k not in DROPPED_ENV)
    env.update(extra or {})
    return env


class SimProcess(object):
    """``python -m kylin_sim`` in its own process; ``options`` are CLI flags without the dashes."""

    def __init__(self, workdir, name='sim', port=0, state_file=None, cert=None, key=None, options=None, seed='empty'):
        self.workdir = workdir
        self.name = name
        self.port = port
        self.state_file = state_file
        self.cert = cert
        self.key = key
        self.seed = seed
        self.options = dict(options or {})
        self.proc = None
        self.log_path = os.path.join(workdir, '%s.log' % name)
        self.port_file = os.path.join(workdir, '%s.port' % name)
        self.ctl = None

    @property
    def scheme(self):
        return 'https' if self.cert else 'http'

    @property
    def url(self):
        return '%s://127.0.0.1:%d' % (self.scheme, self.port)

    def command(self):
        cmd = [sys.executable, '-m', 'kylin_sim', '--host', '127.0.0.1', '--port', str(self.port),
               '--port-file', self.port_file, '--seed', self.seed]
        if self.state_file:
            cmd += ['--state-file', self.state_file]
        if self.cert:
            cmd += ['--cert', self.cert, '--key', self.key]
        for key, value in sorted(self.options.items()):
            if value is True:
                cmd.append('--' + key)
            elif value is not False and value is not None:
                cmd += ['--' + key, str(value)]
        return cmd

    def start(self, timeout=20.0):
        if os.path.exists(self.port_file):
            os.unlink(self.port_file)
        env = clean_env({'PYTHONPATH': TESTS_DIR})
        log = open(self.log_path, 'a')
        try:
            self.proc = subprocess.Popen(self.command(), stdout=log, stderr=subprocess.STDOUT, env=env, cwd=self.workdir)
        finally:
            log.close()
        deadline = time.monotonic() + timeout
        while not os.path.exists(self.port_file):
            if self.proc.poll() is not None:
                raise RuntimeError('simulator exited with %s: %s' % (self.proc.returncode, self.log()))
            if time.monotonic() > deadline:
                self.kill()
                raise RuntimeError('simulator did not listen within %ss: %s' % (timeout, self.log()))
            time.sleep(0.02)
        with open(self.port_file) as handle:
            self.port = int(handle.read().strip())
        self.ctl = SimControl(self.url, verify=False)
        return self

    def log(self):
        try:
            with open(self.log_path) as handle:
                return handle.read()[-4000:]
        except OSError:
            return ''

    def kill(self):
        """SIGKILL, as a crash: nothing is flushed but what the state file already holds."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()

    def alive(self):
        return self.proc is not None and self.proc.poll() is None


def play(tasks, connection=None, name='kylin', **extra):
    """One ``hosts: localhost`` play whose kylin.streaming modules get ``connection`` by module_defaults."""
    body = dict(name=name, hosts='localhost', gather_facts=False, tasks=tasks)
    if connection:
        body['module_defaults'] = {'group/kylin.streaming.kylin': connection}
    body.update(extra)
    return body


class PlaybookRun(object):
    """What one ``ansible-playbook`` run did: ``rc``, ``stdout``, ``stderr``, ``records``, ``seconds``."""

    def __init__(self, rc, stdout, stderr, records, seconds, command):
        self.rc = rc
        self.stdout = stdout
        self.stderr = stderr
        self.records = records
        self.seconds = seconds
        self.command = command

    def record(self, task):
        found = [r for r in self.records if r['task'] == task]
        assert found, 'no result for task %r; %s' % (task, self.describe())
        return found[-1]

    def result(self, task):
        return self.record(task)['result']

    def text(self):
        """Everything the run printed or returned, for secret checks."""
        return '\n'.join([self.stdout, self.stderr, json.dumps(self.records, ensure_ascii=False)])

    def describe(self):
        return 'rc=%s after %.1fs\n--- stdout (tail)\n%s\n--- stderr (tail)\n%s' % (
            self.rc, self.seconds, self.stdout[-4000:], self.stderr[-2000:])


class RunningPlaybook(object):
    def __init__(self, proc, results_file, started, command, timeout):
        self.proc = proc
        self.results_file = results_file
        self.started = started
        self.command = command
        self.timeout = timeout

    def running(self):
        return self.proc.poll() is None

    def wait(self):
        try:
            stdout, stderr = self.proc.communicate(timeout=self.timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            stdout, stderr = self.proc.communicate()
            stderr += '\n[harness] ansible-playbook killed after %ss' % self.timeout
        seconds = time.monotonic() - self.started
        records = []
        if os.path.exists(self.results_file):
            with open(self.results_file) as handle:
                records = [json.loads(line) for line in handle if line.strip()]
        return PlaybookRun(self.proc.returncode, stdout, stderr, records, seconds, self.command)


def write_playbook(workdir, plays, name='playbook'):
    """``plays`` as ``workdir/NAME.yml``, next to an inventory of localhost; returns both paths."""
    path = os.path.join(workdir, '%s.yml' % name)
    with open(path, 'w') as handle:
        yaml.safe_dump(plays, handle, default_flow_style=False, sort_keys=False, allow_unicode=True)
    inventory = os.path.join(workdir, 'inventory.ini')
    if not os.path.exists(inventory):
        with open(inventory, 'w') as handle:
            handle.write('localhost ansible_connection=local ansible_python_interpreter=%s\n' % sys.executable)
    return path, inventory


def playbook_env(results_file=None, extra=None):
    """The environment ansible-playbook runs in: the build copy, the results callback, no stray settings."""
    env = clean_env({
        'ANSIBLE_COLLECTIONS_PATH': collections_path(),
        'ANSIBLE_NOCOLOR': '1',
        'ANSIBLE_FORCE_COLOR': '0',
        'ANSIBLE_RETRY_FILES_ENABLED': '0',
        'ANSIBLE_DEPRECATION_WARNINGS': '0',
        'ANSIBLE_PYTHON_INTERPRETER': sys.executable,
    })
    if results_file:
        env.update({'ANSIBLE_CALLBACK_PLUGINS': CALLBACK_DIR, 'ANSIBLE_CALLBACKS_ENABLED': 'kylin_results',
                    'KYLIN_RESULTS_FILE': results_file})
    env.update(extra or {})
    return env


def start_playbook(workdir, plays, name='playbook', extra_vars=None, verbosity=0, env=None, timeout=600, check=False):
    """Write ``plays`` as a playbook in ``workdir`` and start ``ansible-playbook`` on it."""
    path, inventory = write_playbook(workdir, plays, name)
    results_file = os.path.join(workdir, '%s.results.jsonl' % name)
    if os.path.exists(results_file):
        os.unlink(results_file)
    command = [ANSIBLE_PLAYBOOK, '-i', inventory, path]
    if verbosity:
        command.append('-' + 'v' * verbosity)
    if check:
        command.append('--check')
    if extra_vars:
        vars_file = os.path.join(workdir, '%s.vars.json' % name)
        with open(vars_file, 'w') as handle:
            json.dump(extra_vars, handle)
        command += ['-e', '@' + vars_file]
    run_env = playbook_env(results_file, env)
    started = time.monotonic()
    proc = subprocess.Popen(command, cwd=workdir, env=run_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            universal_newlines=True)
    return RunningPlaybook(proc, results_file, started, command, timeout)


def run_playbook(workdir, plays, **kwargs):
    return start_playbook(workdir, plays, **kwargs).wait()
