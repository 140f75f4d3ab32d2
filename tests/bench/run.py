# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmarks of kylin.streaming against the simulator (``make bench``).

Measures, on this machine, with ``ansible-playbook`` run as a subprocess (collection from the build
copy, forks and everything else at their defaults) against the simulator in its own process:

1. one ``kylin.streaming.job`` task converging N jobs from STOPPED to RUNNING versus the
   ``ansible.builtin.uri`` playbook a user would write (list, one PUT per job, poll until RUNNING);
2. ``kylin.streaming.job_info`` over 10,000 jobs for several page sizes;
3. the requests made while waiting for jobs that take a while to start;
4. the module's own overhead next to a no-op task.

Wall times come from the clock around the process, task times from the ``kylin_results``
callback, request counts from the simulator's ``/_sim/counters``. Prints the tables and writes
them, with the machine's description, to docs/benchmarks.md (``--output``).
"""

import argparse
import cProfile
import datetime
import io
import json
import math
import os
import platform
import pstats
import re
import statistics
import subprocess
import sys
import tempfile
import time

from kylin_sim.control import LIST, STATUS_PUT
from kylin_sim.playbook import PlaybookRunner, clean_env, collections_root, install_collection_loader
from kylin_sim.process import SimProcess
from kylin_sim.testing import ADMIN, play

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS_DIR = os.path.dirname(HERE)
ROOT = os.path.dirname(TESTS_DIR)
sys.path.insert(0, TESTS_DIR)
from generated_docs import mark  # noqa: E402  pylint: disable=wrong-import-position

PROJECT = 'bench'
# Slower than the tests' fast settings, so that waiting is a visible part of the figures; the simulator's
# timing before it modelled a real Kylin's kills and START/STOP work (its defaults now: 21 s, 1 s, 0.2 s).
SIM_CONFIG = {'start_delay': 1.0, 'yarn_accept_delay': 0.5, 'stop_delay': 1.0, 'kill_delay': 0.05, 'kill_idle_delay': 0.05,
              'start_work': 0, 'stop_work': 0}
POLL = 1.0
PUBLIC_ACCEPT = 'application/vnd.apache.kylin-v4-public+json'


HINT = 'run this through `make bench`, which syncs the build copy first'


# ------------------------------------------------------------------------------------------ playbooks

def module_converge_play(conn):
    task = {'name': 'converge', 'kylin.streaming.job': {
        'project': PROJECT, 'models': '{{ bench_models }}', 'state': 'started', 'poll_interval': POLL}}
    return [play([task], conn, name='kylin.streaming.job')]


def uri_converge_play():
    """The playbook a user would write with ansible.builtin.uri: list, one PUT per job, poll the list."""
    auth = {'url_username': '{{ kylin_username }}', 'url_password': '{{ kylin_password }}', 'force_basic_auth': True,
            'headers': {'Accept': PUBLIC_ACCEPT}}
    list_url = '{{ kylin_url }}/kylin/api/streaming_jobs?project={{ kylin_project }}&page_size=100000'
    tasks = [
        {'name': 'list', 'ansible.builtin.uri': dict(auth, url=list_url), 'register': 'listing'},
        {'name': 'start', 'ansible.builtin.uri': dict(
            auth, url='{{ kylin_url }}/kylin/api/streaming_jobs/status', method='PUT', body_format='json',
            body={'project': '{{ kylin_project }}', 'action': 'START', 'job_ids': ['{{ item.uuid }}']}),
         'loop': "{{ listing.json.data.value | selectattr('job_status', 'in', ['STOPPED', 'ERROR']) | list }}",
         'loop_control': {'label': '{{ item.uuid }}'}},
        {'name': 'wait', 'ansible.builtin.uri': dict(auth, url=list_url), 'register': 'poll',
         'until': "poll.json.data.value | rejectattr('job_status', 'eq', 'RUNNING') | list | length == 0",
         'retries': 600, 'delay': POLL},
    ]
    return [play(tasks, name='ansible.builtin.uri loop')]


# ------------------------------------------------------------------------------------------ runner

class Bench(object):
    def __init__(self, args):
        self.args = args
        self.workdir = tempfile.mkdtemp(prefix='kylin-bench-')
        self.sim = SimProcess(self.workdir, seed='empty', config=SIM_CONFIG).start()
        self.ctl = self.sim.ctl
        self.conn = dict(url=self.sim.url, **ADMIN)
        self.uri_vars = dict(kylin_url=self.sim.url, kylin_username='ADMIN', kylin_password='KYLIN',
                             kylin_project=PROJECT)
        self.runs = 0
        self.sections = {}
        self.load = [load_average()]

    def close(self):
        self.sim.stop()

    def say(self, text, *args):
        sys.stdout.write((text % args if args else text) + '\n')
        sys.stdout.flush()

    def playbook(self, plays, extra_vars=None, timeout=1800, summary=False):
        """Run one playbook; ``summary``: the results callback writes lists as their length only."""
        self.runs += 1
        workdir = os.path.join(self.workdir, 'run%03d' % self.runs)
        os.mkdir(workdir)
        res = PlaybookRunner(workdir).run(plays, extra_vars=extra_vars, timeout=timeout, name='bench', summary=summary)
        if res.rc != 0:
            raise RuntimeError('benchmark playbook failed: %s' % res.describe())
        return res

    def fresh(self, jobs, status='STOPPED'):
        """Reset the simulator (start-up timing) and create jobs/2 models with both jobs in ``status``."""
        self.ctl.reset('empty')
        answer = self.ctl.generate(PROJECT, jobs // 2, status=status)
        self.ctl.clear_counters()
        return ['model_%0*d' % (max(4, len(str(jobs // 2))), i) for i in range(answer['count'])]

    def server_statuses(self):
        counts = {}
        for job in self.ctl.jobs(project=PROJECT):
            counts[job['status']] = counts.get(job['status'], 0) + 1
        return counts

    def requests(self):
        return self.ctl.counters()['requests']

    # -------------------------------------------------------------------------------------- 1

    def converge(self):
        rows = []
        for size in self.args.sizes:
            module_runs = []
            for dummy in range(self.args.repeat):
                models = self.fresh(size)
                started = time.monotonic()
                res = self.playbook(module_converge_play(self.conn), extra_vars={'bench_models': models})
                wall = time.monotonic() - started
                assert self.server_statuses() == {'RUNNING': size}, self.server_statuses()
                record = res.task('converge')
                module_runs.append(dict(wall=wall, task=record['seconds'], elapsed=record['result']['elapsed'],
                                        requests=self.requests()))
            module = sorted(module_runs, key=lambda r: r['wall'])[len(module_runs) // 2]
            if size == self.args.sizes[-1]:
                self.sections['converge_breakdown'] = self.converge_breakdown(size)
            self.fresh(size)
            started = time.monotonic()
            res = self.playbook(uri_converge_play(), extra_vars=self.uri_vars)
            wall = time.monotonic() - started
            assert self.server_statuses() == {'RUNNING': size}, self.server_statuses()
            uri = dict(wall=wall, task=sum(r['seconds'] for r in res.tasks), requests=self.requests(),
                       tasks=dict((r['task'], r['seconds']) for r in res.tasks))
            rows.append(dict(jobs=size, module=module, module_walls=[r['wall'] for r in module_runs], uri=uri))
            self.say('converge %5d jobs: module %.2fs (task %.2fs, %d requests) | uri %.1fs (%s, %d requests) | x%.0f',
                     size, module['wall'], module['task'], sum(module['requests'].values()), uri['wall'],
                     ', '.join('%s %.1fs' % kv for kv in uri['tasks'].items()), sum(uri['requests'].values()),
                     uri['wall'] / module['wall'])
        self.sections['converge'] = rows

    def converge_breakdown(self, size):
        """The module's reconcile loop in this process, every request and every sleep timed."""
        from ansible_collections.kylin.streaming.plugins.module_utils._job_options import JobOptions  # pylint: disable=import-outside-toplevel
        from ansible_collections.kylin.streaming.plugins.module_utils._reconcile import JobReconciler  # pylint: disable=import-outside-toplevel
        models = self.fresh(size)
        client = self.client()
        timed = []
        plain_request = client.request

        def request(method, path, **kwargs):
            began = time.monotonic()
            try:
                return plain_request(method, path, **kwargs)
            finally:
                timed.append(('%s %s' % (method, path), time.monotonic() - began))

        def sleep(seconds):
            began = time.monotonic()
            time.sleep(seconds)
            timed.append(('sleep', time.monotonic() - began))

        client.request = request
        reconciler = JobReconciler(client, JobOptions.of(project=PROJECT, state='started', models=models, poll_interval=POLL),
                                   sleep=sleep)
        began = time.monotonic()
        reconciler.run()
        total = time.monotonic() - began
        client.close()
        assert self.server_statuses() == {'RUNNING': size}
        return dict(jobs=size, total=total, parts=timed)

    # -------------------------------------------------------------------------------------- 2

    def job_info(self):
        jobs = self.args.info_jobs
        self.ctl.reset('empty')
        self.ctl.generate(PROJECT, jobs // 2, status={'RUNNING': 0.6, 'STOPPED': 0.3, 'ERROR': 0.1}, seed=1)
        rows = []
        for page_size in self.args.page_sizes:
            self.ctl.clear_counters()
            task = {'name': 'inventory', 'kylin.streaming.job_info': {'project': PROJECT, 'page_size': page_size}}
            started = time.monotonic()
            res = self.playbook([play([task], self.conn)], summary=True)
            wall = time.monotonic() - started
            record = res.task('inventory')
            assert record['result']['jobs'] == {'length': jobs}, record['result']['jobs']
            requests = self.requests().get(LIST, 0)
            library = self.library_inventory(page_size)
            rows.append(dict(page_size=page_size, wall=wall, task=record['seconds'], library=library,
                             requests=requests, expected=int(math.ceil(jobs / float(page_size)))))
            self.say('job_info %d jobs, page_size %4d: task %.2fs (module code alone %.2fs), %d requests',
                     jobs, page_size, record['seconds'], library, rows[-1]['requests'])
        self.sections['job_info'] = dict(jobs=jobs, rows=rows, profile=self.profile_inventory(500),
                                         anatomy=self.anatomy(500), shapes=self.job_info_shapes(jobs))

    # The same 10,000 jobs, the same reads, three sizes of answer: every row in full, three fields of
    # each row (fields:), counts only (summary:). Median of --repeat runs of each.
    SHAPES = (
        ('every row in full', {}),
        ('`fields: [uuid, model_alias, job_status]`', {'fields': ['uuid', 'model_alias', 'job_status']}),
        ('`summary: true`', {'summary': True}),
    )

    def job_info_shapes(self, jobs, page_size=2000):
        from ansible_collections.kylin.streaming.plugins.module_utils._inventory import inventory  # pylint: disable=import-outside-toplevel
        rows = []
        for label, options in self.SHAPES:
            tasks, walls, requests = [], [], []
            for _run in range(self.args.repeat):
                self.ctl.clear_counters()
                task = {'name': 'inventory',
                        'kylin.streaming.job_info': dict({'project': PROJECT, 'page_size': page_size}, **options)}
                started = time.monotonic()
                res = self.playbook([play([task], self.conn)], summary=True)
                walls.append(time.monotonic() - started)
                record = res.task('inventory')
                assert record['result']['jobs'] == {'length': 0 if options.get('summary') else jobs}, record['result']
                tasks.append(record['seconds'])
                requests.append(self.requests().get(LIST, 0))
            client = self.client()
            started = time.monotonic()
            answer = inventory(client, project=PROJECT, page_size=page_size, **options)
            library = time.monotonic() - started
            client.close()
            answer.pop('warnings')
            assert sum(answer['counts'].values()) == answer['total'] == jobs, answer['counts']
            assert len(answer['jobs']) == (0 if options.get('summary') else jobs)
            size = len(json.dumps(dict(answer, changed=False)))
            rows.append(dict(label=label, options=options, task=statistics.median(tasks), task_min=min(tasks),
                             task_max=max(tasks), wall=statistics.median(walls), library=library, size=size,
                             requests=max(requests)))
            self.say('job_info %d jobs, %s: task %.2fs (%.2f-%.2f), module code %.2fs, result %d bytes, %d requests',
                     jobs, label, rows[-1]['task'], min(tasks), max(tasks), library, size, rows[-1]['requests'])
        return dict(page_size=page_size, rows=rows)

    def anatomy(self, page_size):
        """Timers around Ansible's and the module's steps of one job_info task (tests/bench/anatomy.py)."""
        self.runs += 1
        workdir = os.path.join(self.workdir, 'anatomy%03d' % self.runs)
        os.mkdir(workdir)
        task = {'name': 'inventory', 'kylin.streaming.job_info': {'project': PROJECT, 'page_size': page_size}}
        runner = PlaybookRunner(workdir)
        path, inventory = runner.playbook_file([play([task], self.conn)]), runner.inventory_file()
        script = os.path.join(HERE, 'anatomy.py')
        out = os.path.join(workdir, 'playbook.json')
        subprocess.run([sys.executable, script, 'playbook', path, inventory, out], cwd=workdir, check=True,
                       env=runner.environment(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        with open(out) as handle:
            steps = json.load(handle)
        args = os.path.join(workdir, 'args.json')
        with open(args, 'w') as handle:
            json.dump({'ANSIBLE_MODULE_ARGS': dict(self.conn, project=PROJECT, page_size=page_size)}, handle)
        out = os.path.join(workdir, 'module.json')
        began = time.monotonic()
        # The module's code on the path of a fresh interpreter, as AnsiballZ puts its payload there.
        subprocess.run([sys.executable, script, 'module', 'ansible_collections.kylin.streaming.plugins.modules.job_info',
                        args, out], cwd=workdir, check=True, env=dict(clean_env(), PYTHONPATH=collections_root(hint=HINT)),
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        process = time.monotonic() - began
        with open(out) as handle:
            module = json.load(handle)
        self.say('job_info anatomy (page_size %d): %s', page_size, ', '.join(
            '%s %.2fs' % (k, v['seconds']) for k, v in sorted(dict(steps, **module).items()) if 'seconds' in v))
        return dict(page_size=page_size, steps=steps, module=module, module_process=process)

    def client(self):
        from ansible_collections.kylin.streaming.plugins.module_utils._client import KylinClient  # pylint: disable=import-outside-toplevel
        return KylinClient(self.sim.url, 'ADMIN', 'KYLIN')

    def library_inventory(self, page_size):
        """The module's own code path (``_inventory.inventory``) in this process, without Ansible around it."""
        from ansible_collections.kylin.streaming.plugins.module_utils._inventory import inventory  # pylint: disable=import-outside-toplevel
        client = self.client()
        started = time.monotonic()
        inventory(client, project=PROJECT, page_size=page_size)
        seconds = time.monotonic() - started
        client.close()
        return seconds

    def profile_inventory(self, page_size):
        """cProfile of the module code over all jobs: where the time goes, by function (cumulative)."""
        from ansible_collections.kylin.streaming.plugins.module_utils._inventory import inventory  # pylint: disable=import-outside-toplevel
        client = self.client()
        profiler = cProfile.Profile()
        profiler.enable()
        inventory(client, project=PROJECT, page_size=page_size)
        profiler.disable()
        client.close()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats('cumulative').print_stats(14)
        return out.getvalue()

    # -------------------------------------------------------------------------------------- 3

    def wait(self):
        rows = []
        delay = self.args.long_start
        for size, poll in ((10, 5.0), (10, 1.0), (1000, 1.0)):
            models = self.fresh(size)
            self.ctl.set_config(start_delay=delay)
            task = {'name': 'converge', 'kylin.streaming.job': {'project': PROJECT, 'models': '{{ bench_models }}',
                                                                'state': 'started', 'poll_interval': poll}}
            res = self.playbook([play([task], self.conn)], extra_vars={'bench_models': models})
            assert self.server_statuses() == {'RUNNING': size}
            reqs = self.requests()
            rows.append(dict(jobs=size, poll=poll, lists=reqs.get(LIST, 0), puts=reqs.get(STATUS_PUT, 0),
                             task=res.task('converge')['seconds'], expected=expected_polls(poll, delay)))
            self.say('wait %4d jobs, start %.0fs, poll_interval %.0f: %d list reads in all (%d polls), %d PUT',
                     size, delay, poll, rows[-1]['lists'], rows[-1]['lists'] - 1, rows[-1]['puts'])
        models = self.fresh(10)
        self.ctl.set_config(start_delay=delay)
        self.playbook(uri_converge_play(), extra_vars=self.uri_vars)
        reqs = self.requests()
        uri = dict(jobs=10, lists=reqs.get(LIST, 0), puts=reqs.get(STATUS_PUT, 0))
        self.say('wait   10 jobs, start %.0fs, uri loop with delay %.0f: %d list reads in all, %d PUT', delay, POLL,
                 uri['lists'], uri['puts'])
        self.sections['wait'] = dict(start_delay=delay, rows=rows, uri=uri)

    # -------------------------------------------------------------------------------------- 4

    def overhead(self):
        self.fresh(2, status='RUNNING')
        repeat = 10
        kinds = [
            ('ansible.builtin.debug', {'ansible.builtin.debug': {'msg': 'noop'}}),
            ('ansible.builtin.ping (a module shipped and run, no I/O)', {'ansible.builtin.ping': {}}),
            ('kylin.streaming.job, 2 jobs already RUNNING', {'kylin.streaming.job': {
                'project': PROJECT, 'models': ['model_0000'], 'state': 'started'}}),
            ('kylin.streaming.job_info, 2 jobs', {'kylin.streaming.job_info': {'project': PROJECT}}),
        ]
        tasks = []
        for number, (label, body) in enumerate(kinds):
            for rep in range(repeat):
                tasks.append(dict(body, name='k%d-%d' % (number, rep)))
        res = self.playbook([play(tasks, self.conn)])
        rows = []
        for number, (label, body) in enumerate(kinds):
            records = [r for r in res.tasks if r['task'].startswith('k%d-' % number)]
            seconds = [r['seconds'] for r in records]
            inside = [r['result'].get('elapsed') for r in records if r['result'].get('elapsed') is not None]
            rows.append(dict(label=label, median=statistics.median(seconds), low=min(seconds), high=max(seconds),
                             inside=statistics.median(inside) if inside else None))
        reqs = self.requests()
        started = time.monotonic()
        self.playbook([play([{'name': 'noop', 'meta': 'noop'}])])
        empty = time.monotonic() - started
        self.sections['overhead'] = dict(rows=rows, repeat=repeat, requests=reqs, empty_playbook=empty)
        for row in rows:
            self.say('overhead %-55s median %.3fs', row['label'], row['median'])
        self.say('overhead: a playbook of one meta: noop task takes %.2fs end to end', empty)


def expected_polls(poll, delay, backoff=1.5, cap=30.0):
    """Polls the module's schedule needs to see a job that starts ``delay`` s after the PUT."""
    waited, step, polls = 0.0, poll, 0
    while waited < delay:
        waited += step
        step = min(step * backoff, cap)
        polls += 1
    return polls


# ------------------------------------------------------------------------------------------ report

def machine():
    cpu = platform.processor() or platform.machine()
    try:
        with open('/proc/cpuinfo') as handle:
            for line in handle:
                if line.startswith('model name'):
                    cpu = line.split(':', 1)[1].strip()
                    break
    except OSError:
        pass
    ram = None
    try:
        with open('/proc/meminfo') as handle:
            for line in handle:
                if line.startswith('MemTotal:'):
                    ram = int(line.split()[1]) / 1024.0 / 1024.0
    except OSError:
        pass
    import ansible.release  # pylint: disable=import-outside-toplevel
    import requests  # pylint: disable=import-outside-toplevel
    return dict(cpu=cpu, cores=os.cpu_count(), ram='%.1f GiB' % ram if ram else 'unknown',
                os='%s %s' % (platform.system(), platform.release()), python=platform.python_version(),
                ansible=ansible.release.__version__, requests=requests.__version__)


def load_average():
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return None


def verdict(ok):
    return '**met**' if ok else '**not met**'


def render(bench, started, finished):
    m = machine()
    s = bench.sections
    lines = [
        '# Benchmarks',
        '',
        mark('docs/benchmarks.md'),
        '',
        'Measured against the simulator (`kylin-sim`, its own process, on the same machine), with '
        '`ansible-playbook` run as a subprocess (collection from the build copy, forks and every other setting at '
        'its default, connection `local`). *Wall* is the whole `ansible-playbook` process, as a user waits for it; '
        '*task* is the task alone (from the start of the task to its result, as the callback sees it). Requests are '
        'the simulator\'s own counts of Kylin API requests (`/_sim/counters`).',
        '',
        '- Date: %s (the run took %.0f s)' % (started.strftime('%Y-%m-%d %H:%M'), (finished - started).total_seconds()),
        '- Machine: %s, %s cores, %s RAM, %s' % (m['cpu'], m['cores'], m['ram'], m['os']),
        '- Software: Python %s, ansible-core %s, requests %s' % (m['python'], m['ansible'], m['requests']),
        '- Load: 1-minute load average %s at the start and %s at the end of the run (the machine is shared: other '
        'work running at the same time slows both sides alike, the ratios least)' % tuple(
            '%.2f' % v if v is not None else '?' for v in bench.load),
        '- Simulator timing: START takes %.1f s to reach RUNNING (YARN accepts after %.1f s); both sides poll every '
        '%.0f s (`poll_interval: %.0f` for the module, `delay: %.0f` for the `uri` loop).' % (
            SIM_CONFIG['start_delay'], SIM_CONFIG['yarn_accept_delay'], POLL, POLL, POLL),
        '',
    ]
    if 'converge' in s:
        lines += converge_section(s['converge'], bench.args.repeat, s.get('converge_breakdown'),
                                  s.get('overhead', {}).get('empty_playbook'))
    if 'job_info' in s:
        lines += job_info_section(s['job_info'])
    if 'wait' in s:
        lines += wait_section(s['wait'])
    if 'overhead' in s:
        lines += overhead_section(s['overhead'])
    lines += ['## Reproduce', '', '```sh', 'make BUILD=/tmp/bench-build bench', '```', '',
              'Options (`.venv/bin/python tests/bench/run.py --help`): job counts, page sizes, '
              'repetitions, `--quick` for a smoke run. The 1,000-job `uri` loop dominates the run time.', '']
    return '\n'.join(lines)


def req_text(requests):
    lists, puts = requests.get(LIST, 0), requests.get(STATUS_PUT, 0)
    other = sum(requests.values()) - lists - puts
    return '%d (%d list, %d PUT%s)' % (lists + puts + other, lists, puts, ', %d other' % other if other else '')


def converge_section(rows, repeat, breakdown=None, empty_playbook=None):
    lines = [
        '## 1. Converging N jobs from STOPPED to RUNNING',
        '',
        'One `kylin.streaming.job` task (`models:` the N/2 models, `state: started`) versus the playbook a user would '
        'write with `ansible.builtin.uri`: list the project\'s jobs, one `PUT /status` per stopped job (a `loop`), then '
        'poll the list until every job is RUNNING (`until`/`delay`). Both start from the same state (simulator reset, '
        'N STOPPED jobs) in the same run; both end with all N jobs RUNNING on the server (checked). Module figures are '
        'the median of %d runs; the `uri` loop ran once per size.' % repeat,
        '',
        '| jobs | module wall | module task | module requests | `uri` wall | `uri` requests | speed-up (wall) | '
        'speed-up (task) | fewer requests |',
        '|---:|---:|---:|---|---:|---|---:|---:|---:|',
    ]
    for row in rows:
        mod, uri = row['module'], row['uri']
        lines.append('| %s | %.2f s | %.2f s | %s | %.1f s | %s | %.0fx | %.0fx | %.0fx |' % (
            '{:,}'.format(row['jobs']), mod['wall'], mod['task'], req_text(mod['requests']), uri['wall'],
            req_text(uri['requests']), uri['wall'] / mod['wall'], uri['task'] / mod['task'],
            sum(uri['requests'].values()) / float(sum(mod['requests'].values()))))
    biggest = rows[-1]
    size = '{:,}'.format(biggest['jobs'])
    mod = biggest['module']
    ratio = biggest['uri']['wall'] / mod['wall']
    minimal = all(r['module']['requests'].get(STATUS_PUT, 0) == 1 and sum(r['module']['requests'].values()) ==
                  r['module']['requests'].get(LIST, 0) + 1 for r in rows)
    polls = [r['module']['requests'].get(LIST, 0) - 1 for r in rows]
    lines += [
        '',
        'The `uri` loop\'s time by task at %s jobs: %s.' % (size, ', '.join(
            '`%s` %.1f s' % item for item in biggest['uri']['tasks'].items())),
        '',
        'Targets (`docs/design.md` §5):',
        '',
        '- Requests at the minimum (one list read for all selected jobs, one PUT per action kind, one list read per '
        'poll): %s. Every size used exactly 1 PUT and 1 + %s list reads (the initial read, then the polls: the first '
        'poll comes `poll_interval` = %.0f s after the PUT, when the jobs, which take %.0f s to start, are RUNNING).' % (
            verdict(minimal), '/'.join(str(p) for p in polls), POLL, SIM_CONFIG['start_delay']),
        '- %s-job converge at least 50x faster than the `uri` loop: %s, %.0fx on wall time (%.2f s against %.0f s; '
        '%.0fx comparing the tasks alone).' % (size, verdict(ratio >= 50), ratio, mod['wall'], biggest['uri']['wall'],
                                               biggest['uri']['task'] / mod['task']),
        '- %s-job converge in "a few seconds": %s, %.2f s wall.' % (size, verdict(mod['wall'] < 5), mod['wall']),
        '',
    ]
    if breakdown:
        parts = {}
        for what, seconds in breakdown['parts']:
            count, total = parts.get(what, (0, 0.0))
            parts[what] = (count + 1, total + seconds)
        accounted = sum(total for count, total in parts.values())
        lines += [
            'Where the %s-job module run\'s %.2f s go (median run):' % (size, mod['wall']),
            '',
            '| part | seconds |',
            '|---|---:|',
        ]
        lines.append('| `ansible-playbook` around the task: start-up, parsing, inventory, the play, the end (wall minus task%s) '
                     '| %.2f |' % ('; a playbook of one `meta: noop` task takes %.2f s' % empty_playbook
                                   if empty_playbook is not None else '', mod['wall'] - mod['task']))
        lines.append('| Ansible running the module: build and ship the AnsiballZ payload, start Python, import, parse '
                     'arguments, return the %s-job result (task time minus the module\'s `elapsed`) | %.2f |' % (
                         size, mod['task'] - mod['elapsed']))
        lines.append('| the module\'s reconcile loop (`elapsed`), made of, measured in-process on a fresh run: | %.2f |'
                     % mod['elapsed'])
        for what, (count, total) in sorted(parts.items(), key=lambda kv: -kv[1][1]):
            label = 'waiting for the jobs to start (`poll_interval` sleeps)' if what == 'sleep' else '`%s`' % what
            lines.append('| &nbsp;&nbsp;%s, %d time(s) | %.2f |' % (label, count, total))
        lines.append('| &nbsp;&nbsp;selection, planning and bookkeeping in the module (the rest) | %.2f |' % max(
            0.0, breakdown['total'] - accounted))
        lines.append('')
    lines += [
        'Module wall times of the individual runs: %s.' % '; '.join(
            '%s jobs: %s' % ('{:,}'.format(r['jobs']), ', '.join('%.2f s' % w for w in r['module_walls'])) for r in rows),
        '',
    ]
    return lines


def job_info_section(section):
    rows = section['rows']
    jobs = section['jobs']
    lines = [
        '## 2. `job_info` over {:,} jobs'.format(jobs),
        '',
        '`kylin.streaming.job_info` with `project:` a project of {:,} jobs (60% RUNNING, 30% STOPPED, 10% ERROR), '
        'all rows returned. *Module code alone* is the same read (`_inventory.inventory()`, the function the module '
        'calls) in the benchmark\'s own process, without Ansible: the HTTP requests, JSON decoding, de-duplication and '
        'sorting.'.format(jobs),
        '',
        '| page_size | task | wall | module code alone | requests | ceil(jobs/page_size) |',
        '|---:|---:|---:|---:|---:|---:|',
    ]
    for row in rows:
        lines.append('| %d | %.2f s | %.2f s | %.2f s | %d | %d |' % (
            row['page_size'], row['task'], row['wall'], row['library'], row['requests'], row['expected']))
    default = [r for r in rows if r['page_size'] == 500] or rows[:1]
    best = min(rows, key=lambda r: r['task'])
    requests_ok = all(r['requests'] == r['expected'] for r in rows)
    lines += [
        '',
        'Targets (`docs/design.md` §5):',
        '',
        '- ceil(jobs/page_size) requests: %s.' % verdict(requests_ok),
        '- About 1 s: %s with the default `page_size: 500` (task %.2f s; the module code alone %.2f s); the fastest '
        'page size here is %d (task %.2f s; the module code alone %.2f s). The module\'s own code is within the target '
        'at large page sizes: every page request makes the server (the simulator, like Kylin: docs/kylin-api.md §5) build '
        'the whole project\'s list before cutting the page, so fewer, larger pages cost less. The rest of the task is '
        'Ansible moving a {:,}-row result, broken down below.'.format(jobs) % (
            verdict(default[0]['task'] <= 1.5), default[0]['task'], default[0]['library'], best['page_size'],
            best['task'], best['library']),
        '',
    ]
    lines += shapes_table(section.get('shapes'), jobs)
    lines += anatomy_table(section.get('anatomy'), jobs)
    lines += [
        'Where the module code\'s own time goes (cProfile of `_inventory.inventory()` over the {:,} jobs, page_size 500, '
        'cumulative time, top entries; `recv_into` is waiting for the server\'s answer):'.format(jobs),
        '',
        '```',
        section['profile'].strip(),
        '```',
        '',
    ]
    return lines


def shapes_table(shapes, jobs):
    """Section 2's side-by-side: the same jobs returned in full, as three fields, as counts only."""
    if not shapes:
        return []
    rows = shapes['rows']
    full = rows[0]
    lines = [
        '### Only the fields a play uses, or counts only',
        '',
        'The same {:,} jobs and the same reads (page_size {}), three sizes of answer: every row in full (the '
        'default), only three keys of each row (`fields:`), and counts only (`summary: true`: `total` and `counts`, '
        'no rows). *Task* is the median of {} runs (min - max); *result* is the size of the module\'s answer as JSON; '
        '*module code* is `_inventory.inventory()` with the same options in the benchmark\'s own process.'.format(
            jobs, shapes['page_size'], BENCH_REPEAT[0]),
        '',
        '| answer | task | min - max | wall | module code | result | requests | task vs full rows |',
        '|---|---:|---:|---:|---:|---:|---:|---:|',
    ]
    for row in rows:
        lines.append('| %s | %.2f s | %.2f - %.2f s | %.2f s | %.2f s | %s | %d | %s |' % (
            row['label'], row['task'], row['task_min'], row['task_max'], row['wall'], row['library'],
            size_text(row['size']), row['requests'], '1' if row is full else '%.1fx faster' % (full['task'] / row['task'])))
    best = min(rows[1:], key=lambda r: r['task']) if len(rows) > 1 else full
    lines += [
        '',
        '- About 1 s as one task for {:,} jobs: {} with `fields:` (task {:.2f} s) and with `summary: true` (task '
        '{:.2f} s), against {:.2f} s for the full rows. The reads are the same; what shrinks is the result Ansible '
        'has to carry (no_log masking, JSON, callbacks): {} instead of {}.'.format(
            jobs, verdict(all(r['task'] <= 1.5 for r in rows[1:])), rows[1]['task'] if len(rows) > 1 else 0,
            best['task'], full['task'], size_text(best['size']), size_text(full['size'])),
        '',
    ]
    return lines


def size_text(size):
    return '%.1f MB' % (size / 1e6) if size >= 1e6 else '%.0f kB' % (size / 1e3) if size >= 1e3 else '%d B' % size


# --repeat of the run, for the text of the tables (set in main()).
BENCH_REPEAT = [3]


def anatomy_table(anatomy, jobs):
    if not anatomy:
        return []
    steps, module = anatomy['steps'], anatomy['module']

    def sec(data, key):
        return data.get(key, {}).get('seconds', 0.0)

    commands = steps.get('worker: run commands (temp dir, module, clean-up)', {})
    in_module = sum(sec(module, k) for k in module if k != 'module: in-process total (after interpreter start)')
    native = sec(steps, 'controller: result to native types for the callbacks')
    copy = sec(steps, 'controller: callback copy of the result')
    processing = sec(steps, 'controller: process the result (all of it)')
    rows = [
        ('`ansible-playbook`, start to end', sec(steps, 'ansible-playbook total')),
        ('worker: build the AnsiballZ payload of the module', sec(steps, 'worker: build the AnsiballZ payload')),
        ('worker: the module process (as the worker waits for it)', commands.get('longest', 0.0)),
        ('&nbsp;&nbsp;module: the module\'s own code (`_inventory.inventory`: %d requests, decoding, sorting)' % int(
            math.ceil(jobs / float(anatomy['page_size']))),
         sec(module, 'module: its own code (_inventory.inventory: requests, decoding, sorting)')),
        ('&nbsp;&nbsp;module: Ansible\'s no_log masking of the result (`remove_values`: the password is looked for '
         'in every value)', sec(module, 'module: Ansible no_log masking of the result (remove_values)')),
        ('&nbsp;&nbsp;module: Ansible\'s JSON encoding of the result', sec(
            module, 'module: Ansible JSON encoding and printing of the result')),
        ('&nbsp;&nbsp;module: argument parsing (`AnsibleModule()`)', sec(
            module, 'module: Ansible argument parsing (AnsibleModule())')),
        ('&nbsp;&nbsp;module: interpreter start and imports (the rest of a direct `python -m` run of %.2f s)' % (
            anatomy['module_process']), max(0.0, anatomy['module_process'] - in_module)),
        ('worker: the other commands (temp dir, transfer, clean-up)', commands.get('seconds', 0.0) - commands.get(
            'longest', 0.0)),
        ('worker: decode the module\'s JSON', sec(steps, 'worker: decode the module JSON')),
        ('controller: convert the result to native types for the callbacks', native),
        ('controller: the callbacks\' copy of the result (strip internal keys)', copy),
        ('controller: the rest of processing the result', max(0.0, processing - native - copy)),
    ]
    lines = [
        'Where the time of one `job_info` task over the {:,} jobs goes (page_size {}, one run, wall-clock timers '
        'around Ansible\'s and the module\'s steps: `tests/bench/anatomy.py`; the module\'s inner figures come from a '
        'direct run of the module with the same arguments):'.format(jobs, anatomy['page_size']),
        '',
        '| step | seconds |',
        '|---|---:|',
    ]
    lines += ['| %s | %.2f |' % row for row in rows]
    lines.append('')
    size = module.get('result', {})
    own = sec(module, 'module: its own code (_inventory.inventory: requests, decoding, sorting)')
    ansible_side = sum(value for label, value in rows[1:] if 'own code' not in label and not label.startswith(
        'worker: the module process'))
    lines += [
        'In words: the module\'s own code takes %.2f s of the task; Ansible spends about %.2f s around it, much of it '
        'carrying the result: %.1f MB of JSON holding %s values, each of which is searched for the password (no_log '
        'masking), encoded, decoded and converted again for the callbacks. Those costs grow with the size of the '
        'result and are outside the module\'s code.' % (
            own, ansible_side, size.get('bytes', 0) / 1e6, '{:,}'.format(size.get('values', 0))),
        '',
    ]
    return lines


def wait_section(section):
    rows = section['rows']
    lines = [
        '## 3. Waiting for jobs that take a while to start',
        '',
        'Jobs that take %.0f s from START to RUNNING; one `kylin.streaming.job` task, `state: started`. Requests '
        'counted over the whole task: 1 initial list read + 1 PUT + the polls (one list read each, for all awaited '
        'jobs). The module\'s poll schedule is `poll_interval`, then x1.5 each time, up to 30 s.' % section['start_delay'],
        '',
        '| jobs | poll_interval | list reads (polls) | PUTs | polls the schedule needs | task |',
        '|---:|---:|---:|---:|---:|---:|',
    ]
    for row in rows:
        lines.append('| %s | %.0f s | %d (%d) | %d | %d | %.1f s |' % (
            '{:,}'.format(row['jobs']), row['poll'], row['lists'], row['lists'] - 1, row['puts'], row['expected'],
            row['task']))
    ok = all(r['lists'] - 1 <= r['expected'] + 1 and r['puts'] == 1 for r in rows)
    uri = section.get('uri')
    lines += [
        '',
        'Target (one list read per poll for all awaited jobs, whatever their number): %s.' % verdict(ok),
    ]
    if uri:
        lines[-1] += (' For comparison, the `uri` playbook of section 1 (`until`, `delay: %.0f`) on 10 such jobs made %d '
                      'list reads (1 + %d polls) and %d PUTs.' % (POLL, uri['lists'], uri['lists'] - 1, uri['puts']))
    lines.append('')
    return lines


def overhead_section(section):
    lines = [
        '## 4. Overhead of a task',
        '',
        'One playbook, each task repeated %d times in a row (local connection); per-task time as the callback sees it '
        '(median, min-max). *Inside the module* is the `elapsed` the job module reports (its reconcile loop, HTTP '
        'included). Against 2 jobs, so the Kylin work is one list read.' % section['repeat'],
        '',
        '| task | median | min - max | inside the module |',
        '|---|---:|---:|---:|',
    ]
    for row in section['rows']:
        lines.append('| %s | %.3f s | %.3f - %.3f s | %s |' % (
            row['label'], row['median'], row['low'], row['high'],
            '%.3f s' % row['inside'] if row['inside'] is not None else ''))
    rows = section['rows']
    lines += [
        '',
        'A kylin.streaming task costs %.2f s more than `ansible.builtin.ping` (importing `requests`, one HTTP '
        'session, one request); both are dominated by what Ansible does to run any module (ping is %.2f s over '
        '`debug`). For scale: a playbook of a single `meta: noop` task takes %.2f s end to end on this machine.' % (
            rows[2]['median'] - rows[1]['median'], rows[1]['median'] - rows[0]['median'], section['empty_playbook']),
        '',
    ]
    return lines


def restart_section(path):
    """The section of ``path`` that tests/bench/restart.py writes, to keep it when rewriting the file."""
    if not os.path.exists(path):
        return None
    found = re.search(r'<!-- bench-restart:begin -->.*?<!-- bench-restart:end -->\n?', open(path).read(), re.S)
    return found.group(0) if found else None


def update_sections(old, new, bench, started):
    """OLD with its numbered sections (``## N. ...`` up to the next ``## ``) replaced by those of NEW."""
    def sections(text):
        parts, current = {}, None
        for line in text.splitlines(True):
            if line.startswith('## '):
                current = line.split('.', 1)[0] if line[3:4].isdigit() else None
                if current:
                    parts[current] = []
            if current:
                parts[current].append(line)
        return dict((key, ''.join(lines)) for key, lines in parts.items())
    note = ('*This section was measured again on %s (1-minute load average %s at the start, %s at the end; '
            '`tests/bench/run.py --only ... --update`); the others are from the run dated above.*\n\n' % (
                started.strftime('%Y-%m-%d %H:%M'), *('%.2f' % v if v is not None else '?' for v in bench.load)))
    for key, body in sections(new).items():
        current = sections(old).get(key)
        heading, rest = body.split('\n', 1)
        body = heading + '\n\n' + note + rest.lstrip('\n')
        if current is None:
            old = old.replace('## Reproduce', body + '## Reproduce', 1)
        else:
            old = old.replace(current, body, 1)
    return old


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    parser.add_argument('--sizes', default='10,100,1000', help='job counts to converge (even numbers)')
    parser.add_argument('--page-sizes', default='100,500,2000', help='job_info page sizes')
    parser.add_argument('--info-jobs', type=int, default=10000, help='jobs for the job_info benchmark')
    parser.add_argument('--long-start', type=float, default=8.0, help='start delay (s) for the wait benchmark')
    parser.add_argument('--repeat', type=int, default=3, help='runs of each module converge (median reported)')
    parser.add_argument('--only', default='converge,job_info,wait,overhead', help='sections to run')
    parser.add_argument('--quick', action='store_true', help='a smoke run: small sizes, nothing written')
    parser.add_argument('--output', default=os.path.join(ROOT, 'docs', 'benchmarks.md'), help='Markdown report')
    parser.add_argument('--json', help='also write the raw figures here')
    parser.add_argument('--update', action='store_true',
                        help='replace only the sections run (--only) in the existing --output, each marked with this '
                             "run's date and load; the others keep their earlier figures")
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes, args.info_jobs, args.repeat, args.long_start = '10,40', 2000, 1, 3.0
        args.output = None
    BENCH_REPEAT[0] = args.repeat
    args.sizes = [int(v) for v in args.sizes.split(',')]
    args.page_sizes = [int(v) for v in args.page_sizes.split(',')]
    install_collection_loader(hint=HINT)  # the module code, for the in-process measurements

    started = datetime.datetime.now()
    bench = Bench(args)
    try:
        for section in args.only.split(','):
            getattr(bench, section.strip())()
    finally:
        bench.close()
    finished = datetime.datetime.now()
    bench.load.append(load_average())
    text = render(bench, started, finished)
    sys.stdout.write('\n' + text + '\n')
    if args.output and args.update and os.path.exists(args.output):
        with open(args.output) as handle:
            text = update_sections(handle.read(), text, bench, started)
    if args.output:
        kept = restart_section(args.output)  # written by tests/bench/restart.py (make bench-restart)
        with open(args.output, 'w') as handle:
            handle.write(text.replace('\u2019', "'").replace('\u2018', "'"))
        if kept:
            import restart  # pylint: disable=import-outside-toplevel
            restart.write_section(args.output, kept)
        sys.stdout.write('written: %s\n' % args.output)
    if args.json:
        with open(args.json, 'w') as handle:
            json.dump(bench.sections, handle, indent=1, default=str)
    return 0


if __name__ == '__main__':
    sys.exit(main())
