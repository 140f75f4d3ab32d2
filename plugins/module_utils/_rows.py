# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Internal use only: what a job row of Kylin's list means, as pure functions.

Shared by the decisions, the inventory and the filters; no import that reaches ``requests``.
"""

import difflib

JOB_TYPES = {'build': 'STREAMING_BUILD', 'merge': 'STREAMING_MERGE'}
STATUSES = ('STARTING', 'RUNNING', 'STOPPING', 'ERROR', 'STOPPED')
SORT_KEYS = ('last_modified', 'data_latency', 'last_status_duration', 'model_alias')
# The per-job param that makes Kylin relaunch an ERROR job by itself (docs/kylin-api.md §3.4).
RETRY_PARAM = 'kylin.streaming.job-retry-enabled'
# A property the server cannot read, so its sort keeps storage order (docs/kylin-api.md §5.7).
STORAGE_ORDER = 'model_alias'
# A job param whose key names one of these holds a secret (a Kafka JAAS config, a password): masked in
# events and drift lines, written as a vault placeholder by an export, never shown in clear.
SECRET_WORDS = ('password', 'passwd', 'secret', 'token', 'credential', 'jaas')


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


def secret_param(key):
    """Whether the job param ``key`` holds a secret (its name has one of ``SECRET_WORDS``, in any case)."""
    key = str(key).lower()
    return any(word in key for word in SECRET_WORDS)


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


def closest_names(name, known, limit=2):
    """The names of ``known`` closest to a mistyped ``name``: the same name in another case, else the
    ``limit`` nearest by ``difflib`` (at least 60% alike); ``[]`` when none is close."""
    lowered = dict((str(each).lower(), each) for each in known)
    if str(name).lower() in lowered:
        return [lowered[str(name).lower()]]
    return difflib.get_close_matches(name, sorted(set(known)), n=limit, cutoff=0.6)
