"""Epoch take-overs: ``resumeJobs`` on a project while writes wait, and the window of a dead owner
(docs/kylin-api.md §11.2, §3.4 item 5).

When a node takes a project's epoch, ``StreamingScheduler.getInstance`` runs ``resumeJobs`` inside the
project's transaction: every RUNNING or STARTING job is killed (one at a time, under the node's kill
lock) and resubmitted (STOPPED, then STARTING, then RUNNING when its launch ends); every STOPPING or
ERROR job is killed and set ERROR. Meanwhile the status and params writes wait (the project lock has no
timeout, and the scheduler's lock is static), and are **applied afterwards**, even when their client has
given up.

Two ways in:

- the ``hold_write`` fault (a count, with ``hold_seconds``, the least a hold lasts): the next N status or
  params PUTs run a take-over of their project first, inside the request, then apply the write;
- the ``owner_down`` fault (seconds): the owner dies now; until its epoch expires (that many seconds; 60 s
  on a real cluster) every write answers 500 KE-010021002 and is not applied. Then another node (the
  next one, with ``--nodes``) takes the epochs and resumes every project's jobs, in a thread of its own;
  the writes that come meanwhile wait for it.

Writes that waited say so in the journal (``held_ms``). Callers hold the store lock.
"""

import threading
import time

from . import errors
from .jobs import ERROR, RUNNING, STARTING, STOPPED, STOPPING, ms
from .node import Aborted


class Takeover:
    """Take-overs of projects, and the lock writes wait on meanwhile."""

    def __init__(self, store):
        self.store = store
        self.lock = threading.Lock()  # the project transaction / the scheduler's static lock during resumeJobs

    # ------------------------------------------------------------------ writes

    def before_write(self, req, project):
        """A status or params write is about to be applied: wait for a take-over in progress, or run one on
        ``project`` first (the ``hold_write`` fault). Sets ``req.held_ms``."""
        store = self.store
        node = store.node
        began = time.time()
        faults = store.faults
        if project is not None and faults is not None and faults.take("hold_write"):
            store.journal.faults["hold_write"] += 1
            with node.holding(self.lock):
                self.resume(store.project(project), began)
                node.sleep_unlocked(began + faults.value("hold_seconds") - time.time())
        else:
            with node.holding(self.lock):
                pass
        held = ms(time.time() - began)
        if req is not None and held >= 1:
            req.held_ms = held

    # ------------------------------------------------------------------ resumeJobs

    def resume(self, prj, now):
        """``resumeJobs`` on one project, in this thread: kill, then resubmit or set ERROR, job after job."""
        if prj is None:
            return
        store = self.store
        lifecycle = store.lifecycle
        for job in list(prj.jobs.values()):
            if store.jobs.get(job.id) is not job or job.status not in (RUNNING, STARTING, STOPPING, ERROR):
                continue
            job.skip_listener = True
            try:
                killed = lifecycle.kill_job(job, "takeover", by="takeover")
            finally:
                job.skip_listener = False
            if killed is None:
                continue
            if job.status in (RUNNING, STARTING):
                store.write(job, STOPPED, killed, "takeover")
                try:
                    lifecycle.submit_job(job, killed, "takeover")
                except errors.KylinError:
                    pass
            else:
                store.write(job, ERROR, killed, "takeover")
            store.dirty = True

    # ------------------------------------------------------------------ a dead owner

    def owner_down(self, now):
        """True while the owner is dead and its epoch has not expired: forwarded writes get KE-010021002."""
        window = self.store.faults.owner_down_window() if self.store.faults is not None else None
        return window is not None and window[0] <= now < window[1]

    def check(self, now):
        """Called as time advances: once a dead owner's epoch expired, another node takes over every project."""
        faults = self.store.faults
        window = faults.owner_down_window() if faults is not None else None
        if window is None or now < window[1]:
            return
        faults.end_owner_down()
        store = self.store
        config = store.config
        if int(config["nodes"]) > 1:  # the next node takes the epochs
            config["owner_node"] = (store.cluster.owner + 1) % int(config["nodes"])
            store.cluster.reanchor(window[1])
        got = self.lock.acquire(blocking=False)  # pylint: disable=consider-using-with
        worker = threading.Thread(target=self._resume_all, args=(got, window[1]), name="kylin-sim-takeover",
                                  daemon=True)
        worker.start()

    def _resume_all(self, locked, when):
        """The new owner's ``resumeJobs`` over every project (a thread: nobody's request)."""
        store = self.store
        if not locked:
            self.lock.acquire()  # pylint: disable=consider-using-with
        try:
            with store.lock:
                store.node.begin_request(None)
                try:
                    for prj in list(store.projects.values()):
                        self.resume(prj, max(when, time.time()))
                except Aborted:
                    pass
        finally:
            self.lock.release()
