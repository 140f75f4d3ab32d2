# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The scenarios of the model-based suite: plain data, a Hypothesis strategy, and a readable text.

A ``Scenario`` is everything one run needs: the project (models, each with its build and merge job in
an initial status, transitional ones included), the task's options (selection, desired state, ``force``,
``force_after``, ``batch_size``, ``restart_method``, ``retries``...), the server's timing in Kylin seconds
(scaled at run time by ``time_scale``), the faults, and a second controller. It is frozen data: it
prints as a Python literal (``repr``) that ``Scenario.from_dict``/``from_json`` read back, which is how a
shrunk failure is kept in ``cases.py``.

``scenarios()`` is the Hypothesis strategy. It only draws valid task options (the module refuses the
others before any change, which tests/fault/test_bad_inputs.py covers).
"""

import dataclasses
import json

from hypothesis import strategies as st

PROJECT = 'p1'
TYPES = ('build', 'merge')
# Initial statuses: the steady ones, and the transitional ones made by a request sent just before the task
# (STARTING: a START; STOPPING: a graceful STOP of a running job). LAUNCHING_ERROR lists as ERROR with
# launching_error: true.
STATUSES = ('STOPPED', 'RUNNING', 'STARTING', 'STOPPING', 'ERROR', 'LAUNCHING_ERROR')
STATES = ('started', 'stopped', 'restarted')
ACTIONS = ('START', 'STOP', 'FORCE_STOP', 'RESTART')
CATCHUP_INTERVAL = 5.0  # Kylin's kylin.metadata.audit-log.catchup-interval (scaled at run time)
CATCHUP_STALL = 30.0    # how much longer a stalled catch-up keeps a node behind (docs/kylin-api.md §11.5)

# The kinds of fault a scenario can draw (docs/reliability.md counts them): each is named in ``kinds()``.
FAULT_KINDS = (
    'proxy-502-html',      # the first requests answered 502 by a proxy (HTML page)
    'read-503-html',       # a share of GETs answered 503 by a proxy (HTML page)
    'read-503-json',       # a share of GETs answered 503 with Kylin's JSON error body
    'put-503-html',        # status PUTs answered 503 by a proxy, not applied
    'put-503-json',        # status PUTs answered 503 with Kylin's JSON error body, not applied
    'put-500-json',        # status PUTs refused by Kylin with a JSON 500, not applied
    'dropped',             # connections dropped before the server read the request (reads and PUTs)
    'lost-answer',         # a status PUT applied, its answer lost (connection closed)
    'late-answer',         # a status PUT applied, its answer held past the client's timeout
    'epoch-moved',         # a PUT refused KE-040021201 while the project's epoch moved (not applied)
    'owner-unreachable',   # a forwarded PUT applied by the owner, answered 500 KE-010021002
    'transfer-failed',     # a write refused KE-010021003, the request cannot be forwarded now (transient, docs/kylin-api.md §11.4)
    'metadata-unreachable',  # a write refused KE-010019002, the metadata database unreachable (transient, docs/kylin-api.md §11.4)
    'unbound-project',     # every write refused KE-010021005, the project bound to no resource group (final, docs/kylin-api.md §11.4)
    'held-write',          # a write held behind an epoch take-over, applied later (docs/kylin-api.md §11.2)
    'owner-down',          # the owner dies: writes refused KE-010021002 until a take-over (docs/kylin-api.md §11.2)
    'lagging-reads',       # several nodes behind the load balancer, reads lag the owner
    'stalled-catch-up',    # catch-ups that stall: a node behind for longer than the interval (docs/kylin-api.md §11.5)
    'slow-kills',          # kills of 21 s (scaled), one at a time on the node
    'start-cost',          # 1 s of server work per START inside the PUT (scaled)
    'slow-transitions',    # launches and graceful stops that take long (scaled)
    'end-of-run-kill',     # a graceful STOP ends with a kill under the node-wide lock (docs/kylin-api.md §11.1)
    'launch-failure',      # a job's next launch ends in LAUNCHING_ERROR
    'broken-model',        # a model is broken: its jobs cannot be started
    'tight-timeout',       # wait_timeout shorter than a launch or a stop
    'second-controller',   # another user acts on some jobs during the task
    'settles-on-write',    # a STARTING or STOPPING job settles by itself just after the task's first write
)


@dataclasses.dataclass(frozen=True)
class JobSpec:
    """One job: its model, its type, its status when the task starts."""

    model: str
    type: str
    initial: str = 'STOPPED'
    retry: bool = False          # kylin.streaming.job-retry-enabled in its params (Kylin relaunches it from ERROR)
    fail_launch: bool = False    # its next launch ends in LAUNCHING_ERROR

    @property
    def key(self):
        return '%s_%s' % (self.model, self.type)


@dataclasses.dataclass(frozen=True)
class Timing:
    """The server's timing in Kylin seconds (real proportions); the run multiplies them by the time scale."""

    start_delay: float = 2.0     # START -> RUNNING
    stop_delay: float = 1.0      # graceful STOP -> STOPPED (the driver's next micro-batch)
    kill: float = 0.2            # a kill of a live driver (21 s on a real Kylin)
    start_work: float = 0.0      # server work per START inside the PUT (1 s on a real Kylin)
    stop_work: float = 0.0       # server work per STOP inside the PUT
    end_of_run_kill: bool = True  # a graceful STOP (a runtime failure) ends with a kill under the node lock (docs/kylin-api.md §11.1)


