"""The simulated Kylin: projects, models, streaming jobs and their state machine (ref section 3).

Time is handled lazily: every pending transition (launch finished, graceful stop finished, runtime
failure, auto-retry) is an event with an absolute due time in a heap, and ``advance(now)`` applies
the due ones in order, each at its own due time, before a request is served. Nothing scans all jobs,
so 10,000 jobs cost nothing while idle. The micro-batch ticks of running build jobs (which rewrite
``last_modified`` and add stats rows about every 30 s on a real server) are computed from the run's
start time when asked for, not stored.

All methods expect the caller to hold ``Store.lock`` (one global lock, as the simulator is small).
The work a real server does inside a request (a kill of about 21 s per job with a live driver, the
per-START and per-STOP work) is slept with that lock released (``sleep_unlocked``), so that reads and
other requests go on and see the intermediate states; kills take ``Store.kill_lock`` (Kylin's
``JobKiller.killProcess`` is static synchronized: one kill at a time on the node) and START/STOP take
their project's scheduler lock (``StreamingScheduler.submitJob``/``stopJob`` are synchronized).
Every duration is multiplied by the ``time_scale`` config at use time (``Store.seconds``).
"""

import contextlib
import heapq
import json
import os
import random
import tempfile
import threading
import time
import uuid as uuidlib
import zlib

from . import errors
from .auth import Auth, User, default_users, DEFAULT_LOCK_ATTEMPTS, DEFAULT_LOCK_DURATIONS
from .journal import Journal
from .nodes import Cluster

STOPPED, STARTING, RUNNING, STOPPING, ERROR, LAUNCHING_ERROR = (
    "STOPPED", "STARTING", "RUNNING", "STOPPING", "ERROR", "LAUNCHING_ERROR")
STATUSES = (STOPPED, STARTING, RUNNING, STOPPING, ERROR, LAUNCHING_ERROR)
STARTABLE = (ERROR, STOPPED, LAUNCHING_ERROR)
BUILD, MERGE = "STREAMING_BUILD", "STREAMING_MERGE"
RETRY_PARAM = "kylin.streaming.job-retry-enabled"
REFRESH_PARAM = "kylin.streaming.table-refresh-interval"

DEFAULT_CONFIG = {
    "time_scale": 1.0,           # every duration below is multiplied by this at use time
    "start_delay": 2.0,          # STARTING -> RUNNING (spark-submit + YARN)
    "yarn_accept_delay": 1.0,    # after START, the app is known to YARN (a STOP then gives STOPPING, not ERROR)
    "stop_delay": 1.0,           # STOPPING -> STOPPED (the driver sees the flag at its next micro-batch)
    "kill_delay": 21.0,          # FORCE_STOP / RESTART of a job with a live driver: JobKiller's 1+2+...+6 s
    "kill_idle_delay": 0.1,      # ... of a job without a live driver (the first grep finds nothing)
    "start_work": 1.0,           # server work per START inside the PUT (grep, YARN call, segments, metadata)
    "stop_work": 0.2,            # server work per STOP inside the PUT (YARN call, meta writes)
    "nodes": 1,                  # Kylin nodes behind the load balancer
    "owner_node": 0,             # the node that owns every project (writes are forwarded to it)
    "lb_policy": "round_robin",  # how the load balancer picks a node: round_robin or random
    "catchup_interval": 5.0,     # kylin.metadata.audit-log.catchup-interval: a non-owner node's view lags this much
    "catchup_after_forward": True,  # a node that forwarded a write catches up when the answer comes back
    "maintenance_mode": False,   # every write refused with KE-040024201 (reads still work)
    "job_node_available": True,  # False: no active job node, every write refused with KE-010021004
    "global_retry_enabled": False,  # the cluster's kylin.streaming.job-retry-enabled, for jobs whose params lack it
    "retry_interval": 300.0,     # first auto-retry of an ERROR job with job-retry-enabled=true; grows by this
    "retry_max_interval": 1800.0,
    "stats_interval": 30.0,      # micro-batch trigger of running build jobs: stats row + last_modified change
    "cluster_mode": True,        # False = Kylin's local mode (START -> RUNNING at once, STOP without app -> STOPPED)
    "streaming_enabled": True,   # kylin.streaming.enabled
    "list_requires_operation": True,  # GET list with a project checks OPERATION permission, as Kylin's code does
    "lock_attempts": DEFAULT_LOCK_ATTEMPTS,
    "lock_durations": DEFAULT_LOCK_DURATIONS,
    "version": "5.0.0",
}

BUILD_PARAMS = {
    "spark.executor.memory": "1g",
    "spark.master": "yarn",
    "spark.driver.memory": "512m",
    "kylin.streaming.kafka-conf.maxOffsetsPerTrigger": "0",
    "kylin.streaming.duration": "30",
    "spark.executor.cores": "2",
    RETRY_PARAM: "false",
    "spark.executor.instances": "2",
    "spark.sql.shuffle.partitions": "8",
}

MERGE_PARAMS = {
    "spark.executor.memory": "1g",
    "kylin.streaming.segment-max-size": "32m",
    "spark.master": "yarn",
    "spark.driver.memory": "512m",
    "spark.executor.cores": "2",
    RETRY_PARAM: "false",
    "spark.executor.instances": "2",
    "kylin.streaming.segment-merge-threshold": "3",
    "spark.sql.shuffle.partitions": "8",
}

