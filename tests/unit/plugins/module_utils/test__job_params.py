# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Job params: merge, purge, compare as strings, refuse what Kylin would refuse."""

import pytest

from ansible_collections.kylin.streaming.plugins.module_utils import _job_params as P
from ansible_collections.kylin.streaming.plugins.module_utils._rows import RETRY_PARAM
from ansible_collections.kylin.streaming.plugins.module_utils._errors import KylinOptionError


def test_params_merge_purge_and_compare_as_strings():
    current = {'spark.executor.instances': '2', 'kylin.streaming.duration': '30', 'other': 'x'}
    merged = P.desired_params(current, {'spark.executor.instances': 2, 'kylin.streaming.duration': 60,
                                        RETRY_PARAM: True, 'other': None})
    assert merged == {'spark.executor.instances': '2', 'kylin.streaming.duration': '60', RETRY_PARAM: 'true'}
    assert P.params_changes(current, merged) == {
        'kylin.streaming.duration': {'before': '30', 'after': '60'},
        RETRY_PARAM: {'before': None, 'after': 'true'},
        'other': {'before': 'x', 'after': None},
    }
    assert P.desired_params(current, {'a': '1'}, purge=True) == {'a': '1'}
    assert P.params_changes(current, dict(current)) == {}


@pytest.mark.parametrize('value', ['30x', '10', 'm', '1.5h', ' ', ''])
def test_refresh_interval_validation(value):
    params = {P.REFRESH_INTERVAL_PARAM: value}
    if value.strip():
        with pytest.raises(KylinOptionError, match='KE-010043214'):
            P.validate_params(params)
    else:
        P.validate_params(params)


def test_valid_params_pass_and_bad_types_fail():
    P.validate_params({P.REFRESH_INTERVAL_PARAM: '30m', 'spark.executor.cores': 2, 'x': True, 'y': None})
    with pytest.raises(KylinOptionError, match='must be a string, number or boolean'):
        P.validate_params({'spark.conf': {'nested': 1}})
