# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""kylin.streaming.converge (the kylin.streaming.jobs role) against the simulator."""

from kylin_sim.control import PARAMS_PUT, STATUS_PUT

from conftest import POLL, PROJECT

DESIRED = [
    {'project': PROJECT, 'models': ['orders_rt', 'clickstream', 'ad_impressions']},
    {'project': PROJECT, 'model': 'user_sessions', 'state': 'stopped'},
    {'project': PROJECT, 'model': 'inventory_levels', 'job_types': ['build'],
     'params': {'spark.executor.instances': '3', 'spark.executor.memory': '2g'}},
    {'project': PROJECT, 'model': 'inventory_levels', 'job_types': ['merge'], 'state': 'stopped'},
    {'project': 'iot', 'model': 'fleet_telemetry'},
]
# What each job of DESIRED must be afterwards (ERROR counts as stopped).
EXPECTED = {
    (PROJECT, 'orders_rt', 'build'): 'RUNNING', (PROJECT, 'orders_rt', 'merge'): 'RUNNING',
    (PROJECT, 'clickstream', 'build'): 'RUNNING', (PROJECT, 'clickstream', 'merge'): 'RUNNING',
    (PROJECT, 'ad_impressions', 'build'): 'RUNNING', (PROJECT, 'ad_impressions', 'merge'): 'RUNNING',
    (PROJECT, 'user_sessions', 'build'): 'STOPPED', (PROJECT, 'user_sessions', 'merge'): 'STOPPED',
    (PROJECT, 'inventory_levels', 'build'): 'RUNNING', (PROJECT, 'inventory_levels', 'merge'): 'STOPPED',
    ('iot', 'fleet_telemetry', 'build'): 'RUNNING', ('iot', 'fleet_telemetry', 'merge'): 'RUNNING',
}


def converge(playbook, desired, **extra):
    return playbook('converge', kylin_streaming_jobs=desired, kylin_streaming_jobs_poll_interval=POLL, **extra)


def test_converge_reaches_the_desired_state_then_changes_nothing(ctl, playbook):
    untouched = dict((name, job['status']) for name, job in ctl.by_name().items() if name not in EXPECTED)

    first = converge(playbook, DESIRED)
    assert first.rc == 0, first
    assert first.recap['changed'] > 0

    jobs = ctl.by_name()
    assert dict((name, jobs[name]['status']) for name in EXPECTED) == EXPECTED
    params = jobs[(PROJECT, 'inventory_levels', 'build')]['params']
    assert (params['spark.executor.instances'], params['spark.executor.memory']) == ('3', '2g')
    # Jobs that the desired state does not mention were left alone.
    assert dict((name, jobs[name]['status']) for name in untouched) == untouched

    # One module call per project, state, job types and params, not one per job or per entry.
    assert '12 jobs in 5 module calls' in first.output, first

    actions = len(ctl.actions())
    ctl.clear_counters()
    second = converge(playbook, DESIRED)
    assert second.rc == 0, second
    assert second.recap['changed'] == 0, second
    assert '0 changed' in second.output
    assert len(ctl.actions()) == actions
    assert ctl.counters()['requests'].get(STATUS_PUT, 0) == 0


def test_check_mode_shows_the_plan_and_changes_nothing(ctl, playbook):
    before = ctl.statuses()
    run = converge(playbook, DESIRED, check=True, diff=True)
    assert run.rc == 0, run
    assert run.recap['changed'] > 0
    assert 'to change' in run.output
    assert '"STOPPED"' in run.output and '"RUNNING"' in run.output  # the diff: status before/after
    counters = ctl.counters()['requests']
    assert counters.get(STATUS_PUT, 0) == 0 and counters.get(PARAMS_PUT, 0) == 0
    assert ctl.actions() == []
    assert ctl.statuses() == before


def test_stops_run_before_starts(ctl, playbook):
    run = converge(playbook, [{'project': PROJECT, 'model': 'inventory_levels'},
                              {'project': PROJECT, 'model': 'orders_rt', 'state': 'stopped'}])
    assert run.rc == 0, run
    kinds = [action['action'] for action in ctl.actions()]
    assert kinds == ['STOP', 'STOP', 'START', 'START'], kinds


def test_a_contradictory_desired_state_is_refused_before_any_change(ctl, playbook):
    run = converge(playbook, [{'project': PROJECT, 'models': ['orders_rt', 'inventory_levels']},
                              {'project': PROJECT, 'model': 'inventory_levels', 'job_types': ['merge'], 'state': 'stopped'}])
    assert run.rc != 0, run
    assert 'streaming_demo/inventory_levels merge: entry 1 wants it started, entry 2 wants it stopped' in run.output
    assert 'nothing was changed' in run.output
    assert ctl.actions() == []


def test_entry_without_models_and_bad_state_are_refused(ctl, playbook):
    run = converge(playbook, [{'project': PROJECT, 'models': []}])
    assert run.rc != 0, run
    assert 'entry 1: no models' in run.output
    run = converge(playbook, [{'project': PROJECT, 'model': 'orders_rt', 'state': 'restarted'}])
    assert run.rc != 0, run
    assert 'state restarted is not a desired state' in run.output and 'kylin.streaming.rolling_restart' in run.output
    run = playbook('converge')
    assert run.rc != 0, run
    assert 'kylin_streaming_jobs is missing or empty' in run.output
    assert ctl.actions() == []


