# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The oracle: what the simulator's journal must show after one scenario, promise by promise.

It reads only what the server recorded (``/_sim/actions``: every action with its user and whether it was
applied; ``/_sim/transitions``: every status change with its time and cause) and the task's result, never
the engine's internals. Each promise is one function that returns the sentences of its violations; an
empty list from ``check()`` is a pass. The promises are those of docs/design.md §2.2 and §4:

1. ``ends_in_desired_state``: a task that succeeded left every selected job in the desired state when it
   ended (RUNNING; for ``stopped``, STOPPED, or ERROR when Kylin will not relaunch it, and no launch under
   way behind that ERROR, unless another controller's STOP put it there, on a job the task left alone).
2. ``acts_once``: ``started`` applies at most one START per job and no STOP or RESTART (``force`` may
   RESTART a job stuck in STOPPING instead); ``restarted`` exactly one restart per job (Kylin's RESTART,
   or for ``graceful`` a STOP and/or FORCE_STOP then one START); ``stopped`` at most one STOP and one
   FORCE_STOP, never a START or RESTART. A STOP that reached a STARTING job is lost by Kylin and does
   not count (``Run.lost_stops``): the task must send it again.
3. ``leaves_converged_jobs_alone``: a job already in the desired steady state when the task began gets
   nothing.
4. ``unselected_untouched``: no request of this task names a job it did not select.
5. ``changed_is_true``: ``changed`` (task and job) is true exactly when something this task sent was
   applied. Some cases are left to the task, which no reader of Kylin's API can tell apart
   (``Run.ambiguous``, ``Run.takeover_relaunched``, ``Run.outcome_unknown``): a STOP or FORCE_STOP that reached a job already
   STOPPING (it ends STOPPED either way); an action another controller also applied to the job during the
   task (for a STOP, the task's FORCE_STOP whose answer was lost looks the same: STOPPING, then STOPPED with
   a STOP record); and an epoch take-over's kill and relaunch of a job this task sent a RESTART whose
   answer was lost or refused with KE-010021002 (the owner may have applied it): the take-over writes the
   same STOP record, STARTING and START record a RESTART writes (docs/design.md §4, "a take-over's own kill
   and relaunch of a job looks like a RESTART"); and a job the task failed saying its last write may have
   been applied, when nothing it could read told (``Run.outcome_unknown``; also for ``action``).
6. ``result_is_true``: each job's ``action`` is the last action of this task the server applied (for a graceful
   restart, every step: ``RESTART (STOP, START)``), and a job reported without error has the status it really
   had when the task ended.
7. ``fails_only_with_cause``: no failure unless a fault made success impossible, and then a message that
   says which (``excuses()`` lists the causes a scenario allows).

The names of the actors: this task sends as ``ADMIN``; ``EARLIER`` sent the requests that put jobs in a
transitional status before the task; ``RIVAL`` is the second controller.
"""

import collections
import dataclasses
import re

TASK_USER = 'ADMIN'
EARLIER_USER = 'EARLIER'
RIVAL_USER = 'RIVAL'

UP_ACTIONS = ('START', 'RESTART')
DOWN_ACTIONS = ('STOP', 'FORCE_STOP')
# The statuses a job of each desired state may end in (LAUNCHING_ERROR is listed as ERROR).
GRACEFUL_SEQUENCE = re.compile(r'^(STOP,)?(FORCE_STOP,)?START$')
# What a job's error says when the task could not tell whether its last write took effect.
UNKNOWN_OUTCOME = re.compile(r'may (?:still be|have been) applied')


@dataclasses.dataclass
class Run:
    """What one scenario left behind: the task's result and the server's journal (times in ms)."""

    scenario: object              # scenario.Scenario
    ids: dict                     # job key -> Kylin job id
    result: dict                  # the module's result (failed, msg, changed, jobs...)
    actions: list                 # /_sim/actions
    transitions: list             # /_sim/transitions
    started: int                  # when the task began (ms, the server's clock)
    ended: int                    # when it returned
    kills: list = dataclasses.field(default_factory=list)
    counters: dict = dataclasses.field(default_factory=dict)   # /_sim/counters (requests, faults...)
    rival_outcome: str = None                                  # what the second controller's PUT got

    # ------------------------------------------------------------------ journal views

    def key_of(self, job_id):
        for key, value in self.ids.items():
            if value == job_id:
                return key
        return None

    def ours(self, key, applied=True):
        """This task's actions on one job, in order (``applied``: only those the server applied)."""
        job_id = self.ids[key]
        return [a['action'] for a in self.actions
                if a['job_id'] == job_id and a['user'] == TASK_USER and (a['ok'] or not applied)]

    def lost_stops(self, key):
        """How many of this task's STOPs reached the job while it was STARTING: Kylin applies them, and the launch
        then ends RUNNING all the same (docs/kylin-api.md §3.3), so the STOP must be sent again. The task sends no
        STOP to a job it sees STARTING; one lands there when it was held, or when a take-over relaunched the job."""
        job_id = self.ids[key]
        return sum(1 for a in self.actions if a['job_id'] == job_id and a['user'] == TASK_USER and a['ok']
                   and a['action'] == 'STOP' and a['status_before'] == 'STARTING')

    def effective(self, key):
        """``ours(key)`` without the lost STOPs."""
        job_id = self.ids[key]
        return [a['action'] for a in self.actions
                if a['job_id'] == job_id and a['user'] == TASK_USER and a['ok']
                and not (a['action'] == 'STOP' and a['status_before'] == 'STARTING')]

    def ambiguous(self, key):
        """This task's applied actions whose effect no reader of Kylin's API can tell apart from something else.

        - A STOP or FORCE_STOP that reached a job already STOPPING: either way it ends STOPPED, with a STOP record.
        - An action another controller also applied to the job during the task: its evidence (a new record, a new
          YARN application) is the same as this task's.
        - A STOP that landed on a launch YARN already knew (STARTING to STOPPING, then overwritten by the launch's
          RUNNING, docs/kylin-api.md §3.3) and whose answer the task never got: STOPPING writes no record, so
          once the launch overwrote it nothing a client reads shows it was applied. (On a launch YARN did not
          know yet it writes ERROR, a record: the task must count that one.)

        The task may count them as its own or not (``changed``, ``action``).
        """
        job_id = self.ids[key]
        rivals = set(a['action'] for a in self.others(key))
        return [a['action'] for a in self.actions if a['job_id'] == job_id and a['user'] == TASK_USER and a['ok']
                and ((a['status_before'] == 'STOPPING' and a['action'] in DOWN_ACTIONS) or a['action'] in rivals
                     or (a['action'] == 'STOP' and a['status_before'] == 'STARTING' and a['status_after'] == 'STOPPING'
                         and (a.get('answer_lost') or a.get('client_gone'))))]

    def outcome_unknown(self, key):
        """Whether the task failed the job saying its last write may have been applied: nothing it could read told
        (its answer lost, and the job's history unreadable), so it did not send it again (docs/design.md §4).
        Whether that write counts as the task's change (``changed``, ``action``) is then left to the task."""
        error = (self.job_result(key) or {}).get('error') or ''
        return bool(UNKNOWN_OUTCOME.search(error))

    def takeover_relaunched(self, key):
        """Whether an epoch take-over killed and relaunched the job while the task ran: the same history as a
        RESTART (a STOP record, STARTING, a START record). A task that sent the job a RESTART whose outcome it
        could not know (an answer lost, or KE-010021002) cannot tell the two apart, and may take the
        take-over's relaunch for its RESTART (docs/design.md §4); nor the take-over's kill from a STOP or
        FORCE_STOP whose answer it lost, when the relaunch then fails."""
        job_id = self.ids[key]
        return any(t['job_id'] == job_id and t['cause'] == 'takeover' and t['to'] == 'STARTING'
                   and self.started <= t['time'] <= self.ended for t in self.transitions)

    def launched_after(self, key):
        """Whether a launch completed (RUNNING, cause ``launch``) after the task ended, without any action applied to
        the job after the end: a launch that was already under way when the task ended."""
        job_id = self.ids[key]
        later = [a for a in self.actions if a['job_id'] == job_id and a['ok'] and a['time'] > self.ended]
        return not later and any(t['job_id'] == job_id and t['to'] == 'RUNNING' and t['cause'] == 'launch'
                                 and t['time'] > self.ended for t in self.transitions)

    def hidden_by_another(self, key):
        """Whether another controller's STOP met the job while it was being launched (STARTING to ERROR: the launch
        goes on, and its RUNNING overwrites that ERROR, docs/kylin-api.md §3.3) and this task applied nothing to it.
        A task whose reads began after that ERROR cannot tell it from an ERROR that stays (a STOP of a launching
        error writes the same history) without reading every ERROR job's history; one that read the job STARTING
        just before can, and force-stops it (docs/design.md §4)."""
        return not self.ours(key) and any(a['action'] == 'STOP' and a['status_before'] == 'STARTING'
                                          and a['status_after'] == 'ERROR' for a in self.others(key))

    def others(self, key):
        """Actions the server applied to one job for someone else during the task."""
        job_id = self.ids[key]
        return [a for a in self.actions if a['job_id'] == job_id and a['user'] != TASK_USER and a['ok']
                and self.started <= a['time'] <= self.ended]

    def status_at(self, key, when):
        """The job's internal status at ``when`` (ms), from the transition log (jobs are created STOPPED)."""
        job_id = self.ids[key]
        status = 'STOPPED'
        for entry in self.transitions:
            if entry['job_id'] == job_id and entry['time'] <= when:
                status = entry['to']
        return status

    def statuses_between(self, key, begin, end):
        job_id = self.ids[key]
        return [e['to'] for e in self.transitions if e['job_id'] == job_id and begin <= e['time'] <= end]

    def initial(self, key):
        return self.status_at(key, self.started)

    def final(self, key):
        return listed(self.status_at(key, self.ended))

    @property
    def failed(self):
        return bool(self.result.get('failed'))

    def job_result(self, key):
        job_id = self.ids[key]
        for res in self.result.get('jobs') or []:
            if res.get('id') == job_id:
                return res
        return None


def listed(status):
    """The status as the list shows it."""
    return 'ERROR' if status == 'LAUNCHING_ERROR' else status


def retry_on(scenario, key):
    return scenario.job(key).retry


def desired(scenario, key):
    """The statuses a selected job may end in."""
    if scenario.state == 'stopped':
        return ('STOPPED',) if retry_on(scenario, key) else ('STOPPED', 'ERROR')
    return ('RUNNING',)


def converged_at_start(run, key):
    """Whether the job needed nothing from this task when it began (a steady desired status, or on its way)."""
    scenario = run.scenario
    status = run.initial(key)
    if scenario.state == 'started':
        return status in ('RUNNING', 'STARTING')
    if scenario.state == 'stopped':
        return status == 'STOPPED' or (listed(status) == 'ERROR' and not retry_on(scenario, key))
    return False


def needs_launch(run, key):
    """Whether the desired state needs this task to launch the job (a broken model cannot be launched)."""
    scenario = run.scenario
    if scenario.state == 'restarted':
        return True
    return scenario.state == 'started' and not converged_at_start(run, key)


# ---------------------------------------------------------------------------------------- excuses

UNBOUNDED = 1000


def put_failures(scenario):
    """How many status PUTs the faults may refuse or leave unanswered without applying them (UNBOUNDED: a rate).

    A held write counts too: behind its take-over a STOP can land on the job the take-over relaunched, where the
    launch undoes it (docs/kylin-api.md §3.3), and sending it again takes one of the ``retries``."""
    faults = scenario.faults
    count = faults.epoch_moved + faults.transfer_failed + faults.metadata_unreachable + faults.held
    if faults.unbound:
        # every write is refused: a lost or late answer hides the refusal, and nothing was applied
        count += faults.lost + faults.late + faults.owner_unreachable
    if faults.errors in ('put-503', 'put-500'):
        count += faults.error_count
    if faults.drop_rate or (faults.errors == 'any-503' and faults.error_rate) or faults.owner_down:
        count += UNBOUNDED
    if faults.proxy_502:
        count += faults.proxy_502
    return count


@dataclasses.dataclass(frozen=True)
class Excuse:
    """A reason the task may fail: ``words`` its message must contain, ``jobs`` the jobs it may fail
    (None: any job, or the task as a whole)."""

    name: str
    words: tuple
    jobs: frozenset = None

    def covers(self, text, key=None):
        if self.jobs is not None and key is not None and key not in self.jobs:
            return False
        return any(w.lower() in (text or '').lower() for w in self.words)


def excuses(run):
    """The causes that make success impossible in this run, and the words a message must use to name them."""
    scenario = run.scenario
    found = []
    selected = scenario.selected
    broken = frozenset(k for k in selected if scenario.is_broken(k) and needs_launch(run, k))
    if broken:
        found.append(Excuse('broken model', ('broken',), broken))
    failed_launch = frozenset(k for k in selected
                              if 'LAUNCHING_ERROR' in run.statuses_between(k, run.started, run.ended))
    if failed_launch:
        found.append(Excuse('launch failure', ('failed to launch', 'launching_error'), failed_launch))
    if scenario.tight_timeout:
        found.append(Excuse('wait_timeout shorter than the server takes', ('timed out',)))
    faults = scenario.faults
    if faults.unbound:
        found.append(Excuse('the project is bound to no resource group (every write refused)',
                            ('KE-010021005', 'resource group')))
    if faults.errors == 'put-500' and faults.error_count:
        found.append(Excuse('a PUT refused by Kylin (JSON 500)', ('Simulated server fault',)))
    if put_failures(scenario) > scenario.retries:
        found.append(Excuse('writes refused or unanswered more often than retries allows', ('not applied after',)))
    if faults.read_faults:
        found.append(Excuse('reads that failed all their retries', (
            'GET http' if scenario.retries == 0 else 'after %d attempts' % (scenario.retries + 1),
            'could not be re-read')))
    return found


# ---------------------------------------------------------------------------------------- promises

def ends_in_desired_state(run):
    """1. A task that succeeded left every selected job in the desired state when it ended, and for ``stopped`` no
    launch already under way then (hidden behind an ERROR: a STOP that landed on a launch YARN did not know yet,
    docs/kylin-api.md §3.3) ran it afterwards: the journal is read until the runner stopped looking
    (``Scenario.settle_seconds`` after the end). Unless the ERROR was another controller's STOP on a job this
    task did not act on (``Run.hidden_by_another``)."""
    if run.failed:
        return []
    bad = []
    for key in run.scenario.selected:
        final = run.final(key)
        if final not in desired(run.scenario, key):
            bad.append('%s is %s when the task ended, not %s, yet the task succeeded' % (
                key, final, '/'.join(desired(run.scenario, key))))
        elif run.scenario.state == 'stopped' and run.launched_after(key) and not run.hidden_by_another(key):
            bad.append('%s was %s when the task ended, but a launch under way then made it RUNNING afterwards, yet '
                       'the task succeeded' % (key, final))
    return bad


def acts_once(run):
    """2. How many actions of each kind this task may have applied to a selected job."""
    scenario = run.scenario
    bad = []
    for key in scenario.selected:
        ours = run.effective(key)
        counts = collections.Counter(ours)
        seq = ','.join(run.ours(key))
        jobs_error = (run.job_result(key) or {}).get('error')
        complete = not run.failed and not jobs_error
        if scenario.state == 'started':
            allowed_restart = scenario.force and 'STOPPING' in (run.initial(key),)
            extra = [a for a in ours if a not in ('START', 'RESTART') or (a == 'RESTART' and not allowed_restart)]
            if extra:
                bad.append('%s: state=started applied %s (only START%s is allowed)' % (
                    key, seq, ', or RESTART of a STOPPING job with force' if scenario.force else ''))
            elif counts['START'] + counts['RESTART'] > 1:
                bad.append('%s: state=started applied %s: more than one START' % (key, seq))
        elif scenario.state == 'stopped':
            if counts['START'] or counts['RESTART']:
                bad.append('%s: state=stopped applied %s' % (key, seq))
            elif counts['STOP'] > 1 or counts['FORCE_STOP'] > 1:
                bad.append('%s: state=stopped applied %s: an action twice' % (key, seq))
            elif scenario.force and counts['STOP']:
                bad.append('%s: state=stopped with force applied %s: a graceful STOP' % (key, seq))
        elif scenario.restart_method == 'kylin':
            if any(a != 'RESTART' for a in ours) or counts['RESTART'] > 1:
                bad.append('%s: restart_method=kylin applied %s (one RESTART expected)' % (key, seq))
            elif complete and counts['RESTART'] != 1 and not run.takeover_relaunched(key):
                bad.append('%s: restarted without a RESTART of this task (applied: %s), yet reported done' % (
                    key, seq or 'nothing'))
        else:
            steps = ','.join(ours)
            if ours and not GRACEFUL_SEQUENCE.match(steps) and not GRACEFUL_SEQUENCE.match(steps + ',START'):
                bad.append('%s: restart_method=graceful applied %s (STOP and/or FORCE_STOP, then one START '
                           'expected)' % (key, seq))
            elif complete and counts['START'] != 1:
                bad.append('%s: restarted without a START of this task (applied: %s), yet reported done' % (
                    key, seq or 'nothing'))
            elif (complete and run.initial(key) in ('RUNNING', 'STARTING') and not (counts['STOP'] or counts['FORCE_STOP'])
                  and not run.takeover_relaunched(key)):
                bad.append('%s: was %s, restarted gracefully without a STOP (applied: %s)' % (
                    key, run.initial(key), seq))
    return bad


def left_by_itself(run, key):
    """Whether the job had left the desired state by the task's first applied action on it, through something else
    (an epoch take-over, a failed launch, another controller): then it is the task's to act on."""
    job_id = run.ids[key]
    first = [a['time'] for a in run.actions if a['job_id'] == job_id and a['user'] == TASK_USER and a['ok']]
    until = min(first) if first else run.ended
    keep = {'started': ('RUNNING', 'STARTING'), 'stopped': ('STOPPED',)}.get(run.scenario.state, ())
    moves = [t['to'] for t in run.transitions if t['job_id'] == job_id and run.started <= t['time'] < until]
    return bool(moves) and moves[-1] not in keep


def leaves_converged_jobs_alone(run):
    """3. A job already in the desired steady state when the task began gets nothing (unless it left it by itself)."""
    bad = []
    for key in run.scenario.selected:
        if converged_at_start(run, key) and run.ours(key) and not left_by_itself(run, key):
            bad.append('%s was already %s when the task began, yet the task applied %s' % (
                key, listed(run.initial(key)), ','.join(run.ours(key))))
    return bad


def unselected_untouched(run):
    """4. No request of this task names a job it did not select."""
    bad = []
    for key in run.scenario.unselected:
        sent = run.ours(key, applied=False)
        if sent:
            bad.append('%s was not selected, yet the task sent it %s' % (key, ','.join(sent)))
    return bad


def changed_is_true(run):
    """5. ``changed`` is true exactly when something this task sent was applied."""
    bad = []
    applied_any = either = False
    for key in run.scenario.selected:
        ours = run.ours(key)
        applied = bool(ours)
        rivals = set(a['action'] for a in run.others(key))
        unclear = (applied and ours == run.ambiguous(key)) or (not applied and rivals & set(UP_ACTIONS + DOWN_ACTIONS)) or (
            not applied and run.scenario.state in ('restarted', 'stopped') and run.takeover_relaunched(key)) or (
            applied and run.outcome_unknown(key))
        applied_any = applied_any or (applied and not unclear)
        either = either or unclear
        res = run.job_result(key)
        if res is not None and bool(res.get('changed')) != applied and not unclear:
            bad.append('%s: reported changed=%s, but the server applied %s from this task' % (
                key, res.get('changed'), ','.join(ours) or 'nothing'))
    if bool(run.result.get('changed')) != applied_any and not (either and not applied_any):
        bad.append('the task reported changed=%s, but the server applied %s of its actions' % (
            run.result.get('changed'), 'some' if applied_any else 'none'))
    return bad


def result_is_true(run):
    """6. Each job's ``action`` and ``status`` are what the server shows."""
    bad = []
    reported = run.result.get('jobs') or []
    if reported and sorted(r.get('id') for r in reported) != sorted(run.ids[k] for k in run.scenario.selected):
        bad.append('the result lists %s, not the selected jobs' % ', '.join(
            sorted(run.key_of(r.get('id')) or str(r.get('id')) for r in reported)))
    for key in run.scenario.selected:
        res = run.job_result(key)
        if res is None:
            continue
        ours = run.ours(key)
        allowed = {expected_action(run.scenario, ours)}
        ambiguous = run.ambiguous(key)
        if ambiguous:
            # without the first or the last ambiguous actions (each may or may not be counted as this task's)
            for drop in range(1, len(ambiguous) + 1):
                allowed.add(expected_action(run.scenario, _without(ours, ambiguous[:drop])))
                allowed.add(expected_action(run.scenario, _without(ours, ambiguous[-drop:])))
        if ours and run.outcome_unknown(key):
            allowed.add(expected_action(run.scenario, ours[:-1]))
        rivals = set(a['action'] for a in run.others(key))
        if not ours and rivals:
            allowed |= set(expected_action(run.scenario, [r]) for r in rivals)
            if 'STOP' in rivals:
                allowed.add('FORCE_STOP')  # a lost FORCE_STOP looks like the rival's STOP: STOPPING, then a STOP record
        if run.scenario.state == 'stopped' and not ours and run.takeover_relaunched(key):
            # the take-over's kill taken for a STOP or FORCE_STOP whose answer the task never got
            allowed.add('FORCE_STOP' if run.scenario.force else 'STOP')
        if run.scenario.state == 'restarted' and run.takeover_relaunched(key):
            if not ours:
                allowed.add('RESTART')
            if run.scenario.restart_method == 'graceful' and 'STOP' not in ours:
                # the take-over's kill taken for a graceful STOP whose answer the task never got
                allowed.add(expected_action(run.scenario, ['STOP'] + list(ours)))
        if res.get('action') not in allowed:
            expected = expected_action(run.scenario, ours)
            bad.append('%s: reported action %s, but the actions of this task the server applied make it %s' % (
                key, res.get('action'), expected))
        if not run.failed and not res.get('error') and res.get('status') != run.final(key):
            bad.append('%s: reported status %s, but it was %s when the task ended' % (
                key, res.get('status'), run.final(key)))
    return bad


def _without(actions, dropped):
    """``actions`` with one occurrence of each of ``dropped`` removed."""
    left = list(actions)
    for action in dropped:
        if action in left:
            left.remove(action)
    return left


def expected_action(scenario, ours):
    """The ``action`` a job's result must show for the actions of this task the server applied to it: the last one,
    or for a graceful restart that got its START every step of it (``RESTART (STOP, START)``)."""
    if not ours:
        return None
    if scenario.state == 'restarted' and scenario.restart_method == 'graceful' and 'START' in ours:
        return 'RESTART (%s)' % ', '.join(ours)
    return ours[-1]


def fails_only_with_cause(run):
    """7. No failure unless a fault made success impossible, and then a message that says which."""
    if not run.failed:
        return []
    allowed = excuses(run)
    msg = run.result.get('msg') or ''
    if not allowed:
        return ['the task failed, but nothing in this scenario makes success impossible: %s' % msg]
    bad = []
    if not any(e.covers(msg) for e in allowed):
        bad.append('the task failed with a message that names none of the causes this scenario allows (%s): %s' % (
            '; '.join(e.name for e in allowed), msg))
    for key in run.scenario.selected:
        error = (run.job_result(key) or {}).get('error')
        if error and not any(e.covers(error, key) for e in allowed):
            bad.append('%s failed without a cause this scenario allows (%s): %s' % (
                key, '; '.join(e.name for e in allowed), error))
    return bad


PROMISES = (ends_in_desired_state, acts_once, leaves_converged_jobs_alone, unselected_untouched, changed_is_true,
            result_is_true, fails_only_with_cause)


def check(run):
    """Every violation of every promise, as ``(promise name, sentence)``."""
    found = []
    for promise in PROMISES:
        for sentence in promise(run):
            found.append((promise.__name__, sentence))
    return found


def verdicts(run):
    """How many verdicts ``check`` took: one per promise and selected job (the figures of docs/reliability.md)."""
    return len(PROMISES) * max(1, len(run.scenario.selected))
