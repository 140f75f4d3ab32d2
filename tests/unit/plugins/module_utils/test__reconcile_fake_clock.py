# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The reconcile loop on a fake clock against a scripted server: following a PUT whose answer was lost.

Kylin goes on with a batch after the client gave up (docs/kylin-api.md §3.2, §4). The loop must not
resend while the jobs keep moving, and resend only what never moved once nothing moved for longer than
one job's work plus the read lag (docs/design.md §4).
"""

import pytest

from ansible_collections.kylin.streaming.plugins.module_utils._errors import KylinResponseError, KylinTransportError
from ansible_collections.kylin.streaming.plugins.module_utils._job_options import JobOptions
from ansible_collections.kylin.streaming.plugins.module_utils._reconcile import JobReconciler
from ansible_collections.kylin.streaming.plugins.module_utils._timing import StopQueue
from ansible_collections.kylin.streaming.tests.unit.plugins.module_utils.fake_kylin import Clock, FakeKylin

IDS = ['a_build', 'b_build', 'c_build']
TIMING = dict(kill_seconds=5.0, start_seconds=1.0, stop_seconds=0.5, read_lag_seconds=2.0)


class ScriptedKylin:
    """RESTART of running jobs: each job is killed in turn (STOPPING, 5 s), then STARTING, RUNNING 3 s later.

    The first PUT's answer is lost, and the server stops working on it before the last job (as when a
    resend was refused and the thread dropped the rest of its batch); a second PUT is answered.
    """

    timeout = 60
    retries = 3

    def __init__(self, clock):
        self.clock = clock
        self.puts = []
        self.began = {}  # job id -> when its kill began
        self.reads = 0

    def list_url_length(self, **query):
        return 200

    def act(self, action, job_ids, project=None, timeout=None):
        self.puts.append((action, list(job_ids)))
        now = self.clock()
        first = len(self.puts) == 1
        todo = [j for j in job_ids if j not in self.began]
        for index, job_id in enumerate(todo[:2] if first else todo):
            self.began[job_id] = now + 6.0 * index
        if first:
            raise KylinTransportError('PUT .../status: no answer within 60s (timeout)', method='PUT',
                                      maybe_applied=True)

    def row(self, job_id):
        now = self.clock()
        began = self.began.get(job_id)
        row = dict(uuid=job_id, project='p1', model_alias=job_id[0], job_type='STREAMING_BUILD', params={},
                   model_broken=False, launching_error=False, job_status='RUNNING',
                   yarn_app_id='application_old_' + job_id, last_status_duration=int((now + 600.0) * 1000))
        if began is None or now < began:
            return row  # its START record is 600 s older than the task
        if now < began + 5.0:
            row.update(job_status='STOPPING')
        elif now < began + 9.0:
            row.update(job_status='STARTING', yarn_app_id=None, last_status_duration=int((now - began - 5.0) * 1000))
        else:
            row.update(job_status='RUNNING', yarn_app_id='application_new_' + job_id,
                       last_status_duration=int((now - began - 9.0) * 1000))
        return row

    def list_jobs(self, page_offset=0, page_size=10, job_ids=None, **filters):
        self.reads += 1
        rows = [self.row(j) for j in (job_ids or IDS)]
        return {'value': rows if page_offset == 0 else [], 'total_size': len(rows)}


def test_a_lost_restart_is_followed_and_only_the_job_never_reached_is_resent():
    clock = Clock()
    kylin = ScriptedKylin(clock)
    options = JobOptions.of(project='p1', job_ids=IDS, state='restarted', poll_interval=1.0, wait_timeout=300,
                            server_timing=TIMING)
    reconciler = JobReconciler(kylin, options, clock=clock, sleep=clock.sleep)
    result = reconciler.run()
    assert not result['failed'], result['msg']
    # One PUT for the three (6 s of work each fits half the timeout five times), one resend for the third.
    assert kylin.puts == [('RESTART', IDS), ('RESTART', ['c_build'])]
    assert [j['status'] for j in result['jobs']] == ['RUNNING'] * 3
    assert all(j['changed'] and j['action'] == 'RESTART' for j in result['jobs'])
    # The resend came only after b_build's kill had begun (6 s) and nothing moved for 6 + 2 + 1 s more.
    resent_at = kylin.began['c_build']
    assert resent_at >= kylin.began['b_build'] + 9.0
    assert any('was lost' in w for w in reconciler.warnings)


def test_every_job_of_a_lost_put_moving_means_no_resend():
    clock = Clock()
    kylin = ScriptedKylin(clock)
    options = JobOptions.of(project='p1', job_ids=IDS[:2], state='restarted', poll_interval=1.0, wait_timeout=300,
                            server_timing=TIMING)
    result = JobReconciler(kylin, options, clock=clock, sleep=clock.sleep).run()
    assert not result['failed'], result['msg']
    assert kylin.puts == [('RESTART', IDS[:2])]
    assert [j['status'] for j in result['jobs']] == ['RUNNING'] * 2


# ---------------------------------------------------------------------------------------------------------
# The same loop against FakeKylin (fake_kylin.py): the state machine with the timing of a real server.

def converge(kylin, clock, retries=3, **options):
    """Run the loop against ``kylin`` on ``clock``; ``(reconciler, result)``."""
    kylin.retries = retries
    timing = dict(kill_seconds=kylin.kill, start_seconds=kylin.start_work, stop_seconds=0.0, read_lag_seconds=0.0)
    timing.update(options.pop('server_timing', {}))
    values = dict(project='p1', poll_interval=1.0, wait_timeout=600, server_timing=timing)
    values.update(options)
    reconciler = JobReconciler(kylin, JobOptions.of(**values), clock=clock, sleep=clock.sleep)
    return reconciler, reconciler.run()


def by_id(result):
    return {j['id']: j for j in result['jobs']}


def test_evidence_1_a_stopping_that_ends_by_itself_is_not_a_lost_restart():
    """Issue 16, evidence (1): two jobs STOPPING before the task end by themselves 1.5 s later; the RESTART of
    one of them is answered by a proxy's 503 and not applied. It is sent again, once; nobody fails."""
    clock = Clock()
    kylin = FakeKylin(clock, kill=1.0, start_work=0.1, start_delay=0.5, timeout=2)
    for name in ('a_build', 'b_build'):
        kylin.add(name, 'STOPPING', until=0.5)   # micro-batch ends at 0.5, kills end at 1.5 and 2.5
    kylin.add('c_build', 'RUNNING')
    kylin.add('d_build', 'RUNNING')  # not selected
    kylin.faults = ['proxy503']
    dummy, result = converge(kylin, clock, retries=6, job_ids=['a_build', 'b_build', 'c_build'], state='restarted',
                             poll_interval=0.3)
    assert not result['failed'], result['msg']
    restarted = sorted(kylin.actions(action='RESTART'))
    assert restarted == [('a_build', 'RESTART'), ('b_build', 'RESTART'), ('c_build', 'RESTART')]
    assert kylin.actions('d_build') == []
    assert [p[1:] for p in kylin.puts].count(('RESTART', ['a_build'])) == 2  # the 503'd one, then once more
    jobs = by_id(result)
    assert all(j['status'] == 'RUNNING' and j['action'] == 'RESTART' and j['changed'] for j in jobs.values())
    assert result['msg'] == 'restarted 3'
    resent = jobs['a_build']['resent']
    assert len(resent) == 1 and resent[0]['action'] == 'RESTART'
    assert 'ended by itself' in resent[0]['reason'] and '503' in resent[0]['reason']
    assert 'resent' not in jobs['b_build'] and 'resent' not in jobs['c_build']


