# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Change control over a fleet: the stages of a staged rollout (fleet_stage) and the change windows
(change_window), on fixed moments; and the rounds of projects side by side (desired_plan)."""

import datetime

import pytest

from ansible.errors import AnsibleFilterError
from ansible.plugins.loader import filter_loader

from ansible_collections.kylin.streaming.plugins.filter.change_window import change_window
from ansible_collections.kylin.streaming.plugins.filter.desired_plan import desired_plan
from ansible_collections.kylin.streaming.plugins.filter.fleet_stage import fleet_stage
from ansible_collections.kylin.streaming.plugins.module_utils import _fleet

HOSTS = ['prod', 'dr', 'staging', 'lab', 'edge']
BERLIN = [{'days': ['mon', 'tue', 'wed', 'thu'], 'start': '22:00', 'end': '02:00', 'tz': 'Europe/Berlin'},
          {'days': ['sat', 'sun'], 'start': '00:00', 'end': '24:00', 'tz': 'Europe/Berlin'}]


def test_the_filters_resolve_by_their_collection_names():
    for name in ('fleet_stage', 'change_window'):
        assert filter_loader.get('kylin.streaming.' + name) is not None, name


# ---------------------------------------------------------------- stages


@pytest.mark.parametrize('serial, stages', [
    (None, [HOSTS]),
    ([], [HOSTS]),
    (1, [['prod'], ['dr'], ['staging'], ['lab'], ['edge']]),
    ([1, '25%', '100%'], [['prod'], ['dr'], ['staging', 'lab', 'edge']]),  # 25% of 5 is 1.25: 1
    ([1, '50%'], [['prod'], ['dr', 'staging'], ['lab', 'edge']]),          # the last item repeats
    (['10%'], [['prod'], ['dr'], ['staging'], ['lab'], ['edge']]),         # never less than one
    ([2, 10], [['prod', 'dr'], ['staging', 'lab', 'edge']]),
    ('3', [['prod', 'dr', 'staging'], ['lab', 'edge']]),
])
def test_stages_are_the_batches_ansible_makes(serial, stages):
    result = fleet_stage(HOSTS, serial=serial)
    assert result['stages'] == stages
    assert result['problems'] == []


def test_the_stages_match_ansibles_own_batching():
    """The same cut as PlaybookExecutor._get_serialized_batches, with pct_to_int."""
    from ansible.utils.helpers import pct_to_int  # pylint: disable=import-outside-toplevel
    for serial in ([1, '25%', '100%'], ['33%', 2], [4], ['100%'], [1, 1, '60%']):
        hosts, batches, index = list(HOSTS) * 3, [], 0
        total = len(hosts)
        while hosts:
            size = pct_to_int(serial[index], total)
            batches.append(hosts[:size])
            hosts = hosts[size:]
            index = min(index + 1, len(serial) - 1)
        assert _fleet.stages(list(HOSTS) * 3, _fleet.serial_items(serial)[0]) == batches, serial


@pytest.mark.parametrize('serial', ['abc', [1, 0], [-1], ['0%'], ['150%'], [True], [1.5], {'a': 1}, ['25 percent']])
def test_a_wrong_serial_is_one_line_and_no_stages(serial):
    result = fleet_stage(HOSTS, serial=serial)
    assert result['serial'] == [] and result['stages'] == [HOSTS]
    assert len(result['problems']) == 1
    assert result['problems'][0].startswith('kylin_fleet_serial must be a number of clusters or a percentage')


@pytest.mark.parametrize('value, staged, expected', [
    (None, True, 0), (None, False, 100), ('', True, 0), (25, True, 25), ('30%', True, 30), ('12.5', True, 12.5),
    (0, False, 0),
])
def test_max_fail_percentage_defaults_to_zero_with_stages(value, staged, expected):
    result = fleet_stage(HOSTS, serial=[1] if staged else None, max_fail_percentage=value)
    assert result['max_fail_percentage'] == expected and result['problems'] == []


@pytest.mark.parametrize('value', [-1, 101, 'half', True])
def test_a_wrong_max_fail_percentage_is_one_line(value):
    result = fleet_stage(HOSTS, serial=[1], max_fail_percentage=value)
    assert result['problems'] == ['kylin_fleet_max_fail_percentage must be a number from 0 to 100, not %s' % (
        "'%s'" % value if isinstance(value, str) else value)]


def test_a_failed_canary_stops_the_rollout_and_names_the_clusters_not_reached():
    result = fleet_stage(HOSTS, serial=[1, '50%'], batch=['prod'], failed=['prod'])
    assert (result['number'], result['count'], result['stops']) == (1, 3, True)
    assert result['not_reached'] == ['dr', 'staging', 'lab', 'edge']
    assert result['line'] == ('Stage 1 of 3 (prod): 1 of 1 failed (prod), every cluster of the stage failed: the later '
                              'stages are not started. Not reached: dr, staging, lab, edge.')


def test_one_failure_in_a_stage_of_two_stops_it_at_zero_percent_but_not_at_fifty():
    stopped = fleet_stage(HOSTS, serial=[1, 2], batch=['dr', 'staging'], failed=['dr'])
    assert stopped['stops'] and stopped['not_reached'] == ['lab', 'edge']
    assert 'more than kylin_fleet_max_fail_percentage 0%' in stopped['line']
    # Ansible stops when the failed share is MORE than the percentage: 1 of 2 is not more than 50 %.
    going = fleet_stage(HOSTS, serial=[1, 2], max_fail_percentage=50, batch=['dr', 'staging'], failed=['dr'])
    assert not going['stops'] and going['not_reached'] == [] and going['later'] == ['lab', 'edge']
    assert going['line'] == ('Stage 2 of 3 (dr, staging): 1 of 2 failed (dr), within kylin_fleet_max_fail_percentage 50%; '
                             'next: lab, edge.')
    # ... but a whole stage that failed always stops the rollout (the playbook executor's own rule).
    assert fleet_stage(HOSTS, serial=[1, 2], max_fail_percentage=100, batch=['dr', 'staging'], failed=['dr', 'staging'])['stops']


def test_stages_that_pass_say_what_comes_next():
    assert fleet_stage(HOSTS, serial=[1, '50%'], batch=['prod'])['line'] == 'Stage 1 of 3 (prod): done; next: dr, staging, lab, edge.'
    assert fleet_stage(HOSTS, serial=[1, '50%'], batch=['lab', 'edge'])['line'] == 'Stage 3 of 3 (lab, edge): done; every stage is done.'
    # Without stages: one line for the clusters of the play.
    assert fleet_stage(HOSTS, batch=HOSTS, failed=['lab'])['line'] == (
        '5 clusters (prod, dr, staging, lab, edge): 1 of 5 failed (lab), within kylin_fleet_max_fail_percentage 100%.')
    assert fleet_stage(HOSTS, serial=[1])['line'] == ''  # no batch, nothing judged


def test_fleet_stage_wants_a_list_of_clusters():
    with pytest.raises(AnsibleFilterError, match='the input must be the list of clusters'):
        fleet_stage('prod,dr')


# ---------------------------------------------------------------- change windows


def at(text):
    return datetime.datetime.fromisoformat(text)


@pytest.mark.parametrize('now, is_open, window', [
    ('2026-03-02T21:59:59+01:00', False, None),                                      # Monday, a second early
    ('2026-03-02T22:00:00+01:00', True, 'mon,tue,wed,thu 22:00-02:00 Europe/Berlin'),
    ('2026-03-03T01:59:00+01:00', True, 'mon,tue,wed,thu 22:00-02:00 Europe/Berlin'),  # across midnight, Tuesday
    ('2026-03-03T02:00:00+01:00', False, None),                                      # the end is not in the window
    ('2026-03-06T01:00:00+01:00', True, 'mon,tue,wed,thu 22:00-02:00 Europe/Berlin'),  # Thursday's window, on Friday
    ('2026-03-06T23:00:00+01:00', False, None),                                      # no Friday window
    ('2026-03-07T00:00:00+01:00', True, 'sat,sun 00:00-24:00 Europe/Berlin'),
    ('2026-03-08T23:59:00+01:00', True, 'sat,sun 00:00-24:00 Europe/Berlin'),
    ('2026-03-08T22:59:00+00:00', True, 'sat,sun 00:00-24:00 Europe/Berlin'),         # the same moment in UTC
    ('2026-03-09T00:30:00+01:00', False, None),                                      # Monday night before 22:00
])
def test_a_window_is_open_on_its_days_between_start_and_end_local_time(now, is_open, window):
    result = change_window(BERLIN, now=now)
    assert (result['open'], result['window']) == (is_open, window), result['message']


def test_outside_every_window_the_message_names_the_next_one():
    result = change_window(BERLIN, now='2026-03-06T10:00:00+01:00')  # Friday morning
    assert not result['open'] and result['problems'] == []
    assert result['next'] == {'window': 'sat,sun 00:00-24:00 Europe/Berlin', 'start': '2026-03-06T23:00:00+00:00'}
    assert result['message'] == ('outside every change window (now Fri 2026-03-06 10:00 Europe/Berlin); the next opens '
                                 'Sat 2026-03-07 00:00 Europe/Berlin (in 14h 00m): sat,sun 00:00-24:00 Europe/Berlin')
    # Monday after the weekend: the next is Monday night's, across midnight.
    monday = change_window(BERLIN, now=at('2026-03-09T08:00:00+01:00'))
    assert monday['next']['start'] == '2026-03-09T21:00:00+00:00'
    assert 'the next opens Mon 2026-03-09 22:00 Europe/Berlin (in 14h 00m)' in monday['message']


def test_the_earliest_next_window_wins_across_zones():
    windows = [{'days': ['fri'], 'start': '14:00', 'end': '15:00', 'tz': 'Europe/London'},
               {'days': ['fri'], 'start': '08:00', 'end': '09:00', 'tz': 'America/New_York'}]  # 13:00-14:00 UTC (EST)
    result = change_window(windows, now='2026-03-06T12:00:00+00:00')
    assert result['next'] == {'window': 'fri 08:00-09:00 America/New_York', 'start': '2026-03-06T13:00:00+00:00'}
    assert 'now Fri 2026-03-06 07:00 America/New_York' in result['message']
    result = change_window(windows, now='2026-03-06T14:30:00+00:00')
    assert result['open'] and result['window'] == 'fri 14:00-15:00 Europe/London'
    assert result['until'] == '2026-03-06T15:00:00+00:00'


def test_windows_keep_their_local_hours_across_daylight_saving():
    """Berlin moves to summer time on 2026-03-29: 22:00 local is 21:00 UTC before, 20:00 UTC after."""
    windows = [{'days': ['sat', 'sun'], 'start': '22:00', 'end': '23:00', 'tz': 'Europe/Berlin'}]
    before = change_window(windows, now='2026-03-28T12:00:00+00:00')
    after = change_window(windows, now='2026-03-29T12:00:00+00:00')
    assert before['next']['start'] == '2026-03-28T21:00:00+00:00'
    assert after['next']['start'] == '2026-03-29T20:00:00+00:00'


def test_days_default_to_every_day_tz_to_utc_and_end_may_be_midnight():
    result = change_window([{'start': '23:30', 'end': '24:00'}], now='2026-03-04T23:45:00+00:00')
    assert result['open'] and result['window'] == 'every day 23:30-24:00 UTC'
    assert result['until'] == '2026-03-05T00:00:00+00:00'
    assert change_window([{'start': '00:00', 'end': '24:00', 'days': ['WED']}], now='2026-03-04T12:00:00+00:00')['open']


def test_no_windows_means_no_restriction():
    for windows in (None, [], ''):
        result = change_window(windows, now=0)
        assert result['open'] and result['message'] == 'no change windows are set'


def test_mistakes_are_one_line_each_and_close_the_window():
    result = change_window([{'days': ['fri', 'xmas'], 'start': '25:00', 'end': '7', 'tz': 'Europe/Berln', 'zone': 'x'},
                            {'start': '10:00', 'end': '10:00'}, 'nightly'], now=0)
    assert not result['open']
    assert result['problems'] == [
        'kylin_change_windows entry 1: unknown key zone (known: days, start, end, tz)',
        "kylin_change_windows entry 1: days must be a list of mon, tue, wed, thu, fri, sat, sun, not ['fri', 'xmas']",
        'kylin_change_windows entry 1: start must be a time HH:MM (00:00 to 23:59), not 25:00',
        'kylin_change_windows entry 1: end must be a time HH:MM (00:00 to 24:00), not 7',
        'kylin_change_windows entry 1: tz Europe/Berln is not a time zone of the IANA database (e.g. Europe/Berlin, UTC)',
        'kylin_change_windows entry 2: start and end are both 10:00 (for a whole day use start 00:00, end 24:00)',
        'kylin_change_windows entry 3 is not a mapping ({days, start, end, tz}): nightly',
    ]
    assert result['message'].startswith('kylin_change_windows has mistakes: ')
    assert change_window('22:00-02:00', now=0)['problems'] == [
        'kylin_change_windows must be a list of windows ({days, start, end, tz}), not 22:00-02:00']


@pytest.mark.parametrize('now', ['2026-03-04T21:30:00', 'tomorrow'])
def test_now_needs_a_zone(now):
    with pytest.raises(AnsibleFilterError, match='kylin.streaming.change_window: now'):
        change_window(BERLIN, now=now)


def test_now_defaults_to_the_clock():
    result = change_window([{'start': '00:00', 'end': '24:00'}])
    moment = datetime.datetime.fromisoformat(result['now'])
    assert abs((moment - datetime.datetime.now(datetime.timezone.utc)).total_seconds()) < 60


# ---------------------------------------------------------------- projects side by side


def names(result):
    return [[result['calls'][i]['project'] + ':' + result['calls'][i]['state'] for i in wave] for wave in result['rounds']]


def test_the_projects_of_one_cluster_run_side_by_side_stops_first():
    plan = desired_plan([{'project': 'a', 'model': 'x'}, {'project': 'B', 'model': 'y', 'state': 'stopped'},
                         {'project': 'b', 'model': 'z'}, {'project': 'c', 'model': 'q'},
                         {'project': 'A', 'model': 'w', 'job_types': ['build']}])
    # A project's calls keep their order; projects compare without case (b and B are one Kylin project).
    assert names(plan) == [['B:stopped'], ['a:started', 'b:started', 'c:started'], ['A:started']]


def test_concurrency_bounds_a_round_and_lets_the_waiting_projects_go_first():
    entries = [{'project': 'p%d' % n, 'model': 'm'} for n in range(5)] + [{'project': 'p0', 'model': 'm2', 'job_types': ['build']}]
    plan = desired_plan(entries, concurrency=2)
    assert names(plan) == [['p0:started', 'p1:started'], ['p2:started', 'p3:started'], ['p4:started', 'p0:started']]
    assert all(len(wave) <= 2 for wave in plan['rounds'])
    assert sorted(i for wave in plan['rounds'] for i in wave) == list(range(len(plan['calls'])))
    one = desired_plan(entries, concurrency=1)
    assert [len(wave) for wave in one['rounds']] == [1] * 6


def test_a_wrong_concurrency_is_refused():
    with pytest.raises(AnsibleFilterError, match='concurrency must be a number, 0 or more'):
        desired_plan([], concurrency='many')
    assert desired_plan([])['rounds'] == []
