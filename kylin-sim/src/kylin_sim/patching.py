"""Setting the scene through the control API: ``PATCH /_sim/jobs/{id}`` (and the ``build``/``merge`` specs of
``POST /_sim/models`` and the seeds), and the full view of a job that ``GET /_sim/jobs`` shows.

A patch sets what a test needs directly (a status, params, a record history, stats, faults of the
job), with the side effects a real transition would have, so that the job then behaves as if it had
got there by itself. Callers hold the store lock.
"""

from .config import LATENCY_MODES
from .jobs import (BUILD_PARAMS, BUILD, ERROR, LAUNCHING_ERROR, MERGE_PARAMS, RETRY_PARAM, RUNNING, STARTING,
                   STATUSES, STOPPED, STOPPING, format_time, ms)

JOB_FIELDS = {"status", "params", "broken", "app_alive", "app_unkillable", "fail_launch", "fail_after",
              "data_latency", "latency", "retry_enabled", "last_modified", "owner", "stats", "records"}


class Patcher:
    """Applies control-API patches to jobs and describes jobs for the control API."""

    def __init__(self, store):
        self.store = store

    def patch_job(self, job, fields, now):
        """Set internal fields (control API ``PATCH /_sim/jobs/{id}`` and model creation)."""
        store = self.store
        fields = dict(fields)
        unknown = set(fields) - JOB_FIELDS
        if unknown:
            raise ValueError("unknown job fields: %s" % ", ".join(sorted(unknown)))
        if fields.get("latency") is not None and fields["latency"] not in LATENCY_MODES:
            raise ValueError("latency must be one of %s (or null: the latency_mode config)" % ", ".join(LATENCY_MODES))
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
            store.model_of(job).broken = bool(fields["broken"])
        for name in ("app_unkillable", "fail_launch"):
            if name in fields:
                setattr(job, name, bool(fields[name]))
        if "owner" in fields:
            job.owner = str(fields["owner"])
        if "records" in fields:  # a history: [["START", seconds ago], ...]; the status below adds none
            for action, age in sorted(fields["records"], key=lambda r: -float(r[1])):
                if action not in ("START", "STOP", "ERROR"):
                    raise ValueError("record actions are START, STOP, ERROR")
                store.record(job, action, now - float(age))
        if "stats" in fields:
            for age, latency in fields["stats"]:   # [[seconds ago, min_data_latency], ...]
                store.stats.add_row(job, latency, ms(now - float(age)))
        if "latency" in fields:  # the latency behaviour of its runs from the next start (with "status": that one)
            job.latency = fields["latency"]
        if "status" in fields:
            self.set_status(job, fields["status"], now, record="records" not in fields)
        if fields.get("records"):
            self.adopt_history(job)
        if "fail_after" in fields:
            job.fail_after = None if fields["fail_after"] is None else float(fields["fail_after"])
            store.events.cancel(job, "fail")
            if job.fail_after is not None and job.app_alive:
                store.events.schedule(job, "fail", now + job.fail_after)
        if "app_alive" in fields:
            alive = bool(fields["app_alive"])
            if not alive and job.app_alive:
                store.lifecycle.end_run(job, now)  # YARN lost the app; Kylin has not noticed
            elif alive and not job.app_alive:
                job.app_alive = True
        if "data_latency" in fields:
            self.set_latency(job, fields["data_latency"], now)
        if "retry_enabled" in fields or "params" in fields:
            store.retry.update_params(job, job.params, now)
        if "last_modified" in fields:
            job.last_modified = int(fields["last_modified"])
        store.dirty = True

    def set_latency(self, job, latency, now):
        """``data_latency``: a base latency (ms) from now on, and a row with it; None: no stats at all so far."""
        if latency is None:
            job.stats_rows = []
            job.runs = [r for r in job.runs if r[1] is None][-1:]
            if job.runs:
                job.runs[-1][0] = ms(now)
        else:
            job.latency_base = int(latency)
            job.latency_jitter = False
            self.store.stats.add_row(job, latency, ms(now))

    def adopt_history(self, job):
        """Timestamps that agree with a job's given record history (seeds, control API)."""
        recs = self.store.records.get(job.id, [])
        for rec in recs:
            if rec["action"] == "START":
                job.last_start_time = rec["create_time"]
            else:
                job.last_end_time = rec["create_time"]
        job.last_modified = max([job.create_time] + [r["create_time"] for r in recs])
        if job.app_alive and job.runs and job.runs[-1][1] is None and job.last_start_time:
            job.runs[-1][0] = job.last_start_time  # the app has been running since its last START
            job.last_update_time = format_time(job.last_start_time / 1000.0)

    def set_status(self, job, status, now, record=True):
        """Put a job in a status directly, with the side effects a real transition would have."""
        store = self.store
        lifecycle = store.lifecycle
        status = str(status).upper()
        if status not in STATUSES:
            raise ValueError("status must be one of %s" % ", ".join(STATUSES))
        store.events.cancel(job, *lifecycle.RUN_EVENTS)
        if status in (STOPPED, ERROR, LAUNCHING_ERROR):
            lifecycle.end_run(job, now)
        store.write(job, status, now, "control", record=record)
        if status == RUNNING:
            if not job.app_alive:
                lifecycle.end_run(job, now)
                lifecycle.start_run(job, now)
            job.action = "START"
        elif status == STARTING:
            lifecycle.end_run(job, now)
            start_delay = store.seconds("start_delay")
            job.launch = {"accept_at": now + min(store.seconds("yarn_accept_delay"), start_delay),
                          "due": now + start_delay, "fail": job.fail_launch}
            job.fail_launch = False
            store.events.schedule(job, "launch", now + start_delay)
        elif status == STOPPING:
            if not job.app_alive:
                lifecycle.start_run(job, now)
            job.action = "GRACEFUL_SHUTDOWN"
            store.events.schedule(job, "stopped", now + store.seconds("stop_delay"))

    def job_state(self, job, now):
        """Everything about a job, internal status included (control API ``GET /_sim/jobs``)."""
        store = self.store
        data = job.to_dict()
        del data["runs"], data["stats_rows"]
        model = store.model_of(job)
        data.update({"model_alias": model.alias if model else None, "broken": bool(model and model.broken),
                     "app_exists": store.lifecycle.app_exists(job, now), "retry_enabled": store.retry.enabled(job),
                     "retry_param": job.params.get(RETRY_PARAM),
                     "pending": sorted(job.pending), "last_modified": store.stats.last_modified(job, now),
                     "last_status_duration": store.last_status_duration(job, now)})
        latest = store.stats.latest(job, now)
        data["data_latency"] = latest["min_data_latency"] if latest else None
        data["run"] = store.stats.run_state(job.runs[-1] if job.runs else None)
        return data
