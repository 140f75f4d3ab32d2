"""A real Kylin's slow requests: serialized kills, per-START/STOP work, requests that outlive their client.

Every test scales the real durations down with ``time_scale``, and asserts on the simulator's own
logs (``/_sim/kills``, ``/_sim/actions``, ``/_sim/transitions``) and state, not on wall time.
"""

import threading
import time

import pytest
import requests

from conftest import API, PUBLIC, Kylin, error_of
from kylin_sim.control import wait_until
from kylin_sim.state import DEFAULT_CONFIG, Store

SCALE = 0.02  # 21 s kill -> 0.42 s, 1 s START work -> 0.02 s
LONG_KILL = 60.0  # 1.2 s: time for the test to act while a kill is still going on


def real_timing(ctl, **extra):
    """The real defaults for the work inside requests, scaled down."""
    values = {"time_scale": SCALE, "kill_delay": 21.0, "kill_idle_delay": 0.1, "start_work": 1.0, "stop_work": 0.2,
              "start_delay": 2.0 / SCALE * 0.3, "yarn_accept_delay": 0.15 / SCALE, "stop_delay": 0.2 / SCALE}
    values.update(extra)
    return ctl.set_config(**values)


def in_background(sim, action, job_ids, project="p1", timeout=30):
    """Send a PUT /status from another thread; returns (thread, result dict filled when it ends)."""
    result = {}

    def run():
        try:
            result["response"] = Kylin(sim.url).session.put(
                sim.url + API + "/status", json={"action": action, "job_ids": job_ids, "project": project},
                headers={"Accept": PUBLIC}, timeout=timeout)
        except requests.RequestException as exc:
            result["error"] = exc
    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    return worker, result


def transitions_to(ctl, job_id, status):
    return [t for t in ctl.transitions(job_id=job_id) if t["to"] == status]


def test_real_defaults():
    config = Store().config
    assert DEFAULT_CONFIG["kill_delay"] == 21.0 and config["kill_delay"] == 21.0
    assert config["kill_idle_delay"] == 0.1 and config["start_work"] == 1.0 and config["stop_work"] == 0.2
    assert config["time_scale"] == 1.0


def test_time_scale_multiplies_durations_at_use_time(ctl):
    store = Store({"start_delay": 2.0, "kill_delay": 21.0})
    assert store.seconds("kill_delay") == 21.0
    store.config["time_scale"] = 0.5
    assert store.seconds("kill_delay") == 10.5 and store.seconds("start_delay") == 1.0
    assert ctl.set_config(time_scale=0.25)["time_scale"] == 0.25


def test_time_scale_applies_to_start_delay(ctl, kylin, model):
    build, dummy = model()
    ctl.set_config(start_delay=500.0, yarn_accept_delay=100.0, time_scale=0.001)
    assert kylin.act("START", [build], "p1").status_code == 200
    ctl.wait_for_status(build, "RUNNING", timeout=10)


def test_force_stop_kills_a_live_driver_with_kill_delay_showing_stopping(ctl, kylin, model, sim):
    build, dummy = model(build={"status": "RUNNING"})
    real_timing(ctl, kill_delay=LONG_KILL)
    worker, result = in_background(sim, "FORCE_STOP", [build])
    # The store lock is free during the kill: a reader sees STOPPING while the PUT is still in progress.
    wait_until(lambda: kylin.row("p1", build)["job_status"] == "STOPPING", timeout=5)
    assert worker.is_alive() and ctl.job(build)["skip_listener"] is True
    worker.join(10)
    assert result["response"].status_code == 200
    job = ctl.job(build)
    assert job["status"] == "STOPPED" and job["app_exists"] is False and job["skip_listener"] is False
    kills = ctl.request("GET", "/_sim/kills", job_id=build)["kills"]
    assert len(kills) == 1 and kills[0]["live_driver"] is True and kills[0]["cause"] == "FORCE_STOP"
    assert kills[0]["end"] - kills[0]["start"] >= int(LONG_KILL * SCALE * 1000) - 1
    path = [(t["from"], t["to"]) for t in ctl.transitions(job_id=build)]
    assert path[-2:] == [("RUNNING", "STOPPING"), ("STOPPING", "STOPPED")]


