# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The report's rows: ranks and their order, stale and stalled latency, notes, reasons, durations, the summary."""

import pytest

from ansible.errors import AnsibleFilterError
from ansible.plugins.loader import filter_loader

from ansible_collections.kylin.streaming.plugins.filter.report_rows import duration, latency, report_rows

NOW = 1700000000000
MIN = 60000
HOUR = 60 * MIN


def job(model, status='RUNNING', kind='build', project='demo', in_status=3 * HOUR, data_latency=4000, series=((1, 4000),),
        **extra):
    row = {'uuid': '%s-uuid_%s' % (model, kind), 'project': project, 'model_alias': model, 'type': kind,
           'job_status': status, 'last_status_duration': in_status, 'data_latency': data_latency,
           'launching_error': False, 'model_broken': False, 'yarn_app_id': 'application_1_%s' % model,
           'yarn_app_url': 'http://rm:8088/proxy/application_1_%s/' % model}
    if series is not None:  # [(minutes ago, latency ms), ...]; None: no stats at all
        row['stats'] = {'create_time': [NOW - ago * MIN for ago, _v in series], 'data_latency_hist': [v for _a, v in series]}
    row.update(extra)
    return row


def rows_of(jobs, **kwargs):
    return report_rows(jobs, NOW, **kwargs)['rows']


def test_the_filter_resolves_by_its_collection_name():
    assert filter_loader.get('kylin.streaming.report_rows') is not None


def test_problems_first_in_rank_order_then_project_model_and_type():
    jobs = [
        job('ok_b', kind='merge', data_latency=None), job('ok_a'), job('stopped', 'STOPPED'),
        job('slow', data_latency=90000, series=[(1, 90000)]), job('slower', data_latency=150000, series=[(1, 150000)]),
        job('starting', 'STARTING', in_status=None), job('stopping', 'STOPPING'),
        job('broken', 'STOPPED', model_broken=True), job('err', 'ERROR'), job('err', 'ERROR', kind='merge'),
        job('Alpha', 'ERROR', project='zeta'),
    ]
    rows = rows_of(jobs)
    assert [(r['rank'], r['problem'], r['model'], r['type']) for r in rows] == [
        (0, 'error', 'err', 'build'), (0, 'error', 'err', 'merge'), (0, 'error', 'Alpha', 'build'),
        (1, 'broken', 'broken', 'build'),
        (2, 'transition', 'starting', 'build'), (2, 'transition', 'stopping', 'build'),
        (3, 'latency', 'slower', 'build'), (3, 'latency', 'slow', 'build'),  # highest latency first
        (4, 'stopped', 'stopped', 'build'),
        (5, 'ok', 'ok_a', 'build'), (5, 'ok', 'ok_b', 'merge'),
    ]


def test_an_error_outranks_a_broken_model_and_a_broken_model_outranks_a_transition():
    rows = rows_of([job('m', 'STARTING', model_broken=True), job('m', 'ERROR', kind='merge', model_broken=True)])
    assert [(r['type'], r['problem'], r['notes']) for r in rows] == [('merge', 'error', 'model broken'),
                                                                     ('build', 'broken', 'model broken')]


def test_the_threshold_is_strict_and_only_running_jobs_lag():
    rows = rows_of([job('at', data_latency=60000, series=[(1, 60000)]), job('above', data_latency=60001, series=[(1, 60001)]),
                    job('stopped', 'STOPPED', data_latency=999999)], latency_threshold=60)
    by = dict((r['model'], r) for r in rows)
    assert not by['at']['high_latency'] and by['above']['high_latency'] and not by['stopped']['high_latency']
    assert by['above']['notes'] == 'latency above 60s'
    rows = rows_of([job('a', data_latency=2000)], latency_threshold=1.5)
    assert rows[0]['high_latency'] and rows[0]['notes'] == 'latency above 1.5s'


