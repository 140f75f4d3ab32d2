"""One test per fault kind, and a server restart with --state-file (in a subprocess)."""

import os
import time

import pytest
import requests

from conftest import API, PUBLIC, Kylin


def test_error_count_answers_proxy_errors_without_processing(ctl, kylin, model):
    build, dummy = model()
    ctl.set_faults(error_count=2)
    first = kylin.act("START", [build], "p1")
    assert first.status_code == 503 and "503 Service Temporarily Unavailable" in first.text
    assert first.headers["Content-Type"].startswith("text/html")
    assert kylin.get().status_code == 503
    assert ctl.status(build) == "STOPPED"
    assert kylin.get().status_code == 200
    counters = ctl.counters()
    assert counters["faults"]["error"] == 2 and counters["statuses"]["503"] == 2


def test_error_statuses_and_methods(ctl, kylin, model):
    build, dummy = model()
    ctl.set_faults(error_count=3, error_statuses=[500], error_methods=["PUT"])
    assert kylin.get().status_code == 200  # GET is not in error_methods
    resp = kylin.act("START", [build], "p1")
    assert resp.status_code == 500 and resp.json()["code"] == "999"
    ctl.set_faults(error_statuses=[504])
    assert kylin.act("START", [build], "p1").status_code == 504
    assert ctl.status(build) == "STOPPED"


def test_a_503_as_kylin_json_or_as_a_proxy_page(ctl, kylin, model):
    """``error_json_statuses``: a 503 answered with Kylin's JSON error body, or by default with a proxy's HTML page;
    either way nothing is applied."""
    build, dummy = model()
    ctl.set_faults(error_count=1, error_statuses=[503], error_methods=["PUT"], error_json_statuses=[500, 503])
    resp = kylin.act("START", [build], "p1")
    assert resp.status_code == 503 and resp.headers["Content-Type"].startswith("application/json")
    body = resp.json()
    assert body["code"] == "999" and "Simulated server fault" in body["msg"]
    ctl.set_faults(error_count=1, error_json_statuses=None)  # back to the default: only 500 as JSON
    resp = kylin.act("START", [build], "p1")
    assert resp.status_code == 503 and resp.headers["Content-Type"].startswith("text/html")
    assert "503 Service Temporarily Unavailable" in resp.text
    assert ctl.status(build) == "STOPPED" and ctl.actions(job_id=build) == []
    assert ctl.counters()["faults"]["error"] == 2


def test_error_rate_is_seeded(ctl, kylin, model):
    model()
    outcomes = []
    for dummy in range(2):
        ctl.set_faults(error_rate=0.5, seed=42)
        outcomes.append([kylin.get().status_code for dummy in range(20)])
    assert outcomes[0] == outcomes[1]
    assert 0 < outcomes[0].count(503) < 20


def test_html_error_page(ctl, kylin, model):
    model()
    ctl.set_faults(html_error_count=1)
    resp = kylin.get()
    assert resp.status_code == 502 and resp.text.startswith("<html>") and "nginx" in resp.text
    assert kylin.get().status_code == 200


def test_non_json_200(ctl, kylin, model):
    model()
    ctl.set_faults(non_json_count=1)
    resp = kylin.get()
    assert resp.status_code == 200
    with pytest.raises(ValueError):
        resp.json()
    assert kylin.get().json()["code"] == "000"


def test_latency(ctl, kylin, model):
    model()
    ctl.set_faults(latency=0.3)
    began = time.monotonic()
    assert kylin.get().status_code == 200
    assert time.monotonic() - began >= 0.3
    began = time.monotonic()
    ctl.health()  # the control API is never delayed
    assert time.monotonic() - began < 0.3


def test_drop_before_processing(ctl, kylin, model):
    build, dummy = model()
    ctl.set_faults(drop_count=1)
    with pytest.raises(requests.exceptions.ConnectionError):
        kylin.act("START", [build], "p1")
    assert ctl.status(build) == "STOPPED"
    assert kylin.get().status_code == 200  # the client reconnects
    ctl.set_faults(drop_rate=1.0)
    with pytest.raises(requests.exceptions.ConnectionError):
        kylin.get()
    assert ctl.counters()["faults"]["drop"] == 2


