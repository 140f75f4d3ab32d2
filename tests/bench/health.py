# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmark: what the health gate costs over a healthy rolling restart (docs/design.md §2.2a, §5).

The job module's reconcile loop restarts 20 running jobs (10 models, build and merge) two at a time, on
the simulator with a real server's proportions, every duration multiplied by ``--scale``: a 21 s kill
per job, one at a time on the node, 1 s of START work, 20 s from launch to RUNNING, and a micro-batch
every 30 s (``kylin.streaming.duration``). Each build job restarts ``healthy``: a backlog worked off over
three micro-batches (8, 4, 2 x its base latency of 5 s), then at or under 5 s. The same restart runs
once without the gate and once with ``health: {max_latency: 15, samples: 3}``.

For each batch, from the simulator's own journal and stats rows: when its build jobs read RUNNING
(their launch), when they became healthy (the micro-batch that made ``samples`` in a row at or under
``max_latency``), and when the batch ended (the kill of the next batch's first RESTART began, or the
task ended).
The gate's cost is the time from RUNNING to the end of the batch, and how far the end came after the
healthy moment, in trigger intervals (the target: at most one); and the stats requests, against the
micro-batches the gated jobs wrote. Writes the section "The health gate's cost" of docs/benchmarks.md
(between markers; the rest of the file is left alone).

    make bench-health            # or: python tests/bench/health.py --scale 0.02 --no-write