@dataclasses.dataclass(frozen=True)
class Faults:
    """What the network, the proxy and the cluster do during the task (the simulator's fault settings)."""

    proxy_502: int = 0           # the first N requests: 502 HTML page
    errors: str = ''             # '', 'read-503', 'put-503', 'any-503' (HTML page), 'put-500' (Kylin JSON)
    json_503: bool = False       # the 503s come as Kylin's JSON error body, not a proxy's HTML page
    error_rate: float = 0.0      # share of the matching requests (read-503, any-503)
    error_count: int = 0         # the first N matching requests (put-503, put-500)
    drop_rate: float = 0.0       # share of requests dropped unanswered, before the server sees them
    lost: int = 0                # the next N status PUTs: applied, answer lost
    late: int = 0                # the next N status PUTs: applied, answer held past the timeout
    epoch_moved: int = 0         # the next N status PUTs: refused KE-040021201, nothing applied
    owner_unreachable: int = 0   # the next N forwarded status PUTs: applied, answered 500 KE-010021002
    transfer_failed: int = 0     # the next N writes: 500 KE-010021003 before anything is applied
    metadata_unreachable: int = 0  # the next N writes: 500 KE-010019002 before anything is applied
    unbound: bool = False        # the project is bound to no resource group: every write 500 KE-010021005
    held: int = 0                # the next N status PUTs wait behind an epoch take-over of the project, then apply
    owner_down: float = 0.0      # seconds (not scaled) the owner is down from the task's start (needs nodes > 1)
    nodes: int = 1               # Kylin nodes behind the load balancer (reads of non-owners lag)
    stall_rate: float = 0.0      # share of the nodes' catch-ups that stall (behind for 30 Kylin s more)
    seed: int = 0                # the simulator's fault random generator

    @property
    def read_faults(self):
        """Whether reads can fail (then a read that fails all its retries may end the task)."""
        return bool(self.proxy_502 or self.drop_rate or (self.errors in ('read-503', 'any-503') and self.error_rate))


@dataclasses.dataclass(frozen=True)
class Rival:
    """A second controller (another user) that sends one status PUT during the task."""

    action: str
    jobs: tuple                  # job keys ('m0_build', ...)
    delay: float = 0.0           # Kylin seconds after the task started (scaled)


