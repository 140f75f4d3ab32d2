# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The oracle on hand-written journals: each promise passes a true story and catches a false one.

No simulator here: a journal is a list of actions and transitions as ``/_sim/actions`` and
``/_sim/transitions`` give them, the result is what the module returns. The false stories include the two
of issue 16's evidence (a false failure and a false success after a lost answer).
"""

import dataclasses

import pytest

import oracle
from scenario import JobSpec, Scenario, Faults, Timing

T0, T1 = 10000, 20000  # the task's window (ms)
IDS = {'m0_build': 'u0_build', 'm0_merge': 'u0_merge', 'm1_build': 'u1_build', 'm1_merge': 'u1_merge'}


def scenario(state='started', initial=('STOPPED', 'STOPPED', 'STOPPED', 'STOPPED'), **more):
    jobs = tuple(JobSpec('m%d' % (i // 2), ('build', 'merge')[i % 2], status) for i, status in enumerate(initial))
    more.setdefault('models', ('m0', 'm1'))
    return Scenario(jobs=jobs, state=state, **more)


def act(key, action, when=T0 + 100, user=oracle.TASK_USER, ok=True, before='STOPPED', after='STARTING'):
    return dict(time=when, job_id=IDS[key], action=action, user=user, ok=ok, status_before=before,
                status_after=after, error_code=None if ok else 'KE-010035005')


def move(key, to, when, cause='control', frm='?'):
    return {'time': when, 'job_id': IDS[key], 'from': frm, 'to': to, 'cause': cause}


def setup_moves(sc):
    """The control API's transitions that put every job in its initial status before the task."""
    return [move(j.key, j.initial, T0 - 500) for j in sc.jobs if j.initial != 'STOPPED']


def job(key, action=None, changed=False, status='RUNNING', error=None, before='STOPPED'):
    return dict(id=IDS[key], action=action, changed=changed, status=status, error=error, status_before=before)


def run(sc, actions=(), moves=(), jobs=None, failed=False, msg='ok', changed=None):
    selected = sc.selected
    if jobs is None:
        jobs = [job(k) for k in selected]
    if changed is None:
        changed = any(j['changed'] for j in jobs)
    result = dict(failed=failed, msg=msg, changed=changed, jobs=jobs)
    return oracle.Run(scenario=sc, ids=IDS, result=result, actions=list(actions),
                      transitions=setup_moves(sc) + sorted(moves, key=lambda m: m['time']), started=T0, ended=T1)


def started_all(sc):
    """A true story of state=started from all STOPPED: one START each, all RUNNING."""
    actions = [act(k, 'START') for k in sc.selected]
    moves = [move(k, 'STARTING', T0 + 100, 'START') for k in sc.selected]
    moves += [move(k, 'RUNNING', T0 + 400, 'launch') for k in sc.selected]
    jobs = [job(k, 'START', True) for k in sc.selected]
    return run(sc, actions, moves, jobs)


def names(found):
    return sorted(set(name for name, dummy in found))


# ---------------------------------------------------------------------------------------- the true stories

def test_a_true_story_passes():
    assert oracle.check(started_all(scenario())) == []


def test_jobs_already_running_need_nothing():
    sc = scenario(initial=('RUNNING',) * 4)
    assert oracle.check(run(sc)) == []


def test_a_graceful_restart_is_a_stop_then_a_start():
    sc = scenario('restarted', ('RUNNING',) * 4, models=('m0',), job_types=('build',), restart_method='graceful')
    actions = [act('m0_build', 'STOP', T0 + 100, before='RUNNING', after='STOPPING'),
               act('m0_build', 'START', T0 + 900)]
    moves = [move('m0_build', 'STOPPING', T0 + 100, 'STOP'), move('m0_build', 'STOPPED', T0 + 800, 'stopped'),
             move('m0_build', 'STARTING', T0 + 900, 'START'), move('m0_build', 'RUNNING', T0 + 1200, 'launch')]
    res = run(sc, actions, moves, [job('m0_build', 'RESTART (STOP, START)', True, before='RUNNING')])
    assert oracle.check(res) == []
    res.result['jobs'][0]['action'] = 'START'
    assert names(oracle.check(res)) == ['result_is_true']