"""

import argparse
import os
import sys
import time

from restart import start_simulator, write_section

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
BEGIN, END = '<!-- bench-health:begin -->', '<!-- bench-health:end -->'
PROJECT = 'p1'
MODELS = 10
BATCH = 2
TRIGGER = 30.0        # kylin.streaming.duration of every build job (s)
BASE_LATENCY = 5000   # ms, a healthy job's latency once its backlog is worked off
GATE = dict(max_latency=15, samples=3)
REAL = dict(kill_delay=21.0, start_work=1.0, stop_work=0.2, stop_delay=30.0, start_delay=20.0, yarn_accept_delay=5.0)
STATS = 'GET /kylin/api/streaming_jobs/stats'
RECORDS = 'GET /kylin/api/streaming_jobs/records'
LIST = 'GET /kylin/api/streaming_jobs'
STATUS_PUT = 'PUT /kylin/api/streaming_jobs/status'


def seed(ctl, scale):
    ctl.reset('empty')
    ctl.add_project(PROJECT)
    builds = []
    for number in range(MODELS):
        answer = ctl.add_model(PROJECT, 'm%03d' % number, build={'status': 'RUNNING'}, merge={'status': 'RUNNING'})
        builds.append(answer['job_ids'][0])
        ctl.set_latency(answer['job_ids'][0], 'healthy', base_ms=BASE_LATENCY)
    ctl.set_config(time_scale=scale, **REAL)
    # Let every build job's current run write a few micro-batches: the stale figures the gate must not read.
    time.sleep(3.5 * TRIGGER * scale)
    ctl.clear_counters()
    return builds


def run_one(ctl, url, scale, poll, gated):
    """One rolling restart of the 20 jobs, with or without the gate; its figures."""
    # pylint: disable=import-outside-toplevel
    from ansible_collections.kylin.streaming.plugins.module_utils._client import KylinClient
    from ansible_collections.kylin.streaming.plugins.module_utils._job_options import JobOptions
    from ansible_collections.kylin.streaming.plugins.module_utils._reconcile import JobReconciler

    builds = seed(ctl, scale)
    timing = dict(kill_seconds=REAL['kill_delay'] * scale, start_seconds=REAL['start_work'] * scale,
                  stop_seconds=REAL['stop_work'] * scale, read_lag_seconds=0)
    values = dict(project=PROJECT, models=['m%03d' % n for n in range(MODELS)], state='restarted',
                  batch_size=BATCH, poll_interval=poll, wait_timeout=600, server_timing=timing)
    if gated:
        values['health'] = dict(GATE, timeout=int(600 * scale) + 1)
    client = KylinClient(url, username='ADMIN', password='KYLIN', timeout=60)
    began = time.monotonic()
    result = JobReconciler(client, JobOptions.of(**values)).run()
    wall = time.monotonic() - began
    ended_ms = time.time() * 1000  # the simulator runs in this process: the same clock
    client.close()
    assert not result['failed'], result['msg']
    requests = ctl.counters()['requests']
    return dict(gated=gated, wall=wall, real=wall / scale, puts=requests.get(STATUS_PUT, 0),
                reads=requests.get(LIST, 0), stats=requests.get(STATS, 0), records=requests.get(RECORDS, 0),
                batches=batches(ctl, builds, ended_ms, scale), result=result)


def healthy_moment(rows, start):
    """create_time of the micro-batch of the run from ``start`` that made GATE['samples'] in a row at or under
    GATE['max_latency'], and how many micro-batches the run wrote by then."""
    fresh = [r for r in rows if r['create_time'] > start]
    limit = GATE['max_latency'] * 1000
    for index in range(GATE['samples'] - 1, len(fresh)):
        window = fresh[index - GATE['samples'] + 1:index + 1]
        if all(r['min_data_latency'] <= limit for r in window):
            return fresh[index]['create_time'], index + 1
    return None, len(fresh)


def batches(ctl, builds, ended_ms, scale):
    """Per batch of the restart: RUNNING, healthy and end times (ms) of its build jobs, from the journal."""
    restarts = [a for a in ctl.actions() if a['ok'] and a['action'] == 'RESTART']
    groups = [restarts[i:i + BATCH] for i in range(0, len(restarts), BATCH)]
    # A RESTART is journaled once its kill is done; the batch ended when the next one's first kill began.
    began = {}
    for kill in ctl.kills(by='request'):
        began.setdefault(kill['job_id'], kill['start'])
    out = []
    for number, group in enumerate(groups):
        end = began[groups[number + 1][0]['job_id']] if number + 1 < len(groups) else ended_ms
        ids = [a['job_id'] for a in group if a['job_id'] in builds]
        if not ids:
            continue
        running, healthy, written = [], [], 0
        for job_id in ids:
            stats = ctl.stats(job_id)
            start = stats['runs'][-1]['start']
            running.append(start)
            moment, count = healthy_moment(stats['rows'], start)
            healthy.append(moment)
            written += len([r for r in stats['rows'] if start < r['create_time'] <= end])
        out.append(dict(number=number + 1, running=max(running), healthy=max(healthy), end=end,
                        batches=written, trigger_ms=TRIGGER * scale * 1000))
    return out


def render(rows, scale, poll):
    off, on = rows
    lines = [
        BEGIN,
        '## The health gate\'s cost over a rolling restart',
        '',
        '<!-- Generated by `make bench-health` (tests/bench/health.py); do not edit by hand. -->',
        '',
        'The job module restarts 20 running jobs (10 models, build and merge), two at a time (`batch_size: 2`), '
        'on the simulator with a real server\'s proportions, every duration multiplied by %s: a 21 s kill per job, '
        'one at a time on the node; 20 s from launch to RUNNING; a micro-batch every 30 s '
        '(`kylin.streaming.duration`). Each build job restarts healthy: a backlog worked off over three '
        'micro-batches (40, 20, 10 s of data latency), then at or under 5 s. Once without a gate, once with '
        '`health: {max_latency: 15, samples: 3}` (`poll_interval: %s`, scaled like the rest). "Real" divides the '
        'wall time back; request counts are the simulator\'s own.' % (scale, poll),
        '',
        '| run | wall (s) | as real time (s) | status PUTs | list reads | stats reads | records reads |',
        '|---|---:|---:|---:|---:|---:|---:|',
    ]
    for row in rows:
        lines.append('| %s | %.1f | %.0f | %d | %d | %d | %d |' % (
            'with the gate' if row['gated'] else 'without a gate', row['wall'], row['real'], row['puts'],
            row['reads'], row['stats'], row['records']))
    lines += [
        '',
        'Per batch of build jobs, with the gate (times in trigger intervals of 30 s; the first micro-batch of a run '
        'comes one interval after RUNNING, and a healthy job needs five here: the three of its backlog, the third '
        'already under 15 s, and two more):',
        '',
        '| batch | RUNNING to healthy | healthy to the end of the batch | RUNNING to the end of the batch | '
        'micro-batches written by then |',
        '|---:|---:|---:|---:|---:|',
    ]
    worst = 0.0
    for batch in on['batches']:
        trigger = batch['trigger_ms']
        past = (batch['end'] - batch['healthy']) / trigger
        worst = max(worst, past)
        lines.append('| %d | %.2f | %.2f | %.2f | %d |' % (
            batch['number'], (batch['healthy'] - batch['running']) / trigger, past,
            (batch['end'] - batch['running']) / trigger, batch['batches']))
    gated_jobs = MODELS
    written = sum(b['batches'] for b in on['batches'])
    lines += [
        '',
        'The gate ended each batch at most %.2f trigger interval after the micro-batch that made its jobs '
        'healthy (the target, docs/design.md §5: at most one). It read the stats %d times for the %d build jobs '
        'it held, which wrote %d micro-batches meanwhile (%.1f reads per micro-batch, polls before the first one '
        'included), and each job\'s records once (%d reads, the server time of its launch). Without the gate, '
        'each batch ended about one poll after RUNNING: the wall time the gate adds (%.0f s as real time over %d '
        'batches of build jobs; the merge jobs pass on RUNNING) is the time their jobs needed to become healthy, '
        'plus the little each batch ended after it.' % (
            worst, on['stats'], gated_jobs, written, on['stats'] / float(max(1, written)), on['records'],
            on['real'] - off['real'], len(on['batches'])),
        END,
    ]
    return '\n'.join(lines) + '\n', worst


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--scale', type=float, default=0.02, help='time_scale of the simulator')
    parser.add_argument('--poll', type=float, default=5.0, help='poll_interval of the module, before scaling')
    parser.add_argument('--output', default=os.path.join(ROOT, 'docs', 'benchmarks.md'))
    parser.add_argument('--no-write', action='store_true', help='print only')
    args = parser.parse_args(argv)
    server, ctl = start_simulator(hint="run this through `make bench-health`, which syncs the build copy first")
    poll = args.poll * args.scale
    try:
        rows = []
        for gated in (False, True):
            row = run_one(ctl, server.url, args.scale, poll, gated)
            print('%-15s wall %6.1fs (real %5.0fs) PUTs %d list reads %d stats reads %d records reads %d' % (
                'with the gate' if gated else 'without a gate', row['wall'], row['real'], row['puts'], row['reads'],
                row['stats'], row['records']))
            rows.append(row)
    finally:
        server.stop()
    text, worst = render(rows, args.scale, args.poll)
    print(text)
    if not args.no_write:
        write_section(args.output, text, BEGIN, END)
    return 0 if worst <= 1.0 else 1


if __name__ == '__main__':
    sys.exit(main())