@pytest.mark.parametrize('fault,resends', [('proxy503', 1), ('lost', 0)])
def test_evidence_2_a_launch_under_way_is_not_a_lost_restart(fault, resends):
    """Issue 16, evidence (2): a job STARTING before the task (an earlier START) reaches RUNNING 1.5 s later; the
    RESTART of it is answered by a proxy's 503 (not applied) or its answer is lost (applied). Half the reads lag.
    The launch that was under way is not taken as the RESTART: one RESTART per job in the server's log."""
    clock = Clock()
    kylin = FakeKylin(clock, kill=1.0, start_work=0.1, start_delay=1.0, timeout=2)
    kylin.add('a_build', 'STARTING', until=1.5)
    kylin.add('b_build', 'RUNNING')
    kylin.lag, kylin.lag_every = 1.0, 2
    kylin.faults = [fault]
    reconciler, result = converge(kylin, clock, job_ids=['a_build', 'b_build'], state='restarted', poll_interval=0.3,
                                  server_timing=dict(read_lag_seconds=1.2))
    assert not result['failed'], result['msg']
    assert sorted(kylin.actions(action='RESTART')) == [('a_build', 'RESTART'), ('b_build', 'RESTART')]
    assert len([p for p in kylin.puts if p[2] == ['a_build']]) == 1 + resends
    jobs = by_id(result)
    assert all(j['status'] == 'RUNNING' and j['action'] == 'RESTART' and j['changed'] for j in jobs.values())
    assert len(jobs['a_build'].get('resent', [])) == resends
    if resends:
        assert 'no STOP record newer than the send' in jobs['a_build']['resent'][0]['reason']
    # The job really runs its new launch when the task says so.
    assert kylin.jobs['a_build'].status == 'RUNNING' and kylin.jobs['a_build'].records[-2][0] == 'STOP'
    assert any('was lost' in w for w in reconciler.warnings)