@dataclasses.dataclass(frozen=True)
class Scenario:
    jobs: tuple                              # JobSpec, two per model, models in order
    broken: tuple = ()                       # aliases of broken models
    models: tuple = None                     # selection by models (aliases) ...
    job_types: tuple = TYPES                 # ... of these types
    job_ids: tuple = None                    # ... or by job keys
    state: str = 'started'
    force: bool = False
    force_after: int = None
    batch_size: int = 0
    restart_method: str = 'kylin'
    retries: int = 3
    timeout: int = 10
    poll_interval: float = 0.05
    wait_timeout: int = 60
    timing: Timing = Timing()
    faults: Faults = Faults()
    rival: Rival = None
    settle_on_write: bool = False            # the transitional jobs settle as soon as the task's first write arrives

    # ------------------------------------------------------------------ derived

    @property
    def aliases(self):
        return tuple(dict.fromkeys(j.model for j in self.jobs))

    def job(self, key):
        return next(j for j in self.jobs if j.key == key)

    @property
    def selected(self):
        """Keys of the selected jobs, in the project's order."""
        if self.job_ids is not None:
            return tuple(j.key for j in self.jobs if j.key in self.job_ids)
        return tuple(j.key for j in self.jobs if j.model in self.models and j.type in self.job_types)

    @property
    def unselected(self):
        chosen = set(self.selected)
        return tuple(j.key for j in self.jobs if j.key not in chosen)

    def is_broken(self, key):
        return self.job(key).model in self.broken

    def kinds(self):
        """The fault kinds this scenario draws (names of FAULT_KINDS)."""
        f, t = self.faults, self.timing
        kinds = []
        add = kinds.append
        if f.proxy_502:
            add('proxy-502-html')
        body = 'json' if f.json_503 else 'html'
        if f.errors in ('read-503', 'any-503') and f.error_rate:
            add('read-503-' + body)
        if f.errors in ('put-503', 'any-503') and (f.error_count or f.error_rate):
            add('put-503-' + body)
        if f.errors == 'put-500' and f.error_count:
            add('put-500-json')
        if f.drop_rate:
            add('dropped')
        if f.lost:
            add('lost-answer')
        if f.late:
            add('late-answer')
        if f.epoch_moved:
            add('epoch-moved')
        if f.owner_unreachable and f.nodes > 1:
            add('owner-unreachable')
        if f.transfer_failed:
            add('transfer-failed')
        if f.metadata_unreachable:
            add('metadata-unreachable')
        if f.unbound:
            add('unbound-project')
        if f.held:
            add('held-write')
        if f.owner_down and f.nodes > 1:
            add('owner-down')
        if f.nodes > 1:
            add('lagging-reads')
        if f.nodes > 1 and f.stall_rate:
            add('stalled-catch-up')
        if t.kill >= 10:
            add('slow-kills')
        if t.start_work:
            add('start-cost')
        if max(t.start_delay, t.stop_delay) >= 20:
            add('slow-transitions')
        if t.end_of_run_kill:
            add('end-of-run-kill')
        if any(j.fail_launch for j in self.jobs):
            add('launch-failure')
        if self.broken:
            add('broken-model')
        if self.tight_timeout:
            add('tight-timeout')
        if self.rival:
            add('second-controller')
        if self.settle_on_write and any(j.initial in ('STARTING', 'STOPPING') for j in self.jobs):
            add('settles-on-write')
        return kinds

    @property
    def tight_timeout(self):
        """``wait_timeout`` (real seconds) is short of what a launch or a graceful stop takes (Kylin seconds)."""
        return self.wait_timeout <= 2

    # ------------------------------------------------------------------ the task

    def task_args(self, ids, scale):
        """The ``kylin.streaming.job`` options of this scenario; ``ids``: job key -> Kylin job id."""
        args = dict(project=PROJECT, state=self.state, batch_size=self.batch_size, poll_interval=self.poll_interval,
                    wait_timeout=self.wait_timeout, server_timing=self.server_timing(scale))
        if self.job_ids is not None:
            args['job_ids'] = [ids[k] for k in self.job_ids]
        else:
            args['models'] = list(self.models)
            args['job_types'] = list(self.job_types)
        if self.force:
            args['force'] = True
        if self.force_after is not None:
            args['force_after'] = self.force_after
        if self.state == 'restarted':
            args['restart_method'] = self.restart_method
        return args

    def connection_args(self):
        return dict(timeout=self.timeout, retries=self.retries)

    def server_timing(self, scale):
        """What the simulator's timing costs, as the module's ``server_timing`` (so PUTs are sized and lost PUTs
        followed for this server)."""
        t = self.timing
        return dict(kill_seconds=round(t.kill * scale, 4), start_seconds=round(t.start_work * scale, 4),
                    stop_seconds=round(t.stop_work * scale, 4),
                    read_lag_seconds=round(CATCHUP_INTERVAL * scale, 4) if self.faults.nodes > 1 else 0.0)

    def sim_config(self, scale):
        t = self.timing
        return dict(time_scale=scale, start_delay=t.start_delay, yarn_accept_delay=min(1.0, t.start_delay / 2.0),
                    stop_delay=t.stop_delay, kill_delay=t.kill, kill_idle_delay=0.1, start_work=t.start_work,
                    stop_work=t.stop_work, end_of_run_kill=t.end_of_run_kill, catchup_interval=CATCHUP_INTERVAL,
                    catchup_stall_rate=self.faults.stall_rate, catchup_stall=CATCHUP_STALL, retry_interval=3600.0)

    def cluster_config(self):
        """The cluster's settings once the jobs are in their initial statuses (they would refuse the set-up)."""
        config = {}
        if self.faults.nodes > 1:
            config['nodes'] = self.faults.nodes
        if self.faults.unbound:
            config['unbound_projects'] = [PROJECT]
        return config

    def settle_seconds(self, scale):
        """How long a write this task sent may still be at work once it returned: a held write waits for a
        take-over that kills and relaunches every job of the project, one at a time."""
        seconds = 0.2
        if self.faults.held or (self.faults.owner_down and self.faults.nodes > 1):
            t = self.timing
            seconds += len(self.jobs) * (t.kill + t.start_work) * scale + 0.5 + self.faults.owner_down
        return seconds

    def sim_faults(self):
        """``PUT /_sim/faults`` for this scenario (applied once the project is set up)."""
        f = self.faults
        faults = dict(seed=f.seed, html_error_count=f.proxy_502, drop_rate=f.drop_rate, lose_response_count=f.lost,
                      hang_response_count=f.late, hang_seconds=self.timeout + 0.5, epoch_moved=f.epoch_moved,
                      owner_unreachable=f.owner_unreachable if f.nodes > 1 else 0, transfer_failed=f.transfer_failed,
                      metadata_unreachable=f.metadata_unreachable, hold_write=f.held)
        if f.errors:
            methods = {'read-503': ['GET'], 'put-503': ['PUT'], 'any-503': ['GET', 'PUT'], 'put-500': ['PUT']}[f.errors]
            faults.update(error_methods=methods, error_statuses=[500] if f.errors == 'put-500' else [503],
                          error_json_statuses=[500, 503] if f.json_503 else [500],
                          error_rate=f.error_rate if f.errors in ('read-503', 'any-503') else 0.0,
                          error_count=f.error_count if f.errors in ('put-503', 'put-500') else 0)
        return faults

    # ------------------------------------------------------------------ text

    def describe(self):
        """The scenario in a few readable lines."""
        lines = ['project %s:' % PROJECT]
        for alias in self.aliases:
            jobs = [j for j in self.jobs if j.model == alias]
            parts = []
            for j in jobs:
                extra = []
                if j.initial in ('ERROR', 'LAUNCHING_ERROR'):
                    extra.append('retry on' if j.retry else 'retry off')
                if j.fail_launch:
                    extra.append('next launch fails')
                mark = '' if j.key in self.selected else ' (unselected)'
                parts.append('%s %s%s%s' % (j.type, j.initial, ' [%s]' % ', '.join(extra) if extra else '', mark))
            lines.append('  %s%s: %s' % (alias, ' (BROKEN)' if alias in self.broken else '', '; '.join(parts)))
        if self.job_ids is not None:
            selection = 'job_ids %s' % ', '.join(self.job_ids)
        else:
            selection = 'models %s, job_types %s' % (', '.join(self.models), '/'.join(self.job_types))
        opts = ['state %s' % self.state]
        if self.state == 'restarted':
            opts.append('restart_method %s' % self.restart_method)
        if self.force:
            opts.append('force')
        if self.force_after is not None:
            opts.append('force_after %s' % self.force_after)
        if self.batch_size:
            opts.append('batch_size %d' % self.batch_size)
        opts += ['retries %d' % self.retries, 'timeout %d' % self.timeout, 'wait_timeout %d' % self.wait_timeout]
        lines.append('task: %s; %s' % (selection, ', '.join(opts)))
        t = self.timing
        lines.append('server (Kylin s): start %g, stop %g, kill %g, START work %g, STOP work %g, %d node(s), '
                     'end-of-run kill %s' % (t.start_delay, t.stop_delay, t.kill, t.start_work, t.stop_work,
                                             self.faults.nodes, 'on' if t.end_of_run_kill else 'off'))
        lines.append('faults: %s' % (', '.join(self.kinds()) or 'none'))
        active = {k: v for k, v in dataclasses.asdict(self.faults).items() if v and k not in ('nodes', 'seed')}
        if active:
            settings = ', '.join('%s=%s' % kv for kv in sorted(active.items()))
            lines.append('  settings: %s (seed %d)' % (settings, self.faults.seed))
        if self.settle_on_write:
            lines.append('the STARTING and STOPPING jobs settle by themselves just after the task\'s first write')
        if self.rival:
            lines.append('second controller: %s of %s, %g Kylin s after the task started' % (
                self.rival.action, ', '.join(self.rival.jobs), self.rival.delay))
        return '\n'.join(lines)

    def to_dict(self):
        return dataclasses.asdict(self)

    def to_json(self):
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_dict(cls, data):
        data = dict(data)
        data['jobs'] = tuple(JobSpec(**j) for j in data['jobs'])
        data['timing'] = Timing(**data.get('timing') or {})
        data['faults'] = Faults(**data.get('faults') or {})
        if data.get('rival'):
            rival = dict(data['rival'])
            rival['jobs'] = tuple(rival['jobs'])
            data['rival'] = Rival(**rival)
        for name in ('broken', 'models', 'job_types', 'job_ids'):
            if data.get(name) is not None:
                data[name] = tuple(data[name])
        return cls(**data)

    @classmethod
    def from_json(cls, text):
        return cls.from_dict(json.loads(text))


