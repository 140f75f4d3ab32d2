"""The simulator's own control API under ``/_sim/`` (no auth, no faults; the real server has no such path).

Tests and demos use it to set the scene (seed, models, statuses, faults, timing) and to look
behind the API (internal statuses, counters, the logs of actions and transitions).
"""

import json

from . import seeds
from .config import ConfigError, check_config


class ControlError(Exception):
    """Answered 400 (or the given status) with ``{"ok": false, "error": ...}``."""

    def __init__(self, message, status=400):
        super().__init__(message)
        self.status = status


# Endpoints that change jobs, models or projects: every node sees the change at once.
SCENE_CHANGES = {("POST", "reset"), ("POST", "projects"), ("POST", "models"), ("DELETE", "models"), ("POST", "generate"),
                 ("PATCH", "jobs"), ("POST", "users")}
# Config keys after whose change the catch-up ticks start again.
CLUSTER_KEYS = ("nodes", "owner_node", "catchup_interval", "time_scale")


class ControlApi:
    """Dispatches ``/_sim/...`` requests; the caller holds the store lock."""

    def __init__(self, store, faults):
        self.store = store
        self.faults = faults

    def handle(self, method, path, query, body, now):
        """Return ``(status, dict)``."""
        try:
            data = json.loads(body.decode("utf-8")) if body.strip() else {}
        except ValueError:
            return 400, {"ok": False, "error": "body is not JSON"}
        if not isinstance(data, dict):
            return 400, {"ok": False, "error": "body must be a JSON object"}
        parts = [p for p in path.split("/") if p][1:]  # drop "_sim"
        name = parts[0] if parts else ""
        arg = "/".join(parts[1:]) or None
        handler = getattr(self, "%s_%s" % (method.lower(), name), None)
        if handler is None:
            return 404, {"ok": False, "error": "no control endpoint %s %s" % (method, path)}
        try:
            result = handler(arg=arg, query=query, data=data, now=now)
        except ControlError as exc:
            return exc.status, {"ok": False, "error": str(exc)}
        except (ValueError, TypeError, KeyError) as exc:
            return 400, {"ok": False, "error": "%s: %s" % (type(exc).__name__, exc)}
        if (method, name) in SCENE_CHANGES:
            self.store.cluster.catch_up_all(now)
        out = {"ok": True}
        out.update(result or {})
        return 200, out

    # ------------------------------------------------------------------ endpoints

    def get_health(self, **_):
        return {"projects": len(self.store.projects), "jobs": len(self.store.jobs)}

    def post_reset(self, data, now, **_):
        seed = data.get("seed", "empty")
        if seed not in seeds.SEEDS:
            raise ControlError("unknown seed %r" % seed)
        self.faults.reset()
        self.store.reset()
        seeds.apply(self.store, seed, now)
        return {"seed": seed, "jobs": len(self.store.jobs)}

    def get_config(self, **_):
        return {"config": dict(self.store.config)}

    def put_config(self, data, now, **_):
        config = self.store.config
        try:
            update = check_config(data)
        except ConfigError as exc:
            raise ControlError(str(exc)) from None
        nodes = update.get("nodes", config["nodes"])
        if not 0 <= update.get("owner_node", config["owner_node"]) < nodes:
            raise ControlError("owner_node must be below nodes (%d)" % nodes)
        before = {key: config[key] for key in CLUSTER_KEYS + ("global_retry_enabled",)}
        config.update(update)
        if any(config[key] != before[key] for key in CLUSTER_KEYS):
            self.store.cluster.reanchor(now)
        if config["global_retry_enabled"] != before["global_retry_enabled"]:
            self.store.retry.global_changed(now)
        return {"config": dict(config)}

    def get_nodes(self, now, **_):
        """The nodes behind the load balancer and how far each one's view lags."""
        return self.store.cluster.status(now)

    def post_catchup(self, data, now, **_):
        """Let one node (``{"node": n}``) or every node catch up with the owner now."""
        cluster = self.store.cluster
        if data.get("node") is None:
            cluster.catch_up_all(now)
        elif isinstance(data["node"], int) and 0 <= data["node"] < cluster.count:
            cluster.catch_up(data["node"], now)
        else:
            raise ControlError("node must be below nodes (%d)" % cluster.count)
        return cluster.status(now)

    def get_faults(self, **_):
        return {"faults": self.faults.snapshot()}

    def put_faults(self, data, **_):
        self.faults.update(data)
        return {"faults": self.faults.snapshot()}

    def post_projects(self, data, now, **_):
        prj = self.store.add_project(data.get("name"), data.get("permissions"), now)
        return {"name": prj.name}

    def get_users(self, **_):
        """Users with their lock-out state: ``wrong_time`` (wrong passwords in a row), ``locked``, and since the
        counters were last cleared ``failed_logins`` (401 KE-010003208) and ``locked_logins`` (400 KE-010003005)."""
        journal = self.store.journal
        users = []
        for user in self.store.auth.users.values():
            users.append({"name": user.name, "admin": user.admin, "wrong_time": user.wrong_time, "locked": user.locked,
                          "failed_logins": journal.failed_logins.get(user.name, 0),
                          "locked_logins": journal.locked_logins.get(user.name, 0)})
        return {"users": users}

    def post_users(self, data, **_):
        name, password = data.get("name"), data.get("password")
        if not name or not isinstance(password, str):
            raise ControlError("name and password required")
        user = self.store.add_user(name, password, bool(data.get("admin", False)), data.get("permissions"))
        return {"name": user.name}

    def post_models(self, data, now, **_):
        if not data.get("project") or not data.get("alias"):
            raise ControlError("project and alias required")
        fields = {k: data[k] for k in ("broken", "fact_table", "partition_column", "no_partition", "indexes", "owner")
                  if k in data}
        model = self.store.add_model(data["project"], data["alias"], now, model_uuid=data.get("uuid"),
                                     build=data.get("build"), merge=data.get("merge"), **fields)
        return {"model_id": model.uuid, "job_ids": [model.uuid + "_build", model.uuid + "_merge"]}

    def delete_models(self, arg, now, **_):
        if arg not in self.store.models:
            raise ControlError("no model %s" % arg, 404)
        self.store.delete_model(arg, now)
        return {"model_id": arg}

    def post_generate(self, data, now, **_):
        if not data.get("project") or not isinstance(data.get("count"), int) or data["count"] < 0:
            raise ControlError("project and a count >= 0 required")
        created = seeds.generate(self.store, data["project"], data["count"], now, prefix=data.get("prefix", "model_"),
                                 status=data.get("status", "STOPPED"), seed=data.get("seed", 0),
                                 retry_enabled=bool(data.get("retry_enabled", False)), latency=data.get("latency"))
        return {"count": len(created), "model_ids": created}

    def get_jobs(self, arg, query, now, **_):
        store = self.store
        if arg is not None:
            job = store.jobs.get(arg)
            if job is None:
                raise ControlError("no job %s" % arg, 404)
            return {"job": store.patcher.job_state(job, now)}
        project = query.get("project")
        prj = store.project(project) if project else None
        if project and prj is None:
            return {"jobs": []}
        asof = None
        if query.get("node") not in (None, ""):  # what that node shows (its lagging view), not the true state
            asof = store.cluster.asof(int(query["node"]), now)
        wanted_ids = set(query["job_id"].split(",")) if query.get("job_id") else None
        status = query.get("status")
        jobs = []
        for job in store.storage_order(prj):
            if wanted_ids is not None and job.id not in wanted_ids:
                continue
            if asof is not None:
                job = store.cluster.view(job, asof)
            if status and job.status != status.upper():
                continue
            jobs.append(store.patcher.job_state(job, now))
        return {"jobs": jobs}

    def patch_jobs(self, arg, data, now, **_):
        job = self.store.jobs.get(arg or "")
        if job is None:
            raise ControlError("no job %s" % arg, 404)
        data = dict(data)
        expected = data.pop("if_transitions", None)
        if expected is not None and self.store.journal.transition_count(job.id) != int(expected):
            # a conditional patch: the job changed since the caller counted its transitions; nothing is set
            return {"job": self.store.patcher.job_state(job, now), "applied": False}
        self.store.patcher.patch_job(job, data, now)
        return {"job": self.store.patcher.job_state(job, now), "applied": True}

    def get_counters(self, **_):
        return self.store.journal.counters()

    def delete_counters(self, **_):
        self.store.journal.clear_counters()
        return {}

    def get_kills(self, query, **_):
        """Every kill, in the order of their starts: ``start``/``end`` (ms), ``cause``, ``live_driver``, ``by``."""
        return {"kills": _filtered(self.store.journal.kill_log, query, time_key="start")}

    def get_actions(self, query, **_):
        return {"actions": _filtered(self.store.journal.action_log, query)}

    def get_stats(self, arg, query, now, **_):
        """A job's stats rows with every field (``since=`` epoch ms, default all), and its runs."""
        store = self.store
        job = store.jobs.get(arg or "")
        if job is None:
            raise ControlError("no job %s" % arg, 404)
        rows = store.stats.rows(job.id, int(query.get("since") or 0), now)
        runs = [store.stats.run_state(run) for run in job.runs]
        return {"rows": rows, "runs": runs, "data_latency": (store.stats.latest(job, now) or {}).get("min_data_latency")}

    def get_param_writes(self, query, **_):
        """Every ``PUT /params`` that reached the service: params before and after, who, ok."""
        return {"param_writes": _filtered(self.store.journal.params_log, query)}

    def get_transitions(self, query, **_):
        return {"transitions": _filtered(self.store.journal.transition_log, query)}


def _filtered(log, query, time_key="time"):
    entries = log
    if query.get("job_id"):
        wanted = set(query["job_id"].split(","))
        entries = [e for e in entries if e["job_id"] in wanted]
    if query.get("since"):
        since = int(query["since"])
        entries = [e for e in entries if e[time_key] >= since]
    for key in ("request_id", "by"):  # (the kill log has "by", the others "request_id")
        if query.get(key):
            entries = [e for e in entries if e.get(key) == query[key]]
    return list(entries)
