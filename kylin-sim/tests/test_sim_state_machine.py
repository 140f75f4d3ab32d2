"""The state machine of docs/kylin-api.md §3, over HTTP: every row of the §3.3 matrix and the timing rules."""

import time

from conftest import error_of
from kylin_sim.control import wait_until

START_FAILURE = "KE-010035005"


def status(ctl, job_id):
    return ctl.status(job_id)


def actions_of(kylin, job_id):
    return [r["action"] for r in kylin.records(job_id)]


# ---------------------------------------------------------------- STOPPED

def test_stopped_start_goes_starting_then_running(ctl, kylin, model):
    build, dummy = model()
    resp = kylin.act("START", [build], "p1")
    assert resp.status_code == 200 and resp.json() == {"code": "000", "data": "", "msg": ""}
    job = ctl.job(build)
    assert job["status"] == "STARTING" and job["yarn_app_id"] == "" and job["yarn_app_url"] == ""
    assert kylin.row("p1", build)["job_status"] == "STARTING"
    assert actions_of(kylin, build) == []  # STARTING writes no record
    ctl.wait_for_status(build, "RUNNING", timeout=3)
    job = ctl.job(build)
    assert job["yarn_app_id"].startswith("application_") and job["job_execution_id"] == 1 and job["action"] == "START"
    assert actions_of(kylin, build) == ["START"]


def test_stopped_stop_is_a_noop(ctl, kylin, model):
    build, dummy = model()
    before = ctl.job(build)
    assert kylin.act("STOP", [build], "p1").status_code == 200
    after = ctl.job(build)
    assert after["status"] == "STOPPED" and after["last_modified"] == before["last_modified"]
    assert actions_of(kylin, build) == [] and ctl.transitions(job_id=build) == []


def test_stopped_force_stop_writes_a_new_stop_record(ctl, kylin, model):
    build, dummy = model()
    assert kylin.act("FORCE_STOP", [build], "p1").status_code == 200
    assert status(ctl, build) == "STOPPED"
    assert actions_of(kylin, build) == ["STOP"]
    assert [(t["from"], t["to"]) for t in ctl.transitions(job_id=build)] == [("STOPPED", "STOPPING"), ("STOPPING", "STOPPED")]
    assert kylin.row("p1", build)["last_status_duration"] is not None


def test_stopped_restart_goes_starting(ctl, kylin, model):
    build, dummy = model()
    assert kylin.act("RESTART", [build], "p1").status_code == 200
    assert status(ctl, build) == "STARTING"
    ctl.wait_for_status(build, "RUNNING", timeout=3)


# ---------------------------------------------------------------- ERROR / LAUNCHING_ERROR

def test_error_start_stop_force_stop_restart(ctl, kylin, model):
    build, merge = model(build={"status": "ERROR"}, merge={"status": "ERROR"})
    records = actions_of(kylin, build)
    assert kylin.act("STOP", [build], "p1").status_code == 200
    assert status(ctl, build) == "ERROR" and actions_of(kylin, build) == records
    assert kylin.act("START", [build], "p1").status_code == 200
    assert status(ctl, build) == "STARTING"
    assert kylin.act("FORCE_STOP", [merge], "p1").status_code == 200
    assert status(ctl, merge) == "STOPPED"
    ctl.patch_job(merge, status="ERROR")
    assert kylin.act("RESTART", [merge], "p1").status_code == 200
    assert status(ctl, merge) == "STARTING"


def test_launching_error_is_listed_as_error(kylin, model):
    build, merge = model(build={"status": "LAUNCHING_ERROR"})
    row = kylin.row("p1", build)
    assert row["job_status"] == "ERROR" and row["launching_error"] is True
    assert kylin.row("p1", merge)["launching_error"] is False
    assert [r["uuid"] for r in kylin.rows(project="p1", statuses="ERROR")["value"]] == [build]


def test_launching_error_stop_becomes_error_with_a_record(ctl, kylin, model):
    build, dummy = model(build={"status": "LAUNCHING_ERROR"})
    assert kylin.act("STOP", [build], "p1").status_code == 200
    assert status(ctl, build) == "ERROR"
    assert actions_of(kylin, build) == ["ERROR"]


def test_launching_error_start_force_stop_restart(ctl, kylin, model):
    build, merge = model(build={"status": "LAUNCHING_ERROR"}, merge={"status": "LAUNCHING_ERROR"})
    assert kylin.act("START", [build], "p1").status_code == 200
    assert status(ctl, build) == "STARTING"
    assert kylin.act("FORCE_STOP", [merge], "p1").status_code == 200
    assert status(ctl, merge) == "STOPPED"
    ctl.patch_job(merge, status="LAUNCHING_ERROR")
    assert kylin.act("RESTART", [merge], "p1").status_code == 200
    assert status(ctl, merge) == "STARTING"


