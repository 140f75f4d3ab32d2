# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The desired-state filters: the checks users see, the plan of the jobs role, and the per-job comparison."""

import pytest

from ansible.errors import AnsibleFilterError
from ansible.plugins.loader import filter_loader

from ansible_collections.kylin.streaming.plugins.filter.desired_jobs import desired_jobs
from ansible_collections.kylin.streaming.plugins.filter.desired_plan import desired_plan
from ansible_collections.kylin.streaming.plugins.filter.desired_problems import desired_problems
from ansible_collections.kylin.streaming.plugins.module_utils._rows import RETRY_PARAM
from ansible_collections.kylin.streaming.plugins.module_utils._desired import closest

ROLE_VARS = ['kylin_streaming_jobs_wait', 'kylin_streaming_jobs_wait_timeout', 'kylin_streaming_jobs_poll_interval',
             'kylin_streaming_jobs_batch_size', 'kylin_streaming_jobs_force', 'kylin_streaming_jobs_force_after',
             'kylin_streaming_jobs_result']
KEYS = 'project, models, model, job_types, state, params, params_purge, apply_params'


def test_the_filters_resolve_by_their_collection_names():
    for name in ('desired_problems', 'desired_plan', 'desired_jobs'):
        assert filter_loader.get('kylin.streaming.' + name) is not None, name


# ---------------------------------------------------------------- desired_problems


def test_a_good_desired_state_has_no_problem():
    entries = [{'project': 'sales', 'models': ['a', 'b'], 'state': 'stopped', 'job_types': ['merge'],
                'params': {'x': 1}, 'params_purge': 'yes', 'apply_params': 'next_start'},
               {'project': 'sales', 'model': 'c'}, {'project': 'sales', 'models': 'd', 'job_types': 'build'}]
    assert desired_problems(entries) == []
    assert desired_problems(entries, variables=['kylin_streaming_jobs_wait', 'kylin_streaming_jobs__plan'],
                            known_variables=ROLE_VARS) == []


def test_typos_get_one_line_each_with_a_suggestion():
    problems = desired_problems([{'project': 'sales', 'modles': ['a'], 'state': 'stoped'},
                                 {'project': 'sales', 'model': 'b', 'job_types': ['biuld', 'merge']},
                                 {'project': 'sales', 'model': 'c', 'apply_params': 'nxt_start'}],
                                variables=['kylin_streaming_jobs_wait_timout'], known_variables=ROLE_VARS)
    assert problems == [
        'kylin_streaming_jobs entry 1 (sales): unknown key modles; did you mean models? (known: %s)' % KEYS,
        'kylin_streaming_jobs entry 1 (sales): state stoped is not one of started, stopped; did you mean stopped?',
        'kylin_streaming_jobs entry 2 (sales): job_types biuld is not one of build, merge; did you mean build?',
        'kylin_streaming_jobs entry 3 (sales): apply_params nxt_start is not one of restart, next_start; did you mean next_start?',
        'unknown variable kylin_streaming_jobs_wait_timout; did you mean kylin_streaming_jobs_wait_timeout?',
    ]


def test_no_suggestion_when_nothing_is_close():
    problems = desired_problems([{'project': 'p', 'zzz': 1, 'state': 'xq'}], variables=['kylin_streaming_jobs_qqq'],
                                known_variables=['kylin_streaming_jobs_wait'])
    assert problems == ['kylin_streaming_jobs entry 1 (p): unknown key zzz (known: %s)' % KEYS,
                        'kylin_streaming_jobs entry 1 (p): state xq is not one of started, stopped',
                        'unknown variable kylin_streaming_jobs_qqq; did you mean kylin_streaming_jobs_wait?']


def test_restarted_points_to_the_runbook():
    assert desired_problems([{'project': 'p', 'model': 'a', 'state': 'restarted'}]) == [
        'kylin_streaming_jobs entry 1 (p): state restarted is not a desired state (it would never be idempotent): '
        'restart with the kylin.streaming.rolling_restart playbook, or kylin.streaming.job with state: restarted']


