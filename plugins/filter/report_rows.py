# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r'''
name: report_rows
short_description: Streaming jobs as report rows, problems first, with a summary
version_added: 0.1.0
description:
  - Turns the job rows of M(kylin.streaming.job_info) into the rows of the
    R(kylin.streaming.report role,ansible_collections.kylin.streaming.report_role), each with its problem,
    if any, and a rank, sorted so that problems come first; and counts them.
  - "The ranks: V(0) C(error) (ERROR, Kylin's launching error too); V(1) C(broken) (the model is broken, its
    jobs cannot start); V(2) C(transition) (STARTING or STOPPING); V(3) C(latency) (RUNNING with data latency
    above O(latency_threshold), highest first, or, with the latency series, no micro-batch in the whole
    window, stalled, first); V(4) C(stopped); V(5) C(ok), RUNNING and healthy. Within a rank, by project,
    model and job type (build first)."
  - A running build job that started after its newest micro-batch shows the previous run's latency; that is
    stale, not a problem, until its first micro-batch (judged only with the series, O(charts=true)).
  - An ERROR row says why and since when, from a launching error (Kylin keeps no record of it) and its last
    status records (O(records)).
author:
  - kylin.streaming maintainers (@kylin-streaming)
options:
  _input:
    description:
      - The job rows, RV(kylin.streaming.job_info#module:jobs); with C(include=[stats]) for the latency
        series of each job (C(stats.create_time), C(stats.data_latency_hist)).
    type: list
    elements: dict
    required: true
  now_ms:
    description: The time of the report, in milliseconds since the epoch (C(now().timestamp() * 1000)).
    type: int
    required: true
  records:
    description:
      - "The status records of the jobs in ERROR, C({job id: records, newest first}), from M(kylin.streaming.job_info)
        with C(include=[records])."
    type: dict
    default: {}
  latency_threshold:
    description: Seconds of data latency above which a running job is a problem.
    type: float
    default: 60
  stats_minutes:
    description: The window of the latency series, in minutes (as M(kylin.streaming.job_info)'s C(stats_minutes)).
    type: int
    default: 60
  charts:
    description: Whether the rows carry latency series, so that a stale or stalled latency can be told.
    type: bool
    default: true
  cluster:
    description: The cluster the rows belong to (an inventory host), copied to each row.
    type: str
    default: localhost
  gates:
    description:
      - What the health gate of M(kylin.streaming.job) (its O(kylin.streaming.job#module:health) option) saw of the
        jobs a task started or restarted, its RV(kylin.streaming.job#module:jobs) (each with C(id) and C(health));
        the row of each such job gets it as C(gate). Jobs without a gate (C(health) null) are left out.
    type: list
    elements: dict
    default: []
seealso:
  - module: kylin.streaming.job_info
'''

EXAMPLES = r'''
- name: Read every job, with its latency series
  kylin.streaming.job_info:
    include: [stats]
    stats_minutes: 60
  register: inventory

- name: The jobs that need attention, worst first
  ansible.builtin.debug:
    msg: "{{ report.rows | selectattr('rank', 'le', 3) | map(attribute='model') | list }}"
  vars:
    report: "{{ inventory.jobs | kylin.streaming.report_rows(now_ms=(now().timestamp() * 1000) | int, latency_threshold=300) }}"
'''

RETURN = r'''
_value:
  description: The rows, problems first, and their counts.
  type: dict
  contains:
    rows:
      description: One row per job.
      type: list
      elements: dict
      contains:
        id:
          description: The job id.
          type: str
        project:
          description: The project.
          type: str
        model:
          description: The model alias.
          type: str
        type:
          description: V(build) or V(merge).
          type: str
        status:
          description: The job's status.
          type: str
        rank:
          description: V(0) (worst) to V(5) (healthy), see the description.
          type: int
        problem:
          description: V(error), V(broken), V(transition), V(latency), V(stopped) or V(ok).
          type: str
        sort_key:
          description: The key the rows are sorted by.
          type: str
        launching_error:
          description: Kylin's launching error.
          type: bool
        model_broken:
          description: The model is broken.
          type: bool
        time_in_status_ms:
          description: Milliseconds since the last start, stop or error (C(last_status_duration)), or V(null).
          type: int
        time_in_status:
          description: The same, for people (C(3d 4h), C(12h 05m), C(5m 03s), C(42s)).
          type: str
        data_latency_ms:
          description: Kylin's data latency in milliseconds, or V(null).
          type: int
        data_latency:
          description: The same, for people (C(4.1s), C(2m 30s)).
          type: str
        high_latency:
          description: A running job above the threshold, or stalled.
          type: bool
        stale_latency:
          description: The latency is the previous run's (no micro-batch since the job started).
          type: bool
        stalled:
          description: A running build job without a micro-batch in the whole window.
          type: bool
        series:
          description: The latency series, C([[epoch ms, latency ms], ...]), oldest first.
          type: list
          elements: list
        series_max_ms:
          description: The highest latency of the series, or V(null).
          type: int
        yarn_app_id:
          description: The YARN application of the last run, or an empty string.
          type: str
        yarn_app_url:
          description: Its URL, or an empty string.
          type: str
        reason:
          description: Why an ERROR job is down and since when, or an empty string.
          type: str
        notes:
          description: Short notes, comma-separated (C(failed to launch), C(model broken), C(never ran), ...).
          type: str
        cluster:
          description: O(cluster).
          type: str
        gate:
          description:
            - What the health gate saw of this job (O(gates)), C({healthy, latency, samples}) with C(latency) in
              seconds, or V(null).
          type: dict
        gate_text:
          description: The same, for people (C(healthy, 12.5s after 5 micro-batches)), or an empty string.
          type: str
    summary:
      description: >-
        The counts, C(total), C(running), C(error), C(transition), C(stopped), C(high_latency), C(broken_models)
        (distinct models, the same alias in two projects counting twice), C(problems) (ranks 0 to 3), and C(projects) (sorted).
      type: dict
'''

import math

from ansible.errors import AnsibleFilterError
from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.kylin.streaming.plugins.module_utils._rows import job_type

PROBLEMS = ('error', 'broken', 'transition', 'latency', 'stopped', 'ok')
LAUNCH_FAILED = 'the driver failed to launch (spark-submit); Kylin keeps no record of it: see kylin.log on the job node'


def duration(ms):
    """``42s``, ``5m 03s``, ``12h 05m``, ``3d 4h``; '' for None."""
    if ms is None:
        return ''
    s = int(math.floor(ms / 1000.0))
    if s < 60:
        return '%ds' % s
    if s < 3600:
        return '%dm %02ds' % (s // 60, s % 60)
    if s < 86400:
        return '%dh %02dm' % (s // 3600, s % 3600 // 60)
    return '%dd %dh' % (s // 86400, s % 86400 // 3600)


def latency(ms):
    """``4.1s`` under a minute, else as ``duration``; '' for None."""
    if ms is None:
        return ''
    return '%.1fs' % (ms / 1000.0) if ms < 60000 else duration(ms)


def _unique_folded(items):
    """The items once each, compared without case, first spelling kept."""
    seen, kept = set(), []
    for item in items:
        if item.lower() not in seen:
            seen.add(item.lower())
            kept.append(item)
    return kept


def gate_text(gate):
    """``healthy, 12.5s after 5 micro-batches``, ``NOT healthy, no micro-batch since the start``; '' for None."""
    if not gate:
        return ''
    verdict = 'healthy' if gate.get('healthy') else 'NOT healthy'
    samples = gate.get('samples') or 0
    if gate.get('latency') is not None:
        return '%s, %s after %d micro-batch%s' % (verdict, latency(gate['latency'] * 1000.0), samples,
                                                  '' if samples == 1 else 'es')
    if gate.get('healthy'):
        return verdict
    return '%s, no micro-batch since the start' % verdict


def _gates(results):
    """``{job id: health}`` of the job module's results whose job was gated."""
    if not isinstance(results, (list, tuple)):
        raise AnsibleFilterError('kylin.streaming.report_rows: gates must be a list of kylin.streaming.job results (jobs)')
    return dict((job.get('id'), job.get('health')) for job in results
                if isinstance(job, dict) and isinstance(job.get('health'), dict))


def _row(job, now_ms, records_of, threshold_ms, window_ms, stats_minutes, latency_threshold, charts, cluster,
         gates=None):
    status = job.get('job_status')
    kind = job.get('type') or job_type(job)
    data_latency = job.get('data_latency')
    stats = job.get('stats') or {}
    series = [[t, v] for t, v in zip(stats.get('create_time') or [], stats.get('data_latency_hist') or [])]
    # With the series at hand, a running build job's data latency is judged against its run: none measured
    # since it started is stale (the previous run's last value) while the run is younger than the window,
    # and stalled (no micro-batch in the whole window) otherwise.
    run_ms = job.get('last_status_duration') if status == 'RUNNING' else None
    watched = charts and kind == 'build' and run_ms is not None
    measured = (bool(series) and max(t for t, _v in series) >= now_ms - run_ms) if watched else True
    stale = watched and not measured and run_ms < window_ms
    stalled = watched and not measured and not stale
    high = status == 'RUNNING' and not stale and ((data_latency is not None and data_latency > threshold_ms) or stalled)
    if status == 'ERROR':
        rank = 0
    elif job.get('model_broken'):
        rank = 1
    elif status in ('STARTING', 'STOPPING'):
        rank = 2
    elif high:
        rank = 3
    elif status == 'STOPPED':
        rank = 4
    else:
        rank = 5
    if rank == 3:
        within = '%015d' % (0 if stalled else 10 ** 14 - data_latency)
    else:
        within = '%s|%s|%s' % (job.get('project'), job.get('model_alias'), kind)
    notes = []
    if status == 'ERROR' and job.get('launching_error'):
        notes.append('failed to launch')
    if job.get('model_broken'):
        notes.append('model broken')
    if stalled:
        notes.append('no micro-batch in %s min' % stats_minutes)
    elif high:
        notes.append('latency above %ss' % latency_threshold)
    elif stale:
        notes.append('just started, latency not measured yet')
    if status == 'STOPPED' and job.get('last_status_duration') is None:
        notes.append('never ran')
    # Why a job is in ERROR: Kylin has no error text, but its records say since when and after what.
    reason = ''
    if status == 'ERROR':
        ago = ['%s %s ago' % (record.get('action'), duration(now_ms - int(record.get('create_time'))))
               for record in (records_of.get(job.get('uuid')) or [])[:3]]
        if job.get('launching_error'):
            reason = LAUNCH_FAILED + ('; last records: ' + ', '.join(ago) if ago else '')
        elif ago:
            reason = 'last records: ' + ', '.join(ago)
    return dict(
        id=job.get('uuid'), project=job.get('project'), model=job.get('model_alias'), type=kind, status=status,
        launching_error=boolean(job.get('launching_error') or False, strict=False),
        model_broken=boolean(job.get('model_broken') or False, strict=False),
        rank=rank, problem=PROBLEMS[rank], sort_key='%d|%s' % (rank, within),
        time_in_status_ms=job.get('last_status_duration'), time_in_status=duration(job.get('last_status_duration')),
        data_latency_ms=data_latency, data_latency=latency(data_latency),
        high_latency=high, stale_latency=stale, stalled=stalled,
        series=series, series_max_ms=max(v for _t, v in series) if series else None,
        yarn_app_id=job.get('yarn_app_id') or '', yarn_app_url=job.get('yarn_app_url') or '',
        reason=reason, cluster=cluster, notes=', '.join(notes),
        gate=(gates or {}).get(job.get('uuid')), gate_text=gate_text((gates or {}).get(job.get('uuid'))))


def report_rows(jobs, now_ms, records=None, latency_threshold=60, stats_minutes=60, charts=True, cluster='localhost',
                gates=None):
    """The report's rows, problems first, and its summary."""
    if not isinstance(jobs, (list, tuple)):
        raise AnsibleFilterError('kylin.streaming.report_rows: the jobs must be a list of job rows (job_info\'s jobs)')
    try:
        now_ms, stats_minutes = int(now_ms), int(stats_minutes)
        threshold_ms = int(float(latency_threshold) * 1000)
    except (TypeError, ValueError):
        raise AnsibleFilterError('kylin.streaming.report_rows: now_ms, latency_threshold and stats_minutes must be numbers')
    charts = boolean(charts, strict=False)
    gated = _gates(gates or [])
    rows = [_row(job, now_ms, records or {}, threshold_ms, stats_minutes * 60000, stats_minutes, latency_threshold,
                 charts, cluster, gated) for job in jobs]
    rows.sort(key=lambda row: row['sort_key'].lower())
    statuses = [row['status'] for row in rows]
    summary = dict(
        total=len(rows),
        running=statuses.count('RUNNING'),
        error=statuses.count('ERROR'),
        transition=statuses.count('STARTING') + statuses.count('STOPPING'),
        stopped=statuses.count('STOPPED'),
        high_latency=len([row for row in rows if row['high_latency']]),
        broken_models=len(set(('%s' % (row['project'],)).lower() + '/' + ('%s' % (row['model'],)).lower()
                              for row in rows if row['model_broken'])),
        projects=sorted(_unique_folded(['%s' % (row['project'],) for row in rows]), key=lambda p: p.lower()),
        problems=len([row for row in rows if row['rank'] <= 3]),
    )
    return dict(rows=rows, summary=summary)


class FilterModule:
    def filters(self):
        return {'report_rows': report_rows}