def unreadable_history(kylin, failures):
    """``GET /records`` answers a proxy's 503 ``failures`` times (None: always), then the history."""
    answer, calls = kylin.records, []

    def records(job_id):
        calls.append(job_id)
        if failures is None or len(calls) <= failures:
            raise KylinResponseError('GET .../records?job_id=%s: HTTP 503, not a Kylin answer (text/html)' % job_id,
                                     method='GET', status=503)
        return answer(job_id)
    kylin.records = records
    return calls


@pytest.mark.parametrize('failures', [3, None])
def test_a_lost_restart_whose_history_cannot_be_read_is_never_sent_again(failures):
    """A RESTART of a STARTING job whose answer was lost needs the job's history (the list cannot tell it from the
    launch under way). A failed history read is tried again, like a failed poll (four requests in all, retries 0);
    while none answers, nothing tells whether the RESTART took effect: the job fails saying it may have been
    applied, and it is not sent again (a second RESTART), nor reported as not applied."""
    clock = Clock()
    kylin = FakeKylin(clock, kill=0.05, start_work=0.0, start_delay=0.1, timeout=2)
    kylin.add('a_build', 'STARTING', until=1.5)
    kylin.faults = ['lost']
    calls = unreadable_history(kylin, failures)
    dummy, result = converge(kylin, clock, retries=0, job_ids=['a_build'], state='restarted', poll_interval=0.3)
    kylin._until(clock() + 60)
    assert kylin.actions(action='RESTART') == [('a_build', 'RESTART')]
    assert [p[1:] for p in kylin.puts] == [('RESTART', ['a_build'])]
    job = result['jobs'][0]
    if failures is not None:
        assert len(calls) == failures + 1
        assert not result['failed'], result['msg']
        assert job['action'] == 'RESTART' and job['changed'] and job['status'] == 'RUNNING'
    else:
        assert len(calls) == 4
        assert result['failed'] and 'may have been applied' in job['error'] and 'HTTP 503' in job['error']
        assert 'not applied' not in job['error']


def test_a_write_held_behind_an_epoch_take_over_is_followed_not_resent():
    """docs/kylin-api.md §11.2: the START waits behind a take-over that kills and relaunches the project's four
    running jobs (21 s each), is applied after the client gave up (timeout 60 s), at about 85 s. The project keeps
    moving meanwhile, so the follow waits: one START, no resend, the task succeeds."""
    clock = Clock()
    kylin = FakeKylin(clock, kill=21.0, start_work=1.0, start_delay=5.0)
    for name in ('a_build', 'b_build', 'c_build', 'd_build'):
        kylin.add(name, 'RUNNING')
    kylin.add('e_build', 'STOPPED')
    kylin.takeover(at=0.5)
    kylin.faults = [('held', None)]
    reconciler, result = converge(kylin, clock, job_ids=['e_build'], state='started', poll_interval=2.0)
    assert not result['failed'], result['msg']
    assert [p[1:] for p in kylin.puts] == [('START', ['e_build'])]
    assert kylin.actions('e_build') == [('e_build', 'START')]
    applied_at = [t for t, j, a in kylin.log if j == 'e_build'][0]
    assert applied_at > 80  # after the four kills, well after the client gave up at 60 s
    job = result['jobs'][0]
    assert job['status'] == 'RUNNING' and job['action'] == 'START' and job['changed'] and 'resent' not in job
    assert any('was lost' in w for w in reconciler.warnings)