def test_force_stop_of_a_stopped_job_is_an_idle_kill_with_a_new_stop_record(ctl, kylin, model):
    build, dummy = model(build={"status": "STOPPED", "records": [["STOP", 3600]]})
    real_timing(ctl)
    before = kylin.row("p1", build)["last_status_duration"]
    assert before >= 3600 * 1000
    assert kylin.act("FORCE_STOP", [build], "p1").status_code == 200
    kills = ctl.request("GET", "/_sim/kills", job_id=build)["kills"]
    assert len(kills) == 1 and kills[0]["live_driver"] is False
    assert kills[0]["end"] - kills[0]["start"] < int(21.0 * SCALE * 1000)
    records = kylin.records(build)
    assert [r["action"] for r in records] == ["STOP", "STOP"]
    assert kylin.row("p1", build)["last_status_duration"] < 3600 * 1000
    assert ctl.status(build) == "STOPPED"


def test_concurrent_force_stops_never_overlap_kills_across_projects(ctl, kylin, model, sim):
    jobs_p1 = model("a", "p1", build={"status": "RUNNING"}, merge={"status": "RUNNING"})
    jobs_p2 = model("b", "p2", build={"status": "RUNNING"}, merge={"status": "RUNNING"})
    real_timing(ctl)
    first = in_background(sim, "FORCE_STOP", list(jobs_p1), "p1")
    second = in_background(sim, "FORCE_STOP", list(jobs_p2), "p2")
    for worker, result in (first, second):
        worker.join(20)
        assert result["response"].status_code == 200
    kills = sorted(ctl.request("GET", "/_sim/kills")["kills"], key=lambda k: k["start"])
    assert sorted(k["job_id"] for k in kills) == sorted(jobs_p1 + jobs_p2)
    assert all(k["live_driver"] for k in kills)
    for earlier, later in zip(kills, kills[1:]):
        assert later["start"] >= earlier["end"], kills
    assert {j["status"] for j in ctl.jobs()} == {"STOPPED"}
    # Every job showed STOPPING from the moment its request reached it until its own kill ended.
    for job_id in jobs_p1 + jobs_p2:
        assert len(transitions_to(ctl, job_id, "STOPPING")) == 1 and len(transitions_to(ctl, job_id, "STOPPED")) == 1


def test_restart_is_a_kill_then_the_start_work_one_job_after_another(ctl, kylin, model):
    build, merge = model(build={"status": "RUNNING"}, merge={"status": "RUNNING"})
    old_app = ctl.job(build)["yarn_app_id"]
    real_timing(ctl)
    assert kylin.act("RESTART", [build, merge], "p1").status_code == 200
    for job_id in (build, merge):  # (a launch may have ended since: RUNNING, cause "launch")
        path = [(t["from"], t["to"]) for t in ctl.transitions(job_id=job_id) if t["cause"] == "RESTART"]
        assert path == [("RUNNING", "STOPPING"), ("STOPPING", "STOPPED"), ("STOPPED", "STARTING")]
    kills = ctl.request("GET", "/_sim/kills")["kills"]
    assert [k["job_id"] for k in kills] == [build, merge] and all(k["cause"] == "RESTART" for k in kills)
    # The merge job's kill began only after the build job was STARTING: one job after another.
    build_starting = transitions_to(ctl, build, "STARTING")[-1]["time"]
    assert kills[1]["start"] >= build_starting
    assert [a["action"] for a in ctl.actions()] == ["RESTART", "RESTART"]
    ctl.wait_for_status(build, "RUNNING", timeout=10)
    assert ctl.job(build)["yarn_app_id"] != old_app


def test_start_work_shows_earlier_jobs_starting_while_the_put_goes_on(ctl, kylin, model, sim):
    ids = [model("m%d" % i)[0] for i in range(3)]
    real_timing(ctl, start_work=40.0, start_delay=1000.0)  # 0.8 s per START, no launch ends during the test
    worker, result = in_background(sim, "START", ids)
    wait_until(lambda: ctl.status(ids[0]) == "STARTING", timeout=5)
    assert worker.is_alive()
    rows = {r["uuid"]: r["job_status"] for r in kylin.rows(project="p1", job_ids=",".join(ids))["value"]}
    assert rows[ids[0]] == "STARTING" and rows[ids[-1]] == "STOPPED"
    worker.join(10)
    assert result["response"].status_code == 200
    times = [transitions_to(ctl, job_id, "STARTING")[0]["time"] for job_id in ids]
    assert times == sorted(times)
    assert all(later - earlier >= int(40.0 * SCALE * 1000) - 1 for earlier, later in zip(times, times[1:]))


