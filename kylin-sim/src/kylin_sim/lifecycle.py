"""The job state machine: what START, STOP, FORCE_STOP and RESTART do, and the listener's transitions.

This is Kylin's ``StreamingScheduler`` (``submitJob``, ``stopJob``, ``killJob``), the launcher thread and
``StreamingJobListener`` (docs/kylin-api.md §3.2-§3.4), over the YARN apps of the jobs: each RUNNING
spell of a job is a run (``job.runs``) whose micro-batches the stats module computes when asked.
Actions come from requests (kylin_api.py); the listener's transitions are timed events (events.py).
Callers hold the store lock; slow work releases it (node.py).
"""

import time
import zlib

from . import errors
from .jobs import ERROR, LAUNCHING_ERROR, RUNNING, STARTABLE, STARTING, STOPPED, STOPPING, format_time, ms


class Lifecycle:
    """Moves jobs; every status write goes through ``store.write`` (``MetaInfoUpdater``)."""

    EVENTS = ("launch", "stopped", "fail", "stop_killed", "fail_killed")  # timed events handled here (``on_<kind>``)
    RUN_EVENTS = EVENTS  # what a kill or a status set through the control API cancels

    def __init__(self, store):
        self.store = store

    # ------------------------------------------------------------------ YARN apps and runs

    @staticmethod
    def app_exists(job, now):
        """``YarnClusterManager.applicationExisted``: an app NEW/SUBMITTED/ACCEPTED/RUNNING for this job."""
        return job.app_alive or (job.launch is not None and now >= job.launch["accept_at"])

    @staticmethod
    def has_live_driver(job):
        """A driver process to kill: the app runs, or a launch (spark-submit) is in progress."""
        return bool(job.app_alive or job.launch is not None)

    def start_run(self, job, now, mode=None):
        """The app runs: a new YARN app id, and a run whose micro-batches ``stats`` computes (``mode``: its
        latency behaviour, fixed by the params it was launched with; computed now when not given)."""
        store = self.store
        store.app_seq += 1
        app_id = "application_%d_%04d" % (store.cluster_ts, store.app_seq)
        job.app_alive = True
        job.yarn_app_id = app_id
        job.yarn_app_url = "http://sim-yarn-rm:8088/proxy/%s/" % app_id
        job.job_execution_id = (job.job_execution_id or 0) + 1
        job.process_id = str(20000 + zlib.crc32(app_id.encode()) % 40000)
        job.node_info = "kylin-sim:7070"
        job.last_update_time = format_time(now)
        job.runs.append([ms(now), None, store.stats.interval_ms(job), mode or store.stats.launch_mode(job)])
        del job.runs[:-20]
        if job.fail_after is not None:
            store.events.schedule(job, "fail", now + float(job.fail_after))

    def end_run(self, job, now):
        """The app is gone: stop ticking, keep what the last micro-batch wrote."""
        if job.runs and job.runs[-1][1] is None:
            tick = self.store.stats.last_tick(job, ms(now))
            job.runs[-1][1] = ms(now)
            if tick is not None:
                job.last_modified = max(job.last_modified, tick[0])
                job.last_update_time = format_time(tick[0] / 1000.0)
                job.last_batch_count = tick[1]["rows_per_second"] * max(1, job.runs[-1][2] // 1000)
        job.app_alive = False
        self.store.events.cancel(job, "fail", "stopped")

    def kill_app(self, job, now):
        """``JobKiller``: the driver process and the YARN app are gone; a launch in progress dies too."""
        self.store.events.cancel(job, *self.RUN_EVENTS)
        self.end_run(job, now)

    # ------------------------------------------------------------------ START

    def start_job(self, job, now, cause="START", work=True):
        """``launchStreamingJob``: model checks, then ``submitJob``.

        With ``work`` (a START or RESTART request), ``submitJob`` is synchronized on the project's
        scheduler, waits for any kill on the node (its leftover-driver grep is ``JobKiller.killProcess``)
        and costs ``start_work`` seconds before STARTING is written; the store lock is released meanwhile.
        """
        store = self.store
        model = store.model_of(job)
        if model is None:
            raise errors.npe("start")
        if model.broken:
            raise errors.model_broken(model.alias)
        if model.no_partition:
            raise errors.partition_column_invalid()
        if not work:
            self.submit_job(job, now, cause)
            return
        node = store.node
        with node.holding(node.scheduler_lock(job.project)):
            if job.status not in STARTABLE:
                raise errors.job_start_failure(job.id)
            node.wait_for_kills()
            node.sleep_unlocked(store.seconds("start_work"))
            if store.jobs.get(job.id) is not job:
                raise errors.npe("start")  # dropped meanwhile
            self.submit_job(job, time.time(), cause, checked=True)

    def submit_job(self, job, now, cause, checked=False):
        """``StreamingScheduler.submitJob``: only ERROR/STOPPED/LAUNCHING_ERROR start; launch is asynchronous."""
        store = self.store
        if not checked and job.status not in STARTABLE:
            raise errors.job_start_failure(job.id)
        store.cluster.touch(job, now)
        if self.app_exists(job, now) and job.app_unkillable:
            raise errors.yarn_app_existed(store.model_of(job).alias)
        self.kill_app(job, now)  # leftover driver process / app
        store.write(job, STARTING, now, cause)
        fail = (job.fail_launch or (store.faults is not None and store.faults.launch_fails())
                or store.stats.effect(job) == "launch_error")  # the params it is launched with (param_effects)
        job.fail_launch = False
        start_delay = store.seconds("start_delay")
        job.launch = {"accept_at": now + min(store.seconds("yarn_accept_delay"), start_delay),
                      "due": now + start_delay, "fail": fail, "mode": store.stats.launch_mode(job)}
        if store.config["cluster_mode"]:
            store.events.schedule(job, "launch", now + start_delay)
        else:
            store.write(job, RUNNING, now, cause, exclude=(RUNNING, ERROR))
            self.start_run(job, now, job.launch["mode"])
            job.retry_count = 0
            if fail:
                store.events.schedule(job, "launch", now + start_delay)
            else:
                job.launch = None

    def on_launch(self, job, now):
        """The launcher thread finished: the app runs (listener writes RUNNING over anything), or LAUNCHING_ERROR."""
        launch, job.launch = job.launch, None
        if launch is None:
            return
        if launch["fail"]:
            self.end_run(job, now)
            self.store.write(job, LAUNCHING_ERROR, now, "launch_failure")
            return
        self.store.write(job, RUNNING, now, "launch")  # also over STOPPING/ERROR: a STOP during STARTING is lost
        job.action = "START"                           # ... and the graceful-shutdown flag with it
        job.retry_count = 0
        self.start_run(job, now, launch.get("mode"))

    # ------------------------------------------------------------------ STOP

    def stop_job(self, job, now, cause="STOP", work=True):
        """``StreamingScheduler.stopJob``: graceful and asynchronous when the app exists.

        With ``work`` (a STOP request): synchronized on the project's scheduler, ``stop_work`` seconds first.
        """
        store = self.store
        if work:
            node = store.node
            with node.holding(node.scheduler_lock(job.project)):
                node.sleep_unlocked(store.seconds("stop_work"))
                if store.jobs.get(job.id) is not job:
                    raise errors.npe("status")  # dropped meanwhile
                self.stop_job(job, time.time(), cause, work=False)
            return
        store.cluster.touch(job, now)
        if self.app_exists(job, now):
            if job.status in (ERROR, STOPPED):
                return
            store.write(job, STOPPING, now, cause)
            job.action = "GRACEFUL_SHUTDOWN"
            if job.app_alive and "stopped" not in job.pending and not job.skip_listener:
                store.events.schedule(job, "stopped", now + store.seconds("stop_delay"))
            return
        job.action = "GRACEFUL_SHUTDOWN"
        if job.app_alive is False and job.runs and job.runs[-1][1] is None:
            self.end_run(job, now)
        end = ERROR if store.config["cluster_mode"] else STOPPED
        store.write(job, end, now, cause, exclude=(STOPPED, ERROR))

    def on_stopped(self, job, now):
        """The driver saw the flag and ended (FINISHED): the listener writes STOPPED (never over ERROR/STOPPED)."""
        self.end_run(job, now)
        self.after_run(job, now, "stop_killed")

    def on_fail(self, job, now):
        """The Spark app died at runtime (FAILED): ERROR, unless FORCE_STOP is killing it."""
        if not job.app_alive:
            return
        self.end_run(job, now)
        if not job.skip_listener:
            self.after_run(job, now, "fail_killed")

    def after_run(self, job, now, kind):
        """``StreamingJobListener``: the kill under the node's kill lock first (``end_of_run_kill``,
        docs/kylin-api.md §11.1), then the status write, when the kill has ended (``on_<kind>``)."""
        store = self.store
        if store.config["end_of_run_kill"]:
            cause = "stopped" if kind == "stop_killed" else "runtime_failure"
            store.events.schedule(job, kind, store.node.listener_kill(job, cause, now))
        else:
            getattr(self, "on_" + kind)(job, now, killed=False)

    def on_stop_killed(self, job, now, killed=True):
        self.store.write(job, STOPPED, now, "stopped", exclude=(ERROR, STOPPED), end_of_run_kill=killed)

    def on_fail_killed(self, job, now, killed=True):
        if not job.skip_listener:
            self.store.write(job, ERROR, now, "runtime_failure", exclude=(ERROR, STOPPED), end_of_run_kill=killed)

    # ------------------------------------------------------------------ FORCE_STOP and RESTART

    def force_stop_job(self, job, now, cause="FORCE_STOP"):
        """``forceStopStreamingJob``: synchronous; STOPPING, kill, STOPPED (a new STOP record); from any state.

        The kill takes the node's kill lock (one kill at a time, across projects and requests) and lasts
        ``kill_delay`` seconds for a job with a live driver, ``kill_idle_delay`` without one. The job
        shows STOPPING while it waits for the lock and while it is killed; the store lock is released.
        """
        store = self.store
        store.cluster.touch(job, now)
        job.skip_listener = True
        try:
            store.write(job, STOPPING, now, cause)
            now = self.kill_job(job, cause)
            if now is not None:
                store.write(job, STOPPED, now, cause)
        finally:
            job.skip_listener = False
            store.dirty = True

    def kill_job(self, job, cause, by="request"):
        """``killJob`` inside a request (or a take-over): the job frozen (no event moves it while it is killed; a
        launch in progress stays, its driver is killed), the kill in its turn on the node, the app gone.
        Returns when it ended, or None when the job was dropped meanwhile. The caller sets ``skip_listener``."""
        store = self.store
        for kind in self.RUN_EVENTS + ("retry",):
            job.pending.pop(kind, None)
        killed = store.node.kill(job, cause, self.has_live_driver, by)
        if killed is None or store.jobs.get(job.id) is not job:
            return None
        now = killed[1]
        store.cluster.touch(job, now)
        self.kill_app(job, now)
        return now

    def restart_job(self, job, now):
        """RESTART = FORCE_STOP + START, one after the other; a broken model leaves the job STOPPED and fails."""
        self.force_stop_job(job, now, "RESTART")
        if self.store.jobs.get(job.id) is not job:
            raise errors.npe("start")
        self.start_job(job, time.time(), "RESTART")
