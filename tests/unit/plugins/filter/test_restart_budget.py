# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""restart_errored's budget: what counts as a failure, the window, the budget, broken models, the lines."""

import pytest

from ansible.errors import AnsibleFilterError
from ansible.plugins.loader import filter_loader

from ansible_collections.kylin.streaming.plugins.filter.restart_budget import restart_budget

NOW = 1700000000000
MIN = 60000


def job(model, reason='error', records=(), kind='build', **extra):
    row = {'uuid': '%s-uuid_%s' % (model, kind), 'project': 'sales', 'model_alias': model, 'type': kind,
           'reason': reason, 'records': [{'action': action, 'create_time': NOW - ago * MIN} for action, ago in records]}
    row.update(extra)
    return row


def test_the_filter_resolves_by_its_collection_name():
    assert filter_loader.get('kylin.streaming.restart_budget') is not None


def test_within_the_budget_restart_over_it_report():
    decided = restart_budget([
        job('a', records=[('ERROR', 5), ('START', 6)]),
        job('b', records=[('ERROR', 5), ('ERROR', 20), ('ERROR', 59)]),
        job('c', records=[('ERROR', 5), ('ERROR', 20), ('ERROR', 61), ('ERROR', 120)]),  # two are older than the window
    ], NOW, window=3600, max_failures=3)
    assert [j['model'] for j in decided['restart']] == ['a', 'c']
    assert [j['failures'] for j in decided['restart']] == [1, 2]
    assert decided['over_budget'] == [{'id': 'b-uuid_build', 'project': 'sales', 'model': 'b', 'type': 'build', 'reason': 'error',
                                       'failures': 3, 'label': 'sales/b build (3 failures in the last 3600s)'}]
    assert decided['broken'] == []
    assert decided['lines'] == [
        'restart: sales/a build: ERROR, 1 failure in the last 3600s',
        'OVER BUDGET, not restarted: sales/b build: ERROR, 3 failures in the last 3600s (budget 3)',
        'restart: sales/c build: ERROR, 2 failures in the last 3600s',
    ]


def test_the_window_edge_counts():
    assert restart_budget([job('a', records=[('ERROR', 60)])], NOW, window=3600, max_failures=1)['over_budget']
    assert restart_budget([job('a', records=[('ERROR', 60.001)])], NOW, window=3600, max_failures=1)['restart']


def stats(*rows):
    """A job's GET /stats over the window: ``(minutes ago, latency ms)`` rows."""
    return {'create_time': [NOW - ago * MIN for ago, dummy in rows], 'data_latency_hist': [lat for dummy, lat in rows]}


def test_with_a_gate_a_restart_that_did_not_become_healthy_is_a_failure():
    """Healed at 40 and 20 minutes ago: the first run lagged for 15 minutes (over the gate's 10), the second caught
    up at its 2nd and 3rd micro-batches; then the job fell into ERROR again. Two ERROR records plus one failed heal:
    over a budget of 3, which the records alone (2) would not reach."""
    gate = {'max_latency': 60, 'samples': 2, 'timeout': 600}
    history = [('ERROR', 1), ('START', 20), ('STOP', 21), ('START', 40), ('ERROR', 45)]
    lagging = [(40 - k, 90000 + 30000 * k) for k in range(1, 16)]
    caught_up = [(19, 120000), (18, 30000), (17, 20000)]
    candidate = job('a', records=history, stats=stats(*(lagging + caught_up)))
    decided = restart_budget([candidate], NOW, window=3600, max_failures=3, health=gate)
    assert decided['lines'] == ['OVER BUDGET, not restarted: sales/a build: ERROR, 3 failures in the last 3600s '
                                '(1 of them a restart that did not become healthy) (budget 3)']
    assert restart_budget([candidate], NOW, window=3600, max_failures=3)['restart']  # no gate: 2 failures
    # A looser gate: the lagging run was healthy in its first 10 minutes.
    loose = dict(gate, max_latency=200)
    assert restart_budget([candidate], NOW, window=3600, max_failures=3, health=loose)['restart']
    with pytest.raises(AnsibleFilterError, match='health must be a dict with max_latency'):
        restart_budget([candidate], NOW, health={'samples': 2})


def test_a_launch_failure_counts_its_stop_records():
    """Kylin writes no record when a launch fails; each RESTART writes a STOP before the launch."""
    decided = restart_budget([job('a', records=[('STOP', 1), ('STOP', 2), ('ERROR', 3)], launching_error=True)],
                             NOW, max_failures=2)
    assert decided['lines'] == ['OVER BUDGET, not restarted: sales/a build: ERROR (failed to launch), 2 failures in the last '
                                '3600s (budget 2)']


def test_a_slow_job_counts_its_restarts():
    decided = restart_budget([job('a', 'latency', [('START', 1), ('ERROR', 2), ('STOP', 3)], data_latency=301400)],
                             NOW, window=1800, max_failures=2)
    assert decided['lines'] == ['restart: sales/a build: data latency 301s, 1 restart in the last 1800s']
    assert decided['restart'][0]['reason'] == 'latency'
    decided = restart_budget([job('a', 'latency', [('START', 1)], data_latency=None)], NOW)
    assert decided['lines'] == ['restart: sales/a build: data latency unknown, 1 restart in the last 3600s']


def test_broken_models_are_never_restarted():
    decided = restart_budget([job('m', model_broken=True), job('m', kind='merge', model_broken=True, records=[('ERROR', 1)] * 9)],
                             NOW)
    assert decided['restart'] == [] and decided['over_budget'] == []
    assert [j['label'] for j in decided['broken']] == ['sales/m build', 'sales/m merge']
    assert decided['lines'][0] == 'not restarted: sales/m build: ERROR, model broken (fix the model first)'


def test_a_job_listed_twice_counts_once_as_first_listed():
    decided = restart_budget([job('a'), job('a', 'latency', data_latency=1000)], NOW)
    assert len(decided['restart']) == 1 and decided['restart'][0]['reason'] == 'error'


def test_the_type_from_the_id_when_the_row_has_none():
    row = job('a', kind='merge')
    del row['type']
    assert restart_budget([row], NOW)['restart'][0]['label'] == 'sales/a merge'


def test_nothing_to_restart_says_what_was_looked_for():
    assert restart_budget([], NOW)['lines'] == ['nothing to restart: no job in ERROR']
    assert restart_budget([], NOW, latency_threshold=300)['lines'] == [
        'nothing to restart: no job in ERROR or above the latency threshold']


def test_numbers_given_as_strings_and_bad_input():
    assert restart_budget([job('a', records=[('ERROR', 1)])], str(NOW), window='600', max_failures='1')['over_budget']
    with pytest.raises(AnsibleFilterError, match='must be numbers'):
        restart_budget([], 'soon')
    with pytest.raises(AnsibleFilterError, match='must be a list'):
        restart_budget({'uuid': 'x'}, NOW)
