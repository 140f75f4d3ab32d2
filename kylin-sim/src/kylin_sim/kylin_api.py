"""The Kylin REST endpoints under ``/kylin/api/streaming_jobs``: filters, routing, checks, in Kylin's order
(Spring's argument binding: binding.py; content negotiation: protocol.py).

What happens to a request, in the order the real server does it (docs/kylin-api.md §1 and §2):

1. ``QueryNodeFilter`` (PUT/POST/DELETE only), before authentication: no active job node
   (KE-010021004), a ``project`` (query string, else JSON body) that does not exist (KE-010001201),
   maintenance mode (KE-040024201); then the write is forwarded to the project's owner.
2. Spring Security: Basic auth or the session cookie; 401/400 bodies from the entry point.
3. Handler mapping: 404 (no path), 405 (no method), 406 (``Accept`` matches no controller).
4. Argument binding: 400 KE-010000003 for bad types and missing required parameters, 500 for
   unreadable bodies.
5. The controller and service code, raising the business errors (HTTP 500, ``code`` "999").

The caller (server.py) holds the store lock and has already applied faults. The actions of
PUT /status release it while they do a real server's work (kills, START/STOP work, ``node.py``).
"""

import json
import re
import time
from urllib.parse import unquote

from . import errors, listing
from .listing import JOB_TYPES
from .binding import bind_int, bind_str, java_split, project_from_request, read_body
from .protocol import BASE, INTERNAL, PUBLIC, Response, choose_controller, spring_error

ACTIONS = ("START", "STOP", "FORCE_STOP", "RESTART")
JOB_TYPE_ENUM = "org.apache.kylin.job.execution.JobTypeEnum"
ACTION_ENUM = "org.apache.kylin.rest.request.StreamingJobActionEnum"
CONTROLLERS = {"public": "org.apache.kylin.rest.controller.open.OpenStreamingJobController",
               "internal": "org.apache.kylin.rest.controller.StreamingJobController"}


