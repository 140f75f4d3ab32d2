# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading the job list: paging, sorting, filters and the server's quirks, over real HTTP."""

import pytest

from ansible_collections.kylin.streaming.plugins.module_utils import _inventory as I
from ansible_collections.kylin.streaming.plugins.module_utils import _rows as R
from kylin_sim.control import LIST


def test_sort_rows_like_kylin():
    rows = [dict(uuid='a', data_latency=5), dict(uuid='b', data_latency=None), dict(uuid='c', data_latency=9),
            dict(uuid='d', data_latency=5)]
    assert [r['uuid'] for r in R.sort_rows(rows, 'data_latency', reverse=True)] == ['b', 'c', 'a', 'd']
    assert [r['uuid'] for r in R.sort_rows(rows, 'data_latency', reverse=False)] == ['a', 'd', 'c', 'b']


def test_job_type():
    assert R.job_type(dict(job_type='STREAMING_MERGE')) == 'merge'
    assert R.job_type(dict(uuid='x_merge')) == 'merge'
    assert R.job_type(dict(job_type='STREAMING_BUILD', uuid='x_build')) == 'build'


def test_counts_have_every_status():
    assert R.count_statuses([dict(job_status='RUNNING')]) == dict(STARTING=0, RUNNING=1, STOPPING=0, ERROR=0, STOPPED=0)


def test_paging_reads_every_job_once_in_few_requests(ctl, client):
    ctl.generate('big', 1200, status={'RUNNING': 0.5, 'STOPPED': 0.5})
    ctl.clear_counters()
    answer = I.inventory(client, project='big', page_size=500)
    assert answer['total'] == 2400 and len(answer['jobs']) == 2400
    assert len(set(j['uuid'] for j in answer['jobs'])) == 2400
    assert ctl.request_count(LIST) == 5
    modified = [j['last_modified'] for j in answer['jobs']]
    assert modified == sorted(modified, reverse=True)
    assert sum(answer['counts'].values()) == 2400


def test_limit_within_a_page_lets_the_server_sort(ctl, client):
    ctl.add_models('p1', count=5, build={'status': 'RUNNING'})
    ctl.clear_counters()
    answer = I.inventory(client, project='p1', job_types=['build'], sort_by='last_status_duration', reverse=False, limit=2)
    assert len(answer['jobs']) == 2 and answer['total'] == 5
    assert ctl.request_count(LIST) == 1
    assert all(j['type'] == 'build' for j in answer['jobs'])


@pytest.mark.parametrize('reverse', [True, False])
def test_model_alias_sort_is_done_here(ctl, client, reverse):
    for alias in ('kiwi', 'apple', 'mango'):
        ctl.add_models('p1', count=1, prefix=alias)
    answer = I.inventory(client, project='p1', job_types=['build'], sort_by='model_alias', reverse=reverse)
    assert [j['model_alias'] for j in answer['jobs']] == sorted(['kiwi0', 'apple0', 'mango0'], reverse=reverse)


def test_filters(ctl, client):
    ctl.add_models('p1', count=2, prefix='Orders', build={'status': 'RUNNING'})
    ctl.add_models('p1', count=1, prefix='clicks')
    assert I.inventory(client, project='p1', model_name='Order')['total'] == 4
    assert I.inventory(client, project='p1', model_name='order')['total'] == 0
    assert I.inventory(client, project='p1', models=['Orders1'])['total'] == 2
    assert I.inventory(client, project='p1', statuses=['running'])['total'] == 2
    assert I.inventory(client, project='p1', job_types=['merge'])['total'] == 3
    assert I.inventory(client)['total'] == 6


def test_unknown_job_id_falls_back_and_warns(ctl, client):
    models = ctl.add_models('p1', count=2)
    ctl.clear_counters()
    answer = I.inventory(client, project='p1', job_ids=[models['m1'][0], 'deadbeef_build'])
    assert [j['uuid'] for j in answer['jobs']] == [models['m1'][0]]
    assert 'deadbeef_build' in answer['warnings'][0]
    assert ctl.request_count(LIST) == 2