# ---------------------------------------------------------------- RUNNING

def test_running_start_is_refused_with_the_job_id(ctl, kylin, model):
    build, dummy = model(build={"status": "RUNNING"})
    body = error_of(kylin.act("START", [build], "p1"), 500, START_FAILURE)
    assert body["msg"] == "KE-010035005(Job Start Failure):%s" % build
    assert body["suggestion"] is None and body["exception"] == body["msg"]
    assert status(ctl, build) == "RUNNING"


def test_running_stop_is_graceful_and_asynchronous(ctl, kylin, model):
    build, dummy = model(build={"status": "RUNNING"})
    assert kylin.act("STOP", [build], "p1").status_code == 200
    job = ctl.job(build)
    assert job["status"] == "STOPPING" and job["action"] == "GRACEFUL_SHUTDOWN"
    ctl.wait_for_status(build, "STOPPED", timeout=3)
    assert actions_of(kylin, build) == ["STOP", "START"]  # newest first


def test_running_force_stop_is_synchronous(ctl, kylin, model):
    build, dummy = model(build={"status": "RUNNING"})
    ctl.set_config(kill_delay=0.3)
    began = time.monotonic()
    assert kylin.act("FORCE_STOP", [build], "p1").status_code == 200
    assert time.monotonic() - began >= 0.3
    job = ctl.job(build)
    assert job["status"] == "STOPPED" and job["app_exists"] is False and job["skip_listener"] is False


def test_force_stop_shows_stopping_while_killing(ctl, kylin, model, sim):
    build, dummy = model(build={"status": "RUNNING"})
    ctl.set_config(kill_delay=0.5)
    import threading  # pylint: disable=import-outside-toplevel
    from conftest import Kylin  # pylint: disable=import-outside-toplevel
    worker = threading.Thread(target=lambda: Kylin(sim.url).act("FORCE_STOP", [build], "p1"))
    worker.start()
    wait_until(lambda: ctl.job(build)["status"] == "STOPPING", timeout=2)
    assert ctl.job(build)["skip_listener"] is True
    assert kylin.row("p1", build)["skip_listener"] is True
    worker.join()
    assert status(ctl, build) == "STOPPED"


def test_running_restart_relaunches_with_a_new_app(ctl, kylin, model):
    build, dummy = model(build={"status": "RUNNING"})
    first = ctl.job(build)
    assert kylin.act("RESTART", [build], "p1").status_code == 200
    assert status(ctl, build) == "STARTING"
    ctl.wait_for_status(build, "RUNNING", timeout=3)
    second = ctl.job(build)
    assert second["yarn_app_id"] != first["yarn_app_id"]
    assert second["job_execution_id"] == first["job_execution_id"] + 1
    assert actions_of(kylin, build) == ["START", "STOP", "START"]


def test_running_with_app_gone(ctl, kylin, model):
    build, merge = model(build={"status": "RUNNING", "app_alive": False}, merge={"status": "RUNNING", "app_alive": False})
    error_of(kylin.act("START", [build], "p1"), 500, START_FAILURE)
    assert kylin.act("STOP", [build], "p1").status_code == 200
    assert status(ctl, build) == "ERROR"
    assert actions_of(kylin, build)[0] == "ERROR"
    assert kylin.act("FORCE_STOP", [merge], "p1").status_code == 200
    assert status(ctl, merge) == "STOPPED"
    ctl.patch_job(merge, status="RUNNING", app_alive=False)
    assert kylin.act("RESTART", [merge], "p1").status_code == 200
    assert status(ctl, merge) == "STARTING"


# ---------------------------------------------------------------- STARTING

def test_starting_start_is_refused(kylin, model):
    build, dummy = model()
    kylin.act("START", [build], "p1")
    error_of(kylin.act("START", [build], "p1"), 500, START_FAILURE)


def test_stop_while_starting_before_yarn_gives_error_then_the_launch_wins(ctl, kylin, model):
    build, dummy = model()
    ctl.set_config(start_delay=0.5, yarn_accept_delay=0.4)
    kylin.act("START", [build], "p1")
    assert kylin.act("STOP", [build], "p1").status_code == 200
    assert status(ctl, build) == "ERROR"
    ctl.wait_for_status(build, "RUNNING", timeout=3)  # the listener writes RUNNING over ERROR: the STOP is lost
    assert ctl.job(build)["action"] == "START"
    assert [t["cause"] for t in ctl.transitions(job_id=build)] == ["START", "STOP", "launch"]


