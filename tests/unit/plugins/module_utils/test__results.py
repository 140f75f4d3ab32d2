# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the job module reports: per-job results, msg and diff."""

from ansible_collections.kylin.streaming.plugins.module_utils import _decisions as J
from ansible_collections.kylin.streaming.plugins.module_utils import _results as R


def test_summary_reads_well():
    results = [dict(id='a', action='START', changed=True, error=None),
               dict(id='b', action=None, changed=False, error=None),
               dict(id='c', action=None, changed=False, error='model m is broken')]
    text = R.summary(results, J.STARTED)
    assert text.startswith('1 of 3 jobs failed: c: model m is broken.')
    assert 'Started 1, 1 already running' in text
    assert R.summary(results[:2], J.STARTED, check_mode=True) == 'would have started 1, 1 already running'


def test_when_every_job_failed_the_summary_says_only_that():
    results = [dict(id='a', action='STOP', changed=True, error='timed out after 2s; last status STOPPING')]
    assert R.summary(results, J.STOPPED_STATE) == '1 of 1 jobs failed: a: timed out after 2s; last status STOPPING.'


def test_not_attempted_jobs_are_counted_apart():
    results = [dict(id='a', action='RESTART', changed=True, error='timed out'),
               dict(id='b', action=None, changed=False, error=None, note=R.NOT_ATTEMPTED + ': batch 1 of 2')]
    text = R.summary(results, J.RESTARTED)
    assert text.startswith('1 of 2 jobs failed: a: timed out.')
    assert '1 not attempted' in text and 'already' not in text


def test_job_result_and_diff():
    t = J.JobTrack(dict(uuid='m_build', job_status='RUNNING', project='p', model_alias='m', job_type='STREAMING_BUILD'))
    t.plan_params({'k': {'before': '1', 'after': '2'}}, {'k': '2'}, restart=False)
    t.applied(J.STOP, now=0)
    res = R.job_result(t, with_params=True)
    assert res == dict(id='m_build', project='p', model='m', type='build', status_before='RUNNING', status='STOPPING',
                       action='STOP', changed=True, error=None, health=None, params_changed=t.params_changes)
    key = 'm build (m_build)'  # a person recognises the job by its model and type
    assert R.diff_of([t], [res], with_params=False) == dict(before={key: 'RUNNING'}, after={key: 'STOPPING'})
    assert R.diff_of([t], [res], with_params=True) == dict(
        before={key: dict(status='RUNNING', params={'k': '1'})},
        after={key: dict(status='STOPPING', params={'k': '2'}, then='STOP, so that the new params take effect')})
