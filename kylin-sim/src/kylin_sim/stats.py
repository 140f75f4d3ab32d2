"""Micro-batch stats of build jobs: the rows of ``GET /stats/{job_id}``, ``data_latency``, and the meta
fields every micro-batch rewrites (docs/kylin-api.md §5.2, §5.7, §6, §11.7).

A running build job writes one stats row per micro-batch: every trigger interval of its run, the job's
``kylin.streaming.duration`` when it was launched (or the ``stats_interval`` config when set), times
``time_scale``. The rows are not stored: they are computed from the run's start when asked for
(``job.runs``: ``[start_ms, end_ms or None, interval_ms, mode]``), at most ``STATS_TICK_LIMIT`` per run and
request, so idle jobs cost nothing. Rows given explicitly (seeds, the control API) are kept in
``job.stats_rows``.

How a run's data latency behaves (``mode``, fixed when the run starts: the job's ``latency``, else the
``latency_mode`` config, unless a ``param_effects`` rule matches the params it was launched with):

- ``steady``: about the job's base latency on every micro-batch (0.85-1.15 x base);
- ``healthy``: a backlog after each start, worked off over ``backlog_batches`` micro-batches (8, 4, 2 x
  base for 3), then at or under the base (0.7-1.0 x base);
- ``lagging``: the job cannot keep up: (1 + 2k) x base on the k-th micro-batch, growing batch after batch;
- ``stalled``: RUNNING but consuming nothing: no micro-batch, no stats row, no ``last_modified`` change.

``latest`` is the newest row of the job whatever its status, so right after a restart the list's
``data_latency`` still shows the previous run's last micro-batch until the new run's first one (one
trigger interval after RUNNING). Callers hold the store lock.
"""

import zlib

from .jobs import BUILD, DURATION_PARAM, format_time, ms

STATS_TICK_LIMIT = 20000  # stats rows generated per run and request at most
DEFAULT_TRIGGER = 30.0    # kylin.streaming.duration when the params lack it (StreamingConstants)


def _run(run):
    """``(start, end, interval, mode)`` of a run (runs saved before modes existed are steady)."""
    return run[0], run[1], run[2], run[3] if len(run) > 3 else "steady"


