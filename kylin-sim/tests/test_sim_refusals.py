"""Cluster-wide refusals: maintenance mode, no job node, epoch moved, owner unreachable, streaming disabled."""

import requests

from conftest import API, INTERNAL, PUBLIC, error_of

MAINTENANCE = "KE-040024201: Can't operate Metadata at the moment, as system is in maintenance mode."
NO_JOB_NODE = ("KE-010021004(No Active All Node):There is no active leader node. "
               "Please contact system admin to check and fix.")
EPOCH = "KE-040021201: System is trying to recover service. Please try again later."
UNREACHABLE = "KE-010021002(System Is Recover):System is trying to recover service. Please try again later."
DISABLED = "KE-010035014(Unsupported Operation):The Real-time functions is under development."


def params_put(kylin, job_id, params):
    return kylin.put("/params", {"project": "p1", "job_id": job_id, "params": params}, accept=INTERNAL)


def reads_work(kylin, job_id):
    assert kylin.row("p1", job_id)["job_status"] in ("STOPPED", "RUNNING")
    assert kylin.get("/records", job_id=job_id).status_code == 200
    assert kylin.get("/stats/" + job_id).status_code == 200


def test_maintenance_mode_refuses_every_write_and_applies_nothing(ctl, kylin, model, sim):
    build, merge = model(build={"status": "RUNNING"})
    ctl.set_config(maintenance_mode=True)
    ctl.clear_counters()
    for action in ("START", "STOP", "FORCE_STOP", "RESTART"):
        body = error_of(kylin.act(action, [merge, build], "p1"), 500, "KE-040024201")
        assert body["msg"] == MAINTENANCE and body["exception"] == MAINTENANCE and body["suggestion"] == ""
        assert body["url"].endswith("/kylin/api/error")
    assert error_of(params_put(kylin, build, {"a": "b"}), 500, "KE-040024201")["msg"] == MAINTENANCE
    # QueryNodeFilter runs before Spring Security: even a request without credentials gets it.
    anonymous = requests.put(sim.url + API + "/status", json={"project": "p1", "action": "START", "job_ids": [merge]},
                             headers={"Accept": PUBLIC}, timeout=10)
    error_of(anonymous, 500, "KE-040024201")
    assert ctl.actions() == [] and ctl.transitions(job_id=merge) == []
    assert ctl.status(build) == "RUNNING" and ctl.status(merge) == "STOPPED"
    assert ctl.job(build)["params"].get("a") is None
    reads_work(kylin, build)
    counters = ctl.counters()
    assert counters["refusals"] == {"KE-040024201": 6} and counters["actions"] == {}
    ctl.set_config(maintenance_mode=False)
    assert kylin.act("START", [merge], "p1").status_code == 200


def test_no_job_node_refuses_every_write(ctl, kylin, model):
    build, dummy = model()
    ctl.set_config(job_node_available=False)
    body = error_of(kylin.act("START", [build], "p1"), 500, "KE-010021004")
    assert body["msg"] == NO_JOB_NODE and body["suggestion"] is None and body["url"].endswith("/kylin/api/error")
    # It is checked before the project: even an unknown project gets it.
    assert error_of(kylin.act("START", [build], "nope"), 500, "KE-010021004")["msg"] == NO_JOB_NODE
    error_of(params_put(kylin, build, {}), 500, "KE-010021004")
    assert ctl.actions() == [] and ctl.status(build) == "STOPPED"
    reads_work(kylin, build)
    assert ctl.counters()["refusals"] == {"KE-010021004": 3}


def test_epoch_moved_refuses_before_anything_is_applied(ctl, kylin, model):
    build, merge = model()
    ctl.set_faults(epoch_moved=1)
    body = error_of(kylin.act("START", [build, merge], "p1"), 500, "KE-040021201")
    assert body["msg"] == EPOCH and body["suggestion"] == "" and body["url"].endswith(API + "/status")
    assert ctl.status(build) == "STOPPED" and ctl.status(merge) == "STOPPED"
    assert ctl.transitions(job_id=build) == []
    assert [(a["job_id"], a["ok"], a["error_code"]) for a in ctl.actions()] == [(build, False, "KE-040021201")]
    assert ctl.faults().get("epoch_moved") == 0
    assert kylin.act("START", [build, merge], "p1").status_code == 200  # transient: the next try works
    assert ctl.status(build) == "STARTING" and ctl.status(merge) == "STARTING"
    assert ctl.counters()["faults"]["epoch_moved"] == 1


def test_epoch_moved_on_params(ctl, kylin, model):
    build, dummy = model()
    ctl.set_faults(epoch_moved=1)
    error_of(params_put(kylin, build, {"x": "1"}), 500, "KE-040021201")
    assert "x" not in ctl.job(build)["params"]
    assert params_put(kylin, build, {"x": "1"}).status_code == 200
    assert ctl.job(build)["params"] == {"x": "1"}


def test_epoch_moved_is_not_consumed_by_a_refused_request(ctl, kylin, model):
    build, dummy = model()
    ctl.set_faults(epoch_moved=1)
    error_of(kylin.put("/status", {"project": "p1", "job_ids": [build]}), 500, "KE-010043201")  # no action
    assert ctl.faults().get("epoch_moved") == 1


def test_owner_unreachable_applies_everything_then_answers_500(ctl, kylin, model):
    build, merge = model()
    ctl.set_faults(owner_unreachable=1)
    resp = kylin.act("START", [build, merge], "p1")
    body = error_of(resp, 500, "KE-010021002")
    assert body["msg"] == UNREACHABLE and body["suggestion"] is None
    assert resp.headers["Content-Type"].startswith("application/json")
    assert ctl.status(build) == "STARTING" and ctl.status(merge) == "STARTING"
    assert [(a["job_id"], a["ok"]) for a in ctl.actions()] == [(build, True), (merge, True)]
    assert kylin.act("STOP", [build], "p1").status_code == 200
    assert ctl.counters()["refusals"] == {"KE-010021002": 1}


def test_owner_unreachable_only_for_status_puts(ctl, kylin, model):
    build, dummy = model()
    ctl.set_faults(owner_unreachable=1)
    assert params_put(kylin, build, {"x": "1"}).status_code == 200
    assert kylin.get(project="p1").status_code == 200
    assert ctl.faults()["owner_unreachable"] == 1


def test_refusals_from_the_command_line():
    from kylin_sim.__main__ import build_parser, settings  # pylint: disable=import-outside-toplevel
    config, faults = settings(build_parser().parse_args(["--maintenance-mode", "--no-job-node", "--epoch-moved", "2",
                                                         "--owner-unreachable", "3", "--streaming-disabled"]))
    assert config["maintenance_mode"] is True and config["job_node_available"] is False
    assert config["streaming_enabled"] is False
    assert faults == {"epoch_moved": 2, "owner_unreachable": 3}
    config, faults = settings(build_parser().parse_args([]))
    assert config["maintenance_mode"] is False and config["job_node_available"] is True and faults == {}
    assert config["kill_delay"] == 21.0 and config["start_work"] == 1.0 and config["nodes"] == 1


def test_streaming_disabled_on_both_controllers(ctl, kylin, model):
    build, dummy = model()
    ctl.set_config(streaming_enabled=False)
    for resp in (kylin.get(accept=INTERNAL), kylin.get(project="p1"), kylin.act("STOP", [build], "p1", accept=INTERNAL)):
        assert error_of(resp, 500, "KE-010035014")["msg"] == DISABLED
    assert ctl.actions() == []
