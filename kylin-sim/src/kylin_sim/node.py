"""The Kylin node's work inside requests: its kill lock, the projects' scheduler locks, and slow work.

All state is guarded by one global lock (``Store.lock``), as the simulator is small. The work a real
server does inside a request (a kill of about 21 s per job with a live driver, the per-START and
per-STOP work) is slept with that lock released (``sleep_unlocked``), so that reads and other requests
go on and see the intermediate states. Kills take the node's kill lock (Kylin's ``JobKiller.killProcess``
is static synchronized: one kill at a time on the node); START and STOP take their project's scheduler
lock (``StreamingScheduler.submitJob``/``stopJob`` are synchronized). A request that slept across a
``reset`` is dropped (``Aborted``).
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
        self.kill_lock = threading.Lock()  # JobKiller.killProcess: static synchronized, one kill at a time
        self.scheduler_locks = {}          # lower-case project -> lock of its StreamingScheduler
        self.generation = 0                # bumped by reset(): a request that slept across it is dropped
        self.local = threading.local()

    def reset(self):
        self.generation += 1

    def scheduler_lock(self, project):
        key = (project or "").lower()
        lock = self.scheduler_locks.get(key)
        if lock is None:
            lock = self.scheduler_locks[key] = threading.Lock()
        return lock

    def begin_request(self):
        """Called by the HTTP layer with the store lock held, before a request is handled."""
        self.local.generation = self.generation

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
        """Hold ``lock`` (kill or scheduler lock); wait for it with the store lock released."""
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

    def wait_for_kills(self):
        """Wait until no kill runs on the node (a START's leftover-driver grep is ``JobKiller.killProcess``)."""
        with self.holding(self.kill_lock):
            pass

    def kill(self, job, cause, live):
        """``JobKiller.killProcess`` for ``job`` inside a request: wait for the node's kill lock, then spend
        ``kill_delay`` (a live driver) or ``kill_idle_delay``; returns ``(began, ended)`` or None when the job
        was dropped meanwhile. ``live`` is called under the lock: whether the job has a driver to kill."""
        store = self.store
        with self.holding(self.kill_lock):
            if store.jobs.get(job.id) is not job:
                return None
            alive = live(job)
            began = time.time()
            self.sleep_unlocked(store.seconds("kill_delay" if alive else "kill_idle_delay"))
            ended = time.time()
            store.journal.kill(began, ended, job.id, cause, alive)
            return began, ended
