"""What happened, for tests, benchmarks and model-based checkers: request counters, and the logs of actions,
params writes, transitions and kills.

Every entry of the action log is one job id processed by a ``PUT /status``: when, which job, which
action, by whom (``user``, and the client's ``user_agent`` and ``request_id`` so that two controllers
can be told apart), the status before and after, whether it succeeded (``ok``, ``error_code``), which
node received it, and what the client could know of it: ``client_gone`` (the client had already
disconnected, e.g. timed out, when this job was acted on), ``answer_lost`` (the client never got this
request's true answer: the connection was lost or closed, or the owner's answer did not come back) and
``held_ms`` (how long the write waited behind an epoch take-over before it was applied).
"""

import bisect
from collections import Counter

LOG_LIMIT = 200000  # entries kept per log; the oldest half is dropped past this


class Journal:
    """Counters and logs; callers hold the store lock."""

    def __init__(self):
        self.requests = Counter()
        self.actions = Counter()
        self.statuses = Counter()
        self.faults = Counter()
        self.failed_logins = Counter()  # user -> wrong passwords answered 401 KE-010003208
        self.locked_logins = Counter()  # user -> attempts answered 400 KE-010003005 (locked)
        self.refusals = Counter()       # error code -> cluster-wide refusals (maintenance mode, epoch moved, ...)
        self.action_log = []
        self.params_log = []
        self.transition_log = []
        self.kill_log = []

    def clear(self):
        self.clear_counters()
        self.action_log = []
        self.params_log = []
        self.transition_log = []
        self.kill_log = []

    def clear_counters(self):
        self.requests = Counter()
        self.actions = Counter()
        self.statuses = Counter()
        self.faults = Counter()
        self.failed_logins = Counter()
        self.locked_logins = Counter()
        self.refusals = Counter()

    def counters(self):
        return {"requests": dict(self.requests), "actions": dict(self.actions), "statuses": dict(self.statuses),
                "faults": dict(self.faults), "failed_logins": dict(self.failed_logins),
                "locked_logins": dict(self.locked_logins), "refusals": dict(self.refusals)}

    def kill(self, began, ended, job_id, cause, live, by="request"):
        """One ``JobKiller`` kill, kept in the order of their starts: on the node, kills never overlap.

        ``by``: "request" (FORCE_STOP, RESTART), "listener" (the end-of-run kill, its ``cause`` being the
        transition it precedes: "stopped" or "runtime_failure"), "takeover" (an epoch take-over's resumeJobs).
        """
        entry = {"start": int(began * 1000), "end": int(ended * 1000), "job_id": job_id, "cause": cause,
                 "live_driver": live, "by": by}
        log = self.kill_log
        if log and log[-1]["start"] > entry["start"]:
            log.insert(bisect.bisect_right([e["start"] for e in log], entry["start"]), entry)
            return
        _append(log, entry)

    def transition(self, when, job_id, old, new, cause, **detail):
        """A status write; ``detail`` adds keys (``end_of_run_kill``: the listener killed the app's leftovers first)."""
        entry = {"time": int(when * 1000), "job_id": job_id, "from": old, "to": new, "cause": cause}
        entry.update(detail)
        _append(self.transition_log, entry)

    def transition_count(self, job_id):
        """How many status writes of ``job_id`` the transition log holds (a conditional patch's check)."""
        return sum(1 for entry in self.transition_log if entry["job_id"] == job_id)

    def action(self, when, job_id, action, user, before, after, ok, error_code, client=None):
        """One job id of a ``PUT /status``; returns the entry (the server marks ``answer_lost`` on it later).

        ``client``: ``{"request_id", "user_agent", "node", "client_gone", "held_ms"}`` of the request."""
        self.actions[action] += 1
        entry = {"time": int(when * 1000), "job_id": job_id, "action": action, "user": user,
                 "status_before": before, "status_after": after, "ok": ok, "error_code": error_code}
        entry.update(_client_fields(client))
        _append(self.action_log, entry)
        return entry

    def params(self, when, project, job_id, user, before, after, ok, error_code, client=None):
        """One ``PUT /params`` that reached the service (``before`` None: the job does not exist, nothing changed)."""
        entry = {"time": int(when * 1000), "project": project, "job_id": job_id, "user": user, "params_before": before,
                 "params": after, "ok": ok, "error_code": error_code}
        entry.update(_client_fields(client))
        _append(self.params_log, entry)
        return entry


def _client_fields(client):
    client = client or {}
    return {"request_id": client.get("request_id"), "user_agent": client.get("user_agent"), "node": client.get("node"),
            "client_gone": bool(client.get("client_gone")), "answer_lost": False,
            "held_ms": int(client.get("held_ms") or 0)}


def _append(log, entry):
    log.append(entry)
    if len(log) > LOG_LIMIT:
        del log[:LOG_LIMIT // 2]