class KylinApi:
    """The streaming-job endpoints of both controllers (public ``Open...`` and internal)."""

    def __init__(self, store):
        self.store = store

    # ------------------------------------------------------------------ entry point

    def handle(self, req, now):
        path = req.path
        if path != "/kylin/api" and not path.startswith("/kylin/api/"):
            return spring_error(404, "Not Found", path)
        store = self.store
        writing = req.method in ("PUT", "POST", "DELETE")
        if writing:
            if not store.config["job_node_available"]:
                store.journal.refusals["KE-010021004"] += 1
                raise errors.no_active_job_node()
            if self.refused("metadata_unreachable", "KE-010019002"):
                raise errors.metadata_unreachable()
            project = project_from_request(req)
            if project is not None and project != "_global" and store.project(project) is None:
                raise errors.project_not_found(project, url_path="/kylin/api/error")
            if store.config["maintenance_mode"]:
                store.journal.refusals["KE-040024201"] += 1
                raise errors.maintenance_mode()
            if self.refused("transfer_failed", "KE-010021003"):
                raise errors.transfer_failed()
            if store.takeover.owner_down(now):  # the owner is dead and its epoch has not expired yet
                store.journal.faults["owner_down"] += 1
                store.journal.refusals["KE-010021002"] += 1
                raise errors.owner_unreachable()
            req.forwarded = True
        user, session, changed = store.auth.authenticate(req.headers, now, req.node)
        if changed:
            store.dirty = True
        if writing and project is not None and project.lower() in {p.lower() for p in store.config["unbound_projects"]}:
            store.journal.refusals["KE-010021005"] += 1  # ResourceGroupCheckerFilter, after Spring Security
            raise errors.project_without_resource_group()
        resp = self._route(req, user, now)
        if session:
            resp.headers.append(("Set-Cookie", "JSESSIONID=%s; Path=/kylin; HttpOnly" % session))
        return resp

    def _route(self, req, user, now):
        path = req.path
        if path.startswith(BASE + "/stats/") and len(path) > len(BASE + "/stats/"):
            allowed, handler = ("GET",), self.get_stats
        else:
            rel = path[len(BASE):] if path.startswith(BASE) else None
            table = {"": (("GET",), self.get_list), "/": (("GET",), self.get_list),
                     "/status": (("PUT",), self.put_status), "/params": (("PUT",), self.put_params),
                     "/records": (("GET",), self.get_records)}
            if rel not in table:
                return spring_error(404, "Not Found", path)
            allowed, handler = table[rel]
        if req.method not in allowed:
            resp = spring_error(405, "Method Not Allowed", path)
            resp.headers.append(("Allow", ", ".join(allowed)))
            return resp
        controller = choose_controller(req.headers.get("Accept"))
        if controller is None or (handler == self.put_params and controller == "public"):  # pylint: disable=comparison-with-callable
            return spring_error(406, "Not Acceptable", path)
        data, action = handler(req, user, controller, now)
        body = json.dumps({"code": "000", "data": data, "msg": ""}, separators=(",", ":"), ensure_ascii=False)
        resp = Response(200, body.encode("utf-8"), PUBLIC if controller == "public" else INTERNAL)
        resp.action = action
        return resp

    # ------------------------------------------------------------------ shared checks

    def check_streaming_enabled(self):
        if not self.store.config["streaming_enabled"]:
            raise errors.streaming_disabled()

    def epoch_moved(self):
        """The ``epoch_moved`` fault: the project's epoch moved away during this write (transient)."""
        return self.refused("epoch_moved", "KE-040021201")

    def refused(self, fault, code):
        """Take one of the count ``fault``; when there was one, count the refusal ``code`` and return True."""
        faults = self.store.faults
        if faults is not None and faults.take(fault):
            self.store.journal.faults[fault] += 1
            self.store.journal.refusals[code] += 1
            return True
        return False

    def check_operation(self, user, project, where="acl"):
        """``AclEvaluate.checkProjectOperationPermission``."""
        if not project:
            raise errors.empty_project_name(where)
        prj = self.store.project(project)
        if prj is None:
            raise errors.project_not_found(project, where=where)
        if not self.store.auth.has_operation(user, prj.name):
            raise errors.access_denied(where)
        return prj

    def check_project_name(self, project):
        """``NBasicController.checkProjectName``."""
        if not project:
            raise errors.empty_project_name("controller")
        prj = self.store.project(project)
        if prj is None:
            raise errors.project_not_found(project)
        return prj

    # ------------------------------------------------------------------ GET list

    def get_list(self, req, user, controller, now):
        query, job_ids = listing.bind_query(req, controller)
        self.check_streaming_enabled()
        store = self.store
        if controller == "public":
            listing.check_public_query(store, query)
        project = query["project"]
        # StreamingJobService.getStreamingJobList
        prj = None
        if project:
            if store.config["list_requires_operation"]:
                prj = self.check_operation(user, project, where="list")
            else:
                prj = store.project(project)
                if prj is None:
                    raise errors.project_not_found(project, where="list")
                if not (user.admin or user.level(prj.name)):
                    raise errors.access_denied("list")
        if job_ids:
            if not project:
                raise errors.param_empty("project", where="list")
            source = [prj.jobs.get(job_id) for job_id in job_ids]
        else:
            source = store.storage_order(prj)
        asof = store.cluster.asof(req.node, now)
        if asof is not None:  # a node that is not the owner answers from its lagging metadata cache
            view = store.cluster.view
            source = [job if job is None or not job.history else view(job, asof) for job in source]
        return listing.list_jobs(store, source, query, now), None

    # ------------------------------------------------------------------ PUT status

    def put_status(self, req, user, controller, now):
        handler = ("public org.apache.kylin.common.response.EnvelopeResponse<java.lang.String> %s.updateStreamingJobStatus"
                   "(org.apache.kylin.rest.request.StreamingJobExecuteRequest)" % CONTROLLERS[controller])
        body = read_body(req, {"project": "str", "job_ids": "list", "action": "str"},
                         "org.apache.kylin.rest.request.StreamingJobExecuteRequest", handler)
        self.check_streaming_enabled()
        action, project, job_ids = body["action"], body["project"], body["job_ids"]
        if not action:
            raise errors.param_empty("action")
        if controller == "public" and not job_ids:
            raise errors.param_empty("job_ids")
        self.update_status(user, project, job_ids, action, now, req)
        return "", action

    def update_status(self, user, project, job_ids, action, now, req=None):
        """``StreamingJobService.updateStreamingJobStatus``: one id after another, no transaction."""
        store = self.store
        if action.upper() not in ACTIONS:
            raise errors.param_invalid("action", ", ".join(ACTIONS))
        job_project = project
        scope = store.project(project) if project else None
        job_map = {job.id: job for job in store.storage_order(scope)}
        if job_ids is None:
            raise errors.npe("status")
        if job_ids and self.epoch_moved():
            first = job_ids[0]
            self._log_action(req, first, action, user, job_map[first].status if first in job_map else None, False,
                             "KE-040021201")
            raise errors.epoch_moved()
        if job_ids:
            first = job_map.get(job_ids[0])
            store.takeover.before_write(req, project if scope is not None else first.project if first else None)
            job_map = {job.id: job for job in store.storage_order(store.project(project) if project else None)}
        for job_id in job_ids:
            if job_id in job_map:
                job_project = job_map[job_id].project
            before = job_map[job_id].status if job_id in job_map else None
            try:
                self._act_on_one(user, job_project, job_id, action, now)
            except errors.KylinError as exc:
                self._log_action(req, job_id, action, user, before, False, exc.error_code)
                raise
            self._log_action(req, job_id, action, user, before, True, None)

    def _log_action(self, req, job_id, action, user, before, ok, error_code):
        job = self.store.jobs.get(job_id) if job_id is not None else None
        after = job.status if job is not None else None
        entry = self.store.journal.action(time.time(), job_id, action, user.name, before, after, ok, error_code,
                                          client=req.client() if req is not None else None)
        if req is not None:
            req.entries.append(entry)

    def _act_on_one(self, user, job_project, job_id, action, now):
        store = self.store
        self.check_operation(user, job_project)
        if job_id is None:
            raise errors.npe("status")
        parts = java_split(job_id)
        if len(parts) < 2:
            raise errors.index_out_of_bounds("1", "java.lang.ArrayIndexOutOfBoundsException")
        model_id, job_type = parts[0], "STREAMING_" + parts[1].upper()
        if action not in ACTIONS:
            raise errors.no_enum_constant(ACTION_ENUM, action)
        if job_type not in JOB_TYPES:
            raise errors.no_enum_constant(JOB_TYPE_ENUM, job_type)
        prj = store.project(job_project)
        job = prj.jobs.get("%s_%s" % (model_id, job_type[len("STREAMING_"):].lower()))
        if job is None:
            raise errors.npe("start" if action in ("START", "RESTART") else "status")
        now = max(now, time.time())  # a FORCE_STOP earlier in the batch took time
        if action == "START":
            store.lifecycle.start_job(job, now)
        elif action == "STOP":
            store.lifecycle.stop_job(job, now)
        elif action == "FORCE_STOP":
            store.lifecycle.force_stop_job(job, now)
        else:
            store.lifecycle.restart_job(job, now)

    # ------------------------------------------------------------------ PUT params (internal)

    def put_params(self, req, user, controller, now):
        handler = ("public org.apache.kylin.common.response.EnvelopeResponse<java.lang.String> %s.updateStreamingJobParams"
                   "(org.apache.kylin.rest.request.StreamingJobParamsRequest)" % CONTROLLERS[controller])
        body = read_body(req, {"project": "str", "job_id": "str", "params": "map"},
                         "org.apache.kylin.rest.request.StreamingJobParamsRequest", handler)
        self.check_streaming_enabled()
        prj = self.check_project_name(body["project"])
        self.check_operation(user, prj.name, where="params")
        params = body["params"]
        if params is None:
            raise errors.npe("params")
        interval = params.get("kylin.streaming.table-refresh-interval")
        if interval is not None and interval.strip() != "" and not re.fullmatch(r"\d+[mhd]", interval.strip()):
            raise errors.table_refresh_interval_invalid()
        if self.epoch_moved():
            job = prj.jobs.get(body["job_id"]) if body["job_id"] is not None else None
            before = dict(job.params) if job is not None else None
            self._log_params(req, prj.name, body["job_id"], user, before, before, False, "KE-040021201")
            raise errors.epoch_moved()
        self.store.takeover.before_write(req, prj.name)
        job = prj.jobs.get(body["job_id"]) if body["job_id"] is not None else None
        before = dict(job.params) if job is not None else None
        if job is not None:  # an unknown job id is silently ignored
            self.store.retry.update_params(job, params, max(now, time.time()))
        self._log_params(req, prj.name, body["job_id"], user, before, dict(job.params) if job is not None else None,
                         True, None)
        return "", None

    def _log_params(self, req, project, job_id, user, before, after, ok, error_code):
        req.entries.append(self.store.journal.params(time.time(), project, job_id, user.name, before, after, ok, error_code,
                                                     client=req.client()))

    # ------------------------------------------------------------------ GET stats / records

    def get_stats(self, req, user, controller, now):  # pylint: disable=unused-argument
        job_id = unquote(req.path[len(BASE + "/stats/"):])
        if controller == "internal":
            bind_str(req, "project", required=True)
            time_filter = bind_int(req, "time_filter", -1)
        else:
            time_filter = bind_int(req, "time_filter", 30)
        self.check_streaming_enabled()
        return listing.stats_response(self.store, job_id, time_filter, now), None

    def get_records(self, req, user, controller, now):  # pylint: disable=unused-argument
        if controller == "internal":
            project = bind_str(req, "project", required=True)
            job_id = bind_str(req, "job_id", required=True)
            self.check_streaming_enabled()
            self.check_project_name(project)
        else:
            job_id = bind_str(req, "job_id", required=True)
            self.check_streaming_enabled()
            if not job_id:
                raise errors.param_empty("job_id")
        return list(reversed(self.store.records.get(job_id, []))), None
