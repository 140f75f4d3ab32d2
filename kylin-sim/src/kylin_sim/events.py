"""The scheduler of timed events: every pending transition of a job, applied lazily in due order.

A pending transition (a launch finishing, a graceful stop finishing, a runtime failure, an auto-retry)
is an event with an absolute due time in a heap; ``advance(now)`` applies the due ones in order, each
at its own due time, before a request is served. Nothing scans all jobs, so 10,000 idle jobs cost
nothing. A job holds at most one live event per kind (``job.pending``: kind -> token); scheduling a
kind again supersedes the earlier one, cancelling it forgets it, and a superseded or cancelled entry is
skipped when it comes up.

Callers hold the store lock.
"""

import heapq


class Timeline:
    """The heap of ``(due, token, job id, kind)``; ``handlers`` maps a kind to ``handler(job, due)``."""

    def __init__(self, jobs, handlers, before=None):
        self.jobs = jobs          # callable: the live job map (job id -> Job)
        self.handlers = handlers  # kind -> callable(job, due)
        self.before = before      # callable(job, due) called before any handler (copy-on-write of lagging nodes)
        self.heap = []
        self.seq = 0

    def clear(self):
        self.heap = []
        self.seq = 0

    def schedule(self, job, kind, due):
        self.seq += 1
        job.pending[kind] = self.seq
        heapq.heappush(self.heap, (due, self.seq, job.id, kind))

    @staticmethod
    def cancel(job, *kinds):
        """Forget the job's pending events of ``kinds`` (all of them when none is given)."""
        for kind in kinds or tuple(job.pending):
            job.pending.pop(kind, None)
            if kind == "launch":
                job.launch = None

    def advance(self, now):
        """Apply every event due by ``now``, each at its own due time."""
        heap = self.heap
        jobs = self.jobs()
        while heap and heap[0][0] <= now:
            due, token, job_id, kind = heapq.heappop(heap)
            job = jobs.get(job_id)
            if job is None or job.pending.get(kind) != token:
                continue  # cancelled or superseded
            del job.pending[kind]
            if self.before is not None:
                self.before(job, due)
            self.handlers[kind](job, due)
            jobs = self.jobs()

    def next_due(self):
        """Due time of the next live event, or None."""
        jobs = self.jobs()
        while self.heap:
            due, token, job_id, kind = self.heap[0]
            job = jobs.get(job_id)
            if job is not None and job.pending.get(kind) == token:
                return due
            heapq.heappop(self.heap)
        return None
