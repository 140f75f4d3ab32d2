# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The model-based randomized suite: generated scenarios against the simulator, judged by the oracle.

``MODEL_EXAMPLES`` scenarios are split into ``MODEL_SHARDS`` tests (``test_generated_00`` ...), each with a
seed of its own derived from ``MODEL_SEED``, so that pytest-xdist can run them side by side (each worker has
its own simulator). A failure is shrunk by Hypothesis to a minimal scenario, printed readably, as JSON for
tests/model/cases.py, and as a ``@reproduce_failure`` blob that ``MODEL_REPLAY`` takes back.
"""

import hashlib
import math
import os
import re
import time

import hypothesis
from hypothesis import HealthCheck, given, settings
from hypothesis import seed as hypothesis_seed

import oracle
import runner
from conftest import DB_DIR, EXAMPLES, FAILURES_DIR, PLAYBOOK_EXAMPLES, SEED, SHARDS, SHRINK_SECONDS, TIME_SCALE, WITHOUT
from scenario import JobSpec, Scenario, Timing, scenarios

SUPPRESSED = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture]


def database():
    if not DB_DIR:
        return None
    from hypothesis.database import DirectoryBasedExampleDatabase  # pylint: disable=import-outside-toplevel
    return DirectoryBasedExampleDatabase(DB_DIR)


class ShrinkBudget:
    """Bounds the time Hypothesis spends shrinking a failure (each try runs a scenario of a second or more).

    A scenario seen failing fails again at once, with the story of its run, without running a second time
    (several of Hypothesis's tries can draw the same scenario). Once ``seconds`` have passed since the first
    failure, a scenario never seen failing passes without running: the shrinker stops improving, and the
    smallest failing scenario so far is the one reported.
    """

    def __init__(self, seconds):
        self.seconds = seconds
        self.since = None
        self.failing = {}

    def known(self, scenario):
        """The story of an earlier failing run of ``scenario``, or None."""
        return self.failing.get(scenario.to_json())

    def runs(self):
        return self.since is None or time.monotonic() - self.since < self.seconds

    def failed(self, scenario, story):
        if self.since is None:
            self.since = time.monotonic()
        self.failing[scenario.to_json()] = story


def judge(run, figures, path, seconds, test, budget=None):
    """Check ``run`` with the oracle, record its figures, fail with the whole story when a promise broke."""
    violations = oracle.check(run)
    figures.record(run, path, seconds, violations, test)
    if not violations:
        return
    story = runner.explain(run, violations)
    if budget is not None:
        budget.failed(run.scenario, story)
    keep_failure(run, story)
    broken(story)


def broken(story):
    """Fail with ``story``, always from this line: Hypothesis tells failures apart by where they are raised."""
    raise AssertionError(story)


def keep_failure(run, story):
    """With MODEL_FAILURES_DIR: the story of every failing scenario in a file of its own (for triage)."""
    if not FAILURES_DIR:
        return
    os.makedirs(FAILURES_DIR, exist_ok=True)
    name = hashlib.sha1(run.scenario.to_json().encode('utf-8')).hexdigest()[:12]
    with open(os.path.join(FAILURES_DIR, '%s.txt' % name), 'w') as handle:
        handle.write(story + '\n')


def run_in_process(model_sim, figures, scenario, test, budget=None):
    if budget is not None:
        story = budget.known(scenario)
        if story:
            broken(story)
        if not budget.runs():
            return
    began = time.monotonic()
    run = runner.run_scenario(model_sim.ctl, model_sim.url, scenario, TIME_SCALE)
    judge(run, figures, 'in-process', time.monotonic() - began, test, budget)


def shard_test(number, examples):
    budget = ShrinkBudget(SHRINK_SECONDS)

    @settings(max_examples=examples, deadline=None, database=database(), print_blob=True,
              suppress_health_check=SUPPRESSED)
    @hypothesis_seed(SEED * 1000 + number)
    @given(scenario=scenarios(WITHOUT))
    def test(model_sim, figures, scenario):
        run_in_process(model_sim, figures, scenario, 'generated', budget)

    test.__name__ = 'test_generated_%02d' % number
    test.__doc__ = 'Generated scenarios, shard %d of %d (seed MODEL_SEED * 1000 + %d).' % (number, SHARDS, number)
    return test


REPLAY = (os.environ.get('MODEL_REPLAY') or '').strip()
PER_SHARD = int(math.ceil(EXAMPLES / float(SHARDS)))
for _number in range(0 if REPLAY else SHARDS):
    globals()['test_generated_%02d' % _number] = shard_test(_number, PER_SHARD)


PLAYBOOK_BUDGET = ShrinkBudget(SHRINK_SECONDS)


@settings(max_examples=max(1, PLAYBOOK_EXAMPLES), deadline=None, database=None, print_blob=True,
          suppress_health_check=SUPPRESSED)
@hypothesis_seed(SEED * 1000 + 999)
@given(scenario=scenarios())
def test_through_ansible_playbook(model_sim, figures, kylin_playbook, scenario):
    """Generated scenarios played by the real module (``ansible-playbook``), judged by the same oracle: the
    in-process path above is the module's."""
    story = PLAYBOOK_BUDGET.known(scenario)
    if story:
        broken(story)
    if not PLAYBOOK_BUDGET.runs():
        return
    began = time.monotonic()
    login = dict(username=oracle.TASK_USER, password=runner.PASSWORD[oracle.TASK_USER])
    task = runner.through_playbook(kylin_playbook, login)
    run = runner.run_scenario(model_sim.ctl, model_sim.url, scenario, TIME_SCALE, task=task)
    judge(run, figures, 'playbook', time.monotonic() - began, 'playbook', PLAYBOOK_BUDGET)


def replay_blob(text):
    """The blob of ``@reproduce_failure('6.x', b'...')``, of ``b'...'``, or the blob alone."""
    found = re.findall(r"[A-Za-z0-9+/]{8,}={0,2}", text)
    return max(found, key=len) if found else text


def replay_test():
    @settings(database=None, deadline=None, print_blob=True, suppress_health_check=SUPPRESSED)
    @hypothesis.reproduce_failure(hypothesis.__version__, replay_blob(REPLAY).encode('ascii'))
    @given(scenario=scenarios())
    def test_replay(model_sim, figures, scenario):
        """MODEL_REPLAY: the scenario of a printed ``@reproduce_failure`` blob, once."""
        run_in_process(model_sim, figures, scenario, 'replay')

    return test_replay


if REPLAY:
    test_replay = replay_test()


AGREEMENT = Scenario(
    jobs=(JobSpec('m0', 'build', 'RUNNING'), JobSpec('m0', 'merge', 'STOPPED'),
          JobSpec('m1', 'build', 'ERROR', retry=True), JobSpec('m1', 'merge', 'LAUNCHING_ERROR')),
    models=('m0', 'm1'), state='restarted', batch_size=2, timing=Timing(start_delay=10.0, stop_delay=10.0, kill=21.0))


def test_the_module_and_the_in_process_path_agree(model_sim, figures, kylin_playbook):
    """One fault-free scenario both ways: the same actions applied to the same jobs, the same result per job."""
    login = dict(username=oracle.TASK_USER, password=runner.PASSWORD[oracle.TASK_USER])
    runs = {}
    for path, task in (('in-process', runner.in_process), ('playbook', runner.through_playbook(kylin_playbook, login))):
        began = time.monotonic()
        run = runner.run_scenario(model_sim.ctl, model_sim.url, AGREEMENT, TIME_SCALE, task=task)
        judge(run, figures, path, time.monotonic() - began, 'agreement')
        runs[path] = run
    seen = {}
    for path, run in runs.items():
        jobs = {run.key_of(r['id']): (r['action'], r['changed'], r['status'], r['error']) for r in run.result['jobs']}
        applied = {key: run.ours(key) for key in AGREEMENT.selected}
        seen[path] = (jobs, applied, run.result['changed'], bool(run.result.get('failed')))
    assert seen['in-process'] == seen['playbook']
