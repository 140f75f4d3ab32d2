"""Micro-batch stats of build jobs: the rows of ``GET /stats/{job_id}``, ``data_latency``, and the meta
fields every micro-batch rewrites (docs/kylin-api.md §5.2, §5.7, §6).

A running build job writes one stats row per micro-batch (every trigger interval of its run). The rows
are not stored: they are computed from the run's start when asked for (``job.runs``: ``[start_ms, end_ms or
None, interval_ms]``), at most ``STATS_TICK_LIMIT`` per run and request, so idle jobs cost nothing. Rows
given explicitly (seeds, the control API) are kept in ``job.stats_rows``. Callers hold the store lock.
"""

import zlib

from .jobs import BUILD, format_time, ms

STATS_TICK_LIMIT = 20000  # stats rows generated per run and request at most


class Stats:
    """Computes the micro-batches of a job's runs."""

    def __init__(self, store):
        self.store = store

    @staticmethod
    def tick_row(job, run_start, k, when_ms):
        h = zlib.crc32(("%s:%d:%d" % (job.id, run_start, k)).encode())
        base = job.latency_base
        latency = int(base * (0.85 + (h % 300) / 1000.0)) if job.latency_jitter else int(base)
        return {"rows_per_second": 400 + h % 1600, "processing_time": 300 + (h >> 8) % 2500, "min_data_latency": latency,
                "create_time": when_ms}

    def last_tick(self, job, now_ms):
        """``(time_ms, row)`` of the newest micro-batch of the job's latest run, or None."""
        if job.job_type != BUILD or not job.runs:
            return None
        start, end, interval = job.runs[-1]
        upto = now_ms if end is None else min(end, now_ms)
        count = (upto - start) // interval
        if count < 1:
            return None
        when = start + count * interval
        return when, self.tick_row(job, start, count, when)

    def latest(self, job, now):
        """The newest stats row (explicit or tick) of a build job, or None."""
        tick = self.last_tick(job, ms(now))
        row = job.stats_rows[-1] if job.stats_rows else None
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
            for start, end, interval in job.runs:
                upto = now_ms if end is None else min(end, now_ms)
                last = (upto - start) // interval
                first = max(1, -(-(since_ms - start) // interval))
                first = max(first, last - STATS_TICK_LIMIT + 1)
                for k in range(first, last + 1):
                    rows.append(self.tick_row(job, start, k, start + k * interval))
        rows.sort(key=lambda r: r["create_time"])
        return rows

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