# ---------------------------------------------------------------------------------------- strategy

def chance(percent):
    """A boolean that is true about ``percent`` % of the time (Hypothesis shrinks it to False)."""
    return st.integers(0, 99).map(lambda n: n >= 100 - percent)


@st.composite
def _jobs(draw, count):
    jobs = []
    for number in range(count):
        alias = 'm%d' % number
        for job_type in TYPES:
            initial = draw(st.sampled_from(STATUSES))
            retry = initial in ('ERROR', 'LAUNCHING_ERROR') and draw(st.booleans())
            jobs.append(JobSpec(alias, job_type, initial, retry))
    if draw(chance(15)):
        failing = draw(st.integers(0, len(jobs) - 1))
        jobs[failing] = dataclasses.replace(jobs[failing], fail_launch=True)
    return tuple(jobs)


@st.composite
def _faults(draw):
    kinds = draw(st.sets(st.sampled_from(('proxy-502', 'errors', 'drop', 'lost', 'late', 'epoch', 'nodes',
                                          'transfer', 'metadata', 'unbound', 'held')), max_size=4))
    values = {'seed': draw(st.integers(0, 2 ** 16))}
    if 'proxy-502' in kinds:
        values['proxy_502'] = draw(st.integers(1, 2))
    if 'errors' in kinds:
        errors = draw(st.sampled_from(('read-503', 'put-503', 'any-503', 'put-500')))
        values['errors'] = errors
        if errors != 'put-500':
            values['json_503'] = draw(st.booleans())
        if errors in ('read-503', 'any-503'):
            values['error_rate'] = draw(st.sampled_from((0.1, 0.2, 0.3)))
        else:
            values['error_count'] = draw(st.integers(1, 3))
    if 'drop' in kinds:
        values['drop_rate'] = draw(st.sampled_from((0.05, 0.1)))
    if 'lost' in kinds:
        values['lost'] = draw(st.integers(1, 3))
    if 'late' in kinds:
        values['late'] = 1
    if 'epoch' in kinds:
        values['epoch_moved'] = draw(st.integers(1, 4))
    if 'transfer' in kinds:
        values['transfer_failed'] = draw(st.integers(1, 3))
    if 'metadata' in kinds:
        values['metadata_unreachable'] = draw(st.integers(1, 3))
    if 'unbound' in kinds and draw(chance(30)):
        values['unbound'] = True
    if 'held' in kinds:
        values['held'] = 1
    if 'nodes' in kinds:
        values['nodes'] = draw(st.integers(2, 3))
        values['owner_unreachable'] = draw(st.integers(0, 2))
        values['stall_rate'] = draw(st.sampled_from((0.0, 0.0, 0.3)))
        if draw(chance(20)):
            values['owner_down'] = draw(st.sampled_from((0.5, 1.0)))
    return Faults(**values)