# Config keys that are durations in seconds (multiplied by ``time_scale``).
DURATIONS = ("start_delay", "yarn_accept_delay", "stop_delay", "kill_delay", "kill_idle_delay", "start_work", "stop_work",
             "retry_interval", "retry_max_interval", "stats_interval", "catchup_interval")


class Aborted(Exception):
    """The simulator was reset while this request slept: its connection is dropped, its work forgotten."""


PARTITION_BUILDER = "org.apache.kylin.metadata.model.PartitionDesc$DefaultPartitionConditionBuilder"
STATS_TICK_LIMIT = 20000  # stats rows generated per run and request at most


def ms(when):
    return int(round(when * 1000))


def format_time(when):
    """``yyyy-MM-dd HH:mm:ss`` in the server's time zone, like ``last_update_time``."""
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(when))


class Project:
    """A Kylin project; its jobs in creation order are the storage order of the list API."""

    def __init__(self, name, create_time):
        self.name = name
        self.create_time = create_time
        self.models = {}  # uuid -> Model
        self.aliases = set()  # lower-case aliases of its models (a model name is unique per project)
        self.jobs = {}    # job id -> Job


class Model:
    """The parts of a Kylin data model that the streaming job API shows or checks."""

    FIELDS = ("uuid", "alias", "project", "broken", "fact_table", "partition_column", "no_partition", "indexes", "owner",
              "create_time")

    def __init__(self, **kwargs):
        self.uuid = kwargs["uuid"]
        self.alias = kwargs["alias"]
        self.project = kwargs["project"]
        self.broken = bool(kwargs.get("broken", False))
        self.fact_table = kwargs.get("fact_table") or "SSB.%s_KAFKA" % self.alias.upper()
        self.partition_column = kwargs.get("partition_column") or "%s.EVENT_TIME" % self.fact_table.split(".")[-1]
        self.no_partition = bool(kwargs.get("no_partition", False))
        self.indexes = kwargs.get("indexes") if kwargs.get("indexes") is not None else 3
        self.owner = kwargs.get("owner") or "ADMIN"
        self.create_time = kwargs["create_time"]

    def partition_desc(self):
        return {"partition_date_column": self.partition_column, "partition_date_start": 0,
                "partition_date_format": "yyyy-MM-dd HH:mm:ss", "partition_type": "APPEND",
                "partition_condition_builder": PARTITION_BUILDER}

    def to_dict(self):
        return {name: getattr(self, name) for name in self.FIELDS}


class Job:
    """A streaming job meta (``StreamingJobMeta``) plus what the simulator needs to move it."""

    STORED = ("id", "model_id", "project", "job_type", "status", "create_time", "last_modified", "owner", "params",
              "yarn_app_id", "yarn_app_url", "last_start_time", "last_end_time", "last_update_time", "last_batch_count",
              "skip_listener", "action", "job_execution_id", "process_id", "node_info", "app_alive", "app_unkillable",
              "fail_launch", "fail_after", "runs", "stats_rows", "latency_base", "latency_jitter", "retry_count")
    __slots__ = STORED + ("pending", "launch", "history")

    def __init__(self, job_id, model, job_type, now):
        self.id = job_id
        self.model_id = model.uuid
        self.project = model.project
        self.job_type = job_type
        self.status = STOPPED
        self.create_time = ms(now)
        self.last_modified = ms(now)
        self.owner = model.owner
        self.params = dict(BUILD_PARAMS if job_type == BUILD else MERGE_PARAMS)
        self.yarn_app_id = None
        self.yarn_app_url = None
        self.last_start_time = None
        self.last_end_time = None
        self.last_update_time = None
        self.last_batch_count = None
        self.skip_listener = False
        self.action = None
        self.job_execution_id = None
        self.process_id = None
        self.node_info = None
        self.app_alive = False       # a YARN app of this job exists (RUNNING)
        self.app_unkillable = False  # START's kill attempt leaves the app: KE-010035007
        self.fail_launch = False     # the next launch ends LAUNCHING_ERROR
        self.fail_after = None       # seconds after each RUNNING: the app fails -> ERROR
        self.runs = []               # [start_ms, end_ms or None, interval_ms] of each app run (stats ticks)
        self.stats_rows = []         # explicit stats rows (seeds, control API)
        self.latency_base = 1500 + zlib.crc32(job_id.encode()) % 4000
        self.latency_jitter = True
        self.retry_count = 0
        self.pending = {}            # event kind -> token of the live heap entry
        self.launch = None           # {"accept_at", "due", "fail"} while a launch is in progress
        self.history = None          # [(changed at, key, copy before)] for lagging nodes (nodes.Cluster)

    def copy(self):
        """A frozen copy of the meta (what a lagging node's cache holds)."""
        other = Job.__new__(Job)
        for name in self.STORED:
            setattr(other, name, getattr(self, name))
        other.params = dict(self.params)
        other.runs = [list(r) for r in self.runs]
        other.stats_rows = list(self.stats_rows)
        other.pending = {}
        other.launch = dict(self.launch) if self.launch else None
        other.history = None
        return other

    def to_dict(self):
        return {name: getattr(self, name) for name in self.STORED}

    @classmethod
    def from_dict(cls, data):
        job = cls.__new__(cls)
        for name in cls.STORED:
            setattr(job, name, data.get(name))
        job.params = dict(data.get("params") or {})
        job.runs = [list(r) for r in data.get("runs") or []]
        job.stats_rows = list(data.get("stats_rows") or [])
        job.retry_count = data.get("retry_count") or 0
        job.pending = {}
        job.launch = None
        job.history = None
        return job