def test_stop_while_starting_in_yarn_gives_stopping_then_running(ctl, kylin, model):
    build, dummy = model()
    ctl.set_config(start_delay=0.6, yarn_accept_delay=0.1)
    kylin.act("START", [build], "p1")
    time.sleep(0.2)
    assert kylin.act("STOP", [build], "p1").status_code == 200
    assert status(ctl, build) == "STOPPING"
    ctl.wait_for_status(build, "RUNNING", timeout=3)
    time.sleep(0.4)  # no graceful stop happens afterwards: the flag was cleared
    assert status(ctl, build) == "RUNNING"


def test_starting_force_stop_cancels_the_launch(ctl, kylin, model):
    build, dummy = model()
    kylin.act("START", [build], "p1")
    assert kylin.act("FORCE_STOP", [build], "p1").status_code == 200
    assert status(ctl, build) == "STOPPED"
    time.sleep(0.5)
    assert status(ctl, build) == "STOPPED"


def test_starting_restart(ctl, kylin, model):
    build, dummy = model()
    kylin.act("START", [build], "p1")
    assert kylin.act("RESTART", [build], "p1").status_code == 200
    assert status(ctl, build) == "STARTING"
    ctl.wait_for_status(build, "RUNNING", timeout=3)


# ---------------------------------------------------------------- STOPPING

def test_stopping_rows(ctl, kylin, model):
    build, merge = model(build={"status": "STOPPING"}, merge={"status": "STOPPING"})
    ctl.set_config(stop_delay=5)
    ctl.patch_job(build, status="STOPPING")
    error_of(kylin.act("START", [build], "p1"), 500, START_FAILURE)
    assert kylin.act("STOP", [build], "p1").status_code == 200
    assert status(ctl, build) == "STOPPING"  # app alive: flag set again
    ctl.patch_job(build, app_alive=False)
    assert kylin.act("STOP", [build], "p1").status_code == 200
    assert status(ctl, build) == "ERROR"  # no app
    assert kylin.act("FORCE_STOP", [merge], "p1").status_code == 200
    assert status(ctl, merge) == "STOPPED"
    ctl.patch_job(merge, status="STOPPING")
    assert kylin.act("RESTART", [merge], "p1").status_code == 200
    assert status(ctl, merge) == "STARTING"


# ---------------------------------------------------------------- model checks

def test_broken_model_refuses_start_and_restart_leaves_stopped(ctl, kylin, model):
    build, merge = model(alias="Broken_One", broken=True, merge={"status": "RUNNING"})
    body = error_of(kylin.act("START", [build], "p1"), 500, START_FAILURE)
    assert body["msg"] == "KE-010035005(Job Start Failure):Can\u2019t start. Model \"Broken_One\" is currently broken. "
    body = error_of(kylin.act("RESTART", [merge], "p1"), 500, START_FAILURE)
    assert body["msg"].endswith("is currently broken. ")
    assert status(ctl, merge) == "STOPPED"
    row = kylin.row("p1", build)
    assert row["model_broken"] is True and row["model_indexes"] is None and row["partition_desc"] is None


def test_invalid_partition_column_refuses_start(kylin, model):
    build, dummy = model(no_partition=True)
    body = error_of(kylin.act("START", [build], "p1"), 500, "KE-010006002")
    assert body["msg"].startswith("KE-010006002(Invalid Partition Column):Can\u2019t start. Please ensure the time partition")


def test_unkillable_yarn_app_refuses_start(kylin, model):
    build, dummy = model(alias="zombie", build={"status": "ERROR", "app_alive": True, "app_unkillable": True})
    body = error_of(kylin.act("START", [build], "p1"), 500, "KE-010035007")
    assert body["msg"] == ("KE-010035007(Yarn Application Existed):Can\u2019t start the streaming job of model \"zombie\", "
                           "as it has an ongoing one at the moment. Please check and try again.")


# ---------------------------------------------------------------- failures and retry

def test_launch_failure_ends_launching_error_without_record(ctl, kylin, model):
    build, dummy = model(build={"fail_launch": True})
    kylin.act("START", [build], "p1")
    ctl.wait_for_status(build, "LAUNCHING_ERROR", timeout=3)
    job = ctl.job(build)
    assert job["last_end_time"] is None and actions_of(kylin, build) == []
    assert ctl.transitions(job_id=build)[-1]["cause"] == "launch_failure"
    kylin.act("START", [build], "p1")  # fail_launch was for one launch only
    ctl.wait_for_status(build, "RUNNING", timeout=3)


def test_launch_failure_rate(ctl, kylin, model):
    build, merge = model()
    ctl.set_faults(launch_failure_rate=1.0)
    kylin.act("START", [build, merge], "p1")
    ctl.wait_for_status(build, "LAUNCHING_ERROR", timeout=3)
    ctl.wait_for_status(merge, "LAUNCHING_ERROR", timeout=3)