def test_a_broken_model_may_fail_its_jobs_with_a_message_that_says_so():
    sc = scenario(models=('m0',), job_types=('build',), broken=('m0',))
    res = run(sc, jobs=[job('m0_build', status='STOPPED', error='model m0 is broken (model_broken: true)')],
              failed=True, msg='1 of 1 jobs failed: m0 build (u0_build): model m0 is broken (model_broken: true)')
    assert oracle.check(res) == []


# ---------------------------------------------------------------------------------------- the false ones

def test_a_job_left_short_of_the_desired_state_fails_promise_1():
    res = started_all(scenario())
    res.transitions = [t for t in res.transitions if not (t['job_id'] == 'u1_merge' and t['to'] == 'RUNNING')]
    assert 'ends_in_desired_state' in names(oracle.check(res))


def test_a_launch_under_way_when_a_stopped_task_ended_fails_promise_1():
    """A STOP that landed on a launch YARN did not know yet left ERROR; the launch ran the job after the task said it
    was stopped."""
    sc = scenario('stopped', ('RUNNING', 'STOPPED', 'STOPPED', 'STOPPED'), models=('m0',), job_types=('build',))
    actions = [act('m0_build', 'STOP', T0 + 100, before='STARTING', after='ERROR')]
    moves = [move('m0_build', 'STOPPED', T0 + 90, 'takeover'), move('m0_build', 'STARTING', T0 + 90, 'takeover'),
             move('m0_build', 'ERROR', T0 + 100, 'STOP')]
    reported = [job('m0_build', 'STOP', True, 'ERROR', before='RUNNING')]
    assert oracle.check(run(sc, actions, moves, reported)) == []
    late = moves + [move('m0_build', 'RUNNING', T1 + 300, 'launch')]
    assert names(oracle.check(run(sc, actions, late, reported))) == ['ends_in_desired_state']


def test_a_launch_hidden_by_another_controllers_stop_is_not_the_tasks_to_see():
    """Another controller's STOP met the job while it was being launched (ERROR, the launch goes on); the task, whose
    reads began after, applied nothing to it: excused. Had the task stopped it itself, it would not be."""
    sc = scenario('stopped', ('STARTING', 'STOPPED', 'STOPPED', 'STOPPED'), models=('m0',), job_types=('build',))
    rival = [act('m0_build', 'STOP', T0 + 50, user=oracle.RIVAL_USER, before='STARTING', after='ERROR')]
    moves = [move('m0_build', 'ERROR', T0 + 50, 'STOP'), move('m0_build', 'RUNNING', T1 + 300, 'launch')]
    assert oracle.check(run(sc, rival, moves, [job('m0_build', None, False, 'ERROR', before='ERROR')])) == []
    ours = [act('m0_build', 'STOP', T0 + 50, before='STARTING', after='ERROR')]
    found = names(oracle.check(run(sc, ours, moves, [job('m0_build', 'STOP', True, 'ERROR', before='STARTING')])))
    assert found == ['ends_in_desired_state'], found


