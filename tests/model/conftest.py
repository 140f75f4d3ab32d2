# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fixtures and figures of the model-based suite (tests/model).

Settings come from the environment (the Makefile's ``model-test`` and ``soak`` set them):

- ``MODEL_EXAMPLES``: generated scenarios in all (200); ``MODEL_SHARDS``: tests they are split into (8),
  which pytest-xdist spreads over its workers.
- ``MODEL_SEED``: the seed of the run; fixed by default, so that a CI run draws the same scenarios every
  time; ``random`` draws a new one (``make soak``). It is printed at the start and in the summary.
- ``MODEL_DB``: a Hypothesis example database (a directory); none by default. With one, the failures a run
  found are tried first by the next run.
- ``MODEL_TIME_SCALE``: the simulator's ``time_scale`` (0.02: a 21 s kill takes 0.42 s).
- ``MODEL_PLAYBOOK_EXAMPLES``: generated scenarios also played through ``ansible-playbook`` (4).
- ``MODEL_SHRINK_SECONDS``: how long Hypothesis may shrink a failure (30; ``make soak``: 300); ``MODEL_FAILURES_DIR``: a directory
  that gets the story of every failing scenario, one file each (for triage).
- ``MODEL_WITHOUT``: fault kinds never drawn (comma-separated names of ``scenario.FAULT_KINDS``), to explore the
  others while a failure one of them causes is being fixed (``make soak`` only; the run says so).
- ``MODEL_REPORT``: a Markdown file (docs/reliability.md) whose model-suite section is written from this run; with
  ``MODEL_SOAK`` (``make soak`` sets it) its soak section instead: the figures of the last soak.

Each worker process has one in-process simulator, reset before each scenario. The collection is imported
from the build copy (``ANSIBLE_COLLECTIONS_PATH``, set by the Makefile), as ``ansible-playbook`` imports it.
"""

import collections
import datetime
import json
import os
import platform
import random
import re
import time

import pytest

from kylin_sim.playbook import install_collection_loader

from generated_docs import cpu_model, mark

DEFAULT_SEED = 20261201

EXAMPLES = int(os.environ.get('MODEL_EXAMPLES') or 200)
SHARDS = max(1, int(os.environ.get('MODEL_SHARDS') or 8))
PLAYBOOK_EXAMPLES = int(os.environ.get('MODEL_PLAYBOOK_EXAMPLES') or 4)
TIME_SCALE = float(os.environ.get('MODEL_TIME_SCALE') or 0.02)
DB_DIR = os.environ.get('MODEL_DB') or None
SHRINK_SECONDS = float(os.environ.get('MODEL_SHRINK_SECONDS') or 30)
FAILURES_DIR = os.environ.get('MODEL_FAILURES_DIR') or None
WITHOUT = tuple(k.strip() for k in (os.environ.get('MODEL_WITHOUT') or '').split(',') if k.strip())


def _seed():
    """The run's seed: MODEL_SEED, a new one for ``random`` (kept for the workers in MODEL_SEED_DRAWN)."""
    value = (os.environ.get('MODEL_SEED') or '').strip()
    if value.lower() == 'random':
        drawn = os.environ.get('MODEL_SEED_DRAWN')
        if not drawn:
            drawn = str(random.SystemRandom().randrange(1, 10 ** 9))
            os.environ['MODEL_SEED_DRAWN'] = drawn  # xdist workers inherit the controller's environment
        return int(drawn)
    return int(value) if value else DEFAULT_SEED


SEED = _seed()


HINT = 'run this through `make model-test` (or `make soak`), which syncs the build copy first'
COLLECTIONS_ROOT = install_collection_loader(hint=HINT)


# ---------------------------------------------------------------------------------------- fixtures

@pytest.fixture(scope='session')
def kylin_sim_session_options():
    """This worker's simulator (the plugin's ``kylin_sim_session``), in this process, with the real timings (each
    scenario resets it and sets its own time scale)."""
    return {'fast': False}


@pytest.fixture(name='model_sim', scope='session')
def model_sim_fixture(kylin_sim_session):
    return kylin_sim_session


@pytest.fixture(name='figures', scope='session')
def figures_fixture():
    return FIGURES


# ---------------------------------------------------------------------------------------- figures

class Figures:
    """One row per scenario run in this process; the controller gathers the workers' rows."""

    def __init__(self):
        self.rows = []

    def record(self, run, path, seconds, violations, test):
        self.rows.append(dict(
            test=test, path=path, seconds=round(seconds, 3), kinds=run.scenario.kinds(), state=run.scenario.state,
            worker=os.environ.get('PYTEST_XDIST_WORKER') or 'main', scenario=run.scenario.to_json(),
            method=run.scenario.restart_method if run.scenario.state == 'restarted' else None,
            selected=len(run.scenario.selected), verdicts=verdicts_of(run), failed=bool(run.result.get('failed')),
            violations=[list(v) for v in violations],
            applied=sum(1 for a in run.actions if a['user'] == 'ADMIN' and a['ok'])))


def verdicts_of(run):
    from oracle import verdicts  # pylint: disable=import-outside-toplevel
    return verdicts(run)


FIGURES = Figures()
OUTCOMES = {}   # nodeid -> outcome (passed, failed, xfailed...) on the controller
STARTED = time.time()


def pytest_report_header(config):  # pylint: disable=unused-argument
    return ['model suite: MODEL_SEED=%d, %d generated scenarios in %d shards, %d through ansible-playbook, '
            'time_scale %g%s%s (replay this run with MODEL_SEED=%d)' % (
                SEED, EXAMPLES, SHARDS, PLAYBOOK_EXAMPLES, TIME_SCALE, ', database %s' % DB_DIR if DB_DIR else '',
                ', WITHOUT %s' % ','.join(WITHOUT) if WITHOUT else '', SEED)]


def pytest_runtest_logreport(report):
    if report.when == 'call' or (report.when == 'setup' and report.outcome != 'passed'):
        outcome = report.outcome
        if hasattr(report, 'wasxfail'):
            outcome = 'xfailed' if report.skipped else 'xpassed'
        OUTCOMES[report.nodeid] = outcome


def pytest_sessionfinish(session, exitstatus):  # pylint: disable=unused-argument
    config = session.config
    if hasattr(config, 'workeroutput'):  # an xdist worker: hand the rows to the controller
        config.workeroutput['model_figures'] = json.dumps(FIGURES.rows)
        return
    path = os.environ.get('MODEL_REPORT')
    if path and FIGURES.rows:
        if SOAK:
            write_section(path, render_soak(FIGURES.rows, OUTCOMES, time.time() - STARTED), SOAK_BEGIN, SOAK_END, after=END)
        else:
            write_section(path, render(FIGURES.rows, OUTCOMES, time.time() - STARTED))


def pytest_testnodedown(node, error):  # pylint: disable=unused-argument
    """(pytest-xdist) A worker finished: take its rows."""
    rows = getattr(node, 'workeroutput', {}).get('model_figures')
    if rows:
        FIGURES.rows.extend(json.loads(rows))


def pytest_terminal_summary(terminalreporter, exitstatus, config):  # pylint: disable=unused-argument
    if hasattr(config, 'workeroutput') or not FIGURES.rows:
        return
    figures = summarize(FIGURES.rows, OUTCOMES, time.time() - STARTED)
    write = terminalreporter.write_line
    terminalreporter.section('model suite figures')
    write('seed %d%s: %d scenarios (%d in-process, %d through ansible-playbook) in %.0f s; %d verdicts checked; '
          '%d scenario(s) with a violation%s' % (
              SEED, ' without %s' % ','.join(WITHOUT) if WITHOUT else '', figures['scenarios'],
              figures['paths'].get('in-process', 0), figures['paths'].get('playbook', 0), figures['seconds'],
              figures['verdicts'], figures['violating'],
              ' (and the known cases, strict xfail: %d)' % figures['known'] if figures['known'] else ''))
    write('fault kinds drawn: %s' % ', '.join('%s %d' % kv for kv in figures['kinds'].most_common()))
    for row in figures['slowest']:
        write('slow: %.1f s, %s, %d job(s), %s' % (row['seconds'], row['state'], row['selected'], ', '.join(row['kinds'])))
    if figures['violating']:
        write('violations by promise: %s' % ', '.join('%s %d' % kv for kv in figures['promises'].most_common()))
        write('replay: make model-test MODEL_SEED=%d (the failing test prints its shrunk scenario and '
              '@reproduce_failure blob: MODEL_REPLAY=<blob>)' % SEED)


def summarize(rows, outcomes, seconds):
    kinds = collections.Counter(k for row in rows for k in row['kinds'])
    # The known cases (strict xfail) break their promises on purpose: counted apart.
    known = sum(1 for row in rows if row['test'] == 'known' and row['violations'])
    rows_judged = [row for row in rows if row['test'] != 'known']
    promises = collections.Counter(v[0] for row in rows_judged for v in row['violations'])
    states = collections.Counter(row['state'] + ('/' + row['method'] if row['method'] else '') for row in rows)
    return dict(scenarios=len(rows), paths=collections.Counter(row['path'] for row in rows), seconds=seconds,
                verdicts=sum(row['verdicts'] for row in rows), violating=sum(1 for row in rows_judged if row['violations']),
                known=known,
                kinds=kinds, promises=promises, states=states,
                excused=sum(1 for row in rows if row['failed'] and not row['violations']),
                applied=sum(row['applied'] for row in rows),
                outcomes=collections.Counter(outcomes.values()), scenario_seconds=sum(row['seconds'] for row in rows),
                workers=len(set(row['worker'] for row in rows)),
                slowest=sorted(rows, key=lambda row: -row['seconds'])[:3])


# ---------------------------------------------------------------------------------------- docs/reliability.md

BEGIN = '<!-- model suite: begin (generated by `make model-test MODEL_REPORT=docs/reliability.md`, tests/model/conftest.py; do not edit by hand) -->'
END = '<!-- model suite: end -->'
SOAK_BEGIN = '<!-- model soak: begin (generated by `make soak MODEL_REPORT=docs/reliability.md`, tests/model/conftest.py; do not edit by hand) -->'
SOAK_END = '<!-- model soak: end -->'
SOAK = bool(os.environ.get('MODEL_SOAK'))


def write_section(path, text, begin=BEGIN, end=END, after=None):
    """Put ``text`` between the markers ``begin`` and ``end`` in ``path`` (when they are missing: after the marker
    ``after`` if there is one, else at the end), the rest left as it is."""
    try:
        with open(path) as handle:
            current = handle.read()
    except OSError:
        current = '# Reliability\n\n%s\n' % mark('docs/reliability.md')
    block = '%s\n%s\n%s\n' % (begin, text.strip('\n'), end)
    pattern = re.compile(re.escape(begin.split(' (', maxsplit=1)[0]) + r'.*?' + re.escape(end) + r'\n?', re.S)
    if pattern.search(current):
        updated = pattern.sub(lambda m: block, current, count=1)
    elif after and after in current:
        head, tail = current.split(after, 1)
        updated = head + after + '\n\n' + block + tail.lstrip('\n')
    else:
        updated = current.rstrip('\n') + ('\n\n' if current.strip() else '') + block
    with open(path, 'w') as handle:
        handle.write(updated)


def render_soak(rows, outcomes, seconds):
    """The soak's figures: a new seed each run, thousands of scenarios, every fault kind unless MODEL_WITHOUT."""
    import subprocess  # pylint: disable=import-outside-toplevel
    figures = summarize(rows, outcomes, seconds)
    try:
        commit = subprocess.run(['git', 'rev-parse', '--short', 'HEAD'], capture_output=True, text=True,
                                check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = 'unknown'
    generated = collections.Counter(o for k, o in outcomes.items() if '::test_generated_' in k)
    lines = [
        '### The last soak',
        '',
        '`make soak` explores: a new seed each run, thousands of generated scenarios (`MODEL_EXAMPLES`, 3000 by '
        'default) on %d workers, every fault kind unless `MODEL_WITHOUT` leaves some out, failures shrunk for up to '
        '%.0f s and kept in a Hypothesis database for the next run. Its last run:' % (
            figures['workers'], SHRINK_SECONDS),
        '',
        '- %s, commit %s, seed %d (`make soak MODEL_SEED=%d MODEL_EXAMPLES=%d` draws the same scenarios): '
        '%d scenarios (%d in-process, %d through `ansible-playbook`) in %.0f s (%.1f s of scenario time each on '
        'average).' % (
            datetime.datetime.now().strftime('%Y-%m-%d %H:%M'), commit, SEED, SEED, EXAMPLES, figures['scenarios'],
            figures['paths'].get('in-process', 0), figures['paths'].get('playbook', 0), seconds,
            figures['scenario_seconds'] / max(1, figures['scenarios'])),
        '- Verdicts checked: %d; actions the server applied for the tasks: %d; tasks that failed with a cause the '
        'scenario allows: %d.' % (figures['verdicts'], figures['applied'], figures['excused']),
        '- Scenarios that broke a promise: %d%s; shards passed: %d of %d.' % (
            figures['violating'], ' (%s)' % ', '.join('%s: %d' % kv for kv in figures['promises'].most_common())
            if figures['violating'] else '', generated.get('passed', 0), sum(generated.values())),
        '- Fault kinds left out (MODEL_WITHOUT): %s. Drawn: %s.' % (
            ', '.join(WITHOUT) or 'none', ', '.join('%s %d' % kv for kv in sorted(figures['kinds'].items()))),
        '- Machine: %s, %d cores (shared); simulator `time_scale` %g.' % (cpu_model(), os.cpu_count() or 0, TIME_SCALE),
    ]
    return '\n'.join(lines)


def render(rows, outcomes, seconds):
    import hypothesis  # pylint: disable=import-outside-toplevel
    from scenario import FAULT_KINDS  # pylint: disable=import-outside-toplevel
    from oracle import PROMISES  # pylint: disable=import-outside-toplevel
    from cases import CASES, RUNS  # pylint: disable=import-outside-toplevel
    figures = summarize(rows, outcomes, seconds)
    fixed = {k: v for k, v in outcomes.items() if '/test_cases.py' in k}
    fixed_counts = collections.Counter(fixed.values())
    lines = [
        '## The model-based suite',
        '',
        'Generated scenarios (Hypothesis) run against the simulator at a time scale and are judged by an oracle '
        'that reads only the simulator\'s journal (`/_sim/actions`, `/_sim/transitions`) and the task\'s result: '
        'the method of Jepsen and of property-based testing. Each scenario is a project of one to four models '
        '(both job types) in initial statuses that include the transitional ones (STARTING from a START sent just '
        'before, STOPPING from a STOP sent just before, ERROR with and without `launching_error` and '
        '`job-retry-enabled`), a selection that leaves some jobs out, a desired state, `force`, `force_after`, '
        '`batch_size`, `restart_method`, `retries`, and a mix of faults. The engine runs in-process '
        '(`JobReconciler` with the real `KylinClient` over HTTP, what the module runs), and a few generated '
        'scenarios go through `ansible-playbook` as well, judged by the same oracle. The promises are those of '
        '`docs/design.md` §4 ("How the rules are checked"); the oracle is `tests/model/oracle.py`.',
        '',
        '- Run: %s, seed %d, %d scenarios (%d in-process on %d worker(s), %d through `ansible-playbook`), %.0f s '
        'in all (%.1f s per scenario on average, %.0f s of scenario time).' % (
            datetime.datetime.now().strftime('%Y-%m-%d %H:%M'), SEED, figures['scenarios'],
            figures['paths'].get('in-process', 0), figures['workers'],
            figures['paths'].get('playbook', 0), seconds,
            figures['scenario_seconds'] / max(1, figures['scenarios']), figures['scenario_seconds']),
        '- Machine: %s, %d cores; Python %s; Hypothesis %s; simulator `time_scale` %g (a 21 s kill takes %.2f s).' % (
            cpu_model(), os.cpu_count() or 0, platform.python_version(), hypothesis.__version__, TIME_SCALE,
            21 * TIME_SCALE),
        '- Verdicts checked: %d (%d promises x selected jobs, per scenario); actions the server applied for the '
        'tasks: %d; tasks that failed with a cause the scenario allows: %d.' % (
            figures['verdicts'], len(PROMISES), figures['applied'], figures['excused']),
        '- Failures found: %d scenario(s) broke a promise%s%s.' % (
            figures['violating'], ' (%s)' % ', '.join('%s: %d' % kv for kv in figures['promises'].most_common())
            if figures['violating'] else '', '; the known cases (strict xfail) broke theirs, as expected'
            if figures['known'] else ''),
        '- Fault kinds left out (MODEL_WITHOUT): %s.' % (', '.join(WITHOUT) or 'none'),
        '- Fixed cases (`tests/model/cases.py`, each run %d times): %s.' % (
            RUNS, ', '.join('%d %s' % (n, o) for o, n in sorted(fixed_counts.items())) or 'not run'),
        '',
        '| desired state | scenarios |',
        '|---|---:|',
    ]
    for state, count in sorted(figures['states'].items()):
        lines.append('| `%s` | %d |' % (state, count))
    lines += ['', '| fault kind or server behaviour | scenarios that drew it |', '|---|---:|']
    for kind in FAULT_KINDS:
        lines.append('| %s | %d |' % (kind, figures['kinds'].get(kind, 0)))
    lines += ['', '### What it found', '',
              'The fixed cases are the failures the suite found (and issue 16\'s evidence), kept as regression tests; '
              'each says what the engine did before it was fixed.', '',
              '| case | found | the engine before | this run |', '|---|---|---|---|']
    for case in CASES:
        outcome = next((o for k, o in fixed.items() if '[%s]' % case.name in k), 'not run')
        before = (case.known or case.before or '').replace('|', '/')
        mark = ' (known, strict xfail)' if case.known else ''
        lines.append('| `%s` | %s | %s | %s%s |' % (case.name, case.found, before, outcome, mark))
    lines += [
        '',
        '### Reproducing a failure',
        '',
        'A failing scenario is shrunk by Hypothesis to a minimal one, printed three ways: readably (the project, '
        'the task, the server\'s timing, the faults), as JSON, and as a `@reproduce_failure(...)` blob. To replay '
        'it:',
        '',
        '- the whole run: `make model-test MODEL_SEED=<seed>` (the seed is printed at the start and in the '
        'summary; `make soak` draws a new one each run);',
        '- the shrunk example: `make model-test MODEL_REPLAY=\'<blob>\'` (the blob printed with '
        '`@reproduce_failure`, same Hypothesis version);',
        '- for good: add its JSON to `tests/model/cases.py` (with the reason, and `xfail` while the engine is '
        'being fixed); `tests/model/test_cases.py` runs every case there in each `make test`.',
    ]
    return '\n'.join(lines)
