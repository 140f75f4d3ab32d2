"""The simulated Kylin's state: the job store, and the parts it delegates to (docs/kylin-api.md §3).

``Store`` holds the content (projects, models, job metas, status records), the config, the journal,
the users and the nodes, and writes job statuses (``MetaInfoUpdater.updateJobState``). Everything else
is a part with one responsibility, reached through the store:

| attribute | module | what |
|---|---|---|
| ``events`` | events.py | the scheduler of timed events (``advance``) |
| ``node`` | node.py | the node's kill lock, the projects' scheduler locks, slow work outside the store lock |
| ``lifecycle`` | lifecycle.py | the job state machine (START, STOP, FORCE_STOP, RESTART, the listener) and YARN runs |
| ``retry`` | retry.py | the server's auto-retry and ``PUT /params`` |
| ``stats`` | stats.py | micro-batch stats rows, ``data_latency``, what micro-batches rewrite |
| ``patcher`` | patching.py | the control API's patches and its view of a job |
| ``takeover`` | takeover.py | epoch take-overs (``resumeJobs``) that hold writes, a dead owner's window |
| ``cluster`` | nodes.py | several nodes behind a load balancer, their lagging views |
| ``auth`` | auth.py | users, logins, the lock-out, permissions |

Persistence (the state file) is persist.py. All methods expect the caller to hold ``Store.lock``, one
global lock. Every duration is multiplied by the ``time_scale`` config at use time (``Store.seconds``).
"""

import random
import threading
import time
import uuid as uuidlib

from .auth import Auth, User, default_users
from .config import DEFAULT_CONFIG
from .events import Timeline
from .jobs import BUILD, ERROR, MERGE, RUNNING, STARTING, STOPPED, Job, Model, Project, ms
from .journal import Journal
from .lifecycle import Lifecycle
from .node import Aborted, Node
from .nodes import Cluster
from .patching import Patcher
from .retry import AutoRetry
from .stats import Stats
from .takeover import Takeover

__all__ = ["Store", "Aborted", "DEFAULT_CONFIG"]

REQUEST_CAUSES = ("START", "STOP", "FORCE_STOP", "RESTART")  # transitions a request makes (journaled with its id)


class Store:
    """All state of the simulated server."""

    def __init__(self, config=None, faults=None):
        self.lock = threading.Lock()
        self.base_config = dict(DEFAULT_CONFIG)
        self.base_config.update(config or {})
        self.config = dict(self.base_config)
        self.faults = faults
        self.auth = Auth(self.config)
        self.journal = Journal()
        self.auth.journal = self.journal
        self.rng = random.Random(0)
        self.dirty = False
        self.node = Node(self)
        self.lifecycle = Lifecycle(self)
        self.retry = AutoRetry(self)
        self.stats = Stats(self)
        self.patcher = Patcher(self)
        self.takeover = Takeover(self)
        self.cluster = Cluster(self, time.time())
        handlers = {kind: getattr(part, "on_" + kind) for part in (self.lifecycle, self.retry) for kind in part.EVENTS}
        self.events = Timeline(lambda: self.jobs, handlers, before=self.cluster.touch)
        self.clear()

    # ------------------------------------------------------------------ content

    def clear(self):
        """Empty: no projects, models, jobs, records or events; the default users."""
        self.projects = {}   # lower-case name -> Project, in creation order
        self.models = {}     # uuid -> Model
        self.jobs = {}       # job id -> Job
        self.records = {}    # job id -> [record], oldest first (records outlive their jobs, as in Kylin)
        self.next_record_id = 1
        self.app_seq = 0
        self.cluster_ts = ms(time.time()) - 86400000
        self.events.clear()
        self.cluster.reset(time.time())
        self.auth.reset(default_users())

    def reset(self):
        """Back to start-up config and an empty server (``seeds.apply`` fills it)."""
        self.node.reset()
        self.config.clear()
        self.config.update(self.base_config)
        self.clear()
        self.journal.clear()
        self.dirty = True

    def seconds(self, key):
        """A duration from the config, multiplied by ``time_scale``."""
        return float(self.config[key]) * float(self.config["time_scale"])

    def advance(self, now):
        """Apply every timed event due by ``now`` (before a request is served)."""
        self.events.advance(now)
        self.node.journal_kills(now)
        self.takeover.check(now)

    def project(self, name):
        return self.projects.get((name or "").lower())

    def storage_order(self, project=None):
        """Jobs as Kylin lists them unsorted: projects in creation order, then their jobs."""
        projects = [project] if project is not None else list(self.projects.values())
        for prj in projects:
            yield from prj.jobs.values()

    def model_of(self, job):
        return self.models.get(job.model_id)

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
                self.patcher.patch_job(job, spec, now)
        self.dirty = True
        return model

    def delete_model(self, model_uuid, now):
        """Dropping a model kills both jobs (STOPPED) and deletes their metas (docs/kylin-api.md §3.5)."""
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
            self.lifecycle.kill_app(job, now)
            self.write(job, STOPPED, now, "control")
            del self.jobs[job.id]
        self.dirty = True

    # ------------------------------------------------------------------ status writes (MetaInfoUpdater)

    def record(self, job, action, now):
        """A row of the job's status history (``/records``)."""
        rec = {"id": self.next_record_id, "job_Id": job.id, "project": job.project, "action": action,
               "create_time": ms(now), "update_time": ms(now)}
        self.next_record_id += 1
        self.records.setdefault(job.id, []).append(rec)

    def write(self, job, status, now, cause, exclude=(), record=True, **detail):
        """``MetaInfoUpdater.updateJobState``: a no-op for the current state and the excluded ones.

        ``detail`` goes into the transition's journal entry (e.g. ``end_of_run_kill=True``)."""
        old = job.status
        if status == old or old in exclude:
            return False
        self.cluster.touch(job, now)
        job.status = status
        job.last_modified = max(ms(now), self.stats.last_modified(job, now))
        if status == STARTING:
            job.yarn_app_id = ""
            job.yarn_app_url = ""
        elif status == RUNNING:
            job.action = "START"
            job.last_start_time = ms(now)
            if record:
                self.record(job, "START", now)
        elif status in (STOPPED, ERROR):
            job.last_end_time = ms(now)
            if record:
                self.record(job, "STOP" if status == STOPPED else "ERROR", now)
        req = self.node.request()
        if req is not None and cause in REQUEST_CAUSES:
            detail["request_id"] = req.request_id
        self.journal.transition(now, job.id, old, status, cause, **detail)
        self.dirty = True
        if status == ERROR:
            self.retry.schedule(job, now)
        else:
            self.events.cancel(job, "retry")
        return True

    def last_status_duration(self, job, now):
        recs = self.records.get(job.id)
        return ms(now) - recs[-1]["create_time"] if recs else None
