"""Live stats (docs/kylin-api.md §6, §11.7): one stats row per micro-batch of a running build job, at the job's
trigger interval (``kylin.streaming.duration``) scaled by ``time_scale``; latency behaviours for health gates;
params that fail the launch or make the job lag; ``data_latency`` of the previous run right after a restart.

The assertions are on the rows' own ``create_time`` and the simulator's transitions, never on wall time.
"""

import pytest

from conftest import INTERNAL, Kylin
from kylin_sim.control import SimControlError, wait_until

SCALE = 0.02
DURATION = "kylin.streaming.duration"
BASE = 2000  # ms: the base data latency the tests give their jobs


def live(ctl, **extra):
    values = {"time_scale": SCALE}
    values.update(extra)
    return ctl.set_config(**values)


def running_since(ctl, job_id):
    return [t for t in ctl.transitions(job_id=job_id) if t["to"] == "RUNNING"][-1]["time"]


def stats(kylin, job_id, minutes=60):
    resp = kylin.get("/stats/" + job_id, time_filter=minutes)
    assert resp.status_code == 200, resp.text
    return resp.json()["data"]


def rows_after(ctl, job_id, since, count, timeout=20):
    """The first ``count`` stats rows newer than ``since`` (epoch ms), once there are that many."""
    def enough():
        rows = [r for r in ctl.stats(job_id)["rows"] if r["create_time"] > since]
        return rows[:count] if len(rows) >= count else None
    return wait_until(enough, timeout=timeout, interval=0.05, what="%d micro-batches" % count)


def start(ctl, kylin, job_id):
    assert kylin.act("START", [job_id], "p1").status_code == 200
    ctl.wait_for_status(job_id, "RUNNING", timeout=10)
    return running_since(ctl, job_id)


def test_one_row_per_micro_batch_at_the_jobs_trigger_interval(ctl, kylin, model):
    live(ctl)
    build, dummy = model(build={"params": {DURATION: "10"}})  # 10 s -> 200 ms at the time scale
    since = start(ctl, kylin, build)
    rows = rows_after(ctl, build, 0, 4)
    assert ctl.job(build)["run"]["interval_ms"] == 200
    times = [r["create_time"] for r in rows]
    assert abs(times[0] - (since + 200)) <= 1  # the first micro-batch one trigger interval after RUNNING
    assert [b - a for a, b in zip(times, times[1:])] == [200, 200, 200]
    data = stats(kylin, build)
    assert data["create_time"][:4] == times
    assert data["data_latency_hist"][:4] == [r["min_data_latency"] for r in rows]
    assert len(data["consumption_rate_hist"]) == len(data["processing_time_hist"]) == len(data["create_time"])


def test_stats_interval_overrides_the_params(ctl, kylin, model):
    live(ctl, stats_interval=5.0)  # 100 ms for every job, whatever its kylin.streaming.duration
    build, dummy = model(build={"params": {DURATION: "10"}})
    start(ctl, kylin, build)
    rows = rows_after(ctl, build, 0, 3)
    assert [b["create_time"] - a["create_time"] for a, b in zip(rows, rows[1:])] == [100, 100]


def test_healthy_works_off_a_backlog_after_each_start(ctl, kylin, model):
    live(ctl, backlog_batches=3)
    build, dummy = model(build={"params": {DURATION: "5"}, "latency": "healthy", "data_latency": BASE})
    for dummy_round in range(2):  # after each start
        since = start(ctl, kylin, build)
        latencies = [r["min_data_latency"] for r in rows_after(ctl, build, since, 6)]
        assert latencies == [8 * BASE, 4 * BASE, 2 * BASE, BASE, BASE, BASE]
        assert kylin.act("FORCE_STOP", [build], "p1").status_code == 200
    assert ctl.job(build)["run"]["mode"] == "healthy"


def test_healthy_with_jitter_stays_at_or_under_the_base_after_the_backlog(ctl, kylin, model):
    live(ctl, latency_mode="healthy")  # the config's default for jobs without their own
    build, dummy = model(build={"params": {DURATION: "5"}})
    base = ctl.job(build)["latency_base"]
    since = start(ctl, kylin, build)
    latencies = [r["min_data_latency"] for r in rows_after(ctl, build, since, 8)]
    assert min(latencies[:3]) > base and all(lat <= base for lat in latencies[3:])


def test_lagging_grows_batch_after_batch(ctl, kylin, model):
    live(ctl)
    build, dummy = model(build={"params": {DURATION: "5"}, "latency": "lagging", "data_latency": BASE})
    since = start(ctl, kylin, build)
    latencies = [r["min_data_latency"] for r in rows_after(ctl, build, since, 5)]
    assert latencies == sorted(set(latencies)) and latencies[0] > BASE
    assert kylin.row("p1", build)["data_latency"] >= latencies[-1]


def test_stalled_runs_but_writes_no_row(ctl, kylin, model):
    live(ctl)
    build, dummy = model(build={"params": {DURATION: "5"}, "latency": "stalled"})
    since = start(ctl, kylin, build)
    modified = kylin.row("p1", build)["last_modified"]
    wait_until(lambda: ctl.job(build)["last_status_duration"] >= 1000, timeout=10)  # 10 trigger intervals
    assert ctl.status(build) == "RUNNING" and ctl.stats(build, since=since)["rows"] == []
    assert stats(kylin, build)["create_time"] == []
    row = kylin.row("p1", build)
    assert row["data_latency"] is None and row["last_modified"] == modified


