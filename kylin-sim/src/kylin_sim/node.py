"""The Kylin node's work inside requests: its kill lock, the projects' scheduler locks, and slow work.

All state is guarded by one global lock (``Store.lock``), as the simulator is small. The work a real
server does inside a request (a kill of about 21 s per job with a live driver, the per-START and
per-STOP work) is slept with that lock released (``sleep_unlocked``), so that reads and other requests
go on and see the intermediate states. Kills take the node's kill lock (Kylin's ``JobKiller.killProcess``
is static synchronized: one kill at a time on the node); START and STOP take their project's scheduler
lock (``StreamingScheduler.submitJob``/``stopJob`` are synchronized). A request that slept across a
``reset`` is dropped (``Aborted``).

The kill lock is kept as a queue in time: ``kill_free_at`` is when the last kill taken so far ends. A
request's kill waits until then and takes the next slot; a listener's kill (the end-of-run kill of a
graceful STOP or a runtime failure, docs/kylin-api.md §11.1) takes its slot when its timed event comes
due, with no thread of its own, and is journaled once it has ended. Both kinds queue behind each other
in the order they asked, as threads on Kylin's ``static synchronized`` method do.
"""

import contextlib
import threading
import time


class Aborted(Exception):
    """The simulator was reset while this request slept: its connection is dropped, its work forgotten."""


class Node:
    """Locks and slow work of the node that owns the projects; callers hold ``store.lock`` once."""

    def __init__(self, store):
        self.store = store
        self.scheduler_locks = {}          # lower-case project -> lock of its StreamingScheduler
        self.generation = 0                # bumped by reset(): a request that slept across it is dropped
        self.local = threading.local()
        self.kill_free_at = 0.0            # JobKiller.killProcess: one kill at a time; the last one taken ends then
        self.listener_kills = []           # (start, end, job id, cause) of listener kills not journaled yet

    def reset(self):
        self.generation += 1
        self.kill_free_at = 0.0
        self.listener_kills = []

    def scheduler_lock(self, project):
        key = (project or "").lower()
        lock = self.scheduler_locks.get(key)
        if lock is None:
            lock = self.scheduler_locks[key] = threading.Lock()
        return lock

    def begin_request(self, req=None):
        """Called by the HTTP layer with the store lock held, before a request is handled."""
        self.local.generation = self.generation
        self.local.request = req

    def request(self):
        """The Kylin API request this thread is working on, or None."""
        return getattr(self.local, "request", None)

    def resumed(self):
        """Back under the store lock after a wait: drop the request if the simulator was reset meanwhile."""
        if getattr(self.local, "generation", self.generation) != self.generation:
            raise Aborted()
        self.store.advance(time.time())

    def sleep_unlocked(self, seconds):
        """Spend ``seconds`` of server work with the store lock released (the caller holds it once)."""
        if seconds <= 0:
            return
        lock = self.store.lock
        lock.release()
        try:
            time.sleep(seconds)
        finally:
            lock.acquire()  # pylint: disable=consider-using-with
        self.resumed()

    @contextlib.contextmanager
    def holding(self, lock):
        """Hold ``lock`` (a project's scheduler lock); wait for it with the store lock released."""
        if not lock.acquire(blocking=False):  # pylint: disable=consider-using-with
            store_lock = self.store.lock
            store_lock.release()
            try:
                lock.acquire()  # pylint: disable=consider-using-with
            finally:
                store_lock.acquire()  # pylint: disable=consider-using-with
            try:
                self.resumed()
            except BaseException:
                lock.release()
                raise
        try:
            yield
        finally:
            lock.release()

    # ------------------------------------------------------------------ the kill lock

    def take_kill(self, earliest, seconds):
        """The next slot of the kill lock from ``earliest`` on, ``seconds`` long: ``(start, end)``."""
        start = max(earliest, self.kill_free_at)
        self.kill_free_at = start + seconds
        return start, self.kill_free_at

    def wait_for_kills(self):
        """Wait until no kill runs or waits on the node (a START's leftover-driver grep is ``killProcess``)."""
        while True:
            now = time.time()
            if self.kill_free_at <= now:
                return
            self.sleep_unlocked(self.kill_free_at - now)

    def kill(self, job, cause, live, by="request"):
        """``JobKiller.killProcess`` for ``job`` inside a request: wait for the node's kill lock, then spend
        ``kill_delay`` (a live driver) or ``kill_idle_delay``; returns ``(began, ended)`` or None when the job
        was dropped meanwhile. ``live`` is called once the lock is ours: whether the job has a driver to kill."""
        store = self.store
        self.wait_for_kills()
        if store.jobs.get(job.id) is not job:
            return None
        alive = live(job)
        began, ended = self.take_kill(time.time(), store.seconds("kill_delay" if alive else "kill_idle_delay"))
        self.sleep_unlocked(ended - time.time())
        store.journal.kill(began, ended, job.id, cause, alive, by=by)
        return began, ended

    def listener_kill(self, job, cause, now):
        """The listener's kill of what is left of a finished or failed app (its launcher's child process,
        most likely still there: ``kill_delay``), from ``now`` on, behind the kills ahead; returns its end."""
        began, ended = self.take_kill(now, self.store.seconds("kill_delay"))
        self.listener_kills.append((began, ended, job.id, cause))
        return ended

    def journal_kills(self, now):
        """Journal the listener kills that have ended by ``now``."""
        done = [entry for entry in self.listener_kills if entry[1] <= now]
        if done:
            self.listener_kills = [entry for entry in self.listener_kills if entry[1] > now]
            for began, ended, job_id, cause in done:
                self.store.journal.kill(began, ended, job_id, cause, True, by="listener")
