# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Internal use only: reading the job list the way the real server needs to be read.

Shared by ``job_info``, the ``jobs`` lookup and the ``job`` module. The server's quirks it copes
with (docs/kylin-api.md §5 and docs/design.md §2.3, §2.5):

* paging is unstable under the default sort (running build jobs rewrite ``last_modified``), so
  multi-page reads go in storage order (``sort_by=model_alias``, a property the server cannot
  read) and are sorted here, de-duplicated by ``uuid``;
* ``page_offset`` is a page number;
* a ``job_ids`` filter with an unknown id is a 500 without an error code (an NPE), so that case
  falls back to reading the project and filtering here;
* request URLs are kept under 4 KB by chunking ``job_ids``/``model_names``, or by reading the
  project once when the selection is large.
"""

from ansible_collections.kylin.streaming.plugins.module_utils._client import (
    MAX_URL_LENGTH,
    KylinApiError,
)
from ansible_collections.kylin.streaming.plugins.module_utils._rows import (
    JOB_TYPES,
    STORAGE_ORDER,
    count_statuses,
    retry_enabled,
    sort_rows,
    with_type,
)

READ_PAGE_SIZE = 2000


def chunk_values(client, key, values, **query):
    """Split ``values`` into lists whose ``key=v1,v2,...`` keeps the list URL under the limit."""
    chunks, current = [], []
    base = client.list_url_length(**query)
    budget = MAX_URL_LENGTH - base - len(key) - 2
    used = 0
    for value in values:
        cost = len(value) * 3 + 3  # worst case percent-encoding plus the encoded comma
        if current and used + cost > budget:
            chunks.append(current)
            current, used = [], 0
        current.append(value)
        used += cost
    if current:
        chunks.append(current)
    return chunks


def read_pages(client, page_size=READ_PAGE_SIZE, **filters):
    """Every row matching ``filters``, in storage order, de-duplicated: ``(rows, total_size)``."""
    rows, seen = [], set()
    page = 0
    total = 0
    while True:
        data = client.list_jobs(page_offset=page, page_size=page_size, sort_by=STORAGE_ORDER, reverse=False, **filters)
        value = data.get('value') or []
        total = data.get('total_size') or 0
        for row in value:
            uuid = row.get('uuid')
            if uuid not in seen:
                seen.add(uuid)
                rows.append(row)
        page += 1
        if len(value) < page_size or page * page_size >= total:
            return rows, total


def _unknown_id_error(exc):
    # The open API answers an unknown id in job_ids with an NPE: HTTP 500, no error code.
    return isinstance(exc, KylinApiError) and exc.status == 500 and not exc.error_code


def read_ids(client, ids, page_size=READ_PAGE_SIZE, **filters):
    """Rows of the jobs ``ids`` matching ``filters``: ``(rows, total, unknown ids)``.

    Asks the server for the ids; when one of them is unknown (Kylin's NPE) reads without them and
    filters here, and names the ids that were not found (or were filtered out).
    """
    try:
        rows, total = read_pages(client, page_size=page_size, job_ids=ids, **filters)
        return rows, total, []
    except KylinApiError as exc:
        if not _unknown_id_error(exc):
            raise
    wanted = set(ids)
    rows, dummy = read_pages(client, page_size=page_size, **filters)
    rows = [row for row in rows if row.get('uuid') in wanted]
    return rows, len(rows), sorted(wanted - set(row.get('uuid') for row in rows))


def read_jobs(client, project, job_ids=None, models=None, job_types=None, page_size=READ_PAGE_SIZE):
    """The rows of the selected jobs of ``project`` (all its jobs when nothing is selected).

    Uses one targeted request when the selection fits in a URL, else reads the project once and
    filters here; unknown ids and aliases simply do not appear in the answer.
    """
    types = [JOB_TYPES[t] for t in job_types] if job_types else None
    if job_types and set(job_types) == set(JOB_TYPES):
        types = None
    if job_ids:
        ids = list(dict.fromkeys(job_ids))
        if len(chunk_values(client, 'job_ids', ids, project=project, job_types=types)) == 1:
            return read_ids(client, ids, page_size, project=project, job_types=types)[0]
        rows, dummy = read_pages(client, page_size=page_size, project=project, job_types=types)
        wanted = set(ids)
        return [row for row in rows if row.get('uuid') in wanted]
    if models:
        aliases = list(dict.fromkeys(models))
        chunks = chunk_values(client, 'model_names', aliases, project=project, job_types=types)
        if len(chunks) == 1:
            rows, dummy = read_pages(client, page_size=page_size, project=project, model_names=aliases, job_types=types)
            return rows
        rows, dummy = read_pages(client, page_size=page_size, project=project, job_types=types)
        wanted = set(aliases)
        return [row for row in rows if row.get('model_alias') in wanted]
    rows, dummy = read_pages(client, page_size=page_size, project=project, job_types=types)
    return rows


def inventory(client, project=None, model_name=None, models=None, job_types=None, statuses=None, job_ids=None,
              sort_by='last_modified', reverse=True, limit=0, page_size=500, include=None, stats_minutes=30,
              fields=None, summary=False, global_retry_enabled=False):
    """The ``job_info`` answer: ``dict(jobs, total, counts, warnings)``.

    When one request can answer (a ``limit`` within a page, server-sortable key, no chunking), the
    server sorts; otherwise every page is read in storage order and sorted here. ``fields``: only
    these keys of each row (plus ``include``'s); ``summary``: no rows, the same ``total`` and
    ``counts``. Each row gets ``retry_enabled`` (its param, else ``global_retry_enabled``) before
    ``fields`` cuts it. Both make the answer small, which is what makes a large inventory fast: Ansible's
    cost of a result grows with its size (docs/design.md §2.4a).
    """
    warnings = []
    filters = dict(project=project, model_name=model_name,
                   job_types=[JOB_TYPES[t] for t in job_types] if job_types else None,
                   statuses=[s.upper() for s in statuses] if statuses else None)
    selections = [dict()]
    if job_ids:
        selections = [dict(job_ids=c) for c in chunk_values(client, 'job_ids', list(dict.fromkeys(job_ids)), **filters)]
    elif models:
        selections = [dict(model_names=c) for c in chunk_values(client, 'model_names', list(dict.fromkeys(models)), **filters)]

    if limit and limit <= page_size and len(selections) == 1 and sort_by != STORAGE_ORDER and not job_ids:
        data = client.list_jobs(page_offset=0, page_size=limit, sort_by=sort_by, reverse=reverse,
                                **dict(filters, **selections[0]))
        rows, total = data.get('value') or [], data.get('total_size') or 0
    else:
        rows, total, seen = [], 0, set()
        for selection in selections:
            if selection.get('job_ids'):
                part, part_total, missing = read_ids(client, selection['job_ids'], page_size, **filters)
                if missing:
                    warnings.append('job ids not found in project %s (or filtered out): %s' % (project, ', '.join(missing)))
            else:
                part, part_total = read_pages(client, page_size=page_size, **dict(filters, **selection))
            for row in part:
                if row.get('uuid') not in seen:
                    seen.add(row.get('uuid'))
                    rows.append(row)
            total += part_total
        rows = sort_rows(rows, sort_by, reverse)
        if limit:
            rows = rows[:limit]

    counts = count_statuses(rows)
    if summary:
        return dict(jobs=[], total=total, counts=counts, warnings=warnings)
    rows = [with_type(row) for row in rows]
    include = include or []
    for row in rows:
        row['retry_enabled'] = retry_enabled(row, global_retry_enabled)
        if 'records' in include:
            row['records'] = client.records(row['uuid'])
        if 'stats' in include:
            row['stats'] = client.stats(row['uuid'], stats_minutes) if row['type'] == 'build' else None
    if fields:
        keep = list(fields) + [name for name in include if name not in fields]
        rows = [{name: row.get(name) for name in keep} for row in rows]
    return dict(jobs=rows, total=total, counts=counts, warnings=warnings)