@st.composite
def _timing(draw):
    return Timing(start_delay=draw(st.sampled_from((2.0, 20.0, 60.0))),
                  stop_delay=draw(st.sampled_from((1.0, 20.0, 60.0))),
                  kill=draw(st.sampled_from((0.2, 21.0))),
                  start_work=draw(st.sampled_from((0.0, 1.0))),
                  stop_work=draw(st.sampled_from((0.0, 0.2))),
                  end_of_run_kill=not draw(chance(25)))


def scenarios(without=()):
    """Scenarios; ``without``: fault kinds (names of FAULT_KINDS) never drawn, to explore the others while a
    failure that one of them causes is being fixed (``MODEL_WITHOUT``; never in ``make test``)."""
    unknown = set(without) - set(FAULT_KINDS)
    if unknown:
        raise ValueError('unknown fault kind(s) %s (known: %s)' % (', '.join(sorted(unknown)), ', '.join(FAULT_KINDS)))
    if not without:
        return _scenarios()
    return _scenarios().filter(lambda sc: not set(sc.kinds()) & set(without))


@st.composite
def _scenarios(draw):
    """A project of 1 to 4 models, a task on some of their jobs, the server's timing, faults, maybe a rival."""
    count = draw(st.integers(1, 4))
    jobs = draw(_jobs(count))
    aliases = tuple('m%d' % n for n in range(count))
    broken = (draw(st.sampled_from(aliases)),) if draw(chance(12)) else ()
    values = dict(jobs=jobs, broken=broken)
    if draw(st.booleans()):
        models = draw(st.lists(st.sampled_from(aliases), min_size=1, max_size=count, unique=True))
        values['models'] = tuple(sorted(models))
        values['job_types'] = draw(st.sampled_from((TYPES, ('build',), ('merge',))))
    else:
        keys = [j.key for j in jobs]
        values['job_ids'] = tuple(draw(st.lists(st.sampled_from(keys), min_size=1, max_size=len(keys), unique=True)))
    state = values['state'] = draw(st.sampled_from(STATES))
    if state == 'restarted':
        values['restart_method'] = draw(st.sampled_from(('kylin', 'graceful')))
    graceful = values.get('restart_method') == 'graceful'
    if state in ('started', 'stopped') and draw(chance(25)):
        values['force'] = True
    elif (state == 'stopped' or graceful) and draw(chance(30)):
        values['force_after'] = draw(st.integers(0, 1))
    values['batch_size'] = draw(st.sampled_from((0, 0, 1, 2, 3)))
    values['retries'] = draw(st.sampled_from((3, 3, 1, 2, 6, 0)))
    values['timeout'] = draw(st.sampled_from((10, 10, 2)))
    values['poll_interval'] = draw(st.sampled_from((0.05, 0.1)))
    values['timing'] = draw(_timing())
    if draw(chance(8)):
        values['wait_timeout'] = 1
        values['timing'] = dataclasses.replace(values['timing'], start_delay=200.0, stop_delay=200.0)
    values['faults'] = draw(_faults())
    values['settle_on_write'] = draw(chance(30))
    if values['faults'].late:
        values['timeout'] = 2  # the answer is held past the timeout: keep it short
    scenario = Scenario(**values)
    if draw(chance(25)):
        scenario = dataclasses.replace(scenario, rival=draw(_rival(scenario)))
    return scenario


@st.composite
def _rival(draw, scenario):
    """A second controller doing what a second playbook would do: the same desired state on some selected jobs
    (START for started, STOP for stopped), or anything on jobs this task did not select."""
    unselected = scenario.unselected
    cooperate = {'started': 'START', 'stopped': 'STOP'}.get(scenario.state)
    if unselected and (cooperate is None or draw(st.booleans())):
        jobs = draw(st.lists(st.sampled_from(unselected), min_size=1, max_size=len(unselected), unique=True))
        action = draw(st.sampled_from(ACTIONS))
    elif cooperate:
        selected = scenario.selected
        jobs = draw(st.lists(st.sampled_from(selected), min_size=1, max_size=len(selected), unique=True))
        action = cooperate
    else:
        return None
    return Rival(action=action, jobs=tuple(jobs), delay=draw(st.sampled_from((0.0, 5.0, 20.0))))
