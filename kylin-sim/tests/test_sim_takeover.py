"""Epoch take-overs (docs/kylin-api.md §11.2): ``resumeJobs`` kills and relaunches a project's jobs one at a time
while writes wait, and the held writes are applied afterwards, even when their client has given up; a dead
owner's epoch refuses forwarded writes with KE-010021002 until it expires.

Kill durations are the real ones scaled by ``time_scale``; assertions are on the journal's order and times.
"""

import pytest
import requests

from conftest import API, INTERNAL, PUBLIC, Kylin, error_of
from kylin_sim.control import wait_until
from test_sim_journal import put_status
from test_sim_real_timing import in_background

SCALE = 0.02
KILL_MS = int(21.0 * SCALE * 1000)


def scaled(ctl, **extra):
    values = {"time_scale": SCALE, "kill_delay": 21.0, "kill_idle_delay": 0.1, "start_delay": 1.0, "stop_delay": 1000.0}
    values.update(extra)
    return ctl.set_config(**values)


def causes(ctl, job_id):
    return [(t["from"], t["to"]) for t in ctl.transitions(job_id=job_id) if t["cause"] == "takeover"]


def test_a_held_write_waits_for_resume_jobs_and_is_applied_after_its_client_gave_up(ctl, model, sim):
    scaled(ctl, start_delay=5000.0)  # the STARTING job is still launching when the take-over kills it
    running = model("a", build={"status": "RUNNING"})[0]
    starting = model("b", build={"status": "STARTING"})[0]
    stopping = model("c", build={"status": "STOPPING"})[0]
    errored = model("d", build={"status": "ERROR"})[0]
    stopped = model("e")[0]
    ctl.set_faults(hold_write=1)
    with pytest.raises(requests.exceptions.ReadTimeout):
        put_status(sim, "START", [stopped], {"X-Request-Id": "held"}, timeout=0.5)
    wait_until(ctl.actions, timeout=20, what="the held START to be applied")
    kills = ctl.kills()
    assert [(k["job_id"], k["by"], k["live_driver"]) for k in kills] == [
        (running, "takeover", True), (starting, "takeover", True), (stopping, "takeover", True),
        (errored, "takeover", False)]
    for earlier, later in zip(kills, kills[1:]):
        assert later["start"] >= earlier["end"]
    assert causes(ctl, running) == [("RUNNING", "STOPPED"), ("STOPPED", "STARTING")]
    assert causes(ctl, starting) == [("STARTING", "STOPPED"), ("STOPPED", "STARTING")]
    assert causes(ctl, stopping) == [("STOPPING", "ERROR")]
    assert causes(ctl, errored) == [] and ctl.status(errored) == "ERROR"
    (action,) = ctl.actions()
    assert (action["job_id"], action["ok"], action["request_id"]) == (stopped, True, "held")
    assert action["held_ms"] >= 3 * KILL_MS - 5 and action["client_gone"] is True and action["answer_lost"] is True
    started = [t for t in ctl.transitions(job_id=stopped) if t["to"] == "STARTING"][0]
    assert started["time"] >= kills[-1]["end"] and started["request_id"] == "held"
    assert ctl.counters()["faults"]["hold_write"] == 1


def test_other_writes_wait_for_the_take_over_too(ctl, model, sim):
    jobs = [model("m%d" % i, build={"status": "RUNNING"})[0] for i in range(3)]
    other = model("x", project="p2")[0]
    scaled(ctl)
    ctl.set_faults(hold_write=1)
    first = in_background(sim, "START", [model("fresh")[0]])
    wait_until(lambda: ctl.status(jobs[0]) != "RUNNING", timeout=5, what="the take-over to begin")
    second = in_background(sim, "START", [other], project="p2")  # another project: the scheduler's lock is static
    for worker, result in (first, second):
        worker.join(20)
        assert result["response"].status_code == 200
    last_kill = ctl.kills()[-1]
    waited = ctl.actions(job_id=other)[0]
    assert waited["held_ms"] > 0 and waited["time"] >= last_kill["end"]
    assert ctl.job(other)["status"] in ("STARTING", "RUNNING")


def test_hold_seconds_is_the_least_a_hold_lasts_and_params_are_held_too(ctl, model, sim):
    build, dummy = model()
    scaled(ctl)
    ctl.set_faults(hold_write=1, hold_seconds=0.4)
    body = {"project": "p1", "job_id": build, "params": {"spark.executor.cores": "3"}}
    assert Kylin(sim.url, accept=INTERNAL).put("/params", body).status_code == 200
    (write,) = ctl.param_writes()
    assert write["held_ms"] >= 400 and write["ok"] and ctl.job(build)["params"] == {"spark.executor.cores": "3"}
    assert ctl.kills() == []  # nothing to kill in the project


def test_a_dead_owner_refuses_writes_until_its_epoch_expires(ctl, kylin, model):
    running = model("a", build={"status": "RUNNING"})[0]
    stopped = model("b")[0]
    scaled(ctl, nodes=2)
    ctl.set_faults(owner_down=1.0)
    body = error_of(kylin.act("START", [stopped], "p1"), 500, "KE-010021002")
    assert body["msg"] == "KE-010021002(System Is Recover):System is trying to recover service. Please try again later."
    assert kylin.row("p1", running)["job_status"] == "RUNNING"  # reads go on
    assert ctl.actions() == [] and ctl.status(stopped) == "STOPPED"
    assert ctl.nodes()["owner"] == 0
    wait_until(lambda: kylin.act("START", [stopped], "p1").status_code == 200, timeout=20, interval=0.1,
               what="the epoch to expire")
    assert ctl.nodes()["owner"] == 1  # the other node took the epoch ...
    wait_until(lambda: causes(ctl, running) == [("RUNNING", "STOPPED"), ("STOPPED", "STARTING")], timeout=10)
    kill = ctl.kills(job_id=running)[0]  # ... and resumed the project's jobs
    assert kill["by"] == "takeover" and kill["live_driver"] is True
    (action,) = ctl.actions()
    assert action["job_id"] == stopped and action["ok"]
    refusals = ctl.counters()["refusals"]["KE-010021002"]
    assert refusals >= 1 and ctl.faults().get("owner_down") is None


def test_without_a_fault_nothing_is_held(ctl, kylin, model):
    build, dummy = model()
    assert kylin.act("START", [build], "p1").status_code == 200
    assert ctl.actions()[0]["held_ms"] == 0
    assert requests.get(kylin.url + API, params={"project": "p1"}, headers={"Accept": PUBLIC},
                        auth=("ADMIN", "KYLIN"), timeout=10).status_code == 200