@pytest.mark.parametrize('entry,problem', [
    ({'models': ['a']}, 'kylin_streaming_jobs entry 1: project is required'),
    ({'project': '', 'models': ['a']}, 'kylin_streaming_jobs entry 1 (): project is required'),
    ({'project': None, 'models': ['a']}, 'kylin_streaming_jobs entry 1 (None): project is required'),
    ('sales', 'kylin_streaming_jobs entry 1 is not a mapping (project, models, state, ...): "sales"'),
    (['p', 'a'], 'kylin_streaming_jobs entry 1 is not a mapping (project, models, state, ...): ["p", "a"]'),
    ({'project': 'p', 'model': 'a', 'state': True}, 'kylin_streaming_jobs entry 1 (p): state True is not one of started, stopped'),
    ({'project': 'p', 'model': 'a', 'state': 'STARTED'},
     'kylin_streaming_jobs entry 1 (p): state STARTED is not one of started, stopped; did you mean started?'),
    ({'project': 'p', 'model': 'a', 'job_types': 'bild'},
     'kylin_streaming_jobs entry 1 (p): job_types bild is not one of build, merge; did you mean build?'),
    ({'project': 'p', 'model': 'a', 'params': 'x=1'},
     'kylin_streaming_jobs entry 1 (p): params must be a mapping of param names to values, not x=1'),
    ({'project': 'p', 'model': 'a', 'params_purge': 'maybe'},
     'kylin_streaming_jobs entry 1 (p): params_purge maybe is not a boolean (true or false)'),
])
def test_each_rule_of_an_entry(entry, problem):
    assert desired_problems([entry]) == [problem]


def test_null_values_are_defaults_and_private_variables_are_not_checked():
    assert desired_problems([{'project': 'p', 'model': 'a', 'state': None, 'apply_params': None, 'job_types': None,
                              'params': None, 'params_purge': None}]) == []
    assert desired_problems([], variables=['kylin_streaming_jobs__plan', 'kylin_streaming_jobs__login']) == []


def test_not_a_list_at_all():
    assert desired_problems({'project': 'p'}) == [
        'kylin_streaming_jobs must be a list of entries (project, models, state, ...), not dict: {"project": "p"}']
    with pytest.raises(AnsibleFilterError, match='variables must be a list'):
        desired_problems([], variables='kylin_streaming_jobs_wait')


def test_closest_prefers_letters_in_common_then_length():
    assert closest('modles', ['project', 'models', 'model']) == 'models'
    assert closest('MODEL', ['models', 'model']) == 'model'  # same letters: the closer length wins
    assert closest('xyz', ['models']) == ''
    assert closest('', ['']) == ''  # no letters at all: no division by zero
    assert closest(12, ['12', '21']) == '12'  # not a string: compared as its text


# ---------------------------------------------------------------- desired_plan


def call(project, models, state='started', job_types=('build', 'merge'), params=None, purge=False, apply='restart'):
    return {'project': project, 'models': list(models), 'state': state, 'job_types': list(job_types), 'params': params,
            'params_purge': purge, 'apply_params': apply}


def test_entries_are_normalised_and_merged_stops_first():
    plan = desired_plan([
        {'project': 'sales', 'models': ['a', 'b']},
        {'project': 'sales', 'model': 'x', 'state': 'stopped'},
        {'project': 'sales', 'model': 'c', 'state': 'started', 'job_types': ['merge', 'build', 'merge']},
        {'project': 'iot', 'model': 'm', 'job_types': ['merge']},
        {'project': 'sales', 'models': ['g', 'd'], 'state': 'stopped', 'job_types': ['merge']},
        {'project': 'sales', 'model': 'y', 'state': 'stopped'},
        {'project': 'sales', 'models': 'e'},
    ])
    assert plan == {'problems': [], 'calls': [
        call('sales', ['x', 'y'], 'stopped'),
        call('sales', ['g', 'd'], 'stopped', ['merge']),
        call('sales', ['a', 'b', 'c', 'e']),
        call('iot', ['m'], job_types=['merge']),
    ], 'rounds': [[0], [1], [2, 3]]}  # sales and iot start side by side, after the stops


