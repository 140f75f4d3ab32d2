"""The simulated Kylin's metadata: projects, models and streaming job metas (docs/kylin-api.md §3, §5.8).

Plain data: what a job meta holds (``StreamingJobMeta``) plus the simulator's own bookkeeping of a job
(its YARN runs, its pending events, the fault switches set through the control API). The objects are
changed by the store (state.py) and the modules it delegates to; nothing here knows about time.
"""

import time
import zlib

STOPPED, STARTING, RUNNING, STOPPING, ERROR, LAUNCHING_ERROR = (
    "STOPPED", "STARTING", "RUNNING", "STOPPING", "ERROR", "LAUNCHING_ERROR")
STATUSES = (STOPPED, STARTING, RUNNING, STOPPING, ERROR, LAUNCHING_ERROR)
STARTABLE = (ERROR, STOPPED, LAUNCHING_ERROR)
BUILD, MERGE = "STREAMING_BUILD", "STREAMING_MERGE"
RETRY_PARAM = "kylin.streaming.job-retry-enabled"
REFRESH_PARAM = "kylin.streaming.table-refresh-interval"
DURATION_PARAM = "kylin.streaming.duration"  # the build job's trigger interval in seconds (docs/kylin-api.md §11.7)

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


PARTITION_BUILDER = "org.apache.kylin.metadata.model.PartitionDesc$DefaultPartitionConditionBuilder"


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
              "fail_launch", "fail_after", "runs", "stats_rows", "latency_base", "latency_jitter", "retry_count", "latency")
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
        self.runs = []               # [start_ms, end_ms or None, interval_ms, latency mode] of each app run
        self.stats_rows = []         # explicit stats rows (seeds, control API)
        self.latency_base = 1500 + zlib.crc32(job_id.encode()) % 4000
        self.latency_jitter = True
        self.latency = None          # steady|healthy|lagging|stalled from its next start; None: the config's
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
