"""The control API, SimControl, seeds and the command line."""

import subprocess
import sys

import pytest

from conftest import Kylin
from kylin_sim import seeds
from kylin_sim.control import LIST, PARAMS_PUT, STATUS_PUT, SimControlError


def test_demo_seed_is_deterministic_and_believable(sim, ctl):
    ctl.reset("demo")
    kylin = Kylin(sim.url)
    rows = kylin.rows(page_size=100, sort_by="model_alias")["value"]
    assert len(rows) == 18
    assert [r["project"] for r in rows[:12]] == ["streaming_demo"] * 12 and rows[12]["project"] == "iot"
    assert rows[0]["uuid"] == seeds.model_uuid("streaming_demo", "orders_rt") + "_build"
    statuses = {r["job_status"] for r in rows}
    assert statuses == {"RUNNING", "STOPPED", "ERROR"}
    assert any(r["launching_error"] for r in rows)
    assert any(r["model_broken"] for r in rows)
    running_build = [r for r in rows if r["job_status"] == "RUNNING" and r["job_type"] == "STREAMING_BUILD"]
    assert all(r["data_latency"] is not None and r["last_status_duration"] > 3600000 for r in running_build)
    assert len(kylin.get("/stats/" + rows[0]["uuid"], time_filter=60).json()["data"]["create_time"]) > 10
    ctl.reset("demo")
    assert [r["uuid"] for r in kylin.rows(page_size=100, sort_by="model_alias")["value"]] == [r["uuid"] for r in rows]


def test_reset_restores_config(ctl):
    ctl.set_config(start_delay=9.0)
    ctl.reset()
    assert ctl.config()["start_delay"] == 0.3


def test_bad_control_requests(ctl):
    with pytest.raises(SimControlError) as info:
        ctl.set_config(no_such_key=1)
    assert info.value.status == 400
    with pytest.raises(SimControlError):
        ctl.set_config(start_delay="soon")
    with pytest.raises(SimControlError):
        ctl.reset("nope")
    with pytest.raises(SimControlError) as info:
        ctl.job("missing_build")
    assert info.value.status == 404
    ctl.add_model("p1", "m1")
    with pytest.raises(SimControlError):
        ctl.add_model("p1", "M1")  # aliases are unique per project, ignoring case
    with pytest.raises(SimControlError):
        ctl.request("GET", "/_sim/nothing")


def test_models_jobs_patch_and_delete(ctl):
    made = ctl.add_model("p1", "m1", uuid="11111111-2222-3333-4444-555555555555", build={"status": "RUNNING"},
                         merge={"params": {"spark.executor.memory": "2g"}})
    build, merge = made["job_ids"]
    assert build == "11111111-2222-3333-4444-555555555555_build"
    assert ctl.job(merge)["params"]["spark.executor.memory"] == "2g"
    assert [j["id"] for j in ctl.jobs(project="p1", status="RUNNING")] == [build]
    assert [j["id"] for j in ctl.jobs(job_id=[build, merge])] == [build, merge]
    job = ctl.patch_job(build, status="LAUNCHING_ERROR")
    assert job["status"] == "LAUNCHING_ERROR" and job["app_exists"] is False
    assert ctl.transitions(job_id=build)[-1]["cause"] == "control"
    ctl.delete_model(made["model_id"])
    assert ctl.jobs() == []
    with pytest.raises(SimControlError):
        ctl.patch_job(build, status="RUNNING")
    with pytest.raises(SimControlError):
        ctl.delete_model(made["model_id"])


def test_a_conditional_patch_applies_only_while_the_job_is_unchanged(ctl):
    build, _merge = ctl.add_model("p1", "m1", build={"status": "STOPPING"})["job_ids"]
    count = len(ctl.transitions(job_id=build))
    ctl.patch_job(build, status="RUNNING")  # someone else's write since the count
    assert ctl.patch_job_if_unchanged(build, count, status="STOPPED") is False
    assert ctl.job(build)["status"] == "RUNNING" and len(ctl.transitions(job_id=build)) == count + 1
    assert ctl.patch_job_if_unchanged(build, count + 1, status="STOPPED") is True
    assert ctl.job(build)["status"] == "STOPPED"


def test_counters_and_clear(ctl, kylin, model):
    model()
    kylin.get()
    kylin.get("/stats/x_build")
    kylin.get("/records", job_id="x_build")
    counters = ctl.counters()
    assert counters["requests"] == {"GET /kylin/api/streaming_jobs": 1, "GET /kylin/api/streaming_jobs/stats": 1,
                                    "GET /kylin/api/streaming_jobs/records": 1}
    assert counters["statuses"] == {"200": 3}
    ctl.clear_counters()
    assert ctl.counters()["requests"] == {}


def test_generate_status_mix(ctl):
    made = ctl.generate("g", 50, prefix="gen_", status={"RUNNING": 1, "LAUNCHING_ERROR": 1}, seed=3)
    statuses = {j["status"] for j in ctl.jobs(project="g")}
    assert made["count"] == 50 and statuses == {"RUNNING", "LAUNCHING_ERROR"}
    again = ctl.generate("g", 2, prefix="gen_")
    assert again["count"] == 2 and len(ctl.jobs(project="g")) == 104


