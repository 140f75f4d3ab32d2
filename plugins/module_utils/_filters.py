# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Internal use only: the job filters of ``job_info`` and the ``jobs`` lookup, validated once.

Pure: the argument spec of the filters (and of the shape of the answer: ``fields``, ``summary``),
and ``check_filters()`` that turns an ``OptionAdapter`` into the keyword arguments of
``_inventory.inventory()`` or raises ``KylinOptionError``.
"""

from ansible_collections.kylin.streaming.plugins.module_utils._errors import KylinOptionError
from ansible_collections.kylin.streaming.plugins.module_utils._rows import JOB_TYPES, SORT_KEYS, STATUSES

FILTER_SPEC = dict(
    project=dict(type='str'),
    model_name=dict(type='str'),
    models=dict(type='list', elements='str'),
    job_types=dict(type='list', elements='str', choices=sorted(JOB_TYPES)),
    statuses=dict(type='list', elements='str'),
    job_ids=dict(type='list', elements='str'),
    sort_by=dict(type='str', default='last_modified', choices=list(SORT_KEYS)),
    reverse=dict(type='bool', default=True),
    limit=dict(type='int', default=0),
    page_size=dict(type='int', default=500),
    # The shape of the answer (docs/design.md §2.4a): only these keys of each row, or counts only.
    fields=dict(type='list', elements='str'),
    summary=dict(type='bool', default=False),
)
FILTERS = tuple(name for name in FILTER_SPEC if name != 'project')
# The keys a row can be asked for with ``fields`` (Kylin's, plus ``type``, ``records`` and ``stats``).
FIELDS = ('uuid', 'type', 'job_type', 'project', 'model_alias', 'model_id', 'job_status', 'launching_error',
          'model_broken', 'data_latency', 'last_status_duration', 'last_modified', 'yarn_app_id', 'params',
          'retry_enabled', 'records', 'stats')


def check_filters(adapter, projects=None):
    """The filters as ``inventory()`` keyword arguments (without ``project``); ``KylinOptionError`` if bad.

    ``projects``: the projects the filters will be applied to, when not only O(project).
    """
    values = adapter.get_options(*FILTER_SPEC)
    projects = projects if projects is not None else [values['project']]
    job_types = values['job_types'] or None
    statuses = values['statuses'] or None
    bad = [t for t in job_types or [] if t not in JOB_TYPES]
    if bad:
        raise KylinOptionError('job_types must be build and/or merge; got %s' % ', '.join(map(str, bad)))
    bad = [s for s in statuses or [] if str(s).upper() not in STATUSES]
    if bad:
        raise KylinOptionError('statuses must be among %s (any case); got %s' % (', '.join(STATUSES), ', '.join(map(str, bad))))
    if values['job_ids'] and not all(projects):
        raise KylinOptionError('job_ids needs project (Kylin looks job ids up in one project)')
    sort_by = values['sort_by'] or 'last_modified'
    if sort_by not in SORT_KEYS:
        raise KylinOptionError('sort_by must be one of %s; got %s' % (', '.join(SORT_KEYS), sort_by))
    limit = values['limit'] if values['limit'] is not None else 0
    page_size = values['page_size'] if values['page_size'] is not None else 500
    if limit < 0:
        raise KylinOptionError('limit must be 0 or more (got %s)' % limit)
    if page_size < 1:
        raise KylinOptionError('page_size must be 1 or more (got %s)' % page_size)
    fields = list(dict.fromkeys(values['fields'])) if values['fields'] else None
    bad = [f for f in fields or [] if f not in FIELDS]
    if bad:
        raise KylinOptionError('fields must be among %s; got %s' % (', '.join(FIELDS), ', '.join(map(str, bad))))
    summary = bool(values['summary'])
    if summary and fields:
        raise KylinOptionError('summary returns counts only: do not give fields with it')
    return dict(model_name=values['model_name'], models=values['models'] or None, job_types=job_types,
                statuses=statuses, job_ids=values['job_ids'] or None, sort_by=sort_by,
                reverse=values['reverse'] if values['reverse'] is not None else True, limit=limit, page_size=page_size,
                fields=fields, summary=summary)