def test_params_are_part_of_the_grouping_key():
    plan = desired_plan([
        {'project': 'p', 'model': 'a', 'params': {'x': '1'}},
        {'project': 'p', 'model': 'b', 'params': {'x': '1'}},
        {'project': 'p', 'model': 'c', 'params': {'x': '2'}},
        {'project': 'p', 'model': 'd', 'params': {'x': '1'}, 'params_purge': True},
        {'project': 'p', 'model': 'e', 'params': {'x': '1'}, 'apply_params': 'next_start'},
        {'project': 'p', 'model': 'f'},
    ])
    assert plan['calls'] == [call('p', ['a', 'b'], params={'x': '1'}), call('p', ['c'], params={'x': '2'}),
                             call('p', ['d'], params={'x': '1'}, purge=True),
                             call('p', ['e'], params={'x': '1'}, apply='next_start'), call('p', ['f'])]
    assert plan['problems'] == []


def test_one_job_in_two_states_is_a_contradiction():
    plan = desired_plan([{'project': 'demo', 'models': ['orders_rt', 'inventory_levels']},
                         {'project': 'demo', 'model': 'inventory_levels', 'job_types': ['merge'], 'state': 'stopped'},
                         {'project': 'demo', 'model': 'inventory_levels', 'state': 'stopped'}])
    assert plan['problems'] == [
        'demo/inventory_levels merge: entry 1 wants it started, entry 2 wants it stopped',
        'demo/inventory_levels build: entry 1 wants it started, entry 3 wants it stopped',
        'demo/inventory_levels merge: entry 1 wants it started, entry 3 wants it stopped',
    ]


def test_two_params_for_one_job_is_a_contradiction_no_params_is_no_opinion():
    plan = desired_plan([{'project': 'p', 'model': 'a', 'params': {'x': '1'}},
                         {'project': 'p', 'model': 'a', 'job_types': ['build']},
                         {'project': 'p', 'model': 'a', 'job_types': ['build'], 'params': {'x': '1'}},
                         {'project': 'p', 'model': 'a', 'job_types': ['merge'], 'params': {'x': '2'}},
                         {'project': 'p', 'model': 'a', 'job_types': ['build'], 'params': {'x': '1'}, 'params_purge': True}])
    assert plan['problems'] == ['p/a merge: entry 1 and entry 4 give it different params',
                                'p/a build: entry 1 and entry 5 give it different params']


def test_an_entry_without_models_or_with_both_keys():
    assert desired_plan([{'project': 'p', 'models': []}])['problems'] == [
        'entry 1: no models (give models, a list of aliases, or model, one alias)']
    assert desired_plan([{'project': 'p', 'model': ''}])['problems'] == [
        'entry 1: no models (give models, a list of aliases, or model, one alias)']
    assert desired_plan([{'project': 'p', 'models': ['a'], 'model': 'b'}])['problems'] == [
        'entry 1: give models or model, not both']


def test_the_plan_refuses_what_is_not_a_list():
    with pytest.raises(AnsibleFilterError, match='must be a list'):
        desired_plan({'project': 'p'})


# ---------------------------------------------------------------- desired_jobs


def row(model, kind, status, project='demo', params=None, broken=False, **extra):
    job = {'uuid': '%s-uuid_%s' % (model, kind), 'project': project, 'model_alias': model,
           'job_type': 'STREAMING_BUILD' if kind == 'build' else 'STREAMING_MERGE', 'job_status': status,
           'params': dict(params or {}), 'model_broken': broken}
    job.update(extra)
    return job


def by_job(result):
    return dict(((job['model'], job['type']), job) for job in result['jobs'])