def test_just_restarted_the_latency_is_the_previous_runs_not_a_problem():
    # Running for 1 minute, newest micro-batch 5 minutes ago (the previous run): stale.
    row = rows_of([job('r', in_status=MIN, data_latency=300000, series=[(10, 2000), (5, 300000)])])[0]
    assert row['stale_latency'] and not row['stalled'] and not row['high_latency'] and row['problem'] == 'ok'
    assert row['notes'] == 'just started, latency not measured yet'


def test_stalled_no_micro_batch_in_the_window_comes_first_among_the_lagging():
    rows = rows_of([job('slow', data_latency=900000, series=[(1, 900000)]),
                    job('stalled_b', in_status=2 * HOUR, data_latency=2000, series=[]),
                    job('stalled_a', in_status=2 * HOUR, data_latency=None, series=None)])
    assert [(r['model'], r['stalled']) for r in rows] == [('stalled_b', True), ('stalled_a', True), ('slow', False)]
    assert rows[0]['notes'] == 'no micro-batch in 60 min' and rows[0]['high_latency']
    # a micro-batch since the job started: measured, whatever its age within the run
    row = rows_of([job('r', in_status=2 * HOUR, data_latency=2000, series=[(59, 2000)])])[0]
    assert not row['stalled'] and not row['stale_latency'] and row['problem'] == 'ok'


def test_without_charts_or_series_the_latency_is_taken_as_it_is():
    row = rows_of([job('r', in_status=MIN, data_latency=300000, series=None)], charts=False)[0]
    assert row['high_latency'] and not row['stale_latency'] and not row['stalled'] and row['series'] == []
    # a merge job is never judged stale or stalled
    row = rows_of([job('m', kind='merge', in_status=2 * HOUR, data_latency=None, series=[])])[0]
    assert row['problem'] == 'ok' and not row['stalled']


def test_the_window_follows_stats_minutes():
    row = rows_of([job('r', in_status=20 * MIN, data_latency=1000, series=[(25, 1000)])], stats_minutes=15)[0]
    assert row['stalled'] and row['notes'] == 'no micro-batch in 15 min'
    row = rows_of([job('r', in_status=20 * MIN, data_latency=1000, series=[(25, 1000)])], stats_minutes=30)[0]
    assert row['stale_latency']


def test_why_an_error_job_is_down():
    records = {'a-uuid_build': [{'action': 'ERROR', 'create_time': NOW - 5 * HOUR}, {'action': 'START', 'create_time': NOW - 49 * HOUR},
                                {'action': 'STOP', 'create_time': NOW - 50 * HOUR}, {'action': 'START', 'create_time': NOW - 51 * HOUR}]}
    rows = rows_of([job('a', 'ERROR'), job('b', 'ERROR', launching_error=True), job('c', 'ERROR')], records=records)
    by = dict((r['model'], r) for r in rows)
    assert by['a']['reason'] == 'last records: ERROR 5h 00m ago, START 2d 1h ago, STOP 2d 2h ago'  # the newest three
    assert by['b']['reason'] == ('the driver failed to launch (spark-submit); Kylin keeps no record of it: see kylin.log '
                                 'on the job node')
    assert by['b']['notes'] == 'failed to launch' and by['b']['launching_error'] is True
    assert by['c']['reason'] == ''
    records = {'b-uuid_build': [{'action': 'STOP', 'create_time': NOW - 30000}]}
    row = rows_of([job('b', 'ERROR', launching_error=True)], records=records)[0]
    assert row['reason'].endswith('kylin.log on the job node; last records: STOP 30s ago')


def test_notes_never_ran_and_the_values_for_people():
    row = rows_of([job('n', 'STOPPED', in_status=None, data_latency=None, yarn_app_id=None, yarn_app_url=None)])[0]
    assert row['notes'] == 'never ran' and row['time_in_status'] == '' and row['data_latency'] == ''
    assert row['yarn_app_id'] == '' and row['yarn_app_url'] == ''
    row = rows_of([job('r', in_status=3 * 86400000 + 4 * HOUR, data_latency=150000, series=[(1, 1000), (2, 150000)])])[0]
    assert (row['time_in_status'], row['data_latency'], row['series_max_ms']) == ('3d 4h', '2m 30s', 150000)
    assert row['series'] == [[NOW - MIN, 1000], [NOW - 2 * MIN, 150000]]
    assert row['cluster'] == 'localhost' and row['id'] == 'r-uuid_build' and row['status'] == 'RUNNING'


