# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The fixed cases of tests/model/cases.py, in-process against the simulator, judged by the oracle.

Each case runs ``cases.RUNS`` times (its faults race with transitions under way) and passes when every run
does. A case with ``known`` set is a failure of today's engine: ``xfail(strict=True)``, so it passes only while
it fails, and says so the day it is fixed.
"""

import time

import pytest

import oracle
import runner
from cases import CASES, RUNS
from conftest import TIME_SCALE


def params():
    return list(_params())


def _params():
    for case in CASES:
        marks = [pytest.mark.xfail(strict=True, reason=case.known)] if case.known else []
        yield pytest.param(case, id=case.name, marks=marks)


@pytest.mark.parametrize('case', params())
def test_fixed_case(model_sim, figures, case):
    for number in range(1, RUNS + 1):
        began = time.monotonic()
        run = runner.run_scenario(model_sim.ctl, model_sim.url, case.scenario, TIME_SCALE)
        violations = oracle.check(run)
        figures.record(run, 'in-process', time.monotonic() - began, violations, 'known' if case.known else 'fixed')
        assert not violations, '%s\n\nRun %d of %d:\n%s' % (case.why, number, RUNS, runner.explain(run, violations))
