"""The cluster's retry default for jobs whose params lack the key, and failed logins counted per user."""

import base64

import requests

from conftest import API, INTERNAL, PUBLIC, error_of

RETRY = "kylin.streaming.job-retry-enabled"


def login(sim, user, password):
    token = base64.b64encode(("%s:%s" % (user, password)).encode()).decode()
    return requests.get(sim.url + API, headers={"Accept": PUBLIC, "Authorization": "Basic " + token}, timeout=10)


def users(ctl):
    return {u["name"]: u for u in ctl.request("GET", "/_sim/users")["users"]}


def error_job_without_retry_key(ctl, kylin, model):
    build, dummy = model(build={"status": "ERROR"})
    assert kylin.put("/params", {"project": "p1", "job_id": build, "params": {"spark.executor.cores": "2"}},
                     accept=INTERNAL).status_code == 200
    job = ctl.job(build)
    assert job["retry_param"] is None and RETRY not in job["params"]
    return build


def test_without_the_key_the_cluster_default_false_applies(ctl, kylin, model):
    build = error_job_without_retry_key(ctl, kylin, model)
    job = ctl.job(build)
    assert job["retry_enabled"] is False and "retry" not in job["pending"]


def test_without_the_key_the_cluster_default_true_relaunches(ctl, kylin, model):
    ctl.set_config(global_retry_enabled=True)
    build = error_job_without_retry_key(ctl, kylin, model)
    assert ctl.job(build)["retry_enabled"] is True and "retry" in ctl.job(build)["pending"]
    ctl.wait_for_status(build, ("STARTING", "RUNNING"), timeout=5)
    assert [t["cause"] for t in ctl.transitions(job_id=build) if t["to"] == "STARTING"] == ["auto_retry"]


def test_a_job_whose_key_is_false_is_not_retried(ctl, kylin, model):
    ctl.set_config(global_retry_enabled=True)
    build, dummy = model(build={"status": "ERROR"})
    job = ctl.job(build)
    assert job["retry_param"] == "false" and job["retry_enabled"] is False and "retry" not in job["pending"]


def test_switching_the_cluster_default_on_schedules_the_retry(ctl, kylin, model):
    build = error_job_without_retry_key(ctl, kylin, model)
    keyed, dummy = model("other", build={"status": "ERROR"})
    ctl.set_config(global_retry_enabled=True)
    assert "retry" in ctl.job(build)["pending"] and "retry" not in ctl.job(keyed)["pending"]
    ctl.set_config(global_retry_enabled=False)
    assert "retry" not in ctl.job(build)["pending"]


def test_control_api_can_drop_the_key(ctl, model):
    build, dummy = model(build={"status": "ERROR"})
    ctl.set_config(global_retry_enabled=True)
    job = ctl.patch_job(build, retry_enabled=None)
    assert job["retry_param"] is None and job["retry_enabled"] is True and "retry" in job["pending"]


def test_global_retry_from_the_command_line():
    from kylin_sim.__main__ import build_parser, settings  # pylint: disable=import-outside-toplevel
    assert settings(build_parser().parse_args(["--global-retry-enabled"]))[0]["global_retry_enabled"] is True
    assert settings(build_parser().parse_args([]))[0]["global_retry_enabled"] is False


# ---------------------------------------------------------------- failed logins

def test_the_locking_attempt_is_a_401_and_only_later_ones_are_400(ctl, sim):
    ctl.clear_counters()
    for dummy in range(3):
        error_of(login(sim, "ADMIN", "wrong"), 401, "KE-010003208")
    assert users(ctl)["ADMIN"]["locked"] is True  # locked by the third 401, which did not say so
    error_of(login(sim, "ADMIN", "KYLIN"), 400, "KE-010003005")
    error_of(login(sim, "ADMIN", "wrong"), 400, "KE-010003005")
    admin = users(ctl)["ADMIN"]
    assert admin["failed_logins"] == 3 and admin["locked_logins"] == 2 and admin["wrong_time"] == 3
    assert users(ctl)["OPERATOR"]["failed_logins"] == 0
    counters = ctl.counters()
    assert counters["failed_logins"] == {"ADMIN": 3} and counters["locked_logins"] == {"ADMIN": 2}


def test_one_failed_login_is_counted_once_per_user(ctl, sim):
    ctl.clear_counters()
    error_of(login(sim, "OPERATOR", "wrong"), 401, "KE-010003208")
    assert login(sim, "OPERATOR", "OPERATOR").status_code == 200
    operator = users(ctl)["OPERATOR"]
    assert operator["failed_logins"] == 1 and operator["wrong_time"] == 0 and operator["locked"] is False
    assert ctl.counters()["failed_logins"] == {"OPERATOR": 1}


def test_failed_logins_of_unknown_users_are_counted_by_name(ctl, sim):
    ctl.clear_counters()
    error_of(login(sim, "nobody", "x"), 401, "KE-010003208")
    assert ctl.counters()["failed_logins"] == {"nobody": 1}
    ctl.clear_counters()
    assert ctl.counters()["failed_logins"] == {}
