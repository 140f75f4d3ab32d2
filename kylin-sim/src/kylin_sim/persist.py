"""The state file (``--state-file``): the store written as JSON, and read back with Kylin's restart behaviour.

``save`` writes atomically (a temporary file, then a rename). ``load`` reads it into an empty store,
then does what a Kylin server does when it starts (``resumeJobs``, docs/kylin-api.md §3.4 item 5): the
jobs that were RUNNING or STARTING are launched again, those STOPPING or ERROR are set ERROR. No stats
were taken while the server was down. The caller holds the store lock.
"""

import json
import os
import tempfile
import time

from . import errors
from .auth import User
from .jobs import ERROR, RUNNING, STARTING, STOPPED, STOPPING, Job, Model, Project, ms

FORMAT = 1


def save(store, path, now=None):
    """Write the state atomically (temp file + rename)."""
    now = time.time() if now is None else now
    data = {
        "format": FORMAT, "saved_at": now, "next_record_id": store.next_record_id, "app_seq": store.app_seq,
        "cluster_ts": store.cluster_ts,
        "projects": [{"name": p.name, "create_time": p.create_time,
                      "models": [m.to_dict() for m in p.models.values()],
                      "jobs": [j.to_dict() for j in p.jobs.values()]} for p in store.projects.values()],
        "records": store.records,
        "users": [u.to_dict() for u in store.auth.users.values()],
    }
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".kylin-sim-", dir=directory)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle, separators=(",", ":"))
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)
    store.dirty = False


def load(store, path, now=None):
    """Read a saved state, then apply Kylin's restart behaviour (``resumeJobs``)."""
    now = time.time() if now is None else now
    with open(path, encoding="utf-8") as handle:
        data = json.load(handle)
    store.clear()
    store.next_record_id = data.get("next_record_id", 1)
    store.app_seq = data.get("app_seq", 0)
    store.cluster_ts = data.get("cluster_ts", store.cluster_ts)
    for pdata in data.get("projects", []):
        prj = Project(pdata["name"], pdata["create_time"])
        store.projects[prj.name.lower()] = prj
        for mdata in pdata.get("models", []):
            model = Model(**mdata)
            prj.models[model.uuid] = model
            prj.aliases.add(model.alias.lower())
            store.models[model.uuid] = model
        for jdata in pdata.get("jobs", []):
            job = Job.from_dict(jdata)
            prj.jobs[job.id] = job
            store.jobs[job.id] = job
    store.records = {k: list(v) for k, v in data.get("records", {}).items()}
    if data.get("users"):
        store.auth.reset([User.from_dict(u) for u in data["users"]])
    saved_at = float(data.get("saved_at", now))
    for job in list(store.storage_order()):
        job.skip_listener = False
        for run in job.runs:
            if run[1] is None:
                run[1] = ms(saved_at)  # nobody took stats while the server was down
        job.app_alive = False
        if job.status in (RUNNING, STARTING):
            store.write(job, STOPPED, now, "restart_resume")
            try:
                store.lifecycle.submit_job(job, now, "restart_resume")
            except errors.KylinError:
                pass
        elif job.status in (STOPPING, ERROR):
            store.write(job, ERROR, now, "restart_resume")
            store.retry.schedule(job, now)
    store.dirty = True