def test_a_held_restart_is_never_sent_twice():
    """A RESTART held behind a take-over: the take-over's own kill and relaunch of the job looks like it, and the
    held RESTART lands later. Never a second RESTART from this task."""
    clock = Clock()
    kylin = FakeKylin(clock, kill=21.0, start_work=1.0, start_delay=5.0)
    for name in ('a_build', 'b_build', 'c_build'):
        kylin.add(name, 'RUNNING')
    kylin.takeover(at=0.5)
    kylin.faults = [('held', None)]
    dummy, result = converge(kylin, clock, job_ids=['c_build'], state='restarted', poll_interval=2.0,
                             server_timing=dict(kill_seconds=21.0, start_seconds=1.0))
    assert not result['failed'], result['msg']
    kylin._until(clock() + 300)  # whatever the server still had to do
    assert [p[1:] for p in kylin.puts] == [('RESTART', ['c_build'])]
    assert kylin.actions('c_build') == [('c_build', 'RESTART')]
    assert result['jobs'][0]['action'] == 'RESTART' and result['jobs'][0]['changed']


def test_a_read_that_lags_for_longer_than_the_read_lag_is_not_a_verdict():
    """docs/kylin-api.md §11.5: after the START, the reads of one node show the job STOPPED for 30 s, far beyond
    read_lag_seconds (1 s). No false failure: the task waits for RUNNING."""
    clock = Clock()
    kylin = FakeKylin(clock, start_work=0.1, start_delay=5.0)
    kylin.add('a_build', 'STOPPED')
    kylin.lag = 30.0
    kylin.lagging = lambda number, job_id: 2 <= number <= 6  # the polls after the START, from the lagging node
    reconciler, result = converge(kylin, clock, job_ids=['a_build'], state='started', poll_interval=1.0,
                                  server_timing=dict(read_lag_seconds=1.0))
    assert not result['failed'], result['msg']
    assert result['jobs'][0]['status'] == 'RUNNING' and kylin.actions() == [('a_build', 'START')]


def test_a_timeout_says_which_read_was_not_believed_and_why():
    clock = Clock()
    kylin = FakeKylin(clock, start_work=0.1, start_delay=500.0)
    kylin.add('a_build', 'STOPPED')
    kylin.lag = 1000.0
    kylin.lagging = lambda number, job_id: number >= 2
    dummy, result = converge(kylin, clock, job_ids=['a_build'], state='started', poll_interval=1.0, wait_timeout=30,
                             server_timing=dict(read_lag_seconds=1.0))
    assert result['failed'] and result['msg'].startswith('timed out after 30s')
    error = result['jobs'][0]['error']
    assert error.startswith('timed out after 30s; last status STOPPED; the last read (STOPPED) contradicts this '
                            "task's START and shows nothing newer than it")
    assert '11.5' in error


def test_force_after_waits_for_the_kill_queue_and_forces_only_a_stuck_job():
    """docs/kylin-api.md §11.1: five graceful STOPs at once end one kill (10 s) apart after a 3 s micro-batch:
    STOPPED at 13, 23, 33, 43; the fifth job's driver hangs. force_after is 15 s: no FORCE_STOP for the four whose
    kills are queued, one for the hung job once the queue stopped moving."""
    clock = Clock()
    kylin = FakeKylin(clock, kill=10.0, start_work=0.1, micro_batch=3.0)
    names = ['j%d_build' % i for i in range(5)]
    for name in names:
        kylin.add(name, 'RUNNING')
    kylin.stuck.add(names[4])
    dummy, result = converge(kylin, clock, job_ids=names, state='stopped', force_after=15, poll_interval=1.0,
                             server_timing=dict(kill_seconds=10.0))
    assert not result['failed'], result['msg']
    assert kylin.actions(action='FORCE_STOP') == [(names[4], 'FORCE_STOP')]
    forced_at = [t for t, j, a in kylin.log if a == 'FORCE_STOP'][0]
    assert forced_at >= max(kylin.ends[n][0] for n in names[:4]) + 10.0  # the queue stood still for a kill first
    assert [j['action'] for j in result['jobs']] == ['STOP'] * 4 + ['FORCE_STOP']
    assert all(j['status'] == 'STOPPED' for j in result['jobs'])