def test_cli_help_documents_every_option():
    out = subprocess.run([sys.executable, "-m", "kylin_sim", "--help"], capture_output=True, text=True, check=True).stdout
    assert out.startswith("usage: kylin-sim "), out
    for option in ("--host", "--port", "--port-file", "--seed", "--state-file", "--cert", "--key", "--start-delay",
                   "--stop-delay", "--kill-delay", "--retry-interval", "--cluster-mode", "--local-mode", "--error-rate",
                   "--latency", "--drop-rate", "--log-requests", "--stats-interval", "--yarn-accept-delay", "--time-scale",
                   "--kill-idle-delay", "--start-work", "--stop-work", "--nodes", "--owner-node", "--lb-policy",
                   "--catchup-interval", "--maintenance-mode", "--no-job-node", "--epoch-moved", "--owner-unreachable",
                   "--global-retry-enabled", "--fast", "--config", "--faults", "--pid-file", "--exit-with-pid", "--detach",
                   "--log-file", "--no-end-of-run-kill", "--latency-mode", "--catchup-stall-rate", "--catchup-stall"):
        assert option in out


def test_bad_start_up_settings_are_refused_in_one_line():
    for option, value in (("--config", '{"latency_mode": "fast"}'), ("--config", '{"no_such_key": 1}'),
                          ("--faults", '{"hold_write": "many"}')):
        done = subprocess.run([sys.executable, "-m", "kylin_sim", "--port", "0", option, value], capture_output=True,
                              text=True, timeout=30, check=False)
        assert done.returncode == 2 and done.stderr.strip().splitlines()[-1].startswith("kylin-sim: error: "), done.stderr


def test_control_helpers_for_the_corrections(ctl):
    build = ctl.add_model("p1", "m1")["job_ids"][0]
    job = ctl.set_latency(build, "lagging", base_ms=1234)
    assert job["latency"] == "lagging" and job["latency_base"] == 1234 and job["data_latency"] == 1234
    assert ctl.set_latency(build)["latency"] is None
    rule = {"key": "spark.executor.memory", "value": "64g", "effect": "launch_error"}
    assert ctl.set_param_effects(rule)["param_effects"] == [rule]
    assert ctl.set_param_effects()["param_effects"] == []
    assert ctl.hold_writes(2, seconds=0.5) == {"hold_write": 2, "hold_seconds": 0.5}
    assert ctl.owner_down(0.25)["owner_down"] == 0.25
    assert ctl.unbind_projects("p1")["unbound_projects"] == ["p1"]
    assert ctl.unbind_projects()["unbound_projects"] == []
    assert ctl.kills(by="listener") == []


def test_helpers_models_statuses_actions_and_counts(ctl, kylin):
    made = ctl.add_models("p1", 3, status="RUNNING", merge_status="STOPPED")
    assert list(made) == ["m0", "m1", "m2"]
    build, merge = made["m1"]
    assert build.endswith("_build") and merge.endswith("_merge")
    assert list(ctl.add_models("p2", 2, prefix="x", digits=2)) == ["x00", "x01"]  # STOPPED, project created
    statuses = ctl.statuses("p1")
    assert statuses == dict([(b, "RUNNING") for b, m in made.values()] + [(m, "STOPPED") for b, m in made.values()])
    assert set(ctl.statuses()) == set(statuses) | set(ctl.statuses("p2"))
    assert ctl.statuses_by_name("p2") == {("x00", "build"): "STOPPED", ("x00", "merge"): "STOPPED",
                                          ("x01", "build"): "STOPPED", ("x01", "merge"): "STOPPED"}
    assert ctl.by_name("p1")[("p1", "m1", "merge")]["id"] == merge
    assert ctl.job_id("m1") == build and ctl.job_id("m1", "merge", project="p1") == merge
    ctl.add_models("p2", 1)  # a second m0, in another project
    with pytest.raises(SimControlError, match="2 build jobs of a model 'm0'"):
        ctl.job_id("m0")
    assert ctl.job_id("m0", project="p2") == ctl.by_name("p2")[("p2", "m0", "build")]["id"]
    ctl.set_config(stop_delay=3600)  # the job stays STOPPING
    ctl.clear_counters()
    assert kylin.act("STOP", [build], project="p1").status_code == 200
    assert kylin.act("START", [build], project="p1").status_code != 200  # STOPPING: refused, not applied
    kylin.rows(project="p1")
    assert ctl.applied() == [(build, "STOP")] and ctl.applied(action="START") == []
    assert ctl.applied(job_id=merge) == []
    assert ctl.request_count(STATUS_PUT) == 2 and ctl.request_count(LIST) == 1
    assert ctl.request_count(STATUS_PUT, LIST, PARAMS_PUT) == 3