def test_a_stop_lost_on_a_launch_with_its_answer_may_count_either_way():
    """A held STOP landed on the take-over's relaunch (STOPPING, no record), its answer lost, and the launch's RUNNING
    overwrote it: nothing shows it was applied, so the task may not count it; sent again, the second one counts."""
    sc = scenario('stopped', ('RUNNING', 'STOPPED', 'STOPPED', 'STOPPED'), models=('m0',), job_types=('build',),
                  faults=Faults(held=1, late=1))
    lost = dict(act('m0_build', 'STOP', T0 + 100, before='STARTING', after='STOPPING'), answer_lost=True)
    again = act('m0_build', 'STOP', T0 + 900, before='RUNNING', after='STOPPING')
    moves = [move('m0_build', 'STOPPED', T0 + 90, 'takeover'), move('m0_build', 'STARTING', T0 + 90, 'takeover'),
             move('m0_build', 'STOPPING', T0 + 100, 'STOP'), move('m0_build', 'RUNNING', T0 + 500, 'launch'),
             move('m0_build', 'STOPPING', T0 + 900, 'STOP'), move('m0_build', 'STOPPED', T0 + 1200, 'stopped')]
    reported = [job('m0_build', 'STOP', True, 'STOPPED', before='RUNNING')]
    assert oracle.check(run(sc, [lost, again], moves, reported)) == []
    # Not sent again: the job runs; the task may fail for it only because retries are used up (held counts).
    failed = [job('m0_build', None, False, 'RUNNING', before='RUNNING',
                  error='STOP not applied after 1 attempts: it landed while the job was being launched')]
    res = run(dataclasses.replace(sc, retries=0), [lost], moves[:4], failed, failed=True,
              msg='1 of 1 jobs failed: STOP not applied after 1 attempts')
    assert oracle.check(res) == []
    # With its answer received, the task knows it was applied: it must count it.
    answered = dict(lost, answer_lost=False)
    res = run(sc, [answered, again], moves, [job('m0_build', 'STOP', True, 'STOPPED', before='RUNNING')])
    assert oracle.check(res) == []
    res = run(sc, [answered], moves[:4], [job('m0_build', None, False, 'RUNNING', before='RUNNING', error='x')],
              failed=True, msg='STOP not applied after 1 attempts')
    assert 'changed_is_true' in names(oracle.check(res))


def test_a_second_start_fails_promise_2():
    res = started_all(scenario())
    res.actions.append(act('m0_build', 'START', T0 + 600))
    assert names(oracle.check(res)) == ['acts_once']


def test_a_stop_lost_on_a_starting_job_may_be_sent_again():
    sc = scenario('stopped', ('RUNNING', 'STOPPED', 'STOPPED', 'STOPPED'), models=('m0',), job_types=('build',))
    actions = [act('m0_build', 'STOP', T0 + 100, before='STARTING', after='STOPPING'),
               act('m0_build', 'STOP', T0 + 900, before='RUNNING', after='STOPPING')]
    moves = [move('m0_build', 'STARTING', T0 + 50, 'takeover'), move('m0_build', 'STOPPING', T0 + 100, 'STOP'),
             move('m0_build', 'RUNNING', T0 + 400, 'launch'), move('m0_build', 'STOPPING', T0 + 900, 'STOP'),
             move('m0_build', 'STOPPED', T0 + 1200, 'stopped')]
    jobs = [job('m0_build', 'STOP', True, 'STOPPED', before='RUNNING')]
    assert oracle.check(run(sc, actions, moves, jobs)) == []
    actions[0]['status_before'] = 'RUNNING'  # two STOPs of a running job: one too many
    assert names(oracle.check(run(sc, actions, moves, jobs))) == ['acts_once']


def test_a_stop_under_state_started_fails_promise_2():
    res = started_all(scenario())
    res.actions.insert(0, act('m0_build', 'STOP', T0 + 50))
    assert 'acts_once' in names(oracle.check(res))


def test_force_may_restart_a_stopping_job_under_state_started():
    sc = scenario(initial=('STOPPING', 'RUNNING', 'RUNNING', 'RUNNING'), force=True)
    actions = [act('m0_build', 'RESTART', before='STOPPING')]
    moves = [move('m0_build', 'STARTING', T0 + 300, 'RESTART'), move('m0_build', 'RUNNING', T0 + 600, 'launch')]
    jobs = [job(k) for k in sc.selected]
    jobs[0] = job('m0_build', 'RESTART', True, before='STOPPING')
    assert oracle.check(run(sc, actions, moves, jobs)) == []


def test_a_restart_without_the_tasks_restart_fails_promise_2():
    sc = scenario('restarted', ('RUNNING',) * 4, models=('m0',), job_types=('build',))
    res = run(sc, jobs=[job('m0_build', 'RESTART', True, before='RUNNING')], changed=True)
    assert 'acts_once' in names(oracle.check(res))


def test_acting_on_a_converged_job_fails_promise_3():
    sc = scenario(initial=('RUNNING', 'STOPPED', 'STOPPED', 'STOPPED'))
    res = started_all(sc)  # sends START to m0_build too, which was RUNNING
    assert 'leaves_converged_jobs_alone' in names(oracle.check(res))


