"""The journal a model-based checker reads: who sent each action (user, User-Agent, request id), what it did,
and what its client could know of it (client gone, answer lost), transitions with their request, params writes.
"""

import pytest
import requests

from conftest import API, INTERNAL, PUBLIC, Kylin
from kylin_sim.control import wait_until
from test_sim_real_timing import real_timing

FIELDS = {"time", "job_id", "action", "user", "status_before", "status_after", "ok", "error_code", "request_id",
          "user_agent", "node", "client_gone", "answer_lost", "held_ms"}


def put_status(sim, action, job_ids, headers=None, timeout=10, project="p1"):
    return requests.put(sim.url + API + "/status", json={"action": action, "job_ids": job_ids, "project": project},
                        headers=dict({"Accept": PUBLIC}, **(headers or {})), auth=("ADMIN", "KYLIN"), timeout=timeout)


def test_every_action_names_its_request_and_client(ctl, model, sim):
    build, merge = model()
    resp = put_status(sim, "START", [build, merge], {"X-Request-Id": "ctrl-1/42", "User-Agent": "controller-one/1.0"})
    assert resp.status_code == 200
    other = model("m2")[0]
    assert put_status(sim, "START", [other], {"User-Agent": "controller-two/2.0"}).status_code == 200
    actions = ctl.actions()
    assert all(set(a) == FIELDS for a in actions)
    assert [(a["job_id"], a["request_id"], a["user_agent"], a["user"]) for a in actions[:2]] == [
        (build, "ctrl-1/42", "controller-one/1.0", "ADMIN"), (merge, "ctrl-1/42", "controller-one/1.0", "ADMIN")]
    made_up = actions[2]["request_id"]
    assert made_up.startswith("sim-") and actions[2]["user_agent"] == "controller-two/2.0"
    assert all(a["ok"] and not a["client_gone"] and not a["answer_lost"] and a["held_ms"] == 0 for a in actions)
    assert [a["job_id"] for a in ctl.actions(request_id="ctrl-1/42")] == [build, merge]
    starting = ctl.transitions(request_id="ctrl-1/42")
    assert [(t["job_id"], t["to"], t["cause"]) for t in starting] == [(build, "STARTING", "START"), (merge, "STARTING", "START")]
    ctl.wait_for_status(build, "RUNNING", timeout=10)
    launch = [t for t in ctl.transitions(job_id=build) if t["to"] == "RUNNING"][0]
    assert launch["cause"] == "launch" and "request_id" not in launch  # the launcher, not a request


def test_a_lost_answer_is_marked_on_the_actions_it_applied(ctl, model, sim):
    build, dummy = model()
    ctl.set_faults(lose_response_count=1)
    with pytest.raises(requests.ConnectionError):
        put_status(sim, "START", [build], {"X-Request-Id": "lost-1"})
    assert put_status(sim, "STOP", [build], {"X-Request-Id": "fine-2"}).status_code == 200
    actions = {a["request_id"]: a for a in ctl.actions()}
    assert actions["lost-1"]["ok"] is True and actions["lost-1"]["answer_lost"] is True
    assert actions["fine-2"]["answer_lost"] is False


def test_owner_unreachable_marks_the_answer_lost(ctl, kylin, model):
    build, dummy = model()
    ctl.set_config(nodes=2)
    ctl.set_faults(owner_unreachable=1)
    resp = kylin.session.put(kylin.url + API + "/status", json={"action": "START", "job_ids": [build], "project": "p1"},
                             headers={"Accept": PUBLIC, "X-Kylin-Sim-Node": "1"}, timeout=10)
    assert resp.status_code == 500 and resp.json()["error_code"] == "KE-010021002"
    (action,) = ctl.actions()
    assert action["ok"] is True and action["answer_lost"] is True and action["node"] == 1


def test_jobs_acted_on_after_the_client_timed_out_are_marked(ctl, model, sim):
    ids = [model("m%d" % i, build={"status": "RUNNING"})[0] for i in range(3)]
    real_timing(ctl, kill_delay=50.0)  # 1 s a kill: the client gives up during the second one
    with pytest.raises(requests.exceptions.ReadTimeout):
        put_status(sim, "FORCE_STOP", ids, {"X-Request-Id": "impatient"}, timeout=1.5)
    wait_until(lambda: len(ctl.actions()) == 3, timeout=20)
    actions = ctl.actions()
    assert [a["job_id"] for a in actions] == ids and all(a["ok"] for a in actions)
    assert actions[0]["client_gone"] is False  # the first kill ended while the client still waited
    assert [a["client_gone"] for a in actions[1:]] == [True, True]
    assert all(a["answer_lost"] for a in actions)


def test_params_writes_are_journaled(ctl, model, sim):
    build, dummy = model(build={"params": {"spark.executor.cores": "2"}})
    kylin = Kylin(sim.url, accept=INTERNAL)
    body = {"project": "p1", "job_id": build, "params": {"spark.executor.cores": "4"}}
    assert kylin.put("/params", body).status_code == 200
    assert kylin.put("/params", dict(body, job_id="nope_build")).status_code == 200  # ignored by Kylin
    ctl.set_faults(epoch_moved=1)
    assert kylin.put("/params", body).status_code == 500
    writes = ctl.param_writes()
    assert [(w["job_id"], w["ok"], w["error_code"]) for w in writes] == [
        (build, True, None), ("nope_build", True, None), (build, False, "KE-040021201")]
    assert writes[0]["params_before"]["spark.executor.cores"] == "2" and writes[0]["params"] == {"spark.executor.cores": "4"}
    assert writes[1]["params_before"] is None and writes[1]["params"] is None
    assert writes[2]["params"] == writes[2]["params_before"] == {"spark.executor.cores": "4"}
    assert [w["job_id"] for w in ctl.param_writes(job_id=build)] == [build, build]