def test_data_latency_shows_the_previous_run_until_the_first_micro_batch(ctl, kylin, model):
    live(ctl)
    build, dummy = model(build={"params": {DURATION: "100"}, "latency": "healthy", "data_latency": BASE})  # 2 s
    first = start(ctl, kylin, build)
    rows_after(ctl, build, first, 5)  # the backlog worked off: rows at the base latency
    assert kylin.act("RESTART", [build], "p1").status_code == 200
    ctl.wait_for_status(build, "RUNNING", timeout=10)
    restarted = running_since(ctl, build)
    previous = [r for r in ctl.stats(build)["rows"] if r["create_time"] <= restarted][-1]
    seen = kylin.row("p1", build)["data_latency"]
    if not ctl.stats(build, since=restarted + 1)["rows"]:  # read before the new run's first micro-batch
        assert seen == previous["min_data_latency"] == BASE
    (new,) = rows_after(ctl, build, restarted, 1)
    assert new["create_time"] - restarted >= 2000 - 1 and new["min_data_latency"] == 8 * BASE
    assert kylin.row("p1", build)["data_latency"] in (8 * BASE, 4 * BASE)


def test_a_stalled_restart_keeps_showing_the_old_latency(ctl, kylin, model):
    live(ctl)
    build, dummy = model(build={"params": {DURATION: "5"}, "data_latency": BASE})
    start(ctl, kylin, build)
    old = rows_after(ctl, build, 0, 2)[-1]
    ctl.patch_job(build, latency="stalled")  # from its next start
    assert kylin.act("RESTART", [build], "p1").status_code == 200
    ctl.wait_for_status(build, "RUNNING", timeout=10)
    restarted = running_since(ctl, build)
    wait_until(lambda: ctl.job(build)["last_status_duration"] >= 500, timeout=10)
    assert ctl.stats(build, since=restarted)["rows"] == []
    shown = kylin.row("p1", build)["data_latency"]
    assert shown is not None and shown >= old["min_data_latency"] * 0.85  # the trap: a figure of the old run


def test_params_that_fail_the_launch_and_their_rollback(ctl, kylin, model):
    live(ctl, param_effects=[{"key": "spark.executor.memory", "value": "64g", "effect": "launch_error"}])
    build, dummy = model(build={"status": "RUNNING"})
    internal = Kylin(kylin.url, accept=INTERNAL)
    good = ctl.job(build)["params"]
    bad = dict(good, **{"spark.executor.memory": "64g"})
    assert internal.put("/params", {"project": "p1", "job_id": build, "params": bad}).status_code == 200
    assert ctl.status(build) == "RUNNING"  # read at launch only
    assert kylin.act("RESTART", [build], "p1").status_code == 200
    ctl.wait_for_status(build, "LAUNCHING_ERROR", timeout=10)
    assert kylin.row("p1", build)["launching_error"] is True
    assert internal.put("/params", {"project": "p1", "job_id": build, "params": good}).status_code == 200
    assert kylin.act("START", [build], "p1").status_code == 200
    ctl.wait_for_status(build, "RUNNING", timeout=10)
    causes = [(t["to"], t["cause"]) for t in ctl.transitions(job_id=build)][-4:]
    assert causes == [("STARTING", "RESTART"), ("LAUNCHING_ERROR", "launch_failure"), ("STARTING", "START"),
                      ("RUNNING", "launch")]


def test_params_that_make_the_job_lag(ctl, kylin, model):
    live(ctl, param_effects=[{"key": "kylin.streaming.kafka-conf.maxOffsetsPerTrigger", "value": "10",
                              "effect": "lagging"}])
    build, dummy = model(build={"params": {DURATION: "5", "kylin.streaming.kafka-conf.maxOffsetsPerTrigger": "10"}})
    since = start(ctl, kylin, build)
    assert ctl.job(build)["run"]["mode"] == "lagging"
    latencies = [r["min_data_latency"] for r in rows_after(ctl, build, since, 4)]
    assert latencies == sorted(set(latencies))


def test_time_filter_and_bad_settings(ctl, kylin, model):
    live(ctl, stats_interval=3000.0)  # a row a minute (time_filter counts real minutes)
    build, dummy = model(build={"status": "RUNNING", "records": [["START", 3 * 3600]]})  # running for 3 hours
    assert len(stats(kylin, build, minutes=30)["create_time"]) in (30, 31)
    assert len(stats(kylin, build, minutes=10)["create_time"]) in (10, 11)
    assert len(ctl.stats(build)["rows"]) in (180, 181)
    for bad in ({"latency_mode": "fast"}, {"param_effects": [{"key": "x", "effect": "explode"}]},
                {"param_effects": {"key": "x"}}, {"stats_interval": "often"}):
        with pytest.raises(SimControlError) as info:
            ctl.set_config(**bad)
        assert info.value.status == 400, bad
    with pytest.raises(SimControlError) as info:
        ctl.patch_job(build, latency="slow", status="STOPPED")
    assert info.value.status == 400 and ctl.status(build) == "RUNNING"  # refused before anything changed


def test_generated_jobs_take_a_latency_mode(ctl):
    made = ctl.generate("g", 3, status="RUNNING", latency="stalled")
    builds = [j for j in ctl.jobs(project="g") if j["job_type"] == "STREAMING_BUILD"]
    assert made["count"] == 3 and {j["latency"] for j in builds} == {"stalled"}
    assert {j["run"]["mode"] for j in builds} == {"stalled"}
    with pytest.raises(SimControlError) as info:
        ctl.generate("h", 2, latency="wobbly")
    assert info.value.status == 400 and ctl.jobs(project="h") == []
