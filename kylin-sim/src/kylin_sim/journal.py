"""What happened, for tests and benchmarks: request counters, and the action and transition logs."""

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
        self.transition_log = []
        self.kill_log = []

    def clear(self):
        self.clear_counters()
        self.action_log = []
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

    def action(self, when, job_id, action, user, before, after, ok, error_code):
        self.actions[action] += 1
        _append(self.action_log, {"time": int(when * 1000), "job_id": job_id, "action": action, "user": user,
                                  "status_before": before, "status_after": after, "ok": ok, "error_code": error_code})


def _append(log, entry):
    log.append(entry)
    if len(log) > LOG_LIMIT:
        del log[:LOG_LIMIT // 2]