class Store:
    """All state of the simulated server, and the state machine."""

    def __init__(self, config=None, faults=None):
        self.lock = threading.Lock()
        self.kill_lock = threading.Lock()  # JobKiller.killProcess: static synchronized, one kill at a time
        self.scheduler_locks = {}          # lower-case project -> lock of its StreamingScheduler
        self.generation = 0                # bumped by reset(): a request that slept across it is dropped
        self.local = threading.local()
        self.base_config = dict(DEFAULT_CONFIG)
        self.base_config.update(config or {})
        self.config = dict(self.base_config)
        self.faults = faults
        self.auth = Auth(self.config)
        self.journal = Journal()
        self.auth.journal = self.journal
        self.rng = random.Random(0)
        self.dirty = False
        self.cluster = Cluster(self, time.time())
        self._clear()

    # ------------------------------------------------------------------ content

    def _clear(self):
        self.projects = {}   # lower-case name -> Project, in creation order
        self.models = {}     # uuid -> Model
        self.jobs = {}       # job id -> Job
        self.records = {}    # job id -> [record], oldest first (records outlive their jobs, as in Kylin)
        self.next_record_id = 1
        self.app_seq = 0
        self.cluster_ts = ms(time.time()) - 86400000
        self.heap = []
        self.seq = 0
        self.cluster.reset(time.time())
        self.auth.reset(default_users())

    def reset(self):
        """Back to start-up config and an empty server (``seeds.apply`` fills it)."""
        self.generation += 1
        self.config.clear()
        self.config.update(self.base_config)
        self._clear()
        self.journal.clear()
        self.dirty = True

    def project(self, name):
        return self.projects.get((name or "").lower())

    def storage_order(self, project=None):
        """Jobs as Kylin lists them unsorted: projects in creation order, then their jobs."""
        projects = [project] if project is not None else list(self.projects.values())
        for prj in projects:
            yield from prj.jobs.values()

    def add_project(self, name, permissions=None, now=None):
        if not name or not isinstance(name, str):
            raise ValueError("project name required")
        if self.project(name) is not None:
            raise ValueError("project %r exists" % name)
        prj = Project(name, ms(time.time() if now is None else now))
        self.projects[name.lower()] = prj
        for user_name, level in (permissions or {}).items():
            user = self.auth.get(user_name)
            if user is None:
                raise ValueError("unknown user %r" % user_name)
            user.permissions[name.lower()] = str(level).upper()
        self.dirty = True
        return prj

    def add_user(self, name, password, admin=False, permissions=None):
        user = User(name, password, admin=admin, permissions=permissions)
        self.auth.add_user(user)
        self.dirty = True
        return user

    def add_model(self, project, alias, now, model_uuid=None, build=None, merge=None, created=None, **model_fields):
        """Create a streaming model and its two jobs (both STOPPED, as Kylin does), then apply ``build``/``merge``.

        ``created`` backdates the model and its jobs (seeds); the specs are applied at ``now``.
        """
        created = now if created is None else created
        prj = self.project(project) or self.add_project(project, now=created)
        if alias.lower() in prj.aliases:
            raise ValueError("model %r exists in project %s" % (alias, prj.name))
        model_uuid = model_uuid or str(uuidlib.uuid4())
        if model_uuid in self.models:
            raise ValueError("model uuid %s exists" % model_uuid)
        model = Model(uuid=model_uuid, alias=alias, project=prj.name, create_time=ms(created), **model_fields)
        prj.models[model_uuid] = model
        prj.aliases.add(alias.lower())
        self.models[model_uuid] = model
        for job_type, suffix, spec in ((BUILD, "build", build), (MERGE, "merge", merge)):
            job = Job("%s_%s" % (model_uuid, suffix), model, job_type, created)
            prj.jobs[job.id] = job
            self.jobs[job.id] = job
            if spec:
                self.patch_job(job, spec, now)
        self.dirty = True
        return model

    def delete_model(self, model_uuid, now):
        """Dropping a model kills both jobs (STOPPED) and deletes their metas (ref 3.5)."""
        model = self.models.pop(model_uuid, None)
        if model is None:
            raise KeyError(model_uuid)
        prj = self.project(model.project)
        del prj.models[model_uuid]
        prj.aliases.discard(model.alias.lower())
        for suffix in ("build", "merge"):
            job = prj.jobs.pop("%s_%s" % (model_uuid, suffix), None)
            if job is None:
                continue
            self._kill(job, now)
            self._write(job, STOPPED, now, "control")
            del self.jobs[job.id]
        self.dirty = True

    def model_of(self, job):
        return self.models.get(job.model_id)

    # ------------------------------------------------------------------ events

    def _schedule(self, job, kind, due):
        self.seq += 1
        job.pending[kind] = self.seq
        heapq.heappush(self.heap, (due, self.seq, job.id, kind))

    def _cancel(self, job, *kinds):
        for kind in kinds or tuple(job.pending):
            job.pending.pop(kind, None)
            if kind == "launch":
                job.launch = None

    def advance(self, now):
        """Apply every transition due by ``now``, each at its own due time."""
        heap = self.heap
        while heap and heap[0][0] <= now:
            due, token, job_id, kind = heapq.heappop(heap)
            job = self.jobs.get(job_id)
            if job is None or job.pending.get(kind) != token:
                continue  # cancelled or superseded
            del job.pending[kind]
            self.cluster.touch(job, due)
            getattr(self, "_on_" + kind)(job, due)

    def next_due(self):
        """Due time of the next live event (for the state file's background saver), or None."""
        while self.heap:
            due, token, job_id, kind = self.heap[0]
            job = self.jobs.get(job_id)
            if job is not None and job.pending.get(kind) == token:
                return due
            heapq.heappop(self.heap)
        return None

    # ------------------------------------------------------------------ state writes (MetaInfoUpdater)

    def _record(self, job, action, now):
        rec = {"id": self.next_record_id, "job_Id": job.id, "project": job.project, "action": action,
               "create_time": ms(now), "update_time": ms(now)}
        self.next_record_id += 1
        self.records.setdefault(job.id, []).append(rec)

    def _write(self, job, status, now, cause, exclude=(), record=True):
        """``MetaInfoUpdater.updateJobState``: a no-op for the current state and the excluded ones."""
        old = job.status
        if status == old or old in exclude:
            return False
        self.cluster.touch(job, now)
        job.status = status
        job.last_modified = max(ms(now), self.effective_last_modified(job, now))
        if status == STARTING:
            job.yarn_app_id = ""
            job.yarn_app_url = ""
        elif status == RUNNING:
            job.action = "START"
            job.last_start_time = ms(now)
            if record:
                self._record(job, "START", now)
        elif status in (STOPPED, ERROR):
            job.last_end_time = ms(now)
            if record:
                self._record(job, "STOP" if status == STOPPED else "ERROR", now)
        self.journal.transition(now, job.id, old, status, cause)
        self.dirty = True
        if status == ERROR:
            self._schedule_retry(job, now)
        else:
            self._cancel(job, "retry")
        return True

    # ------------------------------------------------------------------ YARN app and runs

    def app_exists(self, job, now):
        """``YarnClusterManager.applicationExisted``: an app NEW/SUBMITTED/ACCEPTED/RUNNING for this job."""
        return job.app_alive or (job.launch is not None and now >= job.launch["accept_at"])

    def _start_run(self, job, now):
        self.app_seq += 1
        app_id = "application_%d_%04d" % (self.cluster_ts, self.app_seq)
        job.app_alive = True
        job.yarn_app_id = app_id
        job.yarn_app_url = "http://sim-yarn-rm:8088/proxy/%s/" % app_id
        job.job_execution_id = (job.job_execution_id or 0) + 1
        job.process_id = str(20000 + zlib.crc32(app_id.encode()) % 40000)
        job.node_info = "kylin-sim:7070"
        job.last_update_time = format_time(now)
        job.runs.append([ms(now), None, max(1, ms(self.seconds("stats_interval")))])
        del job.runs[:-20]
        if job.fail_after is not None:
            self._schedule(job, "fail", now + float(job.fail_after))

    def _end_run(self, job, now):
        """The app is gone: stop ticking, keep what the last micro-batch wrote."""
        if job.runs and job.runs[-1][1] is None:
            tick = self._last_tick(job, ms(now))
            job.runs[-1][1] = ms(now)
            if tick is not None:
                job.last_modified = max(job.last_modified, tick[0])
                job.last_update_time = format_time(tick[0] / 1000.0)
                job.last_batch_count = tick[1]["rows_per_second"] * max(1, job.runs[-1][2] // 1000)
        job.app_alive = False
        self._cancel(job, "fail", "stopped")

    def _kill(self, job, now):
        """``JobKiller``: the driver process and the YARN app are gone; a launch in progress dies too."""
        self._cancel(job, "launch", "stopped", "fail")
        self._end_run(job, now)

    # ------------------------------------------------------------------ stats (micro-batch ticks)

    def _tick_row(self, job, run_start, k, when_ms):
        h = zlib.crc32(("%s:%d:%d" % (job.id, run_start, k)).encode())
        base = job.latency_base
        latency = int(base * (0.85 + (h % 300) / 1000.0)) if job.latency_jitter else int(base)
        return {"rows_per_second": 400 + h % 1600, "processing_time": 300 + (h >> 8) % 2500, "min_data_latency": latency,
                "create_time": when_ms}

    def _last_tick(self, job, now_ms):
        """``(time_ms, row)`` of the newest micro-batch of the job's latest run, or None."""
        if job.job_type != BUILD or not job.runs:
            return None
        start, end, interval = job.runs[-1]
        upto = now_ms if end is None else min(end, now_ms)
        count = (upto - start) // interval
        if count < 1:
            return None
        when = start + count * interval
        return when, self._tick_row(job, start, count, when)

    def latest_stats(self, job, now):
        """The newest stats row (explicit or tick) of a build job, or None."""
        tick = self._last_tick(job, ms(now))
        row = job.stats_rows[-1] if job.stats_rows else None
        if tick is not None and (row is None or tick[0] >= row["create_time"]):
            return tick[1]
        return row

    def stats_rows(self, job_id, since_ms, now):
        """Stats rows of a job since ``since_ms``, oldest first (``queryStreamingJobStats``)."""
        job = self.jobs.get(job_id)
        if job is None:
            return []
        now_ms = ms(now)
        rows = [r for r in job.stats_rows if since_ms <= r["create_time"] <= now_ms]
        if job.job_type == BUILD:
            for start, end, interval in job.runs:
                upto = now_ms if end is None else min(end, now_ms)
                last = (upto - start) // interval
                first = max(1, -(-(since_ms - start) // interval))
                first = max(first, last - STATS_TICK_LIMIT + 1)
                for k in range(first, last + 1):
                    rows.append(self._tick_row(job, start, k, start + k * interval))
        rows.sort(key=lambda r: r["create_time"])
        return rows

    def effective_last_modified(self, job, now):
        """A running build job's meta is rewritten by every micro-batch (``PUT /streaming_jobs/stats``)."""
        if job.app_alive and job.runs and job.runs[-1][1] is None:
            tick = self._last_tick(job, ms(now))
            if tick is not None and tick[0] > job.last_modified:
                return tick[0]
        return job.last_modified

    def effective_update_time(self, job, now):
        if job.app_alive and job.runs and job.runs[-1][1] is None:
            tick = self._last_tick(job, ms(now))
            if tick is not None:
                return format_time(tick[0] / 1000.0), tick[1]["rows_per_second"] * max(1, job.runs[-1][2] // 1000)
        return job.last_update_time, job.last_batch_count

    def last_status_duration(self, job, now):
        recs = self.records.get(job.id)
        return ms(now) - recs[-1]["create_time"] if recs else None

    # ------------------------------------------------------------------ actions (StreamingScheduler)

    def start_job(self, job, now, cause="START", work=True):
        """``launchStreamingJob``: model checks, then ``submitJob``.

        With ``work`` (a START or RESTART request), ``submitJob`` is synchronized on the project's
        scheduler, waits for any kill on the node (its leftover-driver grep is ``JobKiller.killProcess``)
        and costs ``start_work`` seconds before STARTING is written; the store lock is released meanwhile.
        """
        model = self.model_of(job)
        if model is None:
            raise errors.npe("start")
        if model.broken:
            raise errors.model_broken(model.alias)
        if model.no_partition:
            raise errors.partition_column_invalid()
        if not work:
            self.submit_job(job, now, cause)
            return
        with self.holding(self.scheduler_lock(job.project)):
            if job.status not in STARTABLE:
                raise errors.job_start_failure(job.id)
            with self.holding(self.kill_lock):
                pass
            self.sleep_unlocked(self.seconds("start_work"))
            if self.jobs.get(job.id) is not job:
                raise errors.npe("start")  # dropped meanwhile
            self.submit_job(job, time.time(), cause, checked=True)

    def submit_job(self, job, now, cause, checked=False):
        """``StreamingScheduler.submitJob``: only ERROR/STOPPED/LAUNCHING_ERROR start; launch is asynchronous."""
        if not checked and job.status not in STARTABLE:
            raise errors.job_start_failure(job.id)
        self.cluster.touch(job, now)
        if self.app_exists(job, now) and job.app_unkillable:
            raise errors.yarn_app_existed(self.model_of(job).alias)
        self._kill(job, now)  # leftover driver process / app
        self._write(job, STARTING, now, cause)
        fail = job.fail_launch or (self.faults is not None and self.faults.launch_fails())
        job.fail_launch = False
        start_delay = self.seconds("start_delay")
        job.launch = {"accept_at": now + min(self.seconds("yarn_accept_delay"), start_delay),
                      "due": now + start_delay, "fail": fail}
        if self.config["cluster_mode"]:
            self._schedule(job, "launch", now + start_delay)
        else:
            self._write(job, RUNNING, now, cause, exclude=(RUNNING, ERROR))
            self._start_run(job, now)
            job.retry_count = 0
            if fail:
                self._schedule(job, "launch", now + start_delay)
            else:
                job.launch = None

    def _on_launch(self, job, now):
        """The launcher thread finished: the app runs (listener writes RUNNING over anything), or LAUNCHING_ERROR."""
        launch, job.launch = job.launch, None
        if launch is None:
            return
        if launch["fail"]:
            self._end_run(job, now)
            self._write(job, LAUNCHING_ERROR, now, "launch_failure")
            return
        self._write(job, RUNNING, now, "launch")  # also over STOPPING/ERROR: a STOP during STARTING is lost
        job.action = "START"                     # ... and the graceful-shutdown flag with it
        job.retry_count = 0
        self._start_run(job, now)

    def stop_job(self, job, now, cause="STOP", work=True):
        """``StreamingScheduler.stopJob``: graceful and asynchronous when the app exists.

        With ``work`` (a STOP request): synchronized on the project's scheduler, ``stop_work`` seconds first.
        """
        if work:
            with self.holding(self.scheduler_lock(job.project)):
                self.sleep_unlocked(self.seconds("stop_work"))
                if self.jobs.get(job.id) is not job:
                    raise errors.npe("status")  # dropped meanwhile
                self.stop_job(job, time.time(), cause, work=False)
            return
        self.cluster.touch(job, now)
        if self.app_exists(job, now):
            if job.status in (ERROR, STOPPED):
                return
            self._write(job, STOPPING, now, cause)
            job.action = "GRACEFUL_SHUTDOWN"
            if job.app_alive and "stopped" not in job.pending and not job.skip_listener:
                self._schedule(job, "stopped", now + self.seconds("stop_delay"))
            return
        job.action = "GRACEFUL_SHUTDOWN"
        if job.app_alive is False and job.runs and job.runs[-1][1] is None:
            self._end_run(job, now)
        end = ERROR if self.config["cluster_mode"] else STOPPED
        self._write(job, end, now, cause, exclude=(STOPPED, ERROR))

    def _on_stopped(self, job, now):
        """The driver saw the flag and ended: the listener writes STOPPED (never over ERROR/STOPPED)."""
        self._end_run(job, now)
        self._write(job, STOPPED, now, "stopped", exclude=(ERROR, STOPPED))

    def _on_fail(self, job, now):
        """The Spark app died at runtime: ERROR, unless FORCE_STOP is killing it."""
        if not job.app_alive:
            return
        self._end_run(job, now)
        if not job.skip_listener:
            self._write(job, ERROR, now, "runtime_failure", exclude=(ERROR, STOPPED))

    def has_live_driver(self, job):
        """A driver process to kill: the app runs, or a launch (spark-submit) is in progress."""
        return bool(job.app_alive or job.launch is not None)

    def force_stop_job(self, job, now, cause="FORCE_STOP"):
        """``forceStopStreamingJob``: synchronous; STOPPING, kill, STOPPED (a new STOP record); from any state.

        The kill takes the node's kill lock (one kill at a time, across projects and requests) and lasts
        ``kill_delay`` seconds for a job with a live driver, ``kill_idle_delay`` without one. The job
        shows STOPPING while it waits for the lock and while it is killed; the store lock is released.
        """
        self.cluster.touch(job, now)
        job.skip_listener = True
        try:
            self._write(job, STOPPING, now, cause)
            # Freeze the job: no event moves it while it is killed; a launch in progress stays (its driver is killed).
            for kind in ("launch", "stopped", "fail", "retry"):
                job.pending.pop(kind, None)
            with self.holding(self.kill_lock):
                if self.jobs.get(job.id) is not job:
                    return  # dropped meanwhile
                live = self.has_live_driver(job)
                began = time.time()
                self.sleep_unlocked(self.seconds("kill_delay" if live else "kill_idle_delay"))
                now = time.time()
                self.journal.kill(began, now, job.id, cause, live)
                if self.jobs.get(job.id) is not job:
                    return
                self.cluster.touch(job, now)
                self._kill(job, now)
                self._write(job, STOPPED, now, cause)
        finally:
            job.skip_listener = False
            self.dirty = True

    def restart_job(self, job, now):
        """RESTART = FORCE_STOP + START, one after the other; a broken model leaves the job STOPPED and fails."""
        self.force_stop_job(job, now, "RESTART")
        if self.jobs.get(job.id) is not job:
            raise errors.npe("start")
        self.start_job(job, time.time(), "RESTART")

    # ------------------------------------------------------------------ server work outside the store lock

    def seconds(self, key):
        """A duration from the config, multiplied by ``time_scale``."""
        return float(self.config[key]) * float(self.config["time_scale"])

    def scheduler_lock(self, project):
        key = (project or "").lower()
        lock = self.scheduler_locks.get(key)
        if lock is None:
            lock = self.scheduler_locks[key] = threading.Lock()
        return lock

    def begin_request(self):
        """Called by the HTTP layer with the store lock held, before a request is handled."""
        self.local.generation = self.generation

    def _resumed(self):
        """Back under the store lock after a wait: drop the request if the simulator was reset meanwhile."""
        if getattr(self.local, "generation", self.generation) != self.generation:
            raise Aborted()
        self.advance(time.time())

    def sleep_unlocked(self, seconds):
        """Spend ``seconds`` of server work with the store lock released (the caller holds it once)."""
        if seconds <= 0:
            return
        self.lock.release()
        try:
            time.sleep(seconds)
        finally:
            self.lock.acquire()  # pylint: disable=consider-using-with
        self._resumed()

    @contextlib.contextmanager
    def holding(self, lock):
        """Hold ``lock`` (kill or scheduler lock); wait for it with the store lock released."""
        if not lock.acquire(blocking=False):  # pylint: disable=consider-using-with
            self.lock.release()
            try:
                lock.acquire()  # pylint: disable=consider-using-with
            finally:
                self.lock.acquire()  # pylint: disable=consider-using-with
            try:
                self._resumed()
            except BaseException:
                lock.release()
                raise
        try:
            yield
        finally:
            lock.release()

    # ------------------------------------------------------------------ auto-retry (StreamingScheduler.retryJob)

    def _schedule_retry(self, job, now):
        self._cancel(job, "retry")
        if job.status == ERROR and self.retry_enabled(job):
            interval = self.seconds("retry_interval")
            backoff = min(interval * (job.retry_count + 1), max(interval, self.seconds("retry_max_interval")))
            self._schedule(job, "retry", now + backoff)

    def _on_retry(self, job, now):
        if job.status != ERROR or not self.retry_enabled(job) or self.app_exists(job, now):
            return
        job.retry_count += 1
        try:
            self.submit_job(job, now, "auto_retry")
        except errors.KylinError:
            pass

    def update_params(self, job, params, now):
        """``PUT /params`` replaces the whole map; takes effect at the next start."""
        self.cluster.touch(job, now)
        job.params = dict(params)
        job.last_modified = max(ms(now), job.last_modified)
        if job.status == ERROR and "retry" not in job.pending:
            self._schedule_retry(job, now)
        elif not self.retry_enabled(job):
            self._cancel(job, "retry")
        self.dirty = True

    def retry_enabled(self, job):
        """``retryJob``: the job's ``kylin.streaming.job-retry-enabled``, or the cluster's when its params lack the key."""
        value = job.params.get(RETRY_PARAM)
        if value is None:
            return bool(self.config["global_retry_enabled"])
        return value == "true"

    def global_retry_changed(self, now):
        """The cluster's kylin.streaming.job-retry-enabled changed: ERROR jobs without the key follow it."""
        for job in self.jobs.values():
            if job.status == ERROR and RETRY_PARAM not in job.params:
                if self.retry_enabled(job):
                    if "retry" not in job.pending:
                        self._schedule_retry(job, now)
                else:
                    self._cancel(job, "retry")

    # ------------------------------------------------------------------ control API

    def patch_job(self, job, fields, now):
        """Set internal fields (control API ``PATCH /_sim/jobs/{id}`` and model creation)."""
        fields = dict(fields)
        unknown = set(fields) - {"status", "params", "broken", "app_alive", "app_unkillable", "fail_launch", "fail_after",
                                 "data_latency", "retry_enabled", "last_modified", "owner", "stats", "records"}
        if unknown:
            raise ValueError("unknown job fields: %s" % ", ".join(sorted(unknown)))
        if "params" in fields:
            params = dict(BUILD_PARAMS if job.job_type == BUILD else MERGE_PARAMS)
            params.update({str(k): str(v) for k, v in (fields["params"] or {}).items()})
            job.params = params
        if "retry_enabled" in fields:  # None: the params lack the key (the cluster's setting applies)
            if fields["retry_enabled"] is None:
                job.params.pop(RETRY_PARAM, None)
            else:
                job.params[RETRY_PARAM] = "true" if fields["retry_enabled"] else "false"
        if "broken" in fields:
            self.model_of(job).broken = bool(fields["broken"])
        for name in ("app_unkillable", "fail_launch"):
            if name in fields:
                setattr(job, name, bool(fields[name]))
        if "owner" in fields:
            job.owner = str(fields["owner"])
        if "records" in fields:  # a history: [["START", seconds ago], ...]; the status below adds none
            for action, age in sorted(fields["records"], key=lambda r: -float(r[1])):
                if action not in ("START", "STOP", "ERROR"):
                    raise ValueError("record actions are START, STOP, ERROR")
                self._record(job, action, now - float(age))
        if "stats" in fields:
            for age, latency in fields["stats"]:   # [[seconds ago, min_data_latency], ...]
                job.stats_rows.append({"rows_per_second": 800, "processing_time": 1200, "min_data_latency": int(latency),
                                       "create_time": ms(now - float(age))})
            job.stats_rows.sort(key=lambda r: r["create_time"])
        if "status" in fields:
            self.control_set_status(job, fields["status"], now, record="records" not in fields)
        if fields.get("records"):
            self._adopt_history(job)
        if "fail_after" in fields:
            job.fail_after = None if fields["fail_after"] is None else float(fields["fail_after"])
            self._cancel(job, "fail")
            if job.fail_after is not None and job.app_alive:
                self._schedule(job, "fail", now + job.fail_after)
        if "app_alive" in fields:
            alive = bool(fields["app_alive"])
            if not alive and job.app_alive:
                self._end_run(job, now)  # YARN lost the app; Kylin has not noticed
            elif alive and not job.app_alive:
                job.app_alive = True
        if "data_latency" in fields:
            if fields["data_latency"] is None:
                job.stats_rows = []
                job.runs = [r for r in job.runs if r[1] is None][-1:]
                if job.runs:
                    job.runs[-1][0] = ms(now)
            else:
                job.latency_base = int(fields["data_latency"])
                job.latency_jitter = False
                job.stats_rows.append({"rows_per_second": 800, "processing_time": 1200,
                                       "min_data_latency": int(fields["data_latency"]), "create_time": ms(now)})
        if "retry_enabled" in fields or "params" in fields:
            self.update_params(job, job.params, now)
        if "last_modified" in fields:
            job.last_modified = int(fields["last_modified"])
        self.dirty = True

    def _adopt_history(self, job):
        """Timestamps that agree with a job's given record history (seeds, control API)."""
        recs = self.records.get(job.id, [])
        for rec in recs:
            if rec["action"] == "START":
                job.last_start_time = rec["create_time"]
            else:
                job.last_end_time = rec["create_time"]
        job.last_modified = max([job.create_time] + [r["create_time"] for r in recs])
        if job.app_alive and job.runs and job.runs[-1][1] is None and job.last_start_time:
            job.runs[-1][0] = job.last_start_time  # the app has been running since its last START
            job.last_update_time = format_time(job.last_start_time / 1000.0)

    def control_set_status(self, job, status, now, record=True):
        """Put a job in a status directly, with the side effects a real transition would have."""
        status = str(status).upper()
        if status not in STATUSES:
            raise ValueError("status must be one of %s" % ", ".join(STATUSES))
        self._cancel(job, "launch", "stopped", "fail")
        if status in (STOPPED, ERROR, LAUNCHING_ERROR):
            self._end_run(job, now)
        self._write(job, status, now, "control", record=record)
        if status == RUNNING:
            if not job.app_alive:
                self._end_run(job, now)
                self._start_run(job, now)
            job.action = "START"
        elif status == STARTING:
            self._end_run(job, now)
            start_delay = self.seconds("start_delay")
            job.launch = {"accept_at": now + min(self.seconds("yarn_accept_delay"), start_delay),
                          "due": now + start_delay, "fail": job.fail_launch}
            job.fail_launch = False
            self._schedule(job, "launch", now + start_delay)
        elif status == STOPPING:
            if not job.app_alive:
                self._start_run(job, now)
            job.action = "GRACEFUL_SHUTDOWN"
            self._schedule(job, "stopped", now + self.seconds("stop_delay"))

    def job_state(self, job, now):
        """Everything about a job, internal status included (control API ``GET /_sim/jobs``)."""
        data = job.to_dict()
        del data["runs"], data["stats_rows"]
        model = self.model_of(job)
        data.update({"model_alias": model.alias if model else None, "broken": bool(model and model.broken),
                     "app_exists": self.app_exists(job, now), "retry_enabled": self.retry_enabled(job),
                     "retry_param": job.params.get(RETRY_PARAM),
                     "pending": sorted(job.pending), "last_modified": self.effective_last_modified(job, now),
                     "last_status_duration": self.last_status_duration(job, now)})
        latest = self.latest_stats(job, now)
        data["data_latency"] = latest["min_data_latency"] if latest else None
        return data

    # ------------------------------------------------------------------ persistence

    def save(self, path, now=None):
        """Write the state atomically (temp file + rename)."""
        now = time.time() if now is None else now
        data = {
            "format": 1, "saved_at": now, "next_record_id": self.next_record_id, "app_seq": self.app_seq,
            "cluster_ts": self.cluster_ts,
            "projects": [{"name": p.name, "create_time": p.create_time,
                          "models": [m.to_dict() for m in p.models.values()],
                          "jobs": [j.to_dict() for j in p.jobs.values()]} for p in self.projects.values()],
            "records": self.records,
            "users": [u.to_dict() for u in self.auth.users.values()],
        }
        directory = os.path.dirname(os.path.abspath(path))
        fd, tmp = tempfile.mkstemp(prefix=".kylin-sim-", dir=directory)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, separators=(",", ":"))
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
        self.dirty = False

    def load(self, path, now=None):
        """Read a saved state, then apply Kylin's restart behaviour (``resumeJobs``, ref 3.4 item 5)."""
        now = time.time() if now is None else now
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
        self._clear()
        self.next_record_id = data.get("next_record_id", 1)
        self.app_seq = data.get("app_seq", 0)
        self.cluster_ts = data.get("cluster_ts", self.cluster_ts)
        for pdata in data.get("projects", []):
            prj = Project(pdata["name"], pdata["create_time"])
            self.projects[prj.name.lower()] = prj
            for mdata in pdata.get("models", []):
                model = Model(**mdata)
                prj.models[model.uuid] = model
                prj.aliases.add(model.alias.lower())
                self.models[model.uuid] = model
            for jdata in pdata.get("jobs", []):
                job = Job.from_dict(jdata)
                prj.jobs[job.id] = job
                self.jobs[job.id] = job
        self.records = {k: list(v) for k, v in data.get("records", {}).items()}
        if data.get("users"):
            self.auth.reset([User.from_dict(u) for u in data["users"]])
        saved_at = float(data.get("saved_at", now))
        for job in list(self.storage_order()):
            job.skip_listener = False
            for run in job.runs:
                if run[1] is None:
                    run[1] = ms(saved_at)  # nobody took stats while the server was down
            job.app_alive = False
            if job.status in (RUNNING, STARTING):
                self._write(job, STOPPED, now, "restart_resume")
                try:
                    self.submit_job(job, now, "restart_resume")
                except errors.KylinError:
                    pass
            elif job.status in (STOPPING, ERROR):
                self._write(job, ERROR, now, "restart_resume")
                self._schedule_retry(job, now)
        self.dirty = True