def test_start_work_is_serialized_per_project(ctl, model, sim):
    one = model("a", "p1")[0]
    two = model("b", "p1")[0]
    real_timing(ctl, start_work=10.0)
    workers = [in_background(sim, "START", [one]), in_background(sim, "START", [two])]
    for worker, result in workers:
        worker.join(10)
        assert result["response"].status_code == 200
    times = sorted(transitions_to(ctl, job_id, "STARTING")[0]["time"] for job_id in (one, two))
    assert times[1] - times[0] >= int(10.0 * SCALE * 1000) - 1


def test_start_waits_for_a_kill_on_the_node(ctl, model, sim):
    running = model("a", "p1", build={"status": "RUNNING"})[0]
    stopped = model("b", "p2")[0]
    real_timing(ctl)
    killer = in_background(sim, "FORCE_STOP", [running], "p1")
    wait_until(lambda: ctl.status(running) == "STOPPING", timeout=5)
    starter = in_background(sim, "START", [stopped], "p2")
    for worker, result in (killer, starter):
        worker.join(10)
        assert result["response"].status_code == 200
    kill = ctl.request("GET", "/_sim/kills", job_id=running)["kills"][0]
    assert transitions_to(ctl, stopped, "STARTING")[0]["time"] >= kill["end"]


def test_stop_work_is_spent_per_stop(ctl, kylin, model):
    build, merge = model(build={"status": "RUNNING"}, merge={"status": "RUNNING"})
    real_timing(ctl, stop_work=10.0)
    assert kylin.act("STOP", [build, merge], "p1").status_code == 200
    times = [transitions_to(ctl, job_id, "STOPPING")[0]["time"] for job_id in (build, merge)]
    assert times[1] - times[0] >= int(10.0 * SCALE * 1000) - 1


def test_a_client_that_times_out_does_not_stop_the_put(ctl, model, sim):
    ids = [model("m%d" % i, build={"status": "RUNNING"})[0] for i in range(3)]
    real_timing(ctl)
    body = {"action": "FORCE_STOP", "job_ids": ids, "project": "p1"}
    with pytest.raises(requests.exceptions.ReadTimeout):
        Kylin(sim.url).session.put(sim.url + API + "/status", json=body, headers={"Accept": PUBLIC}, timeout=0.2)
    gave_up = int(time.time() * 1000)
    wait_until(lambda: len(ctl.actions()) == 3, timeout=10)
    assert [(a["job_id"], a["action"], a["ok"]) for a in ctl.actions()] == [(i, "FORCE_STOP", True) for i in ids]
    assert [ctl.status(i) for i in ids] == ["STOPPED"] * 3
    kills = ctl.request("GET", "/_sim/kills")["kills"]
    assert len(kills) == 3 and kills[-1]["end"] > gave_up  # the server went on after its client had gone


def test_a_reset_drops_a_request_that_is_still_working(ctl, model, sim):
    ids = [model("m%d" % i, build={"status": "RUNNING"})[0] for i in range(3)]
    real_timing(ctl, kill_delay=LONG_KILL)
    worker, result = in_background(sim, "FORCE_STOP", ids)
    wait_until(lambda: ctl.status(ids[0]) == "STOPPING", timeout=5)
    ctl.reset("empty")
    worker.join(10)
    assert "error" in result  # the connection was closed without an answer
    assert ctl.actions() == [] and ctl.jobs() == []


def test_kill_of_a_job_dropped_meanwhile_is_answered_like_kylin(ctl, kylin, model, sim):
    build, dummy = model(build={"status": "RUNNING"})
    real_timing(ctl, kill_delay=LONG_KILL)
    worker, result = in_background(sim, "RESTART", [build])
    wait_until(lambda: ctl.status(build) == "STOPPING", timeout=5)
    ctl.delete_model(build[:-len("_build")])
    worker.join(10)
    error_of(result["response"], 500, None)
    assert kylin.records(build)[0]["action"] == "STOP"