def test_force_after_without_the_queue_would_have_forced_the_queued_jobs(monkeypatch):
    """The same jobs with force_after counted from each job's own STOP, as before the queue: the check above fails."""
    monkeypatch.setattr(StopQueue, 'force_due', lambda self, track, now, force_after: now - track.stopping_since >= force_after)
    clock = Clock()
    kylin = FakeKylin(clock, kill=10.0, start_work=0.1, micro_batch=3.0)
    names = ['j%d_build' % i for i in range(5)]
    for name in names:
        kylin.add(name, 'RUNNING')
    converge(kylin, clock, job_ids=names, state='stopped', force_after=15, poll_interval=1.0,
             server_timing=dict(kill_seconds=10.0))
    assert len(kylin.actions(action='FORCE_STOP')) >= 3


@pytest.mark.parametrize('code', ['KE-010021003', 'KE-010019002', 'KE-040021201'])
def test_transient_refusals_are_resent_after_a_re_read(code):
    clock = Clock()
    kylin = FakeKylin(clock, start_work=0.1, start_delay=1.0)
    kylin.add('a_build', 'STOPPED')
    kylin.add('b_build', 'STOPPED')
    kylin.faults = [('refused', code)]
    reconciler, result = converge(kylin, clock, job_ids=['a_build', 'b_build'], state='started')
    assert not result['failed'], result['msg']
    assert [p[1:] for p in kylin.puts] == [('START', ['a_build', 'b_build'])] * 2
    assert kylin.actions() == [('a_build', 'START'), ('b_build', 'START')]
    assert all(j['changed'] and j['resent'][0]['action'] == 'START' and code in j['resent'][0]['reason']
               for j in result['jobs'])
    assert any('refused before it was applied' in w for w in reconciler.warnings)


def test_a_project_without_a_resource_group_ends_the_task_once():
    clock = Clock()
    kylin = FakeKylin(clock, start_work=0.1, start_delay=1.0)
    for name in ('a_build', 'b_build', 'c_build'):
        kylin.add(name, 'RUNNING')
    kylin.faults = [('final', 'KE-010021005')]
    dummy, result = converge(kylin, clock, job_ids=['a_build', 'b_build', 'c_build'], state='restarted',
                             server_timing=dict(kill_seconds=30.0))  # one RESTART per PUT
    assert result['failed'] and result['error_type'] == 'cluster' and result['error_code'] == 'KE-010021005'
    assert len(kylin.puts) == 1 and kylin.actions() == []
    assert not result['changed']


def test_an_epoch_move_mid_batch_resends_only_what_was_not_applied():
    clock = Clock()
    kylin = FakeKylin(clock, start_work=0.1, start_delay=1.0)
    kylin.add('a_build', 'STOPPED')
    kylin.add('b_build', 'STOPPED')
    kylin.faults = [('refused_after', 'KE-040021201', 1)]
    dummy, result = converge(kylin, clock, job_ids=['a_build', 'b_build'], state='started')
    assert not result['failed'], result['msg']
    assert [p[1:] for p in kylin.puts] == [('START', ['a_build', 'b_build']), ('START', ['b_build'])]
    assert kylin.actions() == [('a_build', 'START'), ('b_build', 'START')]
    jobs = by_id(result)
    assert 'resent' not in jobs['a_build'] and jobs['b_build']['resent'][0]['action'] == 'START'


def test_resends_stop_after_retries():
    clock = Clock()
    kylin = FakeKylin(clock, start_work=0.1, start_delay=1.0)
    kylin.add('a_build', 'STOPPED')
    kylin.faults = ['proxy503'] * 10
    dummy, result = converge(kylin, clock, retries=2, job_ids=['a_build'], state='started', poll_interval=0.5)
    assert result['failed']
    assert len(kylin.puts) == 3 and kylin.actions() == []
    job = result['jobs'][0]
    assert job['error'].startswith('START not applied after 3 attempts') and len(job['resent']) == 2
    assert not job['changed']