@pytest.mark.parametrize('ms,text', [(0, '0s'), (999, '0s'), (59999, '59s'), (60000, '1m 00s'), (3599000, '59m 59s'),
                                     (3600000, '1h 00m'), (86399000, '23h 59m'), (86400000, '1d 0h'), (None, '')])
def test_duration(ms, text):
    assert duration(ms) == text


@pytest.mark.parametrize('ms,text', [(4100, '4.1s'), (59999, '60.0s'), (60000, '1m 00s'), (None, '')])
def test_latency(ms, text):
    assert latency(ms) == text


def test_the_summary():
    jobs = [job('a', 'ERROR'), job('b', 'STOPPED', model_broken=True), job('b', 'STOPPED', kind='merge', model_broken=True),
            job('b', 'STOPPED', project='Other', model_broken=True), job('c', 'STARTING'), job('d', 'STOPPING', project='other'),
            job('e', data_latency=90000), job('f'), job('g', 'STOPPED')]
    summary = report_rows(jobs, NOW, cluster='eu')['summary']
    assert summary == {'total': 9, 'running': 2, 'error': 1, 'transition': 2, 'stopped': 4, 'high_latency': 1,
                       'broken_models': 2, 'projects': ['demo', 'Other'], 'problems': 7}
    assert report_rows([], NOW)['summary'] == {'total': 0, 'running': 0, 'error': 0, 'transition': 0, 'stopped': 0,
                                               'high_latency': 0, 'broken_models': 0, 'projects': [], 'problems': 0}
    assert all(row['cluster'] == 'eu' for row in report_rows(jobs, NOW, cluster='eu')['rows'])


def test_bad_input():
    with pytest.raises(AnsibleFilterError, match='must be a list'):
        report_rows({'jobs': []}, NOW)
    with pytest.raises(AnsibleFilterError, match='must be numbers'):
        report_rows([], 'now')


def test_the_health_gate_of_a_job_goes_into_its_row():
    """The job module's results (health of each gated job) are shown in the rows of those jobs only."""
    gates = [{'id': 'a-uuid_build', 'health': {'healthy': True, 'latency': 12.5, 'samples': 5}},
             {'id': 'b-uuid_build', 'health': {'healthy': False, 'latency': 95.0, 'samples': 1}},
             {'id': 'c-uuid_build', 'health': {'healthy': False, 'latency': None, 'samples': 0}},
             {'id': 'c-uuid_merge', 'health': {'healthy': True, 'latency': None, 'samples': 0}},
             {'id': 'd-uuid_build', 'health': None}]
    rows = dict((r['id'], r) for r in rows_of([job('a'), job('b'), job('c'), job('c', kind='merge'), job('d')],
                                              gates=gates))
    assert rows['a-uuid_build']['gate'] == {'healthy': True, 'latency': 12.5, 'samples': 5}
    assert rows['a-uuid_build']['gate_text'] == 'healthy, 12.5s after 5 micro-batches'
    assert rows['b-uuid_build']['gate_text'] == 'NOT healthy, 1m 35s after 1 micro-batch'
    assert rows['c-uuid_build']['gate_text'] == 'NOT healthy, no micro-batch since the start'
    assert rows['c-uuid_merge']['gate_text'] == 'healthy'
    assert rows['d-uuid_build']['gate'] is None and rows['d-uuid_build']['gate_text'] == ''
    assert all(r['gate'] is None for r in rows_of([job('a')]))
    with pytest.raises(AnsibleFilterError, match='gates must be a list'):
        rows_of([job('a')], gates={'a-uuid_build': {}})