def test_touching_an_unselected_job_fails_promise_4_even_when_refused():
    sc = scenario(models=('m0',))
    res = started_all(sc)
    res.actions.append(act('m1_build', 'START', ok=False))
    assert names(oracle.check(res)) == ['unselected_untouched']


def test_changed_without_an_applied_action_fails_promise_5():
    sc = scenario(initial=('RUNNING',) * 4)
    res = run(sc, jobs=[job(k, changed=(k == 'm0_build')) for k in sc.selected])
    assert names(oracle.check(res)) == ['changed_is_true']


def test_a_force_stop_of_a_job_someone_else_is_stopping_may_count_either_way():
    sc = scenario('stopped', ('STOPPING', 'STOPPED', 'STOPPED', 'STOPPED'), models=('m0',), job_types=('build',),
                  force=True)
    actions = [act('m0_build', 'FORCE_STOP', before='STOPPING', after='STOPPED')]
    moves = [move('m0_build', 'STOPPED', T0 + 100, 'FORCE_STOP')]
    for action, changed in (('FORCE_STOP', True), (None, False)):
        res = run(sc, actions, moves, [job('m0_build', action, changed, 'STOPPED', before='STOPPING')])
        assert oracle.check(res) == [], action
    # ... but not a FORCE_STOP of a RUNNING job
    sc = scenario('stopped', ('RUNNING', 'STOPPED', 'STOPPED', 'STOPPED'), models=('m0',), job_types=('build',),
                  force=True)
    actions = [act('m0_build', 'FORCE_STOP', before='RUNNING', after='STOPPED')]
    res = run(sc, actions, moves, [job('m0_build', None, False, 'STOPPED', before='RUNNING')])
    assert names(oracle.check(res)) == ['changed_is_true', 'result_is_true']


def test_a_force_stop_after_the_tasks_own_stop_may_be_reported_as_the_stop():
    sc = scenario('stopped', ('RUNNING', 'STOPPED', 'STOPPED', 'STOPPED'), models=('m0',), job_types=('build',),
                  force_after=0)
    actions = [act('m0_build', 'STOP', T0 + 100, before='RUNNING', after='STOPPING'),
               act('m0_build', 'FORCE_STOP', T0 + 300, before='STOPPING', after='STOPPED')]
    moves = [move('m0_build', 'STOPPING', T0 + 100, 'STOP'), move('m0_build', 'STOPPED', T0 + 300, 'FORCE_STOP')]
    for action in ('FORCE_STOP', 'STOP'):
        res = run(sc, actions, moves, [job('m0_build', action, True, 'STOPPED', before='RUNNING')])
        assert oracle.check(res) == [], action
    res = run(sc, actions, moves, [job('m0_build', 'STOP', False, 'STOPPED', before='RUNNING')])
    assert names(oracle.check(res)) == ['changed_is_true']


def test_another_controllers_start_may_be_taken_for_the_tasks_own():
    sc = scenario(models=('m0',), job_types=('build',))
    actions = [act('m0_build', 'START', T0 + 100, user=oracle.RIVAL_USER)]
    moves = [move('m0_build', 'STARTING', T0 + 100, 'START'), move('m0_build', 'RUNNING', T0 + 400, 'launch')]
    for action, changed in (('START', True), (None, False)):
        assert oracle.check(run(sc, actions, moves, [job('m0_build', action, changed)])) == [], action
    res = run(sc, actions, moves, [job('m0_build', 'RESTART', True)])
    assert names(oracle.check(res)) == ['result_is_true']