def test_graceful_restart_keeps_pace_with_the_kill_queue():
    """Issue 21: eight graceful STOPs end one kill (2 s) apart after a 1 s micro-batch. Each job is started within
    one poll_interval of its STOPPED, no poll interval grows after a poll that saw a job move, and the result says
    what was done: restarted 8 (graceful), each job RESTART (STOP, START), and the number of polls."""
    clock = Clock()
    kylin = FakeKylin(clock, kill=2.0, start_work=0.0, start_delay=0.5, micro_batch=1.0)
    names = ['j%d_build' % i for i in range(8)]
    for name in names:
        kylin.add(name, 'RUNNING')
    kylin.retries = 3
    options = JobOptions.of(project='p1', job_ids=names, state='restarted', restart_method='graceful', poll_interval=0.5,
                            wait_timeout=600, server_timing=dict(kill_seconds=2.0, start_seconds=0.0, stop_seconds=0.0,
                                                                 read_lag_seconds=0.0))
    reconciler = JobReconciler(kylin, options, clock=clock, sleep=clock.sleep)
    polls = []
    real_poll = reconciler.waiter.poll

    def poll(tracks):
        moved = real_poll(tracks)
        polls.append((clock(), moved))
        return moved
    reconciler.waiter.poll = poll
    inside = []  # (start, end) of each status PUT: the server's work there is not the loop's waiting
    real_act = kylin.act

    def act(*args, **kwargs):
        began = clock()
        try:
            return real_act(*args, **kwargs)
        finally:
            inside.append((began, clock()))
    kylin.act = act
    result = reconciler.run()
    assert not result['failed'], result['msg']
    assert result['msg'] == 'restarted 8 (graceful)'
    assert all(j['action'] == 'RESTART (STOP, START)' and j['changed'] and j['status'] == 'RUNNING'
               for j in result['jobs'])
    for name in names:
        stopped = kylin.ends[name][0]
        sent = [t for t, action, ids in kylin.puts if action == 'START' and name in ids][0]
        assert stopped <= sent <= stopped + 0.5, (name, stopped, sent)
    for (at, moved), (later, dummy) in zip(polls, polls[1:]):
        waited = later - at - sum(end - start for start, end in inside if at <= start < later)
        if moved:
            assert waited <= 0.5 + 1e-9, (at, later, polls)
    assert result['polls'] == len(kylin.reads) - 1


def test_a_refused_put_is_blamed_on_the_first_job_without_a_sign_of_it():
    """Two RUNNING jobs to restart in one PUT; Kylin refuses it with an error that names no job, before applying
    anything. Both read RUNNING as before: neither moved (a status the job was already in is no sign of a
    RESTART). The first fails with Kylin's message; the second is sent again and restarted once."""
    clock = Clock()
    kylin = FakeKylin(clock, kill=1.0, start_work=0.1, start_delay=1.0)
    kylin.add('a_build', 'RUNNING')
    kylin.add('b_build', 'RUNNING')
    kylin.faults = [('refused', 'KE-000000001')]
    reconciler, result = converge(kylin, clock, job_ids=['a_build', 'b_build'], state='restarted')
    assert result['failed']
    assert [p[1:] for p in kylin.puts] == [('RESTART', ['a_build', 'b_build']), ('RESTART', ['b_build'])]
    assert kylin.actions() == [('b_build', 'RESTART')]
    jobs = by_id(result)
    assert jobs['a_build']['error'] == 'RESTART refused: KE-000000001' and not jobs['a_build']['changed']
    assert jobs['b_build']['error'] is None and jobs['b_build']['status'] == 'RUNNING'
    assert jobs['b_build']['changed'] and jobs['b_build']['action'] == 'RESTART'
    assert not any('no job can be blamed' in w for w in reconciler.warnings)


@pytest.mark.parametrize('accepted', [True, False], ids=['stopping', 'error'])
@pytest.mark.parametrize('state', ['stopped', 'restarted'])
def test_a_stop_lost_on_a_job_the_take_over_relaunched_is_sent_again(state, accepted):
    """docs/kylin-api.md §11.2, §3.3: the STOP runs behind an epoch take-over that kills and relaunches the
    project's running jobs; it lands on the relaunched job while it is STARTING (STOPPING once YARN knows the
    launch, ERROR before), and the launch's RUNNING undoes it. Nobody else started the job: the STOP is sent
    again (after RUNNING), once, and the task succeeds."""
    clock = Clock()
    kylin = FakeKylin(clock, kill=2.0, start_work=0.1, start_delay=5.0, micro_batch=1.0,
                      accept_delay=0.0 if accepted else 1.0)
    kylin.add('a_build', 'RUNNING')
    kylin.add('b_build', 'RUNNING')  # not selected: killed and relaunched by the take-over too
    kylin.faults = ['takeover']
    options = dict(restart_method='graceful') if state == 'restarted' else {}
    reconciler, result = converge(kylin, clock, job_ids=['a_build'], state=state, poll_interval=0.5, **options)
    assert not result['failed'], result['msg']
    stops = [p[1:] for p in kylin.puts if p[1] == 'STOP']
    assert stops == [('STOP', ['a_build'])] * 2
    assert kylin.actions('b_build') == []
    job = result['jobs'][0]
    assert job['changed'] and len(job['resent']) == 1 and job['resent'][0]['action'] == 'STOP'
    assert 'the launch undid it' in job['resent'][0]['reason']
    kylin._until(clock() + 60)  # whatever the server still had to do: the job stays where the task left it
    if state == 'stopped':
        assert kylin.jobs['a_build'].status == 'STOPPED' and job['status'] == 'STOPPED' and job['action'] == 'STOP'
    else:
        assert kylin.jobs['a_build'].status == 'RUNNING' and job['action'] == 'RESTART (STOP, STOP, START)'
        assert kylin.actions('a_build', 'START') == [('a_build', 'START')]
    # The resend waited for the relaunch to be RUNNING (a STOP of a STARTING job is lost again).
    launched = [t for t, status, app, dummy, modified in kylin.jobs['a_build'].views if status == 'RUNNING'][1]
    assert [t for t, action, ids in kylin.puts if action == 'STOP'][1] >= launched
    assert any('sending it again' in w for w in reconciler.warnings)