def test_read_jobs_with_many_ids_reads_the_project_once(ctl, client):
    models = ctl.add_models('p1', count=150)
    ids = [pair[0] for pair in models.values()]
    ctl.clear_counters()
    rows = I.read_jobs(client, 'p1', job_ids=ids)
    assert sorted(r['uuid'] for r in rows) == sorted(ids)
    assert ctl.request_count(LIST) == 1


def test_many_model_names_are_chunked_under_the_url_limit(ctl, client):
    ctl.add_models('p1', count=300, prefix='a_rather_long_model_alias_')
    aliases = ['a_rather_long_model_alias_%d' % i for i in range(300)]
    chunks = I.chunk_values(client, 'model_names', aliases, project='p1')
    assert len(chunks) > 1 and sum(len(c) for c in chunks) == 300
    answer = I.inventory(client, project='p1', models=aliases, page_size=1000)
    assert answer['total'] == 600 and len(answer['jobs']) == 600


def test_include_records_and_stats(ctl, client):
    ctl.add_models('p1', count=1, build={'status': 'RUNNING'}, merge={'status': 'RUNNING'})
    answer = I.inventory(client, project='p1', include=['records', 'stats'])
    by_type = dict((j['type'], j) for j in answer['jobs'])
    assert isinstance(by_type['build']['records'], list) and isinstance(by_type['merge']['records'], list)
    assert set(by_type['build']['stats']) >= set(['data_latency_hist', 'create_time'])
    assert by_type['merge']['stats'] is None


def test_fields_keep_only_the_asked_keys_of_the_same_rows(ctl, client):
    ctl.generate('big', 300, status={'RUNNING': 0.5, 'ERROR': 0.5})
    full = I.inventory(client, project='big', sort_by='model_alias', reverse=False)
    ctl.clear_counters()
    light = I.inventory(client, project='big', sort_by='model_alias', reverse=False, page_size=1000,
                        fields=['uuid', 'type', 'job_status'])
    assert ctl.request_count(LIST) == 1
    assert light['total'] == full['total'] == 600 and light['counts'] == full['counts']
    assert light['jobs'] == [dict(uuid=j['uuid'], type=j['type'], job_status=j['job_status']) for j in full['jobs']]


def test_fields_keep_what_include_asked_for(ctl, client):
    ctl.add_models('p1', count=1, build={'status': 'RUNNING'})
    answer = I.inventory(client, project='p1', fields=['model_alias'], include=['records'])
    assert len(answer['jobs']) == 2
    assert all(sorted(j) == ['model_alias', 'records'] and isinstance(j['records'], list) for j in answer['jobs'])


def test_summary_counts_the_same_jobs_and_returns_none(ctl, client):
    ctl.generate('big', 300, status={'RUNNING': 0.6, 'STOPPED': 0.4})
    full = I.inventory(client, project='big')
    ctl.clear_counters()
    summary = I.inventory(client, project='big', summary=True, page_size=2000)
    assert summary['jobs'] == [] and summary['total'] == 600 and summary['counts'] == full['counts']
    assert summary['counts']['RUNNING'] + summary['counts']['STOPPED'] == 600
    assert ctl.request_count(LIST) == 1
    errors = I.inventory(client, project='big', summary=True, statuses=['stopped'], job_types=['merge'])
    assert errors['counts']['STOPPED'] == len([j for j in full['jobs'] if j['type'] == 'merge' and j['job_status'] == 'STOPPED'])
    assert errors['counts']['RUNNING'] == 0 and errors['total'] == errors['counts']['STOPPED']


@pytest.mark.parametrize('cluster_default', [False, True])
def test_retry_enabled_follows_the_param_else_the_cluster_default_even_with_fields(ctl, client, cluster_default):
    models = ctl.add_models('p1', count=2)
    without_key, with_false = models['m0'][0], models['m1'][0]
    client.set_params('p1', without_key, {'spark.executor.cores': '2'})  # replaces the map: the retry key is gone
    answer = I.inventory(client, project='p1', job_types=['build'], fields=['uuid', 'retry_enabled'],
                         global_retry_enabled=cluster_default)
    by_id = dict((job['uuid'], job) for job in answer['jobs'])
    assert sorted(by_id[without_key]) == ['retry_enabled', 'uuid']
    assert by_id[without_key]['retry_enabled'] is cluster_default
    assert by_id[with_false]['retry_enabled'] is False
