# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Options: the argspec builder, the adapter, the job options object and the shared filter checks."""

import pytest

from ansible_collections.kylin.streaming.plugins.module_utils._errors import KylinOptionError, error_type
from ansible_collections.kylin.streaming.plugins.module_utils._filters import FILTER_SPEC, check_filters
from ansible_collections.kylin.streaming.plugins.module_utils._job_options import JOB_SPEC, JobOptions
from ansible_collections.kylin.streaming.plugins.module_utils._module import build_client
from ansible_collections.kylin.streaming.plugins.module_utils._options import (
    OptionAdapter,
    check_connection,
    generate_argspec,
)
from ansible_collections.kylin.streaming.plugins.module_utils import _errors as E


def test_generate_argspec_merges_connection_options():
    spec = generate_argspec(project=dict(type='str'))
    assert {'url', 'username', 'password', 'timeout', 'retries', 'project'} <= set(spec)
    assert spec['password']['no_log'] is True


def test_adapter_over_a_plugin_answers_none_for_unknown_options():
    class Plugin:
        def get_option(self, name):
            if name == 'url':
                return 'http://x'
            raise KeyError(name)
    adapter = OptionAdapter.from_plugin(Plugin())
    assert adapter.get_options('url', 'other') == dict(url='http://x', other=None)


@pytest.mark.parametrize('values,words', [
    (dict(timeout=0), 'timeout must be a positive'),
    (dict(retries=-1), 'retries must be 0 or more'),
    (dict(password='x'), 'password is set but username is not'),
])
def test_connection_values(values, words):
    with pytest.raises(KylinOptionError, match=words):
        check_connection(OptionAdapter.from_dict(values))


def test_build_client_turns_a_bad_url_into_an_options_error():
    with pytest.raises(KylinOptionError, match='must not contain credentials'):
        build_client(OptionAdapter.from_dict(dict(url='http://a:b@host')))


def test_job_options_defaults_come_from_the_spec():
    options = JobOptions.of(project='p', models=['m'])
    assert options.state == 'started' and options.wait_timeout == 600 and options.job_types == ['build', 'merge']
    assert options.selected_job_types == ['build', 'merge']
    assert JobOptions.of(project='p', job_ids=['a_build']).selected_job_types is None
    with pytest.raises(TypeError, match='unknown job option'):
        JobOptions.of(project='p', nope=1)
    with pytest.raises(AttributeError):
        getattr(options, 'nope')
    assert set(JOB_SPEC) >= {'project', 'models', 'job_ids', 'state', 'force', 'force_after', 'wait', 'batch_size'}


@pytest.mark.parametrize('values,words', [
    (dict(project=' ', models=['m']), 'project must not be empty'),
    (dict(models=[]), 'models must be a non-empty list'),
    (dict(job_ids=['a_build'], job_types=['build']), 'job_types only applies to models'),
    (dict(models=['m'], wait_timeout=-1), 'wait_timeout must be 0 or more'),
    (dict(models=['m'], poll_interval=0), 'poll_interval must be more than 0'),
    (dict(models=['m'], state='stopped', force=True, force_after=3), 'mutually exclusive'),
    (dict(models=['m'], params_purge=True), 'params_purge needs params'),
    (dict(models=['m'], state='restarted', params={'a': 1}, apply_params='next_start'), 'contradicts'),
])
def test_job_option_combinations(values, words):
    with pytest.raises(KylinOptionError, match=words):
        JobOptions.of(**dict(dict(project='p'), **values)).check()


def test_filters_are_checked_once_for_module_and_lookup():
    defaults = {name: spec.get('default') for name, spec in FILTER_SPEC.items()}
    kwargs = check_filters(OptionAdapter.from_dict(dict(defaults, statuses=['running'])))
    assert kwargs['statuses'] == ['running'] and 'project' not in kwargs
    with pytest.raises(KylinOptionError, match='job_ids needs project'):
        check_filters(OptionAdapter.from_dict(dict(defaults, job_ids=['x'])), projects=['a', None])
    check_filters(OptionAdapter.from_dict(dict(defaults, job_ids=['x'])), projects=['a'])


def test_error_types():
    assert error_type(E.KylinAuthError('x')) == 'auth'
    assert error_type(E.KylinClusterError('x')) == 'cluster'
    assert error_type(E.KylinApiError('x')) == 'api'
    assert error_type(E.KylinSelectionError('x')) == 'selection'
    assert isinstance(E.KylinOptionError('x'), ValueError)