def test_lose_response_applies_the_put(ctl, kylin, model):
    build, merge = model()
    ctl.set_faults(lose_response_count=1, lose_response_actions=["START"])
    assert kylin.act("FORCE_STOP", [merge], "p1").status_code == 200  # not a START: answered
    with pytest.raises(requests.exceptions.ConnectionError):
        kylin.act("START", [build], "p1")
    assert ctl.status(build) == "STARTING"  # applied, answer lost
    assert ctl.faults()["lose_response_count"] == 0


def test_hang_response_applies_the_put_and_holds_the_answer(ctl, kylin, model):
    build, dummy = model()
    ctl.set_faults(hang_response_count=1, hang_seconds=1.0)
    with pytest.raises(requests.exceptions.Timeout):
        kylin.session.put(kylin.url + API + "/status", json={"project": "p1", "action": "START", "job_ids": [build]},
                          headers={"Accept": PUBLIC}, timeout=0.3)
    assert ctl.status(build) in ("STARTING", "RUNNING")  # applied; start_delay is 0.3 s
    assert [a["ok"] for a in ctl.actions(job_id=build)] == [True]


def test_reset_clears_faults_and_control_api_is_never_faulted(ctl, kylin):
    ctl.set_faults(error_count=5, drop_count=5)
    assert ctl.health()["jobs"] == 0
    ctl.reset()
    assert ctl.faults() == {}
    assert kylin.get().status_code == 200


def test_bad_fault_settings_are_refused(ctl):
    from kylin_sim.control import SimControlError  # pylint: disable=import-outside-toplevel
    with pytest.raises(SimControlError):
        ctl.set_faults(no_such_fault=1)
    with pytest.raises(SimControlError):
        ctl.set_faults(error_rate=2)


# ---------------------------------------------------------------- restart with --state-file

@pytest.mark.kylin_sim(process=True, state_file=True, config={"start_delay": 0.4, "yarn_accept_delay": 0.2, "stop_delay": 5})
def test_restart_with_state_file_applies_kylin_resume_semantics(kylin_sim):
    ctl = kylin_sim.ctl
    kylin = Kylin(kylin_sim.url)
    running, stopping = ctl.add_model("p1", "a", build={"status": "RUNNING"}, merge={"status": "STOPPING"})["job_ids"]
    error, stopped = ctl.add_model("p1", "b", build={"status": "ERROR"})["job_ids"]
    starting, launching = ctl.add_model("p1", "c", merge={"status": "LAUNCHING_ERROR"})["job_ids"]
    assert kylin.act("START", [starting], "p1").status_code == 200
    first_app = ctl.job(running)["yarn_app_id"]
    records_before = {j: len(kylin.records(j)) for j in (running, stopping, error, stopped, starting, launching)}
    first_pid = kylin_sim.process.pid
    kylin_sim.kill()  # no goodbye: the state was saved after every change
    kylin_sim.start()  # same port, same state file
    assert kylin_sim.process.pid != first_pid
    kylin = Kylin(kylin_sim.url)
    statuses = {j["id"]: j["status"] for j in ctl.jobs()}
    assert statuses == {running: "STARTING", stopping: "ERROR", error: "ERROR", stopped: "STOPPED",
                        starting: "STARTING", launching: "LAUNCHING_ERROR"}
    assert kylin.records(running)[0]["action"] == "STOP"  # killed and set STOPPED, then resubmitted
    assert kylin.records(starting)[0]["action"] == "STOP"
    assert kylin.records(stopping)[0]["action"] == "ERROR"
    assert len(kylin.records(error)) == records_before[error]  # ERROR -> ERROR writes nothing
    assert len(kylin.records(stopped)) == records_before[stopped]
    assert {t["cause"] for t in ctl.transitions()} == {"restart_resume"}
    ctl.wait_for_status(running, "RUNNING", timeout=5)
    assert ctl.job(running)["yarn_app_id"] != first_app
    assert os.path.isfile(kylin_sim.state_file)