def test_another_controllers_stop_may_be_taken_for_the_tasks_lost_force_stop():
    """A FORCE_STOP whose answer was lost looks like another controller's STOP (STOPPING, then a STOP record)."""
    sc = scenario('stopped', ('RUNNING', 'STOPPED', 'STOPPED', 'STOPPED'), models=('m0',), job_types=('build',),
                  force=True)
    actions = [act('m0_build', 'STOP', T0 + 100, user=oracle.RIVAL_USER, before='RUNNING', after='STOPPING')]
    moves = [move('m0_build', 'STOPPING', T0 + 100, 'STOP'), move('m0_build', 'STOPPED', T0 + 400, 'stopped')]
    for action, changed in (('FORCE_STOP', True), ('STOP', True), (None, False)):
        res = run(sc, actions, moves, [job('m0_build', action, changed, 'STOPPED', before='RUNNING')])
        assert oracle.check(res) == [], action
    res = run(sc, actions, moves, [job('m0_build', 'RESTART', True, 'STOPPED', before='RUNNING')])
    assert names(oracle.check(res)) == ['result_is_true']


def test_a_take_overs_relaunch_may_be_taken_for_the_tasks_restart():
    """An epoch take-over kills and relaunches the job while the task's RESTART had no answer (KE-010021002):
    the same history as a RESTART, which the task may take for its own; without the relaunch it may not."""
    sc = scenario('restarted', ('RUNNING', 'STOPPED', 'STOPPED', 'STOPPED'), models=('m0',), job_types=('build',),
                  faults=Faults(nodes=2, owner_down=0.5))
    moves = [move('m0_build', 'STOPPED', T0 + 700, 'takeover'), move('m0_build', 'STARTING', T0 + 700, 'takeover'),
             move('m0_build', 'RUNNING', T0 + 740, 'launch')]
    reported = [job('m0_build', 'RESTART', True, before='RUNNING')]
    assert oracle.check(run(sc, (), moves, reported, changed=True)) == []
    res = run(sc, (), [move('m0_build', 'RUNNING', T0 + 740, 'control')], reported, changed=True)
    assert names(oracle.check(res)) == ['acts_once', 'changed_is_true', 'result_is_true']


def test_a_write_whose_outcome_the_task_could_not_tell_may_count_either_way():
    """A RESTART of a STARTING job whose answer was lost, the job's history unreadable: the task fails the job saying
    the RESTART may have been applied, and may count it either way; saying nothing of it, it may not."""
    sc = scenario('restarted', ('STARTING', 'STOPPED', 'STOPPED', 'STOPPED'), models=('m0',), job_types=('build',),
                  faults=Faults(errors='any-503', error_rate=0.1, lost=1), retries=0)
    actions = [act('m0_build', 'RESTART', before='STARTING', after='STARTING')]
    moves = [move('m0_build', 'STARTING', T0 + 100, 'RESTART'), move('m0_build', 'RUNNING', T0 + 400, 'launch')]
    unknown = ('RESTART sent, its answer was lost; its history (GET /records) could not be read (GET '
               'http://127.0.0.1/kylin/api/streaming_jobs/records?job_id=u0_build: HTTP 503, not a Kylin answer), so '
               'whether it took effect is unknown: it was not sent again, and may have been applied')
    for action, changed in ((None, False), ('RESTART', True)):
        reported = [job('m0_build', action, changed, error=unknown, before='STARTING')]
        assert oracle.check(run(sc, actions, moves, reported, failed=True, msg=unknown)) == [], action
    silent = [job('m0_build', None, False, error='RESTART not applied after 1 attempts', before='STARTING')]
    found = names(oracle.check(run(sc, actions, moves, silent, failed=True, msg='RESTART not applied after 1 attempts')))
    assert found == ['changed_is_true', 'result_is_true'], found


def test_a_start_refused_because_someone_else_started_it_is_no_change():
    sc = scenario(models=('m0',), job_types=('build',), rival=None)
    actions = [act('m0_build', 'START', T0 + 100, user=oracle.RIVAL_USER),
               act('m0_build', 'START', T0 + 110, ok=False, before='STARTING', after='STARTING')]
    moves = [move('m0_build', 'STARTING', T0 + 100, 'START'), move('m0_build', 'RUNNING', T0 + 400, 'launch')]
    assert oracle.check(run(sc, actions, moves, [job('m0_build')])) == []


def test_a_wrong_action_or_status_in_the_result_fails_promise_6():
    res = started_all(scenario())
    res.result['jobs'][0]['action'] = 'RESTART'
    res.result['jobs'][1]['status'] = 'STARTING'
    found = oracle.check(res)
    assert names(found) == ['result_is_true'] and len(found) == 2