def test_a_converged_cluster_has_no_drift():
    rows = [row('a', 'build', 'RUNNING'), row('a', 'merge', 'STARTING'), row('b', 'build', 'STOPPED'),
            row('b', 'merge', 'ERROR'), row('other', 'build', 'STOPPED'), row('a', 'build', 'STOPPED', project='elsewhere')]
    result = desired_jobs([{'project': 'demo', 'model': 'a'}, {'project': 'demo', 'model': 'b', 'state': 'stopped'}], rows)
    assert result['problems'] == [] and result['missing'] == []
    assert [(j['model'], j['type'], j['status'], j['desired_status'], j['action'], j['differs']) for j in result['jobs']] == [
        ('a', 'build', 'RUNNING', 'RUNNING', None, []),
        ('a', 'merge', 'STARTING', 'RUNNING', None, []),  # already starting: converge waits, sends nothing
        ('b', 'build', 'STOPPED', 'STOPPED', None, []),
        ('b', 'merge', 'ERROR', 'ERROR', None, []),  # ERROR counts as stopped (Kylin does not relaunch it)
    ]
    assert result['jobs'][0]['id'] == 'a-uuid_build' and result['jobs'][0]['state'] == 'started'


def test_status_drift_is_what_converge_would_act_on():
    rows = [row('a', 'build', 'STOPPED'), row('a', 'merge', 'ERROR'), row('b', 'build', 'RUNNING'),
            row('b', 'merge', 'STOPPING'), row('c', 'build', 'STOPPING'), row('c', 'merge', 'STARTING')]
    result = desired_jobs([{'project': 'demo', 'model': 'a'}, {'project': 'demo', 'model': 'b', 'state': 'stopped'},
                           {'project': 'demo', 'model': 'c', 'job_types': ['build']},
                           {'project': 'demo', 'model': 'c', 'job_types': ['merge'], 'state': 'stopped'}], rows)
    jobs = by_job(result)
    assert (jobs['a', 'build']['action'], jobs['a', 'build']['differs']) == ('START', ['status'])
    assert (jobs['a', 'merge']['action'], jobs['a', 'merge']['differs']) == ('START', ['status'])
    assert (jobs['b', 'build']['action'], jobs['b', 'build']['differs']) == ('STOP', ['status'])
    assert (jobs['b', 'merge']['action'], jobs['b', 'merge']['differs']) == (None, [])  # on its way to STOPPED
    assert (jobs['c', 'build']['action'], jobs['c', 'build']['differs']) == ('START', ['status'])  # waited out, started
    assert (jobs['c', 'merge']['action'], jobs['c', 'merge']['differs']) == ('STOP', ['status'])  # STOP once running
    assert all(job['desired_status'] == ('RUNNING' if job['state'] == 'started' else 'STOPPED') for job in result['jobs'])


def test_an_error_job_that_kylin_relaunches_must_be_force_stopped():
    rows = [row('a', 'build', 'ERROR', params={RETRY_PARAM: 'true'}), row('a', 'merge', 'ERROR')]
    jobs = by_job(desired_jobs([{'project': 'demo', 'model': 'a', 'state': 'stopped'}], rows))
    assert (jobs['a', 'build']['action'], jobs['a', 'build']['differs']) == ('FORCE_STOP', ['status'])
    assert (jobs['a', 'merge']['action'], jobs['a', 'merge']['differs']) == (None, [])
    jobs = by_job(desired_jobs([{'project': 'demo', 'model': 'a', 'state': 'stopped'}], rows, global_retry_enabled=True))
    assert jobs['a', 'merge']['action'] == 'FORCE_STOP'


def test_a_broken_model_cannot_be_started_and_says_so():
    rows = [row('m', 'build', 'STOPPED', broken=True), row('m', 'merge', 'STOPPED', broken=True)]
    job = desired_jobs([{'project': 'demo', 'model': 'm', 'job_types': ['build']}], rows)['jobs'][0]
    assert job['differs'] == ['status'] and job['action'] is None and job['desired_status'] == 'RUNNING'
    assert 'model m is broken' in job['error']


