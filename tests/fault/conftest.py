# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fixtures of the fault-injection suite.

Every scenario runs the real modules (``ansible-playbook`` in a subprocess, the collection from
the build copy) against a simulator *process* started on port 0, and judges the outcome from the
simulator's own state (``/_sim/jobs``) and logs (``/_sim/actions``, ``/_sim/transitions``,
``/_sim/counters``), never from what the module says about itself alone.

With ``KYLIN_FAULT_REPORT=path`` set (``make fault FAULT_REPORT=docs/reliability.md``), the
session writes a Markdown report of every scenario: what was injected, what was checked, the
figures observed in this run, and the outcome.
"""

import collections
import datetime
import os
import platform
import re

import pytest

from kylin_sim.testing import ADMIN, FAST, play

POLL = 0.2
PROJECT = 'p1'
# What the simulator's fast timing (kylin_sim.testing.FAST) costs the server, as the job module's server_timing:
# kills of 0.01 s, no START or STOP work, one node. Scenarios of a slower server give their own.
SIM_TIMING = {'kill_seconds': 0.01, 'start_seconds': 0, 'stop_seconds': 0, 'read_lag_seconds': 0}
STATUS_PUT = 'PUT /kylin/api/streaming_jobs/status'
PARAMS_PUT = 'PUT /kylin/api/streaming_jobs/params'

REPORT = collections.OrderedDict()


# ---------------------------------------------------------------------------------------- fixtures

def collections_path():
    """The build copy's collections root, from ``ANSIBLE_COLLECTIONS_PATH`` (set by the Makefile)."""
    for root in (os.environ.get('ANSIBLE_COLLECTIONS_PATH') or '').split(os.pathsep):
        if root and os.path.isdir(os.path.join(root, 'ansible_collections', 'kylin', 'streaming', 'plugins')):
            return root
    raise RuntimeError('ANSIBLE_COLLECTIONS_PATH does not hold kylin.streaming; run this through '
                       '`make BUILD=/tmp/some-build fault` (or bench), which syncs the build copy first')


@pytest.fixture(scope='session')
def kylin_sim_session_options():
    """The session's simulator (the plugin's ``kylin_sim_session``) is a process: empty seed, fast timing."""
    collections_path()  # fail early, with the reason, outside make
    return {'process': True}


@pytest.fixture(name='sim', scope='session')
def sim_fixture(kylin_sim_session):
    """One simulator process for the scenarios that need no restart, TLS or state file."""
    return kylin_sim_session


@pytest.fixture(name='ctl')
def ctl_fixture(sim):
    """The control client, after a reset: empty seed, start-up config, no faults, no counters, no logs."""
    return sim.reset('empty')


@pytest.fixture(name='conn')
def conn_fixture(sim):
    return dict(url=sim.url, **ADMIN)


@pytest.fixture(name='run')
def run_fixture(kylin_playbook, conn):
    """``run(tasks, connection=conn, **kylin_playbook.run options)`` -> ``PlaybookResult`` (one play on localhost)."""

    def runner(tasks, connection=None, **kwargs):
        return kylin_playbook.run([play(tasks, connection or conn)], **kwargs)

    return runner


@pytest.fixture(name='facts')
def facts_fixture(request):
    """``facts.add(text)``: a figure observed in this scenario, for docs/reliability.md."""
    entry = REPORT.setdefault(request.node.nodeid, dict(doc='', facts=[], outcome=None, seconds=0.0))
    return Facts(entry['facts'])


class Facts(object):
    def __init__(self, sink):
        self.sink = sink

    def add(self, text, *args):
        self.sink.append(text % args if args else text)


# ---------------------------------------------------------------------------------------- helpers

def make_models(ctl, count, status='STOPPED', project=PROJECT, prefix='m', merge_status=None):
    """``count`` models with both jobs in ``status``; returns ``(aliases, {alias: (build id, merge id)})``."""
    aliases, ids = [], {}
    for number in range(count):
        alias = '%s%02d' % (prefix, number)
        made = ctl.add_model(project, alias, build={'status': status}, merge={'status': merge_status or status})
        aliases.append(alias)
        ids[alias] = tuple(made['job_ids'])
    return aliases, ids


def all_ids(ids):
    return [job_id for pair in ids.values() for job_id in pair]


def statuses(ctl, project=PROJECT):
    """Job id -> internal status, as the server holds it."""
    return dict((job['id'], job['status']) for job in ctl.jobs(project=project))


def ok_actions(ctl, action=None):
    """Counter of (job id, action) for every action the server applied (ok: true)."""
    return collections.Counter((a['job_id'], a['action']) for a in ctl.actions()
                               if a['ok'] and (action is None or a['action'] == action))


def put_count(ctl):
    requests = ctl.counters()['requests']
    return requests.get(STATUS_PUT, 0) + requests.get(PARAMS_PUT, 0)


def job_task(name='converge', **args):
    """A ``kylin.streaming.job`` task with the suite's fast polling."""
    args.setdefault('project', PROJECT)
    args.setdefault('poll_interval', POLL)
    args.setdefault('wait_timeout', 60)
    args.setdefault('server_timing', SIM_TIMING)
    return {'name': name, 'kylin.streaming.job': args}


# ---------------------------------------------------------------------------------------- report

def _doc_of(item):
    doc = getattr(getattr(item, 'function', None), '__doc__', None) or ''
    return doc


# The order of the brief (issue #6), for the report.
FILE_ORDER = ('transient', 'lost_answers', 'server_restart', 'concurrent', 'refused', 'tls', 'bad_inputs')


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    entry = REPORT.setdefault(item.nodeid, dict(doc=_doc_of(item), facts=[], outcome=None, seconds=0.0))
    entry['doc'] = _doc_of(item)
    entry['seconds'] += rep.duration
    if rep.when == 'call' or rep.failed:
        if rep.failed:
            entry['outcome'] = 'FAILED'
        elif rep.skipped:
            entry['outcome'] = entry['outcome'] or 'skipped'
        elif entry['outcome'] is None:
            entry['outcome'] = 'passed'