def test_runtime_failure_goes_error_with_record(ctl, kylin, model):
    build, dummy = model(build={"fail_after": 0.2})
    kylin.act("START", [build], "p1")
    ctl.wait_for_status(build, "RUNNING", timeout=3)
    ctl.wait_for_status(build, "ERROR", timeout=3)
    assert actions_of(kylin, build) == ["ERROR", "START"]
    assert ctl.transitions(job_id=build)[-1]["cause"] == "runtime_failure"
    assert ctl.job(build)["app_exists"] is False


def test_auto_retry_of_error_jobs_with_retry_enabled(ctl, model):
    build, merge = model(build={"status": "ERROR", "retry_enabled": True}, merge={"status": "ERROR"})
    ctl.wait_for_status(build, ("STARTING", "RUNNING"), timeout=3)
    ctl.wait_for_status(build, "RUNNING", timeout=3)
    assert "auto_retry" in [t["cause"] for t in ctl.transitions(job_id=build)]
    assert status(ctl, merge) == "ERROR"  # retry-enabled is a per-job param, false by default


def test_launching_error_is_not_retried(ctl, model):
    build, dummy = model(build={"status": "LAUNCHING_ERROR", "retry_enabled": True})
    time.sleep(0.6)
    assert status(ctl, build) == "LAUNCHING_ERROR"


def test_retry_enabled_by_put_params_applies(ctl, kylin, model):
    build, dummy = model(build={"status": "ERROR"})
    params = dict(kylin.row("p1", build)["params"])
    params["kylin.streaming.job-retry-enabled"] = "true"
    resp = kylin.put("/params", {"project": "p1", "job_id": build, "params": params},
                     accept="application/vnd.apache.kylin-v4+json")
    assert resp.status_code == 200, resp.text
    ctl.wait_for_status(build, ("STARTING", "RUNNING"), timeout=3)


# ---------------------------------------------------------------- local mode

def test_local_mode(ctl, kylin, model):
    build, merge = model(merge={"status": "RUNNING", "app_alive": False})
    ctl.set_config(cluster_mode=False)
    assert kylin.act("START", [build], "p1").status_code == 200
    assert status(ctl, build) == "RUNNING"
    assert kylin.act("STOP", [merge], "p1").status_code == 200
    assert status(ctl, merge) == "STOPPED"


# ---------------------------------------------------------------- derived fields

def test_last_status_duration_counts_from_the_newest_record(kylin, model):
    build, merge = model(build={"status": "RUNNING", "records": [["START", 3600]]})
    row = kylin.row("p1", build)
    assert 3600000 <= row["last_status_duration"] < 3700000
    assert kylin.row("p1", merge)["last_status_duration"] is None
    kylin.act("STOP", [build], "p1")  # STOPPING writes no record: the duration keeps counting
    assert kylin.row("p1", build)["last_status_duration"] >= 3600000


def test_data_latency_for_build_jobs_only(ctl, kylin, model):
    build, merge = model(build={"status": "RUNNING"}, merge={"status": "RUNNING"})
    assert kylin.row("p1", build)["data_latency"] is None  # no micro-batch yet
    ctl.patch_job(build, data_latency=-50)
    assert kylin.row("p1", build)["data_latency"] == 0  # clamped
    ctl.patch_job(build, data_latency=4200)
    assert kylin.row("p1", build)["data_latency"] == 4200
    ctl.patch_job(merge, data_latency=4200)
    assert kylin.row("p1", merge)["data_latency"] is None


def test_running_build_jobs_rewrite_last_modified_every_trigger(ctl, kylin, model):
    ctl.set_config(stats_interval=0.1)
    build, merge = model(build={"status": "RUNNING"}, merge={"status": "RUNNING"})
    first_build, first_merge = kylin.row("p1", build), kylin.row("p1", merge)
    time.sleep(0.35)
    second_build, second_merge = kylin.row("p1", build), kylin.row("p1", merge)
    assert second_build["last_modified"] > first_build["last_modified"]
    assert second_build["data_latency"] is not None
    assert second_merge["last_modified"] == first_merge["last_modified"]


def test_restart_of_the_server_state_transitions_are_logged(ctl, kylin, model):
    build, dummy = model()
    kylin.act("START", [build], "p1")
    ctl.wait_for_status(build, "RUNNING", timeout=3)
    log = ctl.actions(job_id=build)
    assert log[0]["action"] == "START" and log[0]["ok"] is True and log[0]["user"] == "ADMIN"
    assert log[0]["status_before"] == "STOPPED" and log[0]["status_after"] == "STARTING"
    assert ctl.counters()["actions"]["START"] == 1