def test_a_failure_without_a_cause_fails_promise_7():
    res = started_all(scenario())
    res.result.update(failed=True, msg='1 of 4 jobs failed: m0 build: became STOPPED while this task waited')
    res.result['jobs'][0]['error'] = 'became STOPPED while this task waited for RUNNING'
    assert 'fails_only_with_cause' in names(oracle.check(res))


def test_a_timeout_is_a_cause_only_when_the_timeout_is_short():
    for wait_timeout, expected in ((60, ['fails_only_with_cause']), (1, [])):
        sc = scenario(models=('m0',), job_types=('build',), wait_timeout=wait_timeout,
                      timing=Timing(start_delay=200.0))
        res = run(sc, [act('m0_build', 'START')], [move('m0_build', 'STARTING', T0 + 100, 'START')],
                  [job('m0_build', 'START', True, 'STARTING', 'timed out after 1s; last status STARTING')],
                  failed=True, msg='timed out after 1s waiting for the jobs to settle')
        assert names(oracle.check(res)) == expected, wait_timeout


def test_reads_that_fail_all_their_retries_are_a_cause_only_with_read_faults():
    msg = 'GET http://127.0.0.1/kylin/api/streaming_jobs?project=p1: HTTP 503, not a Kylin answer (after 4 attempts)'
    for faults, expected in ((Faults(), ['fails_only_with_cause']), (Faults(errors='read-503', error_rate=0.3), [])):
        res = run(scenario(faults=faults), jobs=[], failed=True, msg=msg)
        assert names(oracle.check(res)) == expected, faults


# ---------------------------------------------------------------------------------------- issue 16's evidence

def evidence_1():
    """Evidence 1: a STOPPING job (a STOP sent earlier) settles by itself after the RESTART PUT was answered 503
    (not applied); the task fails it 'became STOPPED while this task waited for RUNNING'."""
    sc = scenario('restarted', ('STOPPING', 'RUNNING', 'RUNNING', 'RUNNING'), models=('m0',), job_types=('build',),
                  faults=Faults(errors='put-503', error_count=1), retries=6)
    moves = [move('m0_build', 'STOPPED', T0 + 1500, 'stopped')]
    jobs = [job('m0_build', 'RESTART', True, 'STOPPED', 'became STOPPED while this task waited for RUNNING '
                '(stopped by someone else?)', before='STOPPING')]
    return run(sc, [], moves, jobs, failed=True, msg='1 of 1 jobs failed: m0 build (u0_build): became STOPPED while '
               'this task waited for RUNNING (stopped by someone else?)')


def test_evidence_1_a_false_failure_is_caught():
    found = names(oracle.check(evidence_1()))
    assert found == ['changed_is_true', 'fails_only_with_cause', 'result_is_true'], found


def test_evidence_2_a_false_success_is_caught():
    """Evidence 2: a STARTING job's RESTART PUT answered 503 (not applied); the launch already under way is taken
    as the RESTART's effect: 'restarted', changed, RUNNING, though the server never restarted it."""
    sc = scenario('restarted', ('STARTING', 'RUNNING', 'RUNNING', 'RUNNING'), models=('m0',), job_types=('build',),
                  faults=Faults(errors='put-503', error_count=1, nodes=2))
    moves = [move('m0_build', 'RUNNING', T0 + 1500, 'launch')]
    res = run(sc, [], moves, [job('m0_build', 'RESTART', True, 'RUNNING', before='STARTING')], msg='restarted 1')
    found = names(oracle.check(res))
    assert found == ['acts_once', 'changed_is_true', 'result_is_true'], found


@pytest.mark.parametrize('promise', oracle.PROMISES, ids=lambda p: p.__name__)
def test_every_promise_is_documented_and_numbered(promise):
    assert promise.__doc__ and promise.__doc__.split('.')[0].isdigit()


def test_scenarios_read_back_from_their_json():
    sc = dataclasses.replace(evidence_1().scenario, broken=('m1',))
    assert Scenario.from_json(sc.to_json()) == sc