class Stats:
    """Computes the micro-batches of a job's runs."""

    def __init__(self, store):
        self.store = store

    # ------------------------------------------------------------------ what a run does, fixed at its launch

    def effect(self, job):
        """The ``param_effects`` rule matching the job's params (the first one), or None."""
        for rule in self.store.config["param_effects"]:
            value = job.params.get(rule["key"])
            if value is not None and (rule["value"] is None or value == rule["value"]):
                return rule["effect"]
        return None

    def launch_mode(self, job):
        """The latency mode of a run launched with the job's current params."""
        effect = self.effect(job)
        if effect in ("lagging", "stalled"):
            return effect
        return job.latency or self.store.config["latency_mode"]

    def interval_ms(self, job):
        """The trigger interval of a run launched now (``kylin.streaming.duration``, or ``stats_interval``)."""
        store = self.store
        seconds = store.config["stats_interval"]
        if seconds is None:
            try:
                seconds = float(job.params.get(DURATION_PARAM, DEFAULT_TRIGGER))
            except ValueError:
                seconds = DEFAULT_TRIGGER
        return max(1, ms(seconds * float(store.config["time_scale"])))

    @staticmethod
    def run_state(run):
        """A run for the control API: ``{"start", "end", "interval_ms", "mode"}`` (None for no run)."""
        if not run:
            return None
        return dict(zip(("start", "end", "interval_ms", "mode"), _run(run)))

    # ------------------------------------------------------------------ rows

    def tick_row(self, job, run_start, k, when_ms, mode="steady", interval=None):
        """The stats row of the k-th micro-batch (k >= 1) of the run that started at ``run_start``."""
        h = zlib.crc32(("%s:%d:%d" % (job.id, run_start, k)).encode())
        base = job.latency_base
        jitter = (h % 300) / 1000.0 if job.latency_jitter else None
        rate, processing = 400 + h % 1600, 300 + (h >> 8) % 2500
        backlog = int(self.store.config["backlog_batches"])
        if mode == "healthy" and k <= backlog:
            latency = base * 2 ** (backlog - k + 1)  # catching up: more rows per second than it will need later
            rate *= 3
        elif mode == "healthy":
            latency = base * (0.7 + jitter) if jitter is not None else base
        elif mode == "lagging":
            latency = base * (1 + 2 * k)  # each micro-batch takes longer than the trigger interval
            rate, processing = 100 + h % 300, int((interval or 30000) * 1.5)
        else:
            latency = base * (0.85 + jitter) if jitter is not None else base
        return {"rows_per_second": rate, "processing_time": processing, "min_data_latency": int(latency),
                "create_time": when_ms}

    def _last_of(self, job, run, now_ms):
        """``(time_ms, row)`` of the newest micro-batch of ``run`` by ``now_ms``, or None."""
        start, end, interval, mode = _run(run)
        if mode == "stalled":
            return None
        upto = now_ms if end is None else min(end, now_ms)
        count = (upto - start) // interval
        if count < 1:
            return None
        when = start + count * interval
        return when, self.tick_row(job, start, count, when, mode, interval)

    def last_tick(self, job, now_ms):
        """``(time_ms, row)`` of the newest micro-batch of the job's latest run, or None."""
        if job.job_type != BUILD or not job.runs:
            return None
        return self._last_of(job, job.runs[-1], now_ms)

    def latest(self, job, now):
        """The newest stats row of a build job, of whatever run (or given explicitly), or None."""
        now_ms = ms(now)
        tick = None
        if job.job_type == BUILD:
            for run in reversed(job.runs):
                tick = self._last_of(job, run, now_ms)
                if tick is not None:
                    break
        explicit = [r for r in job.stats_rows if r["create_time"] <= now_ms]
        row = explicit[-1] if explicit else None
        if tick is not None and (row is None or tick[0] >= row["create_time"]):
            return tick[1]
        return row

    def rows(self, job_id, since_ms, now):
        """Stats rows of a job since ``since_ms``, oldest first (``queryStreamingJobStats``)."""
        job = self.store.jobs.get(job_id)
        if job is None:
            return []
        now_ms = ms(now)
        rows = [r for r in job.stats_rows if since_ms <= r["create_time"] <= now_ms]
        if job.job_type == BUILD:
            for run in job.runs:
                start, end, interval, mode = _run(run)
                if mode == "stalled":
                    continue
                upto = now_ms if end is None else min(end, now_ms)
                last = (upto - start) // interval
                first = max(1, -(-(since_ms - start) // interval))
                first = max(first, last - STATS_TICK_LIMIT + 1)
                for k in range(first, last + 1):
                    rows.append(self.tick_row(job, start, k, start + k * interval, mode, interval))
        rows.sort(key=lambda r: r["create_time"])
        return rows

    # ------------------------------------------------------------------ what micro-batches rewrite

    def last_modified(self, job, now):
        """A running build job's meta is rewritten by every micro-batch (``PUT /streaming_jobs/stats``)."""
        if job.app_alive and job.runs and job.runs[-1][1] is None:
            tick = self.last_tick(job, ms(now))
            if tick is not None and tick[0] > job.last_modified:
                return tick[0]
        return job.last_modified

    def update_time(self, job, now):
        """``(last_update_time, last_batch_count)`` as the newest micro-batch left them."""
        if job.app_alive and job.runs and job.runs[-1][1] is None:
            tick = self.last_tick(job, ms(now))
            if tick is not None:
                return format_time(tick[0] / 1000.0), tick[1]["rows_per_second"] * max(1, job.runs[-1][2] // 1000)
        return job.last_update_time, job.last_batch_count

    @staticmethod
    def add_row(job, latency, create_ms):
        """An explicit stats row (seeds, the control API), kept in time order."""
        job.stats_rows.append({"rows_per_second": 800, "processing_time": 1200, "min_data_latency": int(latency),
                               "create_time": create_ms})
        job.stats_rows.sort(key=lambda r: r["create_time"])