def pytest_sessionfinish(session, exitstatus):  # pylint: disable=unused-argument
    path = os.environ.get('KYLIN_FAULT_REPORT')
    if not path or not REPORT:
        return
    text = render_report() + kept_sections(path)
    with open(path, 'w') as handle:
        handle.write(text)


# A section another suite generates into the same file (the model-based suite's), kept as it is.
KEPT_SECTION = re.compile(r'\n*(<!-- model suite: begin .*?<!-- model suite: end -->\n?)', re.S)


def kept_sections(path):
    try:
        with open(path) as handle:
            found = KEPT_SECTION.search(handle.read())
    except OSError:
        return ''
    return '\n\n' + found.group(1) if found else ''


def cell(text):
    return re.sub(r'\s+', ' ', text).replace('|', '\\|')


def groups():
    """Scenarios (test functions) in the brief's order, each with its cases (parameters)."""
    found = collections.OrderedDict()
    for nodeid, entry in REPORT.items():
        path, name = nodeid.split('::', 1)
        module = os.path.basename(path)[len('test_'):-len('.py')]
        function, dummy, param = name.partition('[')
        found.setdefault((module, function), []).append((param.rstrip(']'), entry))
    rank = dict((name, i) for i, name in enumerate(FILE_ORDER))
    return sorted(found.items(), key=lambda kv: rank.get(kv[0][0], len(rank)))


def render_report():
    import ansible.release  # pylint: disable=import-outside-toplevel
    total = sum(e['seconds'] for e in REPORT.values())
    passed = sum(1 for e in REPORT.values() if e['outcome'] == 'passed')
    scenarios = groups()
    lines = [
        '# Reliability: the fault-injection suite',
        '',
        '<!-- Generated by `make BUILD=/tmp/some-build fault FAULT_REPORT=docs/reliability.md` '
        '(tests/fault/conftest.py); do not edit by hand. -->',
        '',
        'Each scenario runs the real modules (`ansible-playbook` in a subprocess, the collection from the build copy) '
        'against the simulator (`kylin-sim`) in its own process, with faults injected through its control API, '
        'and judges the outcome from the **server\'s** state and logs (`/_sim/jobs`, `/_sim/actions`, '
        '`/_sim/transitions`, `/_sim/counters`), not from what the module reports about itself. '
        'The figures below were observed in the run that generated this page. The rules being checked are those of '
        '`docs/design.md` §4 (reliability) and §2.2 (the job module); the code is in `tests/fault/`, run it with '
        '`make BUILD=/tmp/some-build fault` (part of `make test`).',
        '',
        '- Run: %s: %d of %d cases passed, %.0f s in all (pytest time, set-up included).' % (
            datetime.datetime.now().strftime('%Y-%m-%d %H:%M'), passed, len(REPORT), total),
        '- Machine: %s, %d cores; Python %s; ansible-core %s.' % (
            cpu_model(), os.cpu_count() or 0, platform.python_version(), ansible.release.__version__),
        '- Simulator timing unless a scenario says otherwise: START takes %g s (YARN accepts after %g s), STOP %g s; '
        'the modules poll every %.1f s (backing off x1.5 while nothing moves).' % (
            FAST['start_delay'], FAST['yarn_accept_delay'], FAST['stop_delay'], POLL),
        '',
        '| # | scenario | cases | result | time |',
        '|---|---|---:|---|---:|',
    ]
    for number, ((module, function), cases) in enumerate(scenarios, 1):
        title = cases[0][1]['doc'].strip().split('\n')[0]
        bad = [param or function for param, entry in cases if entry['outcome'] != 'passed']
        lines.append('| %d | %s | %d | %s | %.1f s |' % (
            number, cell(title), len(cases), 'passed' if not bad else 'FAILED: %s' % cell(', '.join(bad)),
            sum(entry['seconds'] for dummy, entry in cases)))
    lines.append('')
    for number, ((module, function), cases) in enumerate(scenarios, 1):
        paragraphs = [re.sub(r'\s+', ' ', p).strip() for p in cases[0][1]['doc'].strip().split('\n\n')]
        lines += ['## %d. %s' % (number, paragraphs[0]), '', '`tests/fault/test_%s.py::%s`' % (module, function), '']
        for paragraph in paragraphs[1:]:
            lines += [paragraph, '']
        if len(cases) == 1 and not cases[0][0]:
            entry = cases[0][1]
            lines.append('Result: **%s** (%.1f s).' % (entry['outcome'] or 'not run', entry['seconds']))
            if entry['facts']:
                lines += ['', 'Observed:', ''] + ['- %s' % fact for fact in entry['facts']]
            lines.append('')
            continue
        lines += ['| case | result | time | observed |', '|---|---|---:|---|']
        for param, entry in cases:
            observed = '<br>'.join(cell(fact) for fact in entry['facts'])
            lines.append('| `%s` | %s | %.1f s | %s |' % (param, entry['outcome'] or 'not run', entry['seconds'], observed))
        lines.append('')
    # Kylin's messages use typographic apostrophes (Can\u2019t); the docs sanity test wants ASCII quotes.
    return ascii_quotes('\n'.join(lines))


def ascii_quotes(text):
    for fancy, plain in (('\u2018', "'"), ('\u2019', "'"), ('\u201c', '"'), ('\u201d', '"')):
        text = text.replace(fancy, plain)
    return text


def cpu_model():
    try:
        with open('/proc/cpuinfo') as handle:
            for line in handle:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()
