"""The server's auto-retry of ERROR jobs (``StreamingScheduler.retryJob``) and ``PUT /params``.

A job in ERROR whose ``kylin.streaming.job-retry-enabled`` is ``"true"`` (or, when its params lack the
key, the cluster's ``global_retry_enabled``) is relaunched after ``retry_interval``, each later retry
waiting one interval longer, up to ``retry_max_interval`` (docs/kylin-api.md §3.4). Callers hold the
store lock.
"""

from . import errors
from .jobs import ERROR, RETRY_PARAM, ms


class AutoRetry:
    """Schedules and runs the ``retry`` events, and applies params changes that affect them."""

    EVENTS = ("retry",)

    def __init__(self, store):
        self.store = store

    def enabled(self, job):
        """``retryJob``: the job's ``kylin.streaming.job-retry-enabled``, or the cluster's when its params lack the key."""
        value = job.params.get(RETRY_PARAM)
        if value is None:
            return bool(self.store.config["global_retry_enabled"])
        return value == "true"

    def schedule(self, job, now):
        store = self.store
        store.events.cancel(job, "retry")
        if job.status == ERROR and self.enabled(job):
            interval = store.seconds("retry_interval")
            backoff = min(interval * (job.retry_count + 1), max(interval, store.seconds("retry_max_interval")))
            store.events.schedule(job, "retry", now + backoff)

    def on_retry(self, job, now):
        store = self.store
        if job.status != ERROR or not self.enabled(job) or store.lifecycle.app_exists(job, now):
            return
        job.retry_count += 1
        try:
            store.lifecycle.submit_job(job, now, "auto_retry")
        except errors.KylinError:
            pass

    def update_params(self, job, params, now):
        """``PUT /params`` replaces the whole map; takes effect at the next start."""
        store = self.store
        store.cluster.touch(job, now)
        job.params = dict(params)
        job.last_modified = max(ms(now), job.last_modified)
        if job.status == ERROR and "retry" not in job.pending:
            self.schedule(job, now)
        elif not self.enabled(job):
            store.events.cancel(job, "retry")
        store.dirty = True

    def global_changed(self, now):
        """The cluster's kylin.streaming.job-retry-enabled changed: ERROR jobs without the key follow it."""
        for job in self.store.jobs.values():
            if job.status == ERROR and RETRY_PARAM not in job.params:
                if self.enabled(job):
                    if "retry" not in job.pending:
                        self.schedule(job, now)
                else:
                    self.store.events.cancel(job, "retry")