def test_a_job_stopped_then_started_by_someone_else_is_not_a_lost_stop():
    """The STOP ends the job (STOPPED, its STOP record), and someone else starts it before the task reads it again:
    the history shows a stop after the STOP took effect, so this is not a lost STOP: the job fails as started by
    someone else, and nothing is sent again."""
    clock = Clock()
    kylin = FakeKylin(clock, kill=1.0, start_work=0.0, start_delay=5.0, micro_batch=3.0)
    kylin.add('a_build', 'RUNNING')
    kylin._at(4.1, kylin._apply, None, 'START', ['a_build'])  # someone else, 0.1 s after its STOPPED at 4.0
    dummy, result = converge(kylin, clock, job_ids=['a_build'], state='stopped', poll_interval=5.0)
    assert result['failed']
    assert [p[1:] for p in kylin.puts] == [('STOP', ['a_build'])]
    assert 'started again by someone else' in result['jobs'][0]['error']


def test_a_graceful_stop_that_ends_after_the_predicted_kill_is_seen_without_a_long_back_off():
    """Issue 21: one RUNNING job stopped with poll_interval 0.05 s, kill 0.42 s, its graceful stop ending after
    1.6 s (a micro-batch longer than the one-kill prediction). The polls kept short while the prediction was due
    do not grow the back-off: the STOPPED is seen within a few short polls, not after the 30 s maximum."""
    clock = Clock()
    kylin = FakeKylin(clock, kill=0.42, start_work=0.0, micro_batch=1.18)
    kylin.add('a_build', 'RUNNING')
    dummy, result = converge(kylin, clock, job_ids=['a_build'], state='stopped', poll_interval=0.05)
    assert not result['failed'], result['msg']
    stopped = kylin.ends['a_build'][0]
    assert stopped == pytest.approx(1.6)
    assert kylin.reads[-1] - stopped < 0.5
    assert max(later - at for at, later in zip(kylin.reads, kylin.reads[1:])) < 0.5


def test_after_a_put_longer_than_a_poll_interval_the_next_read_comes_at_once():
    """Issue 21: a START PUT of a graceful restart waits inside the server for the kill under way (its leftover-driver
    grep takes the same lock), 2 s here, four poll intervals. The other jobs' rows are that old when it returns:
    the loop reads them at once instead of sleeping one more interval first."""
    clock = Clock()
    kylin = FakeKylin(clock, kill=2.0, start_work=0.0, start_delay=0.5, micro_batch=1.0)
    names = ['j%d_build' % i for i in range(4)]
    for name in names:
        kylin.add(name, 'RUNNING')
    spans = []
    real_act = kylin.act

    def act(*args, **kwargs):
        began = clock()
        try:
            return real_act(*args, **kwargs)
        finally:
            spans.append((began, clock()))
    kylin.act = act
    dummy, result = converge(kylin, clock, job_ids=names, state='restarted', restart_method='graceful',
                             poll_interval=0.5, server_timing=dict(kill_seconds=2.0, start_seconds=0.0))
    assert not result['failed'], result['msg']
    long_puts = [(began, ended) for began, ended in spans if ended - began >= 0.5]
    assert long_puts  # the STARTs waited for the kills
    for began, ended in long_puts:
        assert ended in kylin.reads or not [t for t in kylin.reads if t > ended], (ended, kylin.reads)