def test_params_drift_merges_or_purges_like_the_job_module():
    rows = [row('a', 'build', 'RUNNING', params={'x': '1', 'y': '2'}), row('a', 'merge', 'RUNNING', params={'x': '5'}),
            row('b', 'build', 'STOPPED', params={'x': '1', 'y': '2'}), row('b', 'merge', 'RUNNING', params={'x': '1'})]
    result = desired_jobs([
        {'project': 'demo', 'model': 'a', 'params': {'x': 1}},
        {'project': 'demo', 'model': 'b', 'job_types': ['build'], 'state': 'stopped', 'params': {'x': '1'}, 'params_purge': True},
        {'project': 'demo', 'model': 'b', 'job_types': ['merge'], 'params': {'x': 2}, 'apply_params': 'next_start'},
    ], rows)
    jobs = by_job(result)
    assert jobs['a', 'build']['differs'] == [] and jobs['a', 'build']['desired_params'] == {'x': '1', 'y': '2'}
    merge = jobs['a', 'merge']
    assert merge['differs'] == ['params'] and merge['params_changes'] == {'x': {'before': '5', 'after': '1'}}
    assert merge['action'] == 'RESTART'  # a running job whose params change is restarted (apply_params: restart)
    purged = jobs['b', 'build']
    assert purged['differs'] == ['params'] and purged['desired_params'] == {'x': '1'} and purged['action'] is None
    assert purged['params_changes'] == {'y': {'before': '2', 'after': None}}
    later = jobs['b', 'merge']
    assert later['differs'] == ['params'] and later['action'] is None  # next_start: not restarted
    assert later['params'] == {'x': '1'}


def test_no_params_in_the_desired_state_is_no_opinion():
    job = desired_jobs([{'project': 'demo', 'model': 'a', 'job_types': ['build']}],
                       [row('a', 'build', 'RUNNING', params={'x': '1'})])['jobs'][0]
    assert job['desired_params'] is None and job['params_changes'] == {} and job['differs'] == []


def test_projects_match_like_kylin_models_exactly_and_missing_jobs_are_listed():
    rows = [row('a', 'build', 'RUNNING', project='Demo'), row('a', 'merge', 'RUNNING', project='Demo'),
            row('B', 'build', 'RUNNING', project='Demo')]
    result = desired_jobs([{'project': 'demo', 'models': ['a', 'b']}], rows)
    assert [(j['project'], j['model'], j['type']) for j in result['jobs']] == [('Demo', 'a', 'build'), ('Demo', 'a', 'merge')]
    assert result['missing'] == [{'project': 'demo', 'model': 'b', 'type': 'build'},
                                 {'project': 'demo', 'model': 'b', 'type': 'merge'}]


def test_a_job_type_from_the_id_when_the_row_has_no_type():
    rows = [{'uuid': 'u_merge', 'project': 'demo', 'model_alias': 'a', 'job_status': 'RUNNING'}]
    result = desired_jobs([{'project': 'demo', 'model': 'a', 'job_types': ['merge']}], rows)
    assert result['jobs'][0]['type'] == 'merge' and result['jobs'][0]['params'] == {}


def test_nothing_is_compared_with_mistakes_or_contradictions():
    rows = [row('a', 'build', 'STOPPED')]
    result = desired_jobs([{'project': 'demo', 'modles': ['a']}], rows)
    assert result['jobs'] == [] and result['missing'] == [] and 'unknown key modles' in result['problems'][0]
    result = desired_jobs([{'project': 'demo', 'model': 'a'}, {'project': 'demo', 'model': 'a', 'state': 'stopped'}], rows)
    assert result['jobs'] == [] and result['problems'][0] == 'demo/a build: entry 1 wants it started, entry 2 wants it stopped'
    with pytest.raises(AnsibleFilterError, match='jobs must be a list'):
        desired_jobs([], {'jobs': []})
    with pytest.raises(AnsibleFilterError, match='desired state must be a list'):
        desired_jobs('x', [])


def test_inputs_are_not_written_to():
    entries = [{'project': 'demo', 'model': 'a', 'params': {'x': 1}}]
    rows = [row('a', 'build', 'RUNNING', params={'x': '2'}), row('a', 'merge', 'STOPPED')]
    before = repr((entries, rows))
    desired_plan(entries)
    desired_jobs(entries, rows)
    assert repr((entries, rows)) == before
