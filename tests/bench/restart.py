# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmark: restarting N running jobs against the server's floor (issue 21).

Kylin's RESTART (restart_method: kylin) and the graceful restart (restart_method: graceful), all at once
and rolling in batches, run by the job module's reconcile loop against the simulator with the real
proportions of docs/kylin-api.md §3.2 and §11.1 (a 21 s kill per job with a live driver, one kill at a
time on the node, the same kill at the end of every graceful STOP, 1 s of START work per job one at a
time per project, 0.2 s of STOP work, a 30 s micro-batch before a graceful stop ends, 20 s from launch to
RUNNING), all multiplied by ``--scale``. Each run is set against the **floor**: the least time the server
itself needs for the same work with the same settings (``floor()``), as if the client knew every change
the instant it happened. The target (docs/design.md §5): at most the floor plus one ``poll_interval`` per
wait (one wait per batch for RESTART, two for the graceful restart: for STOPPED, then for RUNNING).

Writes the section "Restarting N running jobs" of docs/benchmarks.md (between markers; the rest of the
file is left alone). Benchmarks measure; no test asserts on these times.

    make bench-restart            # or: python tests/bench/restart.py --sizes 8,16 --scale 0.05 --no-write
"""

import argparse
import collections
import datetime
import os
import platform
import re
import sys
import time

from kylin_sim.control import STATUS_PUT
from kylin_sim.playbook import install_collection_loader

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
sys.path.insert(0, os.path.join(ROOT, 'tests'))
from generated_docs import cpu_model, mark  # noqa: E402  pylint: disable=wrong-import-position
BEGIN, END = '<!-- bench-restart:begin -->', '<!-- bench-restart:end -->'
PROJECT = 'p1'
# A real server's figures, in seconds (docs/kylin-api.md §3.2, §11.1); the run multiplies them by --scale.
REAL = dict(kill_delay=21.0, start_work=1.0, stop_work=0.2, stop_delay=30.0, start_delay=20.0, yarn_accept_delay=5.0,
            end_of_run_kill=True)
POLL = 5.0  # poll_interval in real seconds (the module's default)


def floor(size, method, batch, settings):
    """The server's least time (real seconds) to restart ``size`` running jobs in batches of ``batch`` (0: all at once).

    RESTART of a job: its kill (one at a time on the node), then its START work (one at a time per project),
    then the launch: the jobs of a batch are done one after another inside the PUTs, the last is RUNNING one
    launch after its START. Graceful: the STOP work of each job, one at a time; each driver's micro-batch, then
    the listener's kill, one at a time on the node (docs/kylin-api.md §11.1); a START's leftover-driver grep is
    the same kill (``JobKiller.killProcess``) and waits for the node's kill queue to drain, as the simulator
    models it; then the START work of each job, one at a time, and the launch. Batches follow one another.
    """
    kill, start_work, stop_work = settings['kill_delay'], settings['start_work'], settings['stop_work']
    micro_batch, launch = settings['stop_delay'], settings['start_delay']
    batches = [min(batch or size, size - n) for n in range(0, size, batch or size)]
    total = 0.0
    for jobs in batches:
        if method == 'kylin':
            total += jobs * (kill + start_work) + launch
            continue
        stopping = kills_end = 0.0
        for dummy in range(jobs):
            stopping += stop_work
            kills_end = max(stopping + micro_batch, kills_end) + kill
        total += kills_end + jobs * start_work + launch
    return total


def waits(size, method, batch):
    """How many waits the module has: per batch, one for RUNNING (RESTART), or one for STOPPED and one for RUNNING."""
    batches = -(-size // (batch or size))
    return batches * (1 if method == 'kylin' else 2)


def run_one(ctl, url, size, method, batch, scale):
    """Restart ``size`` running jobs with ``method`` in batches of ``batch``; the figures of the run."""
    # pylint: disable=import-outside-toplevel
    from ansible_collections.kylin.streaming.plugins.module_utils._client import KylinClient
    from ansible_collections.kylin.streaming.plugins.module_utils._job_options import JobOptions
    from ansible_collections.kylin.streaming.plugins.module_utils._reconcile import JobReconciler

    ctl.reset('empty')
    models = list(ctl.add_models(PROJECT, size // 2, status='RUNNING', digits=3))
    ctl.set_config(time_scale=scale, **REAL)
    ctl.clear_counters()
    timing = dict(kill_seconds=REAL['kill_delay'] * scale, start_seconds=REAL['start_work'] * scale,
                  stop_seconds=REAL['stop_work'] * scale, read_lag_seconds=0)
    options = JobOptions.of(project=PROJECT, models=models, state='restarted', restart_method=method, batch_size=batch,
                            poll_interval=POLL * scale, wait_timeout=3600, server_timing=timing)
    client = KylinClient(url, username='ADMIN', password='KYLIN', timeout=60)
    began = time.monotonic()
    result = JobReconciler(client, options).run()
    wall = time.monotonic() - began
    client.close()
    assert not result['failed'], result['msg']
    jobs = ctl.jobs(project=PROJECT)
    assert all(job['status'] == 'RUNNING' for job in jobs), jobs
    actions = dict(collections.Counter(action for dummy, action in ctl.applied()))
    expected = {'kylin': {'RESTART': size}, 'graceful': {'STOP': size, 'START': size}}[method]
    assert actions == expected, (actions, expected)
    real = wall / scale
    best = floor(size, method, batch, REAL)
    return dict(size=size, method=method, batch=batch, wall=wall, real=real, floor=best, waits=waits(size, method, batch),
                puts=ctl.request_count(STATUS_PUT), polls=result['polls'], actions=actions)


def render(rows, scale, command, seconds):
    lines = [
        BEGIN,
        '## Restarting N running jobs against the server\'s floor',
        '',
        '<!-- Generated by `%s` (tests/bench/restart.py); do not edit by hand. -->' % command,
        '',
        'The job module\'s reconcile loop (in-process, with the real `KylinClient` over HTTP) restarts N running '
        'jobs on the simulator with a real server\'s proportions (docs/kylin-api.md §3.2, §11.1): a kill takes 21 s '
        'per job with a live driver, one at a time on the node, and every graceful STOP ends with the same kill '
        '(the end-of-run kill, on); a START costs the server 1 s and a STOP 0.2 s, one job at a time per project; '
        'a graceful STOP ends after a 30 s micro-batch; a launch takes 20 s to RUNNING. Every duration is multiplied '
        'by %s, and `poll_interval` is 5 s (%g s scaled); the times below are divided back to real seconds.' % (
            scale, POLL * scale),
        '',
        'The **floor** is the least time the server needs for the same work with the same settings, as if the '
        'client saw every change the instant it happened: for RESTART, N x (kill + START work) + one launch per '
        'batch; for the graceful restart, the STOP work, the micro-batch, then the N end-of-run kills one after '
        'another, then the N STARTs (a START\'s leftover-driver grep is the same kill and waits for the node\'s kill '
        'queue to drain, as the simulator models it) and one launch, per batch. The **target** is the floor plus '
        'one `poll_interval` per wait (per batch: one wait for RESTART, two for graceful: for STOPPED, then '
        'RUNNING). *List reads* are the result\'s `polls`: one list read per poll for all awaited jobs.',
        '',
        '- Run: %s, %.0f s in all; machine: %s, %d cores (shared; 1-minute load average %.1f at the end); Python %s.'
        % (datetime.datetime.now().strftime('%Y-%m-%d %H:%M'), seconds, cpu_model(), os.cpu_count() or 0,
           os.getloadavg()[0], platform.python_version()),
        '',
        '| jobs | restart_method | batch_size | task (s) | floor (s) | task / floor | over the floor | target (s) | '
        'met | list reads | status PUTs | server actions |',
        '|---:|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---|',
    ]
    for row in rows:
        acts = ', '.join('%s %d' % kv for kv in sorted(row['actions'].items()))
        target = row['floor'] + row['waits'] * POLL
        over = row['real'] - row['floor']
        lines.append('| %d | %s | %s | %.0f | %.0f | %.2f | %+.1f s (%.1f polls) | %.0f | %s | %d | %d | %s |' % (
            row['size'], row['method'], row['batch'] or 'all', row['real'], row['floor'], row['real'] / row['floor'],
            over, over / POLL, target, 'yes' if row['real'] <= target else '**no**', row['polls'], row['puts'], acts))
    lines += [
        '',
        'Kylin\'s RESTART and the graceful restart cost the same order of time: the kills are serialized on the '
        'node whichever way the jobs are stopped (N x 21 s), and the graceful restart adds one micro-batch per '
        'batch. Its gain is the data (each driver finishes its micro-batch), not the time; a rolling restart adds '
        'one launch (and for graceful, one micro-batch) per batch. What the module adds over the floor is its '
        'waiting: the launch and the micro-batch are not in `server_timing`, so it sees them end at its next poll '
        '(the polls back off by 1.5x while nothing moves, up to 30 s), while the kills of a graceful restart are '
        'predicted (`_timing.StopQueue`) and each job is started within one poll of its STOPPED.',
        END,
    ]
    return '\n'.join(lines) + '\n'


def write_section(path, text, begin=BEGIN, end=END):
    """Replace the section between the markers ``begin`` and ``end`` of ``path`` with ``text`` (or add it before
    "## Reproduce")."""
    old = open(path, encoding='utf-8').read() if os.path.exists(path) else '# Benchmarks\n\n%s\n' % mark('docs/benchmarks.md')
    if begin in old and end in old:
        new = re.sub(re.escape(begin) + '.*?' + re.escape(end) + '\n?', lambda m: text, old, flags=re.S)
    else:
        marker = '\n## Reproduce'
        new = old.replace(marker, '\n' + text + marker, 1) if marker in old else old.rstrip('\n') + '\n\n' + text
    with open(path, 'w', encoding='utf-8') as handle:
        handle.write(new)


def start_simulator(hint='run this through `make bench-restart`, which syncs the build copy first'):
    """The collection importable from the build copy, and an in-process simulator: ``(server, its control client)``."""
    install_collection_loader(hint=hint)
    from kylin_sim.control import SimControl  # pylint: disable=import-outside-toplevel
    from kylin_sim.server import SimServer  # pylint: disable=import-outside-toplevel
    server = SimServer(port=0, seed='empty').start()
    return server, SimControl(server.url)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--sizes', default='8,16,32', help='running jobs to restart at once (even numbers)')
    parser.add_argument('--rolling', default='16:4', help='SIZE:BATCH_SIZE runs of a rolling restart (comma-separated)')
    parser.add_argument('--scale', type=float, default=0.05, help='time_scale of the simulator')
    parser.add_argument('--output', default=os.path.join(ROOT, 'docs', 'benchmarks.md'))
    parser.add_argument('--no-write', action='store_true', help='print only')
    args = parser.parse_args(argv)
    plan = [(int(s), 0) for s in args.sizes.split(',') if s]
    plan += [tuple(int(v) for v in pair.split(':')) for pair in args.rolling.split(',') if pair]
    began = time.monotonic()
    server, ctl = start_simulator()
    try:
        rows = []
        for size, batch in plan:
            for method in ('kylin', 'graceful'):
                row = run_one(ctl, server.url, size, method, batch, args.scale)
                print('%4d jobs %-8s batch %-3s task %6.1fs real, floor %6.1fs (x%.2f), %d list reads, %d PUTs' % (
                    size, method, batch or 'all', row['real'], row['floor'], row['real'] / row['floor'], row['polls'],
                    row['puts']), flush=True)
                rows.append(row)
    finally:
        server.stop()
    command = 'make bench-restart' + (' BENCH_RESTART_ARGS="%s"' % ' '.join(argv) if argv else '')
    text = render(rows, args.scale, command, time.monotonic() - began)
    if not args.no_write:
        write_section(args.output, text)
    else:
        print(text)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
