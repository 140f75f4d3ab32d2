"""``SimControl``: a small standard-library client for the simulator's control API (``/_sim/``).

For tests of the collection::

    ctl = SimControl("http://127.0.0.1:7070")
    ctl.reset("empty")
    model = ctl.add_model("p1", "orders", build={"status": "RUNNING"})
    ctl.wait_for_status(model["job_ids"][0], "RUNNING")

Besides one method per endpoint, the helpers every test suite needs: jobs by id or by name (``statuses``,
``by_name``, ``job_id``), models in given states (``add_models``), what the server applied
(``applied``) and how many requests of a kind it got (``request_count`` with the keys below).
"""

import collections
import json
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request


# Keys of ``counters()["requests"]``: one per Kylin endpoint, "METHOD PATH" (kylin_sim.transport.counter_key).
LIST = "GET /kylin/api/streaming_jobs"
STATUS_PUT = "PUT /kylin/api/streaming_jobs/status"
PARAMS_PUT = "PUT /kylin/api/streaming_jobs/params"
RECORDS = "GET /kylin/api/streaming_jobs/records"
STATS = "GET /kylin/api/streaming_jobs/stats"


class SimControlError(Exception):
    """The control API answered ``ok: false`` (or not at all)."""

    def __init__(self, status, message):
        super().__init__("%s: %s" % (status, message))
        self.status = status