def test_unknown_model_fails_before_any_change(ctl, playbook):
    run = converge(playbook, [{'project': PROJECT, 'models': ['inventory_levels', 'no_such_model']}])
    assert run.rc != 0, run
    assert 'no_such_model' in run.output
    assert ctl.actions() == []


def test_broken_model_fails_but_the_other_groups_converge(ctl, playbook):
    run = converge(playbook, [{'project': 'iot', 'models': ['smart_meter']},
                              {'project': 'iot', 'model': 'sensor_readings', 'state': 'stopped'}])
    assert run.rc != 0, run
    assert 'broken' in run.output
    jobs = ctl.by_name('iot')
    assert jobs[('iot', 'smart_meter', 'build')]['status'] == 'STOPPED'
    assert jobs[('iot', 'sensor_readings', 'build')]['status'] == 'STOPPED'
    assert jobs[('iot', 'sensor_readings', 'merge')]['status'] == 'STOPPED'


def failed_logins(ctl):
    """Failed logins the simulator counted: its per-user count when it has one, else its 401 answers."""
    counters = ctl.counters()
    per_user = counters.get('failed_logins')
    if isinstance(per_user, dict):
        return sum(per_user.values())
    return counters['statuses'].get('401', 0)


def test_a_wrong_password_costs_one_failed_login_whatever_the_number_of_calls(ctl, playbook):
    """Five module calls, a wrong password: one failed login, and the user is not locked (3 in a row lock it)."""
    ctl.clear_counters()
    run = converge(playbook, DESIRED, kylin_username='ADMIN', kylin_password='Not-The-Pa55word')
    assert run.rc != 0, run
    assert 'None of the 5 module calls was made' in run.output, run
    assert 'Not-The-Pa55word' not in run.output  # the password is never printed
    assert failed_logins(ctl) == 1, ctl.counters()
    assert ctl.actions() == []

    # Not locked: the right password works at once, and converges.
    again = converge(playbook, DESIRED)
    assert again.rc == 0, again
    assert 'KE-010003005' not in again.output
    jobs = ctl.by_name()
    assert dict((name, jobs[name]['status']) for name in EXPECTED) == EXPECTED


def test_every_runbook_stops_at_the_first_failed_login(ctl, playbook, tmp_path):
    """Runbooks over several projects or with several reads make one failed login each, then stop."""
    runs = [('rolling_restart', dict(kylin_project=PROJECT)),
            ('restart_errored', dict(kylin_latency_threshold=1)),
            ('maintenance_stop', dict(kylin_snapshot=str(tmp_path / 'window.yml'))),
            ('report', dict(kylin_streaming_report_dir=str(tmp_path / 'report')))]
    for name, extra in runs:
        ctl.clear_counters()
        run = playbook(name, kylin_username='ADMIN', kylin_password='Not-The-Pa55word', **extra)
        assert run.rc != 0, (name, run)
        assert failed_logins(ctl) == 1, (name, ctl.counters())
        ctl.reset('demo')  # the simulator's count of wrong passwords in a row starts again
    assert not (tmp_path / 'window.yml').exists()  # maintenance_stop stopped before writing its snapshot


def test_typos_get_one_line_with_a_suggestion_not_the_whole_spec(ctl, playbook):
    run = converge(playbook, [{'project': PROJECT, 'modles': ['orders_rt'], 'state': 'stoped'},
                              {'project': PROJECT, 'model': 'clickstream', 'job_types': ['biuld']}],
                   kylin_streaming_jobs_wait_timout=30)
    assert run.rc != 0, run
    assert 'unknown key modles; did you mean models?' in run.output, run
    assert 'state stoped is not one of started, stopped; did you mean stopped?' in run.output
    assert 'job_types biuld is not one of build, merge; did you mean build?' in run.output
    assert 'unknown variable kylin_streaming_jobs_wait_timout; did you mean kylin_streaming_jobs_wait_timeout?' in run.output
    assert 'argument_spec_data' not in run.output and 'Validation of arguments failed' not in run.output
    assert ctl.actions() == [] and ctl.counters()['requests'] == {}  # refused before any request


def test_the_role_in_a_users_own_play_gives_the_same_short_line(ctl, command, tmp_path):
    """Not only through the runbook: the role itself checks its entries (its argument spec's elements are raw)."""
    import yaml  # pylint: disable=import-outside-toplevel
    (tmp_path / 'site.yml').write_text(yaml.safe_dump([{
        'name': 'Mine', 'hosts': 'localhost', 'gather_facts': False,
        'roles': [{'role': 'kylin.streaming.jobs',
                   'vars': {'kylin_streaming_jobs': [{'project': PROJECT, 'modles': ['orders_rt'], 'state': 'stoped'}]}}]}]))
    run = command('site.yml', env=dict(KYLIN_URL=ctl.url, KYLIN_USERNAME='ADMIN', KYLIN_PASSWORD='KYLIN'))
    assert run.rc != 0, run
    assert 'unknown key modles; did you mean models?' in run.output, run
    assert 'state stoped is not one of started, stopped; did you mean stopped?' in run.output
    assert 'argument_spec_data' not in run.output and 'Validation of arguments failed' not in run.output
    assert ctl.actions() == [] and ctl.counters()['requests'] == {}
