# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The reconcile loop on a fake clock against a scripted server: following a PUT whose answer was lost.

Kylin goes on with a batch after the client gave up (docs/kylin-api.md §3.2, §4). The loop must not
resend while the jobs keep moving, and resend only what never moved once nothing moved for longer than
one job's work plus the read lag (docs/design.md §4).
"""

from ansible_collections.kylin.streaming.plugins.module_utils._errors import KylinTransportError
from ansible_collections.kylin.streaming.plugins.module_utils._job_options import JobOptions
from ansible_collections.kylin.streaming.plugins.module_utils._reconcile import JobReconciler

IDS = ['a_build', 'b_build', 'c_build']
TIMING = dict(kill_seconds=5.0, start_seconds=1.0, stop_seconds=0.5, read_lag_seconds=2.0)


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


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
                   yarn_app_id='application_old_' + job_id, last_status_duration=600000)
        if began is None or now < began:
            return row
        if now < began + 5.0:
            row.update(job_status='STOPPING', last_status_duration=600000)
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
