# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fixed cases of the model-based suite: scenarios kept for good, run by test_cases.py in every ``make test``.

Each is a scenario the oracle must pass: issue 16's two pieces of evidence, and the shrunk failures the
generated suite found (with the seed or blob it printed). All failed on the engine before issue 16's fix
(``before`` says how); the engine's ``PutAttempt`` passes them all. Their faults race with transitions already under
way, so each case runs ``RUNS`` times and passes only when every run passes: a correct engine passes every
interleaving. A case the engine still fails carries ``known``: the reason, and it runs as
``xfail(strict=True)``, so that it stays visible and turns red the day it passes without its mark being
removed.

To add one: copy the JSON a failing run printed ("Keep it as a fixed case") into ``Scenario.from_json`` below,
or write the scenario out, and say why it matters.
"""

import collections

from scenario import Faults, JobSpec, Scenario, Timing

# ``before``: what the engine did wrong before it was fixed (kept as the case's history); ``known``: set while the
# engine still fails the case (the reason; the case is then a strict xfail).
Case = collections.namedtuple('Case', 'name why found scenario before known', defaults=(None, None))
RUNS = 3


def jobs(*statuses, **flags):
    """JobSpecs of models m0, m1 ... from their (build, merge) statuses; ``flags``: key -> JobSpec fields."""
    specs = []
    for number, pair in enumerate(statuses):
        for job_type, status in zip(('build', 'merge'), pair):
            key = 'm%d_%s' % (number, job_type)
            specs.append(JobSpec('m%d' % number, job_type, status, **flags.get(key, {})))
    return tuple(specs)


# Seconds in the scenarios are Kylin seconds (the suite's time scale is 0.02: 200 Kylin s are 4 s). The
# evidence's transitions end 1.5 s after the task began, while the task does not know whether its write was
# applied; here they end just after the task's first write arrives (``settle_on_write``), so that every run
# puts them in that window, whatever the machine's load.
CASES = [
    Case(
        name='evidence-1-false-failure-after-a-lost-answer',
        why='Issue 16, evidence 1. Two selected build jobs are STOPPING when the task starts (a STOP sent just '
            'before) and settle to STOPPED by themselves just after the first write. The RESTART PUT of the first is answered '
            'by a proxy 503 page and not applied. The natural end of the STOPPING must not be taken for the '
            'RESTART\'s progress: each job is restarted once and the task succeeds.',
        found='issue 16',
        before='engine before the fix: the follower takes the STOPPING that began before the PUT for the lost RESTART\'s effect, '
              'waits for RUNNING and fails the job "became STOPPED while this task waited for RUNNING"',
        scenario=Scenario(
            jobs=jobs(('STOPPING', 'STOPPED'), ('STOPPING', 'STOPPED'), ('RUNNING', 'STOPPED'),
                      ('RUNNING', 'STOPPED')),
            models=('m0', 'm1', 'm2'), job_types=('build',), state='restarted', retries=6, poll_interval=0.3,
            batch_size=1, timing=Timing(start_delay=20.0, stop_delay=200.0, kill=0.2, end_of_run_kill=False),
            faults=Faults(errors='put-503', error_count=1), settle_on_write=True)),
    Case(
        name='evidence-2-false-success-after-a-lost-answer',
        why='Issue 16, evidence 2. A selected build job is STARTING when the task starts (a START sent just '
            'before; RUNNING just after the write). Its RESTART PUT is answered by a proxy 503 page and not applied; '
            'reads lag behind writes on half the requests. The launch already under way is not the RESTART: '
            'the job must be restarted by this task, and reported as the server shows it.',
        found='issue 16',
        before='engine before the fix: the launch that was already under way is taken for the lost RESTART\'s effect; the task '
              'reports "restarted", changed, though the server never restarted the job',
        scenario=Scenario(
            jobs=jobs(('STARTING', 'STOPPED'), ('RUNNING', 'STOPPED')),
            models=('m0', 'm1'), job_types=('build',), state='restarted', batch_size=0,
            timing=Timing(start_delay=200.0, stop_delay=1.0, kill=0.2),
            faults=Faults(errors='put-503', error_count=1, nodes=2), settle_on_write=True)),
    Case(
        name='force-stop-of-a-stopping-job-answered-503',
        why='A job STOPPING from a STOP sent just before; `force` sends FORCE_STOP, answered by a proxy 503 page '
            'and not applied. The job then settles to STOPPED by itself: the desired state is reached, but this '
            'task applied nothing, so it must report changed: false and no action.',
        found='generated, seed 20261201 (shard 2), shrunk',
        before='engine before the fix: the STOPPING that began before the FORCE_STOP is taken for its effect: the task reports '
              '"force-stopped 1", changed, action FORCE_STOP, though the server applied nothing of it',
        scenario=Scenario(
            jobs=jobs(('STOPPING', 'STOPPED')), models=('m0',), job_types=('build',), state='stopped', force=True,
            timing=Timing(start_delay=2.0, stop_delay=200.0, kill=0.2, end_of_run_kill=False),
            faults=Faults(errors='put-503', error_count=1), settle_on_write=True)),
    Case(
        name='force-stop-of-a-starting-job-answered-503',
        why='A job STARTING from a START sent just before; `state: stopped, force: true` sends FORCE_STOP, answered '
            'by a proxy 503 page and not applied. The launch completing (STARTING to RUNNING) is not the FORCE_STOP\'s '
            'effect: the job must be force-stopped, not failed "is RUNNING after FORCE_STOP".',
        found='generated, seed 20261201, shrunk',
        before='engine before the fix: the launch already under way counts as the lost FORCE_STOP\'s effect, then the task fails the '
              'job "is RUNNING after FORCE_STOP (started again by someone else?)"',
        scenario=Scenario(
            jobs=jobs(('STARTING', 'STOPPED')), models=('m0',), job_types=('build',), state='stopped', force=True,
            timing=Timing(start_delay=200.0, stop_delay=1.0, kill=0.2),
            faults=Faults(errors='put-503', error_count=1), settle_on_write=True)),
    Case(
        name='epoch-moved-while-a-job-is-stopping',
        why='A job STOPPING from a STOP sent just before; its RESTART is refused KE-040021201 (the project\'s epoch '
            'moved, nothing applied). The re-read that follows sees the job STOPPED, by its own STOP: that is not '
            'the RESTART, which must be sent again; the job ends restarted once, the task true to the server.',
        found='generated, seed 20261201, shrunk',
        before='engine before the fix: the re-read after the refusal takes STOPPING -> STOPPED for the RESTART\'s effect: '
              'reported changed and RESTART, then failed "became STOPPED while this task waited for RUNNING"',
        scenario=Scenario(
            jobs=jobs(('STOPPING', 'STOPPED')), models=('m0',), job_types=('build',), state='restarted',
            timing=Timing(start_delay=2.0, stop_delay=200.0, kill=0.2, end_of_run_kill=False),
            faults=Faults(epoch_moved=1), settle_on_write=True)),
    Case(
        name='transient-refusals-are-retried',
        why='Two STOPPED jobs to start; the first START PUT is refused KE-010021003 (the request cannot be '
            'forwarded now) and the next KE-010019002 (the metadata database unreachable), before anything is '
            'applied. Both are transient (docs/kylin-api.md §11.4): the writes are sent again within `retries` '
            'and the task succeeds.',
        found='docs/kylin-api.md §11.4; generated, seed 20261201',
        before='engine before the fix: KE-010021003 and KE-010019002 are taken for refusals of the first job, which fails '
              '"START refused"',
        scenario=Scenario(
            jobs=jobs(('STOPPED', 'STOPPED')), models=('m0',), state='started',
            faults=Faults(transfer_failed=1, metadata_unreachable=1))),
    Case(
        name='a-launch-that-fails-behind-a-lost-answer',
        why='A STOPPED job whose next launch fails; its START is applied but the answer is lost. The launch fails '
            '(STARTING, then ERROR with launching_error) before the follower sees it move. That ERROR is newer than '
            'the START (a new record): the START took effect and the launch failed, so the task must fail the job '
            '"failed to launch", not send a second START.',
        found='generated, seed 20261201',
        before='engine before the fix: the follower sees ERROR before and after the lost START, sends START again (two STARTs '
              'applied) and reports the job started',
        scenario=Scenario(
            jobs=jobs(('ERROR', 'STOPPED'), m0_build=dict(fail_launch=True)), models=('m0',), job_types=('build',),
            state='started', timing=Timing(start_delay=2.0, stop_delay=1.0, kill=0.2),
            faults=Faults(lost=1))),
    Case(
        name='a-transient-refusal-of-a-restart-of-running-jobs',
        why='Two RUNNING jobs to restart; the RESTART PUT is refused KE-010019002 (the metadata database '
            'unreachable) before anything is applied. The re-read shows the jobs RUNNING, as they were before: '
            'that is not the RESTART\'s effect. The RESTART must be sent again, and each job restarted once.',
        found='generated, seed 20261201 (the task waited 60 s for a launch that never came)',
        before='engine before the fix: a job already in the status the action leads to counts as moved ("an error no job can be '
              'blamed for"): the RESTART is taken as applied, the task waits for a new launch until wait_timeout',
        scenario=Scenario(
            jobs=jobs(('RUNNING', 'RUNNING')), models=('m0',), state='restarted', batch_size=1, wait_timeout=5,
            timing=Timing(start_delay=2.0, stop_delay=1.0, kill=0.2),
            faults=Faults(metadata_unreachable=1))),
    Case(
        name='a-refused-restart-of-running-jobs',
        why='Two RUNNING jobs to restart in one PUT; Kylin refuses it with an error that names no job (a JSON 500), '
            'before anything is applied. The re-read shows both RUNNING, as before the PUT: neither moved. The '
            'error belongs to the first job that did not move (docs/design.md §4), which fails with Kylin\'s '
            'message; the other is sent again and restarted once.',
        found='generated, seed 20261201 (shrunk by hand from two scenarios that timed out)',
        before='engine (h/engine cacc74f, main 18145de): a job already in the status the action leads to (RUNNING for a RESTART) '
              'counts as moved in the blame; with every job "moved" the RESTART is taken as applied to both, the '
              'task waits for launches that never come and times out',
        scenario=Scenario(
            jobs=jobs(('RUNNING', 'RUNNING')), models=('m0',), state='restarted', wait_timeout=5,
            timing=Timing(start_delay=2.0, stop_delay=1.0, kill=0.2),
            faults=Faults(errors='put-500', error_count=1))),
    Case(
        name='a-held-stop-lost-on-a-job-the-take-over-relaunched',
        why='A graceful restart of a RUNNING job; its STOP is held behind an epoch take-over '
            '(docs/kylin-api.md §11.2), which kills and relaunches the project\'s running jobs one at a time and '
            'then applies the STOP to the job it relaunched, still STARTING: Kylin loses a STOP sent while '
            'starting (docs/kylin-api.md §3.3), and the launch ends RUNNING. Nobody else started the job; the STOP '
            'did not take: it must be sent again (within retries), and the job restarted once.',
        found='generated, seed 20261201 (shard 4), shrunk by hand',
        before='engine (h/engine cacc74f, main 18145de): the STOP counts as applied (its journal entry is ok), the RUNNING that '
              'follows fails the job "is RUNNING again after STOP (started again by someone else?)"',
        scenario=Scenario(
            jobs=jobs(('RUNNING', 'STOPPED'), ('RUNNING', 'STOPPED')), models=('m0',), job_types=('build',),
            state='restarted', restart_method='graceful',
            timing=Timing(start_delay=60.0, stop_delay=20.0, kill=21.0), faults=Faults(held=1))),
    Case(
        name='a-held-stop-of-state-stopped-lost-on-a-relaunched-job',
        why='The same with `state: stopped`: one RUNNING job; its STOP is held behind an epoch take-over that '
            'relaunches the job, and lands while the job is STARTING, where Kylin loses it. The job is RUNNING '
            'again: the STOP must be sent again, and the task succeed.',
        found='make soak, seed 14820556, shrunk by Hypothesis to this (MODEL_REPLAY=AXicc2R0ZHAEYQYwAWFih4wgxAlXBADTdwbs)',
        before='engine (h/engine cacc74f, main 18145de): fails the job "is RUNNING again after STOP (started again by someone '
              'else?)"; in other runs of the same kind it sends the STOP again and succeeds',
        scenario=Scenario(
            jobs=jobs(('STOPPED', 'RUNNING')), models=('m0',), state='stopped',
            timing=Timing(start_delay=2.0, stop_delay=1.0, kill=0.2), faults=Faults(held=1, proxy_502=1))),
    Case(
        name='a-held-stop-that-met-a-launch-yarn-did-not-know',
        why='One RUNNING job to stop; its STOP is held behind an epoch take-over that kills and relaunches it, and '
            'lands on the launch before YARN knows it: Kylin writes ERROR (docs/kylin-api.md §3.3), and the launch '
            'goes on, its RUNNING 0.4 s later overwriting the ERROR. ERROR is a stopped state, but this one will not '
            'last: the job\'s history shows the take-over\'s kill just before the ERROR, so the task must wait for '
            'the launch and send the STOP again.',
        found='make soak, seed 738537191 (shrunk by hand from two scenarios of the same kind)',
        before='engine (h/engine2 590179c): takes the ERROR for the end of the STOP and reports the job stopped; the '
               'launch runs it a moment later',
        scenario=Scenario(
            jobs=jobs(('RUNNING', 'STOPPED')), models=('m0',), job_types=('build',), state='stopped',
            timing=Timing(start_delay=20.0, stop_delay=1.0, kill=0.2), faults=Faults(held=1))),
    Case(
        name='a-held-stop-that-met-a-launch-yarn-did-not-know-graceful',
        why='The same with a graceful restart: the STOP lands as ERROR on the take-over\'s relaunch. The job was '
            'never stopped gracefully: the task must wait for the launch, stop the job, then start it.',
        found='make soak, seed 738537191 (the graceful variant, written by hand)',
        before='engine (h/engine2 590179c): starts the job from that ERROR at once (killing the launch), so the '
               'job is restarted without a graceful STOP',
        scenario=Scenario(
            jobs=jobs(('RUNNING', 'STOPPED')), models=('m0',), job_types=('build',), state='restarted',
            restart_method='graceful', timing=Timing(start_delay=20.0, stop_delay=1.0, kill=0.2),
            faults=Faults(held=1))),
    Case(
        name='a-rolling-batch-decided-on-the-selection-read',
        why='`state: stopped, force: true` in batches of one: the merge job (RUNNING) first, then the build job, '
            'STOPPING when the task began, which settles to STOPPED during the first batch. Its batch must be '
            'decided on a fresh read (nothing to do), not on the selection read: a FORCE_STOP sent to the STOPPED '
            'job, its answer lost, is then judged against a STOPPING snapshot and not counted as applied.',
        found='make soak, seed 738537191 (shard 1; shrunk by hand)',
        before='engine (h/engine2 590179c): sends FORCE_STOP to the job already STOPPED; its answer lost, reports '
               'changed: false and no action, though Kylin applied it',
        scenario=Scenario(
            jobs=jobs(('STOPPING', 'RUNNING')), models=('m0',), state='stopped', force=True, batch_size=1,
            timing=Timing(start_delay=2.0, stop_delay=200.0, kill=21.0), faults=Faults(lost=2),
            settle_on_write=True)),
    Case(
        name='a-later-put-decided-on-rows-read-before-the-earlier-puts',
        why='The same within one round: FORCE_STOP of two RUNNING merge jobs and a STOPPING build job, two jobs per '
            'PUT (21 s kills, `timeout: 2`). The build job settles to STOPPED while the first PUT kills the merges; '
            'the second PUT must be decided on a fresh read, not on the rows the round began with.',
        found='make soak, seed 738537191 (shard 0; shrunk by hand)',
        before='engine (h/engine2 590179c): sends FORCE_STOP to the job already STOPPED; its answer lost, reports '
               'changed: false and no action, though Kylin applied it',
        scenario=Scenario(
            jobs=jobs(('STOPPED', 'RUNNING'), ('STOPPED', 'RUNNING'), ('STOPPING', 'STOPPED')),
            job_ids=('m0_merge', 'm1_merge', 'm2_build'), state='stopped', force=True, timeout=2,
            timing=Timing(start_delay=2.0, stop_delay=200.0, kill=21.0), faults=Faults(lost=3),
            settle_on_write=True)),
    Case(
        name='a-held-stop-that-met-a-launch-its-answer-lost',
        why='One RUNNING job to stop, `retries: 0`; its STOP is held behind an epoch take-over, lands as ERROR on the '
            'relaunch YARN does not know yet, and its answer is held past the timeout. When the task reads again, '
            'the launch has overwritten the ERROR: RUNNING. The history shows the STOP was applied (an ERROR after '
            'the take-over\'s kill): it is this task\'s change, even though it did not take, and with no retry '
            'left the job fails saying so.',
        found='make soak, seed 464709737 (shrunk by hand; there with three refusals before it, `retries: 3`)',
        before='engine (h/engine2 bb41159): settles the lost STOP on the RUNNING alone ("still RUNNING"), reports '
               'changed: false and no action, though Kylin applied it',
        scenario=Scenario(
            jobs=jobs(('RUNNING', 'STOPPED')), models=('m0',), job_types=('build',), state='stopped', retries=0,
            timeout=2, timing=Timing(start_delay=20.0, stop_delay=1.0, kill=0.2), faults=Faults(held=1, late=1))),
    Case(
        name='a-held-force-stop-of-a-stopping-job-a-take-over-killed',
        why='A job STOPPING (a STOP sent just before, a long micro-batch); `force` sends FORCE_STOP, held behind an '
            'epoch take-over that kills the STOPPING job (ERROR), then applied (STOPPED); its answer is held past the '
            'timeout. STOPPED after STOPPING is what the stop under way would have given too, but the history shows '
            'an ERROR, then a STOP record: something stopped the ERROR job, and a graceful stop of an ERROR job writes '
            'nothing. It is this task\'s FORCE_STOP: changed, action FORCE_STOP.',
        found='make soak, seed of the third run (shard 1), a graceful restart with force_after 0; written by hand',
        before='engine (h/engine2 f2602d3): takes STOPPING -> STOPPED for the stop under way ("cannot be told apart"), '
               'reports changed: false and no action, though Kylin applied the FORCE_STOP',
        scenario=Scenario(
            jobs=jobs(('STOPPING', 'STOPPED')), models=('m0',), job_types=('build',), state='stopped', force=True,
            timeout=2, timing=Timing(start_delay=2.0, stop_delay=200.0, kill=21.0), faults=Faults(held=1, late=1))),
    Case(
        name='a-lagging-running-after-a-restart-the-history-proved',
        why='A merge job STARTING (a START sent just before) settles to RUNNING just after the task\'s RESTART is sent; '
            'the RESTART is held behind an epoch take-over, which kills and relaunches the job. The history shows a STOP '
            'record newer than the send (the take-over\'s kill, which no client can tell from the RESTART\'s), so the '
            'RESTART counts as applied; a node that has not caught up still shows the RUNNING of before that kill, with '
            'an application the task had not known. That RUNNING is older than the STOP the history showed: it is not '
            'the launch that followed, and the task waits for the launch.',
        found='make soak, seed 430367645 (26356fdbca0d)',
        before='engine (main e1a2ea5): took the lagging RUNNING, older than the STOP record, for the new launch (a new '
               'YARN application): reported RUNNING and success while the job was STARTING',
        scenario=Scenario.from_json(
            '{"batch_size": 0, "broken": [], "faults": {"drop_rate": 0.0, "epoch_moved": 0, "error_count": 0, '
            '"error_rate": 0.0, "errors": "", "held": 1, "json_503": false, "late": 1, "lost": 0, '
            '"metadata_unreachable": 0, "nodes": 2, "owner_down": 1.0, "owner_unreachable": 0, "proxy_502": 0, '
            '"seed": 8287, "stall_rate": 0.3, "transfer_failed": 2, "unbound": false}, "force": false, '
            '"force_after": null, "job_ids": ["m3_merge"], "job_types": ["build", "merge"], '
            '"jobs": [{"fail_launch": false, "initial": "RUNNING", "model": "m0", "retry": false, "type": "build"}, '
            '{"fail_launch": false, "initial": "STOPPED", "model": "m0", "retry": false, "type": "merge"}, '
            '{"fail_launch": false, "initial": "STOPPED", "model": "m1", "retry": false, "type": "build"}, '
            '{"fail_launch": false, "initial": "STOPPED", "model": "m1", "retry": false, "type": "merge"}, '
            '{"fail_launch": false, "initial": "STOPPED", "model": "m2", "retry": false, "type": "build"}, '
            '{"fail_launch": false, "initial": "STOPPED", "model": "m2", "retry": false, "type": "merge"}, '
            '{"fail_launch": false, "initial": "STOPPED", "model": "m3", "retry": false, "type": "build"}, '
            '{"fail_launch": false, "initial": "STARTING", "model": "m3", "retry": false, "type": "merge"}], '
            '"models": null, "poll_interval": 0.05, "restart_method": "kylin", "retries": 3, "rival": null, '
            '"settle_on_write": true, "state": "restarted", "timeout": 2, "timing": {"end_of_run_kill": true, "kill": 0.2, '
            '"start_delay": 60.0, "start_work": 0.0, "stop_delay": 1.0, "stop_work": 0.0}, "wait_timeout": 60}')),
    Case(
        name='a-graceful-restart-whose-stop-a-take-over-did',
        why='A graceful restart: the STOP is answered KE-010021002 (Kylin recovering: it may or may not be applied) '
            'while an epoch take-over kills and relaunches the job, whose launch fails. A read that shows the '
            'launching error STARTs the job, once. A lagging read that still shows the run before the kill sends '
            'the STOP again; it lands on the launching error (ERROR, after the kill\'s STOP record: the history of a '
            'STOP that met a launch still under way). The task holds the job (a START could run a second '
            'application) and no older view ends that hold; at the timeout it fails, saying the launch may have '
            'failed. The oracle excuses the missing STOP as it excuses a RESTART a take-over did.',
        found='make soak, seed 430367645 (1adbb0eb5daa)',
        before='engine (main 865652c): a lagging read of the run before the kill ended the hold, so the STOP was sent '
               'twice more to the ERROR job (three STOPs), and the job failed "STOP not applied" without naming the '
               'launch',
        scenario=Scenario.from_json(
            '{"batch_size": 0, "broken": [], "faults": {"drop_rate": 0.0, "epoch_moved": 0, "error_count": 0, '
            '"error_rate": 0.0, "errors": "", "held": 0, "json_503": false, "late": 0, "lost": 0, '
            '"metadata_unreachable": 0, "nodes": 3, "owner_down": 1.0, "owner_unreachable": 2, "proxy_502": 0, '
            '"seed": 58368, "stall_rate": 0.3, "transfer_failed": 0, "unbound": false}, "force": false, '
            '"force_after": null, "job_ids": null, "job_types": ["build", "merge"], "jobs": [{"fail_launch": true, '
            '"initial": "RUNNING", "model": "m0", "retry": false, "type": "build"}, {"fail_launch": false, '
            '"initial": "STOPPED", "model": "m0", "retry": false, "type": "merge"}, {"fail_launch": false, '
            '"initial": "STOPPED", "model": "m1", "retry": false, "type": "build"}, {"fail_launch": false, '
            '"initial": "ERROR", "model": "m1", "retry": true, "type": "merge"}, {"fail_launch": false, '
            '"initial": "STOPPED", "model": "m2", "retry": false, "type": "build"}, {"fail_launch": false, '
            '"initial": "ERROR", "model": "m2", "retry": false, "type": "merge"}], "models": ["m0"], '
            '"poll_interval": 0.05, "restart_method": "graceful", "retries": 3, "rival": null, "settle_on_write": false, '
            '"state": "restarted", "timeout": 10, "timing": {"end_of_run_kill": true, "kill": 0.2, "start_delay": 2.0, '
            '"start_work": 0.0, "stop_delay": 1.0, "stop_work": 0.0}, "wait_timeout": 10}')),
    Case(
        name='a-held-stop-that-met-a-take-over-launch-already-failed',
        why='A graceful restart; the STOP is sent while the job is RUNNING and held behind an epoch take-over, which '
            'kills the job and launches it again; that launch fails (launching error), and the held STOP is then '
            'applied to it, answered 200: ERROR, after the kill\'s STOP record, the history of a STOP that met a '
            'launch still under way, whose RUNNING would overwrite it. No read tells the two apart, so the task holds '
            'the job and, at the timeout, fails it saying the launch may have failed to launch.',
        found='make soak, seed 552254223 (bf45fd1c8980)',
        before='engine (main 865652c): held the job until wait_timeout too, and failed it "timed out; last status '
               'ERROR", naming no cause',
        scenario=Scenario.from_json(
            '{"batch_size": 0, "broken": [], "faults": {"drop_rate": 0.0, "epoch_moved": 0, "error_count": 0, '
            '"error_rate": 0.0, "errors": "", "held": 1, "json_503": false, "late": 0, "lost": 2, '
            '"metadata_unreachable": 3, "nodes": 1, "owner_down": 0.0, "owner_unreachable": 0, "proxy_502": 1, '
            '"seed": 1346, "stall_rate": 0.0, "transfer_failed": 0, "unbound": false}, "force": false, '
            '"force_after": null, "job_ids": null, "job_types": ["build"], "jobs": [{"fail_launch": true, '
            '"initial": "STARTING", "model": "m0", "retry": false, "type": "build"}, {"fail_launch": false, '
            '"initial": "STOPPED", "model": "m0", "retry": false, "type": "merge"}, {"fail_launch": false, '
            '"initial": "ERROR", "model": "m1", "retry": false, "type": "build"}, {"fail_launch": false, '
            '"initial": "LAUNCHING_ERROR", "model": "m1", "retry": false, "type": "merge"}, {"fail_launch": '
            'false, "initial": "STOPPED", "model": "m2", "retry": false, "type": "build"}, {"fail_launch": false, '
            '"initial": "RUNNING", "model": "m2", "retry": false, "type": "merge"}, {"fail_launch": false, '
            '"initial": "STARTING", "model": "m3", "retry": false, "type": "build"}, {"fail_launch": false, '
            '"initial": "ERROR", "model": "m3", "retry": false, "type": "merge"}], "models": ["m0", "m2", "m3"], '
            '"poll_interval": 0.05, "restart_method": "graceful", "retries": 3, "rival": null, "settle_on_write": '
            'false, "state": "restarted", "timeout": 10, "timing": {"end_of_run_kill": true, "kill": 21.0, '
            '"start_delay": 2.0, "start_work": 0.0, "stop_delay": 1.0, "stop_work": 0.2}, "wait_timeout": 12}')),
    Case(
        name='a-stop-whose-history-is-newer-than-a-lagging-running',
        why='state: stopped; the STOP is refused twice (the epoch moved), then answered KE-010021002 and held behind '
            'an epoch take-over that kills and relaunches the job; the take-over\'s kill reads like the STOP\'s '
            'effect, and the held STOP then stops the relaunched run (a STOP record). A node that has not caught '
            'up still shows the relaunch RUNNING, a newer run than the kill: but the job\'s history (the metadata '
            'database, never behind) ends with the STOP, and a RUNNING writes a START record, so that row lags. '
            'The task reads again: the job is STOPPED.',
        found='make soak, seed 552254223 (26184da61bdd)',
        before='engine (main 0cbed19): took the lagging RUNNING for a restart by someone else and failed the job "is '
               'RUNNING again after STOP (started again by someone else?)"',
        scenario=Scenario.from_json(
            '{"batch_size": 0, "broken": [], "faults": {"drop_rate": 0.05, "epoch_moved": 2, "error_count": 0, '
            '"error_rate": 0.0, "errors": "", "held": 1, "json_503": false, "late": 0, "lost": 0, '
            '"metadata_unreachable": 0, "nodes": 2, "owner_down": 0.0, "owner_unreachable": 1, "proxy_502": 0, '
            '"seed": 514, "stall_rate": 0.0, "transfer_failed": 0, "unbound": false}, "force": false, '
            '"force_after": 1, "job_ids": null, "job_types": ["build", "merge"], "jobs": [{"fail_launch": false, '
            '"initial": "STOPPED", "model": "m0", "retry": false, "type": "build"}, {"fail_launch": false, '
            '"initial": "STOPPED", "model": "m0", "retry": false, "type": "merge"}, {"fail_launch": false, '
            '"initial": "STOPPED", "model": "m1", "retry": false, "type": "build"}, {"fail_launch": false, '
            '"initial": "STOPPING", "model": "m1", "retry": false, "type": "merge"}, {"fail_launch": false, '
            '"initial": "RUNNING", "model": "m2", "retry": false, "type": "build"}, {"fail_launch": false, '
            '"initial": "RUNNING", "model": "m2", "retry": false, "type": "merge"}, {"fail_launch": false, '
            '"initial": "STOPPED", "model": "m3", "retry": false, "type": "build"}, {"fail_launch": false, '
            '"initial": "ERROR", "model": "m3", "retry": false, "type": "merge"}], "models": ["m0", "m2"], '
            '"poll_interval": 0.05, "restart_method": "kylin", "retries": 3, "rival": null, "settle_on_write": '
            'false, "state": "stopped", "timeout": 10, "timing": {"end_of_run_kill": false, "kill": 21.0, '
            '"start_delay": 2.0, "start_work": 1.0, "stop_delay": 1.0, "stop_work": 0.0}, "wait_timeout": 60}')),
    Case(
        name='a-stop-undone-by-a-take-over-relaunch-waits-for-the-held-stop',
        why='state: stopped; the STOP is answered KE-010021002 and held behind an epoch take-over. Its kill of the '
            'first job reads like the STOP\'s effect, then its relaunch RUNNING with no stop since in the history: '
            'a STOP undone by a launch, to be sent again. But the take-over goes on (the next job\'s kill) and the '
            'held STOP lands when it ends: a STOP sent at once is held too and lands on the stopping job, a second '
            'STOP. The resend waits one quiet spell (a kill, the read lag, a margin); by then the held STOP has '
            'stopped the job.',
        found='make soak, seed 552254223 (4f0f1068ac18)',
        before='engine (main 0cbed19): sent the STOP again at once; both were applied (STOP, STOP)',
        scenario=Scenario.from_json(
            '{"batch_size": 0, "broken": [], "faults": {"drop_rate": 0.0, "epoch_moved": 2, "error_count": 0, '
            '"error_rate": 0.0, "errors": "", "held": 1, "json_503": false, "late": 0, "lost": 0, '
            '"metadata_unreachable": 0, "nodes": 2, "owner_down": 0.0, "owner_unreachable": 1, "proxy_502": 1, '
            '"seed": 514, "stall_rate": 0.0, "transfer_failed": 0, "unbound": false}, "force": false, '
            '"force_after": 1, "job_ids": null, "job_types": ["build", "merge"], "jobs": [{"fail_launch": false, '
            '"initial": "STOPPED", "model": "m0", "retry": false, "type": "build"}, {"fail_launch": false, '
            '"initial": "STOPPED", "model": "m0", "retry": false, "type": "merge"}, {"fail_launch": false, '
            '"initial": "STOPPED", "model": "m1", "retry": false, "type": "build"}, {"fail_launch": false, '
            '"initial": "STOPPING", "model": "m1", "retry": false, "type": "merge"}, {"fail_launch": false, '
            '"initial": "RUNNING", "model": "m2", "retry": false, "type": "build"}, {"fail_launch": false, '
            '"initial": "RUNNING", "model": "m2", "retry": false, "type": "merge"}, {"fail_launch": false, '
            '"initial": "STOPPED", "model": "m3", "retry": false, "type": "build"}, {"fail_launch": false, '
            '"initial": "ERROR", "model": "m3", "retry": false, "type": "merge"}], "models": ["m0", "m2"], '
            '"poll_interval": 0.05, "restart_method": "kylin", "retries": 3, "rival": null, "settle_on_write": '
            'false, "state": "stopped", "timeout": 10, "timing": {"end_of_run_kill": false, "kill": 21.0, '
            '"start_delay": 2.0, "start_work": 0.0, "stop_delay": 1.0, "stop_work": 0.0}, "wait_timeout": 60}')),
    Case(
        name='a-start-dropped-after-a-force-stop-is-no-start',
        why='A graceful restart with force_after: the STOP, then a FORCE_STOP whose kill waits for the node\'s lock; '
            'the START sent once it answered is dropped before it reaches Kylin. The row the task assumed after the '
            'FORCE_STOP must date its newest record to that request (Kylin wrote the STOP record inside it): the '
            'STOPPED read next shows no START, and the START is sent again.',
        found='make soak, seed 552254223 (after cb5f949)',
        before='engine (main cb5f949): the assumed row kept the record age read before the FORCE_STOP, counted from '
               'its answer, so the FORCE_STOP\'s STOP record looked newer than the START: "started, then ended", '
               'and the job failed "became STOPPED while this task waited for RUNNING"',
        scenario=Scenario.from_json(
            '{"batch_size": 2, "broken": [], "faults": {"drop_rate": 0.1, "epoch_moved": 0, "error_count": 0, '
            '"error_rate": 0.0, "errors": "", "held": 1, "json_503": false, "late": 1, "lost": 0, '
            '"metadata_unreachable": 0, "nodes": 1, "owner_down": 0.0, "owner_unreachable": 0, "proxy_502": 2, '
            '"seed": 3798, "stall_rate": 0.0, "transfer_failed": 0, "unbound": false}, "force": false, '
            '"force_after": 1, "job_ids": ["m0_build", "m1_merge", "m3_build", "m2_merge", "m2_build", '
            '"m1_build", "m3_merge", "m0_merge"], "job_types": ["build", "merge"], "jobs": [{"fail_launch": '
            'false, "initial": "STARTING", "model": "m0", "retry": false, "type": "build"}, {"fail_launch": '
            'false, "initial": "LAUNCHING_ERROR", "model": "m0", "retry": false, "type": "merge"}, '
            '{"fail_launch": false, "initial": "ERROR", "model": "m1", "retry": false, "type": "build"}, '
            '{"fail_launch": false, "initial": "STOPPED", "model": "m1", "retry": false, "type": "merge"}, '
            '{"fail_launch": false, "initial": "RUNNING", "model": "m2", "retry": false, "type": "build"}, '
            '{"fail_launch": false, "initial": "ERROR", "model": "m2", "retry": true, "type": "merge"}, '
            '{"fail_launch": false, "initial": "LAUNCHING_ERROR", "model": "m3", "retry": true, "type": "build"}, '
            '{"fail_launch": false, "initial": "RUNNING", "model": "m3", "retry": false, "type": "merge"}], '
            '"models": null, "poll_interval": 0.1, "restart_method": "graceful", "retries": 3, "rival": null, '
            '"settle_on_write": false, "state": "restarted", "timeout": 2, "timing": {"end_of_run_kill": false, '
            '"kill": 21.0, "start_delay": 2.0, "start_work": 0.0, "stop_delay": 60.0, "stop_work": 0.2}, '
            '"wait_timeout": 60}')),
    Case(
        name='a-stop-undone-by-a-launch-is-not-stopped-by-a-lagging-error',
        why='state: stopped; the STOP (answered KE-010021002, held) lands on an epoch take-over\'s relaunch before YARN '
            'knows it: ERROR, and the launch goes on. The task waits for the launch, reads it RUNNING, and while the '
            'resend waits its quiet spell, a node that has not caught up shows the ERROR again: an older view than '
            'the RUNNING read since, no stop. The STOP is sent again, once, and the job is STOPPED.',
        found='make soak, seed 552254223 (after a080a4f)',
        before='engine (main a080a4f): took the lagging ERROR for the job stopped and reported success; the job was '
               'RUNNING',
        scenario=Scenario.from_json(
            '{"batch_size": 0, "broken": [], "faults": {"drop_rate": 0.0, "epoch_moved": 0, "error_count": 0, '
            '"error_rate": 0.0, "errors": "", "held": 1, "json_503": false, "late": 0, "lost": 0, '
            '"metadata_unreachable": 0, "nodes": 2, "owner_down": 0.0, "owner_unreachable": 1, "proxy_502": 0, '
            '"seed": 164, "stall_rate": 0.3, "transfer_failed": 0, "unbound": false}, "force": false, '
            '"force_after": 0, "job_ids": ["m0_build", "m0_merge"], "job_types": ["build", "merge"], "jobs": '
            '[{"fail_launch": false, "initial": "RUNNING", "model": "m0", "retry": false, "type": "build"}, '
            '{"fail_launch": true, "initial": "STOPPED", "model": "m0", "retry": false, "type": "merge"}], '
            '"models": null, "poll_interval": 0.05, "restart_method": "kylin", "retries": 3, "rival": null, '
            '"settle_on_write": false, "state": "stopped", "timeout": 10, "timing": {"end_of_run_kill": true, '
            '"kill": 0.2, "start_delay": 20.0, "start_work": 0.0, "stop_delay": 1.0, "stop_work": 0.2}, '
            '"wait_timeout": 60}')),
    Case(
        name='a-running-job-a-take-over-left-in-a-launching-error',
        why='state: started; a job RUNNING when the task began is killed and relaunched by an epoch take-over, and the '
            'launch fails (launching error). It is no longer converged: the task STARTs it, once, and is right to.',
        found='make soak, seed 430367645 (a93b71ed6e18)',
        before='oracle (main e1a2ea5): "was already RUNNING when the task began, yet the task applied START"',
        scenario=Scenario.from_json(
            '{"batch_size": 3, "broken": [], "faults": {"drop_rate": 0.0, "epoch_moved": 0, "error_count": 0, '
            '"error_rate": 0.0, "errors": "", "held": 1, "json_503": false, "late": 0, "lost": 0, '
            '"metadata_unreachable": 0, "nodes": 1, "owner_down": 0.0, "owner_unreachable": 0, "proxy_502": 0, '
            '"seed": 20588, "stall_rate": 0.0, "transfer_failed": 0, "unbound": false}, "force": false, '
            '"force_after": null, "job_ids": null, "job_types": ["build", "merge"], "jobs": [{"fail_launch": true, '
            '"initial": "RUNNING", "model": "m0", "retry": false, "type": "build"}, {"fail_launch": false, '
            '"initial": "STOPPED", "model": "m0", "retry": false, "type": "merge"}, {"fail_launch": false, '
            '"initial": "STOPPED", "model": "m1", "retry": false, "type": "build"}, {"fail_launch": false, '
            '"initial": "ERROR", "model": "m1", "retry": true, "type": "merge"}, {"fail_launch": false, '
            '"initial": "STOPPED", "model": "m2", "retry": false, "type": "build"}, {"fail_launch": false, '
            '"initial": "ERROR", "model": "m2", "retry": false, "type": "merge"}], "models": ["m0"], "poll_interval": 0.1, '
            '"restart_method": "kylin", "retries": 2, "rival": {"action": "START", "delay": 20.0, "jobs": ["m0_build", '
            '"m0_merge"]}, "settle_on_write": false, "state": "started", "timeout": 10, '
            '"timing": {"end_of_run_kill": false, "kill": 0.2, "start_delay": 20.0, "start_work": 0.0, "stop_delay": 1.0, '
            '"stop_work": 0.0}, "wait_timeout": 60}')),
    Case(
        name='a-lost-stop-and-a-take-over-whose-relaunch-fails',
        why='state: stopped; the STOP is answered KE-010021002 (it may or may not be applied) while an epoch take-over '
            'kills the job and relaunches it, and the launch fails (launching error: stopped). The take-over\'s kill '
            'writes the STOP record a STOP would: the task may count it as its STOP. The oracle excuses it as it '
            'excuses a RESTART a take-over did.',
        found='make soak, seed 430367645, second run (after the fixes above)',
        before='oracle (main 7006903): "reported changed=True, but the server applied nothing from this task"',
        scenario=Scenario.from_json(
            '{"batch_size": 0, "broken": [], "faults": {"drop_rate": 0.0, "epoch_moved": 0, "error_count": 0, '
            '"error_rate": 0.0, "errors": "", "held": 0, "json_503": false, "late": 0, "lost": 0, '
            '"metadata_unreachable": 0, "nodes": 3, "owner_down": 1.0, "owner_unreachable": 2, "proxy_502": 0, '
            '"seed": 58368, "stall_rate": 0.3, "transfer_failed": 0, "unbound": false}, "force": false, '
            '"force_after": null, "job_ids": null, "job_types": ["build", "merge"], "jobs": [{"fail_launch": true, '
            '"initial": "RUNNING", "model": "m0", "retry": false, "type": "build"}, {"fail_launch": false, '
            '"initial": "STOPPED", "model": "m0", "retry": false, "type": "merge"}, {"fail_launch": false, '
            '"initial": "STOPPED", "model": "m1", "retry": false, "type": "build"}, {"fail_launch": false, '
            '"initial": "ERROR", "model": "m1", "retry": true, "type": "merge"}, {"fail_launch": false, '
            '"initial": "STOPPED", "model": "m2", "retry": false, "type": "build"}, {"fail_launch": false, '
            '"initial": "ERROR", "model": "m2", "retry": false, "type": "merge"}], "models": ["m0"], '
            '"poll_interval": 0.05, "restart_method": "kylin", "retries": 3, "rival": null, "settle_on_write": false, '
            '"state": "stopped", "timeout": 10, "timing": {"end_of_run_kill": true, "kill": 0.2, "start_delay": 2.0, '
            '"start_work": 0.0, "stop_delay": 1.0, "stop_work": 0.0}, "wait_timeout": 60}')),
    Case(
        name='a-start-a-rival-did-first-read-on-a-lagging-node',
        why='state: started of a STOPPED build and an ERROR merge; another controller STARTs both just before the '
            'task\'s STARTs, which Kylin refuses (KE-010035005, naming the job: it refuses a START only to a job '
            'STARTING, RUNNING or STOPPING), while the read after the refusal comes from a node that has not caught up '
            'and still shows STOPPED and ERROR. The task reads again until a row shows why, and awaits the rival\'s '
            'launches: success, no action of its own.',
        found='make soak, seed 430367645 (28143383a9cd)',
        before='engine (main 3b86b83): failed both jobs "START refused: KE-010035005" on the lagging STOPPED and ERROR',
        scenario=Scenario.from_json(
            '{"batch_size": 0, "broken": [], "faults": {"drop_rate": 0.05, "epoch_moved": 0, "error_count": 0, '
            '"error_rate": 0.0, "errors": "", "held": 1, "json_503": false, "late": 0, "lost": 0, '
            '"metadata_unreachable": 0, "nodes": 2, "owner_down": 0.0, "owner_unreachable": 0, "proxy_502": 1, '
            '"seed": 65536, "stall_rate": 0.3, "transfer_failed": 0, "unbound": false}, "force": false, '
            '"force_after": null, "job_ids": ["m0_build", "m0_merge"], "job_types": ["build", "merge"], "jobs": '
            '[{"fail_launch": false, "initial": "STOPPED", "model": "m0", "retry": false, "type": "build"}, '
            '{"fail_launch": false, "initial": "ERROR", "model": "m0", "retry": true, "type": "merge"}], "models": '
            'null, "poll_interval": 0.05, "restart_method": "kylin", "retries": 3, "rival": {"action": "START", '
            '"delay": 5.0, "jobs": ["m0_merge", "m0_build"]}, "settle_on_write": false, "state": "started", '
            '"timeout": 10, "timing": {"end_of_run_kill": true, "kill": 0.2, "start_delay": 2.0, "start_work": 0.0, '
            '"stop_delay": 1.0, "stop_work": 0.2}, "wait_timeout": 60}')),
    Case(
        name='a-rival-start-awaited-through-a-lagging-launching-error',
        why='state: started of a STARTING build and a merge in a launching error; another controller STARTs the merge '
            'just before the task does, and Kylin refuses the task\'s START (KE-010035005). The task awaits the '
            'rival\'s launch; a node that has not caught up still shows the merge in its old launching error, an '
            'older version of the job than the STARTING the task read: not the launch failing. The launch succeeds.',
        found='make soak, seed 430367645 (e71287724218)',
        before='engine (main 3b86b83): failed the merge "START refused", then, with the refusal read again, "failed to '
               'launch (launching_error: true) while starting" on the lagging row of before the rival\'s START',
        scenario=Scenario.from_json(
            '{"batch_size": 0, "broken": [], "faults": {"drop_rate": 0.05, "epoch_moved": 0, "error_count": 0, '
            '"error_rate": 0.0, "errors": "", "held": 1, "json_503": false, "late": 0, "lost": 0, '
            '"metadata_unreachable": 0, "nodes": 2, "owner_down": 0.0, "owner_unreachable": 0, "proxy_502": 1, '
            '"seed": 65536, "stall_rate": 0.3, "transfer_failed": 0, "unbound": false}, "force": false, '
            '"force_after": null, "job_ids": ["m0_build", "m0_merge"], "job_types": ["build", "merge"], "jobs": '
            '[{"fail_launch": false, "initial": "STARTING", "model": "m0", "retry": false, "type": "build"}, '
            '{"fail_launch": false, "initial": "LAUNCHING_ERROR", "model": "m0", "retry": true, "type": "merge"}], '
            '"models": null, "poll_interval": 0.1, "restart_method": "kylin", "retries": 3, "rival": {"action": '
            '"START", "delay": 5.0, "jobs": ["m0_merge", "m0_build"]}, "settle_on_write": false, "state": "started", '
            '"timeout": 10, "timing": {"end_of_run_kill": true, "kill": 21.0, "start_delay": 20.0, "start_work": '
            '0.0, "stop_delay": 20.0, "stop_work": 0.2}, "wait_timeout": 60}')),
    Case(
        name='a-restart-passing-through-stopping-is-not-settled-by-the-harness',
        why='The harness settles a job left STOPPING before the task (settle_on_write) when the task\'s first write '
            'arrives. Here the job had already stopped by itself, and the task\'s RESTART passes through STOPPING on '
            'its way to STARTING: the harness must not take that STOPPING for the old one and patch STOPPED over the '
            'launch (it checks and patches at once on the server, PATCH /_sim/jobs with if_transitions).',
        found='make soak, seed 430367645 (8933c98e7e61): a harness race, not an engine fault',
        before='harness (main 3b86b83): checked the status, then patched: the patch landed on the RESTART\'s launch, '
               'and the task rightly failed the job "became STOPPED while this task waited for RUNNING"',
        scenario=Scenario.from_json(
            '{"batch_size": 0, "broken": [], "faults": {"drop_rate": 0.0, "epoch_moved": 0, "error_count": 0, '
            '"error_rate": 0.0, "errors": "", "held": 0, "json_503": false, "late": 0, "lost": 0, '
            '"metadata_unreachable": 0, "nodes": 1, "owner_down": 0.0, "owner_unreachable": 0, "proxy_502": 0, '
            '"seed": 0, "stall_rate": 0.0, "transfer_failed": 0, "unbound": false}, "force": false, "force_after": '
            'null, "job_ids": ["m0_build"], "job_types": ["build", "merge"], "jobs": [{"fail_launch": false, '
            '"initial": "STOPPING", "model": "m0", "retry": false, "type": "build"}, {"fail_launch": false, '
            '"initial": "RUNNING", "model": "m0", "retry": false, "type": "merge"}], "models": null, '
            '"poll_interval": 0.05, "restart_method": "kylin", "retries": 3, "rival": null, "settle_on_write": true, '
            '"state": "restarted", "timeout": 10, "timing": {"end_of_run_kill": true, "kill": 0.2, "start_delay": '
            '2.0, "start_work": 0.0, "stop_delay": 1.0, "stop_work": 0.0}, "wait_timeout": 60}')),
    Case(
        name='a-force-stop-refused-by-a-moved-epoch-while-a-rival-stops',
        why='state: stopped, force, of a STARTING job; the FORCE_STOP is refused with KE-040021201 (the project\'s '
            'epoch moved: nothing of a one-job PUT was applied) while another controller STOPs the job, a STOP the '
            'launch then undoes (docs/kylin-api.md §3.3). The STOPPING the re-read shows is the rival\'s, not this '
            'task\'s: the FORCE_STOP is sent again, and the job ends STOPPED.',
        found='make soak, seed 430367645, third run (838185a2fdd7)',
        before='engine (main c5a30e4): took the rival\'s STOPPING for its FORCE_STOP, then failed the job "is RUNNING '
               'after FORCE_STOP (started again by someone else?)" when the launch undid the rival\'s STOP',
        scenario=Scenario.from_json(
            '{"batch_size": 0, "broken": [], "faults": {"drop_rate": 0.0, "epoch_moved": 1, "error_count": 0, '
            '"error_rate": 0.0, "errors": "", "held": 0, "json_503": false, "late": 0, "lost": 0, '
            '"metadata_unreachable": 0, "nodes": 1, "owner_down": 0.0, "owner_unreachable": 0, "proxy_502": 0, '
            '"seed": 5452, "stall_rate": 0.0, "transfer_failed": 0, "unbound": false}, "force": true, "force_after": '
            'null, "job_ids": ["m1_build"], "job_types": ["build", "merge"], "jobs": [{"fail_launch": true, '
            '"initial": "STOPPED", "model": "m0", "retry": false, "type": "build"}, {"fail_launch": false, '
            '"initial": "ERROR", "model": "m0", "retry": false, "type": "merge"}, {"fail_launch": false, "initial": '
            '"STARTING", "model": "m1", "retry": false, "type": "build"}, {"fail_launch": false, "initial": "ERROR", '
            '"model": "m1", "retry": false, "type": "merge"}], "models": null, "poll_interval": 0.05, '
            '"restart_method": "kylin", "retries": 3, "rival": {"action": "STOP", "delay": 5.0, "jobs": '
            '["m1_build"]}, "settle_on_write": false, "state": "stopped", "timeout": 10, "timing": '
            '{"end_of_run_kill": true, "kill": 0.2, "start_delay": 60.0, "start_work": 0.0, "stop_delay": 1.0, '
            '"stop_work": 0.0}, "wait_timeout": 60}')),
    Case(
        name='a-lost-force-stop-of-an-error-job-read-stopped-within-milliseconds',
        why='state: stopped of a job in ERROR with job-retry-enabled (FORCE_STOP, so that Kylin does not relaunch it) '
            'and a job in a launching error, in one PUT whose answer is lost. Both read STOPPED in a newer view: only a '
            'stop leads there, so both took the FORCE_STOP, although their STOP records are too close to the records '
            'before (milliseconds, at the suite\'s time scale) for their spans to tell them apart.',
        found='make soak, seed 430367645, third run (4808de60e81f)',
        before='engine (main c5a30e4): reported the ERROR job unchanged (action None), though Kylin applied the '
               'FORCE_STOP',
        scenario=Scenario.from_json(
            '{"batch_size": 0, "broken": [], "faults": {"drop_rate": 0.0, "epoch_moved": 0, "error_count": 0, '
            '"error_rate": 0.0, "errors": "", "held": 0, "json_503": false, "late": 1, "lost": 1, '
            '"metadata_unreachable": 0, "nodes": 1, "owner_down": 0.0, "owner_unreachable": 0, "proxy_502": 0, '
            '"seed": 52038, "stall_rate": 0.0, "transfer_failed": 0, "unbound": false}, "force": false, '
            '"force_after": null, "job_ids": null, "job_types": ["build", "merge"], "jobs": [{"fail_launch": false, '
            '"initial": "LAUNCHING_ERROR", "model": "m0", "retry": true, "type": "build"}, {"fail_launch": false, '
            '"initial": "STOPPED", "model": "m0", "retry": false, "type": "merge"}, {"fail_launch": false, '
            '"initial": "RUNNING", "model": "m1", "retry": false, "type": "build"}, {"fail_launch": false, '
            '"initial": "ERROR", "model": "m1", "retry": true, "type": "merge"}], "models": ["m0", "m1"], '
            '"poll_interval": 0.1, "restart_method": "kylin", "retries": 2, "rival": null, "settle_on_write": false, '
            '"state": "stopped", "timeout": 2, "timing": {"end_of_run_kill": true, "kill": 21.0, "start_delay": 2.0, '
            '"start_work": 0.0, "stop_delay": 1.0, "stop_work": 0.0}, "wait_timeout": 60}')),
    Case(
        name='a-lost-restart-of-a-starting-job-whose-launch-fails',
        why='state: restarted of a STOPPED build and a STARTING merge whose next launch fails; the RESTART\'s answer '
            'is lost. The merge reads in a launching error: the launch under way when the RESTART was sent would '
            'have failed as well, so the list cannot tell whether the RESTART was applied; its kill\'s STOP record '
            'in the history can. It was applied: the task must not send it again.',
        found='make soak, seed 430367645, fourth run with a fresh Hypothesis database (1de12cde1760)',
        before='engine (main f56fa88): took the launching error for the launch under way (no sign of the RESTART), '
               'sent the RESTART again, and Kylin applied it twice',
        scenario=Scenario.from_json(
            '{"batch_size": 0, "broken": [], "faults": {"drop_rate": 0.1, "epoch_moved": 0, "error_count": 0, '
            '"error_rate": 0.1, "errors": "read-503", "held": 0, "json_503": false, "late": 1, "lost": 0, '
            '"metadata_unreachable": 0, "nodes": 1, "owner_down": 0.0, "owner_unreachable": 0, "proxy_502": 0, '
            '"seed": 234, "stall_rate": 0.0, "transfer_failed": 0, "unbound": false}, "force": false, "force_after": '
            'null, "job_ids": ["m0_build", "m0_merge"], "job_types": ["build", "merge"], "jobs": [{"fail_launch": '
            'false, "initial": "STOPPED", "model": "m0", "retry": false, "type": "build"}, {"fail_launch": true, '
            '"initial": "STARTING", "model": "m0", "retry": false, "type": "merge"}], "models": null, '
            '"poll_interval": 0.05, "restart_method": "kylin", "retries": 3, "rival": null, "settle_on_write": '
            'false, "state": "restarted", "timeout": 2, "timing": {"end_of_run_kill": true, "kill": 0.2, '
            '"start_delay": 2.0, "start_work": 0.0, "stop_delay": 1.0, "stop_work": 0.0}, "wait_timeout": 60}')),
]
