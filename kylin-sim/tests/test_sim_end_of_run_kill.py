"""The end-of-run kill (docs/kylin-api.md §11.1): when a graceful STOP's driver finishes, or the app fails at
run time, the listener kills what is left of it under the node-wide kill lock before it writes STOPPED (ERROR).

Durations are the real ones scaled by ``time_scale``; the assertions are on the order and spacing of the
simulator's own kill log and transitions, with the spacing taken from the kill log, not from wall time.
"""

from conftest import Kylin
from kylin_sim.control import wait_until
from test_sim_real_timing import in_background

SCALE = 0.02
KILL_MS = int(21.0 * SCALE * 1000)  # 420 ms a kill with a live driver


def real_kills(ctl, **extra):
    """Real kill durations, scaled; a graceful stop that ends after one short micro-batch."""
    values = {"time_scale": SCALE, "kill_delay": 21.0, "kill_idle_delay": 0.1, "stop_delay": 0.1 / SCALE}
    values.update(extra)
    return ctl.set_config(**values)


def to(ctl, job_id, status):
    return [t for t in ctl.transitions(job_id=job_id) if t["to"] == status]


def test_n_jobs_stopped_gracefully_reach_stopped_one_kill_apart(ctl, kylin, model):
    ids = [model("m%d" % i, build={"status": "RUNNING"})[0] for i in range(3)]
    real_kills(ctl)
    assert kylin.act("STOP", ids, "p1").status_code == 200
    assert {ctl.status(i) for i in ids} == {"STOPPING"}
    for job_id in ids:
        ctl.wait_for_status(job_id, "STOPPED", timeout=20)
    kills = ctl.kills()
    assert [(k["job_id"], k["by"], k["cause"], k["live_driver"]) for k in kills] == [
        (i, "listener", "stopped", True) for i in ids]
    for earlier, later in zip(kills, kills[1:]):
        assert later["start"] >= earlier["end"]  # one at a time on the node
    assert all(k["end"] - k["start"] >= KILL_MS - 1 for k in kills)
    stopped = [to(ctl, i, "STOPPED")[0] for i in ids]
    for kill, transition in zip(kills, stopped):
        assert transition["time"] >= kill["end"] and transition["end_of_run_kill"] is True
        assert transition["cause"] == "stopped" and transition["from"] == "STOPPING"
    times = [t["time"] for t in stopped]
    assert all(b - a >= KILL_MS - 1 for a, b in zip(times, times[1:]))  # STOPPED about a kill apart
    assert [a["action"] for a in ctl.actions()] == ["STOP"] * 3


def test_a_runtime_failure_is_killed_before_error(ctl, kylin, model):
    real_kills(ctl)
    build, dummy = model(build={"status": "RUNNING", "fail_after": 0.05})
    ctl.wait_for_status(build, "ERROR", timeout=20)
    kills = ctl.kills(job_id=build)
    assert [(k["by"], k["cause"]) for k in kills] == [("listener", "runtime_failure")]
    error = to(ctl, build, "ERROR")[0]
    assert error["cause"] == "runtime_failure" and error["end_of_run_kill"] is True and error["time"] >= kills[0]["end"]
    assert kylin.records(build)[0]["action"] == "ERROR"


def test_the_job_stays_stopping_while_the_listener_kills(ctl, kylin, model):
    build, dummy = model(build={"status": "RUNNING"})
    real_kills(ctl, kill_delay=100.0)  # 2 s
    assert kylin.act("STOP", [build], "p1").status_code == 200
    wait_until(lambda: ctl.job(build)["app_alive"] is False, timeout=5, what="the driver finished")
    assert kylin.row("p1", build)["job_status"] == "STOPPING" and ctl.job(build)["pending"] == ["stop_killed"]
    ctl.wait_for_status(build, "STOPPED", timeout=20)


def test_a_force_stop_sent_meanwhile_queues_behind_the_listener_kill(ctl, model, sim):
    build, dummy = model(build={"status": "RUNNING"})
    real_kills(ctl, kill_delay=50.0)  # 1 s
    assert Kylin(sim.url).act("STOP", [build], "p1").status_code == 200
    wait_until(lambda: ctl.kills() == [] and "stop_killed" in ctl.job(build)["pending"], timeout=5)
    worker, result = in_background(sim, "FORCE_STOP", [build])
    worker.join(20)
    assert result["response"].status_code == 200
    kills = ctl.kills(job_id=build)
    assert [(k["by"], k["cause"], k["live_driver"]) for k in kills] == [
        ("listener", "stopped", True), ("request", "FORCE_STOP", False)]
    assert kills[1]["start"] >= kills[0]["end"]
    path = [(t["from"], t["to"], t["cause"]) for t in ctl.transitions(job_id=build)]
    assert path[-2:] == [("RUNNING", "STOPPING", "STOP"), ("STOPPING", "STOPPED", "FORCE_STOP")]
    assert ctl.status(build) == "STOPPED"


def test_a_listener_kill_queues_behind_a_request_kill(ctl, kylin, model, sim):
    running = model("a", build={"status": "RUNNING"})[0]
    stopping = model("b", build={"status": "RUNNING"})[0]
    real_kills(ctl)
    assert kylin.act("STOP", [stopping], "p1").status_code == 200
    worker, result = in_background(sim, "FORCE_STOP", [running])
    worker.join(20)
    ctl.wait_for_status(stopping, "STOPPED", timeout=20)
    kills = ctl.kills()
    assert sorted(k["job_id"] for k in kills) == sorted([running, stopping])
    for earlier, later in zip(kills, kills[1:]):
        assert later["start"] >= earlier["end"]


def test_the_old_behaviour_on_demand(ctl, kylin, model):
    build, dummy = model(build={"status": "RUNNING"})
    real_kills(ctl, end_of_run_kill=False)
    assert kylin.act("STOP", [build], "p1").status_code == 200
    ctl.wait_for_status(build, "STOPPED", timeout=10)
    assert ctl.kills() == []
    assert to(ctl, build, "STOPPED")[0]["end_of_run_kill"] is False