class SimControl:
    """One method per control endpoint; every call returns the decoded answer (minus ``ok``)."""

    def __init__(self, url, timeout=30.0, verify=True, cafile=None):
        self.url = url.rstrip("/")
        self.timeout = timeout
        self._context = None
        if self.url.startswith("https"):
            self._context = ssl.create_default_context(cafile=cafile)
            if not verify:
                self._context.check_hostname = False
                self._context.verify_mode = ssl.CERT_NONE

    def request(self, method, path, body=None, **query):
        query = {k: v for k, v in query.items() if v is not None}
        url = self.url + path + ("?" + urllib.parse.urlencode(query) if query else "")
        data = None if body is None else json.dumps(body).encode("utf-8")
        req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=self.timeout, context=self._context) as resp:
                answer = json.loads(resp.read().decode("utf-8"))
        except urllib.error.HTTPError as exc:
            try:
                answer = json.loads(exc.read().decode("utf-8"))
            except ValueError:
                answer = {"error": exc.reason}
            raise SimControlError(exc.code, answer.get("error")) from None
        except urllib.error.URLError as exc:
            raise SimControlError(None, str(exc.reason)) from None
        answer.pop("ok", None)
        return answer

    # ------------------------------------------------------------------ endpoints

    def health(self):
        return self.request("GET", "/_sim/health")

    def reset(self, seed="empty"):
        return self.request("POST", "/_sim/reset", {"seed": seed})

    def config(self):
        return self.request("GET", "/_sim/config")["config"]

    def set_config(self, **values):
        return self.request("PUT", "/_sim/config", values)["config"]

    def faults(self):
        return self.request("GET", "/_sim/faults")["faults"]

    def set_faults(self, **values):
        return self.request("PUT", "/_sim/faults", values)["faults"]

    def add_project(self, name, permissions=None):
        return self.request("POST", "/_sim/projects", {"name": name, "permissions": permissions or {}})

    def add_user(self, name, password, admin=False, permissions=None):
        return self.request("POST", "/_sim/users", {"name": name, "password": password, "admin": admin,
                                                    "permissions": permissions or {}})

    def add_model(self, project, alias, **fields):
        """Fields: uuid, broken, fact_table, partition_column, no_partition, indexes, owner, build, merge."""
        body = {"project": project, "alias": alias}
        body.update(fields)
        return self.request("POST", "/_sim/models", body)

    def delete_model(self, model_id):
        return self.request("DELETE", "/_sim/models/" + model_id)

    def generate(self, project, count, prefix="model_", status="STOPPED", seed=0, retry_enabled=False, latency=None):
        """Bulk models; ``latency``: the build jobs' latency behaviour (``steady``, ``healthy``, ``lagging``, ``stalled``)."""
        return self.request("POST", "/_sim/generate", {"project": project, "count": count, "prefix": prefix,
                                                       "status": status, "seed": seed, "retry_enabled": retry_enabled,
                                                       "latency": latency})

    def jobs(self, project=None, job_id=None, status=None, node=None):
        """The owner's true state of the jobs; with ``node``, what that node's (lagging) view shows."""
        if isinstance(job_id, (list, tuple)):
            job_id = ",".join(job_id)
        return self.request("GET", "/_sim/jobs", project=project, job_id=job_id, status=status, node=node)["jobs"]

    def job(self, job_id):
        return self.request("GET", "/_sim/jobs/" + job_id)["job"]

    def patch_job(self, job_id, **fields):
        return self.request("PATCH", "/_sim/jobs/" + job_id, fields)["job"]

    def patch_job_if_unchanged(self, job_id, transitions, **fields):
        """``patch_job`` only while the job has had ``transitions`` status writes (``GET /_sim/transitions``),
        checked and applied at once on the server: True when it was applied."""
        fields = dict(fields, if_transitions=transitions)
        return self.request("PATCH", "/_sim/jobs/" + job_id, fields)["applied"]

    def counters(self):
        return self.request("GET", "/_sim/counters")

    def clear_counters(self):
        return self.request("DELETE", "/_sim/counters")

    def actions(self, job_id=None, since=None, request_id=None):
        """Every job id processed by ``PUT /status``, in order (see the README for the fields)."""
        return self.request("GET", "/_sim/actions", job_id=job_id, since=since, request_id=request_id)["actions"]

    def stats(self, job_id, since=None):
        """A job's stats rows, oldest first, with every field (``create_time``, ``min_data_latency``, ``rows_per_second``,
        ``processing_time``), its runs (``start``, ``end``, ``interval_ms``, ``mode``) and its ``data_latency``."""
        return self.request("GET", "/_sim/stats/" + job_id, since=since)

    def param_writes(self, job_id=None, since=None):
        """Every ``PUT /params`` that reached the service, in order: ``params_before``, ``params``, ``user``, ``ok``, ..."""
        return self.request("GET", "/_sim/param_writes", job_id=job_id, since=since)["param_writes"]

    def transitions(self, job_id=None, since=None, request_id=None):
        return self.request("GET", "/_sim/transitions", job_id=job_id, since=since, request_id=request_id)["transitions"]

    def kills(self, job_id=None, since=None, by=None):
        """Every kill, in the order of their starts: ``{"start", "end", "job_id", "cause", "live_driver", "by"}``;
        ``by``: only those of ``request`` (FORCE_STOP, RESTART), ``listener`` (end of run) or ``takeover``."""
        return self.request("GET", "/_sim/kills", job_id=job_id, since=since, by=by)["kills"]

    def users(self):
        """Users with their lock-out state and their failed and locked logins."""
        return self.request("GET", "/_sim/users")["users"]

    def nodes(self):
        """The nodes behind the load balancer and how far each one's view lags."""
        return self.request("GET", "/_sim/nodes")

    def catch_up(self, node=None):
        """Let one node (or every node) catch up with the owner now."""
        return self.request("POST", "/_sim/catchup", {} if node is None else {"node": node})

    # ------------------------------------------------------------------ the corrections of docs/kylin-api.md §11

    def set_latency(self, job_id, mode=None, base_ms=None):
        """How a build job's data latency behaves from its next start (``steady``, ``healthy``, ``lagging``,
        ``stalled``; None: the ``latency_mode`` config), and its base latency in ms (also a stats row now)."""
        fields = {"latency": mode}
        if base_ms is not None:
            fields["data_latency"] = base_ms
        return self.patch_job(job_id, **fields)

    def set_param_effects(self, *rules):
        """Params that break a launch: each rule ``{"key", "value" (optional), "effect": "launch_error"|"lagging"|
        "stalled"}``; none clears them."""
        return self.set_config(param_effects=list(rules))

    def hold_writes(self, count=1, seconds=None):
        """The next ``count`` status or params PUTs wait behind an epoch take-over of their project (at least
        ``seconds``), then are applied."""
        values = {"hold_write": count}
        if seconds is not None:
            values["hold_seconds"] = seconds
        return self.set_faults(**values)

    def owner_down(self, seconds):
        """The owner dies now: writes answer KE-010021002 for ``seconds``, then another node takes over."""
        return self.set_faults(owner_down=seconds)

    def unbind_projects(self, *projects):
        """Bind these projects to no resource group (their writes answer KE-010021005); none: bind them all."""
        return self.set_config(unbound_projects=list(projects))

    # ------------------------------------------------------------------ helpers

    def add_models(self, project, count, status=None, merge_status=None, prefix="m", digits=1, **fields):
        """``count`` models ``<prefix><n>`` (``n`` from 0, zero-padded to ``digits``) in ``project`` (created when
        missing), their build jobs in ``status`` and merge jobs in ``merge_status`` (default: ``status``; none:
        STOPPED), other fields as ``add_model``: ``{alias: (build id, merge id)}`` in creation order."""
        if status is not None:
            fields.setdefault("build", {"status": status})
            fields.setdefault("merge", {"status": merge_status or status})
        elif merge_status is not None:
            fields.setdefault("merge", {"status": merge_status})
        models = collections.OrderedDict()
        for number in range(count):
            alias = "%s%0*d" % (prefix, digits, number)
            models[alias] = tuple(self.add_model(project, alias, **fields)["job_ids"])
        return models

    def by_name(self, project=None):
        """``{(project, model alias, "build"|"merge"): job}`` of ``jobs()``."""
        return dict(((job["project"], job["model_alias"], job["job_type"].split("_")[1].lower()), job)
                    for job in self.jobs(project=project))

    def job_id(self, model, job_type="build", project=None):
        """The id of a model's build (or merge) job; without ``project``, the model's alias must be unique."""
        found = [job["id"] for (dummy, alias, kind), job in self.by_name(project).items() if alias == model and kind == job_type]
        if len(found) != 1:
            where = " in project %s" % project if project else ""
            raise SimControlError(None, "%d %s jobs of a model %r%s" % (len(found), job_type, model, where))
        return found[0]

    def statuses(self, project=None):
        """``{job id: internal status}``, as the server holds it."""
        return dict((job["id"], job["status"]) for job in self.jobs(project=project))

    def statuses_by_name(self, project):
        """``{(model alias, "build"|"merge"): internal status}`` of one project."""
        return dict(((alias, kind), job["status"]) for (dummy, alias, kind), job in self.by_name(project).items())

    def applied(self, action=None, job_id=None, since=None):
        """``[(job id, action), ...]`` of every action the server applied (``ok``), in order."""
        return [(entry["job_id"], entry["action"]) for entry in self.actions(job_id=job_id, since=since)
                if entry["ok"] and (action is None or entry["action"] == action)]

    def request_count(self, *keys):
        """How many requests of these kinds (``STATUS_PUT``, ``LIST``... above) the server got since the last reset."""
        requests = self.counters()["requests"]
        return sum(requests.get(key, 0) for key in keys)

    def status(self, job_id):
        """The internal status (LAUNCHING_ERROR is not shown as ERROR here)."""
        return self.job(job_id)["status"]

    def wait_for_status(self, job_id, statuses, timeout=10.0, interval=0.05):
        """Poll until the job's internal status is one of ``statuses``; returns it or raises TimeoutError."""
        wanted = (statuses,) if isinstance(statuses, str) else tuple(statuses)
        seen = []

        def reached():
            seen.append(self.status(job_id))
            return seen[-1] in wanted and seen[-1]
        try:
            return wait_until(reached, timeout=timeout, interval=interval)
        except AssertionError:
            raise TimeoutError("job %s is %s, not %s after %ss" % (job_id, seen[-1], "/".join(wanted), timeout)) from None


def wait_until(predicate, timeout=10.0, interval=0.02, what="condition"):
    """Call ``predicate`` until it returns something true, and return that; AssertionError after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("%s not met within %ss" % (what, timeout))
        time.sleep(interval)
