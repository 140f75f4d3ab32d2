# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Internal use only: what a job row of Kylin's list means, as pure functions.

Shared by the decisions, the inventory and the filters; no import that reaches ``requests``.
"""

JOB_TYPES = {'build': 'STREAMING_BUILD', 'merge': 'STREAMING_MERGE'}
STATUSES = ('STARTING', 'RUNNING', 'STOPPING', 'ERROR', 'STOPPED')
SORT_KEYS = ('last_modified', 'data_latency', 'last_status_duration', 'model_alias')
# The per-job param that makes Kylin relaunch an ERROR job by itself (docs/kylin-api.md §3.4).
RETRY_PARAM = 'kylin.streaming.job-retry-enabled'
# A property the server cannot read, so its sort keeps storage order (docs/kylin-api.md §5.7).
STORAGE_ORDER = 'model_alias'


def job_type(row):
    """``build`` or ``merge`` for a list row (from ``job_type``, else from the id's suffix)."""
    kind = row.get('job_type') or ''
    if kind == 'STREAMING_MERGE' or (not kind and str(row.get('uuid', '')).endswith('_merge')):
        return 'merge'
    return 'build'


def retry_enabled(row, global_default=False):
    """Whether Kylin relaunches this job from ERROR: its param, else the cluster's setting."""
    params = row.get('params') or {}
    if params.get(RETRY_PARAM) is None:
        return bool(global_default)
    return str(params.get(RETRY_PARAM)).strip().lower() == 'true'


def with_type(row):
    """A copy of ``row`` with ``type`` (``build`` or ``merge``) added."""
    row = dict(row)
    row['type'] = job_type(row)
    return row


def sort_rows(rows, sort_by='last_modified', reverse=True):
    """Sort like the server's stable ``PropertyComparator``: nulls last ascending, first descending."""
    def key(row):
        value = row.get(sort_by)
        return (value is None, value if value is not None else 0)
    return sorted(rows, key=key, reverse=bool(reverse))


def count_statuses(rows):
    """``{status: count}`` with every status present."""
    counts = {status: 0 for status in STATUSES}
    for row in rows:
        status = row.get('job_status')
        counts[status] = counts.get(status, 0) + 1
    return counts
