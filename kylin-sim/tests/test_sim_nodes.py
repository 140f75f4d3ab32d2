"""Several Kylin nodes behind one load-balanced port: lagging reads, forwarded writes.

Requests are pinned to a node with the simulator's ``X-Kylin-Sim-Node`` request header where the test
needs to know which node answers; every answer names its node in the same response header.
"""

import pytest
import requests

from conftest import API, PUBLIC, error_of
from kylin_sim.control import SimControlError, wait_until

NODE = "X-Kylin-Sim-Node"
INTERVAL = 2.0  # catch-up interval in the tests: long enough that no tick falls between a write and the next read


def on_node(kylin, node, method="GET", path="", body=None, **params):
    headers = {"Accept": PUBLIC, NODE: str(node)}
    resp = kylin.session.request(method, kylin.url + API + path, params=params, json=body, headers=headers, timeout=10)
    assert resp.headers[NODE] == str(node)
    return resp


def status_on(kylin, node, job_id, project="p1"):
    resp = on_node(kylin, node, project=project, job_ids=job_id)
    assert resp.status_code == 200, resp.text
    return resp.json()["data"]["value"][0]


def act_on(kylin, node, action, job_ids, project="p1"):
    return on_node(kylin, node, "PUT", "/status", {"action": action, "job_ids": list(job_ids), "project": project})


def cluster(ctl, nodes=3, **extra):
    """N nodes, catch-up ticks restarted now (so that the next few requests fall inside one tick)."""
    ctl.set_config(nodes=nodes, catchup_interval=INTERVAL + 0.5, **extra)
    return ctl.set_config(catchup_interval=INTERVAL)


def test_one_node_answers_everything(ctl, kylin, model):
    build, dummy = model()
    assert {kylin.get(project="p1").headers[NODE] for dummy in range(3)} == {"0"}
    assert kylin.act("START", [build], "p1").headers[NODE] == "0"
    assert kylin.row("p1", build)["job_status"] == "STARTING"  # one node: no lag


def test_round_robin_over_the_nodes(ctl, kylin, model):
    model()
    ctl.set_config(nodes=3)
    assert [kylin.get(project="p1").headers[NODE] for dummy in range(6)] == ["0", "1", "2", "0", "1", "2"]


def test_random_policy_uses_every_node(ctl, kylin, model):
    model()
    ctl.set_config(nodes=2, lb_policy="random")
    assert {kylin.get(project="p1").headers[NODE] for dummy in range(40)} == {"0", "1"}


def test_a_lagging_node_shows_stopped_after_a_start_then_catches_up(ctl, kylin, model):
    build, dummy = model()
    cluster(ctl)
    assert act_on(kylin, 0, "START", [build]).status_code == 200
    assert ctl.status(build) == "STARTING"                              # the owner's true state
    assert status_on(kylin, 0, build)["job_status"] == "STARTING"       # the owner answers from it
    assert status_on(kylin, 2, build)["job_status"] == "STOPPED"        # node 2 has not caught up yet
    lags = {v["node"]: v for v in ctl.nodes()["views"]}
    assert lags[0]["owner"] and lags[0]["lag_ms"] == 0 and lags[2]["caught_up_at"] is not None
    assert ctl.jobs(job_id=build)[0]["status"] == "STARTING"
    assert ctl.jobs(job_id=build, node=2)[0]["status"] == "STOPPED"
    wait_until(lambda: status_on(kylin, 2, build)["job_status"] in ("STARTING", "RUNNING"), timeout=INTERVAL * 3)


def test_a_lagging_node_shows_running_after_a_stop(ctl, kylin, model):
    build, dummy = model(build={"status": "RUNNING"})
    cluster(ctl)
    assert act_on(kylin, 0, "STOP", [build]).status_code == 200
    assert ctl.status(build) == "STOPPING"
    assert status_on(kylin, 1, build)["job_status"] == "RUNNING"
    ctl.wait_for_status(build, "STOPPED", timeout=5)
    assert status_on(kylin, 1, build)["job_status"] == "RUNNING"  # still the view of before the STOP
    wait_until(lambda: status_on(kylin, 1, build)["job_status"] == "STOPPED", timeout=INTERVAL * 3)


def test_a_lagging_node_shows_the_old_run_after_a_restart(ctl, kylin, model):
    build, dummy = model(build={"status": "RUNNING"})
    old_app = ctl.job(build)["yarn_app_id"]
    cluster(ctl)
    assert act_on(kylin, 0, "RESTART", [build]).status_code == 200
    ctl.wait_for_status(build, "RUNNING", timeout=5)
    assert ctl.job(build)["yarn_app_id"] != old_app
    row = status_on(kylin, 1, build)
    assert row["job_status"] == "RUNNING" and row["yarn_app_id"] == old_app
    # Records come from the database, not the metadata cache: every node has the new ones.
    records = on_node(kylin, 1, path="/records", job_id=build).json()["data"]
    assert [r["action"] for r in records][:2] == ["START", "STOP"]
    wait_until(lambda: status_on(kylin, 1, build)["yarn_app_id"] == ctl.job(build)["yarn_app_id"],
               timeout=INTERVAL * 3)


def test_a_write_is_forwarded_to_the_owner_and_the_forwarding_node_catches_up(ctl, kylin, model):
    build, dummy = model()
    cluster(ctl)
    assert act_on(kylin, 1, "START", [build]).status_code == 200
    assert ctl.status(build) == "STARTING"
    assert [a["job_id"] for a in ctl.actions()] == [build]
    assert status_on(kylin, 1, build)["job_status"] == "STARTING"  # BaseFilter.tryCatchUp after forwarding
    assert status_on(kylin, 2, build)["job_status"] == "STOPPED"   # the third node still lags


def test_cluster_options_from_the_command_line():
    from kylin_sim.__main__ import build_parser, settings  # pylint: disable=import-outside-toplevel
    config = settings(build_parser().parse_args(["--nodes", "3", "--owner-node", "1", "--lb-policy", "random",
                                                 "--catchup-interval", "2.5", "--no-catchup-after-forward"]))[0]
    assert (config["nodes"], config["owner_node"], config["lb_policy"]) == (3, 1, "random")
    assert config["catchup_interval"] == 2.5 and config["catchup_after_forward"] is False
    config = settings(build_parser().parse_args([]))[0]
    assert (config["nodes"], config["owner_node"], config["catchup_interval"]) == (1, 0, 5.0)
    assert config["catchup_after_forward"] is True


def test_no_catch_up_after_forwarding_when_switched_off(ctl, kylin, model):
    build, dummy = model()
    cluster(ctl, catchup_after_forward=False)
    assert act_on(kylin, 1, "START", [build]).status_code == 200
    assert status_on(kylin, 1, build)["job_status"] == "STOPPED"


def test_a_failed_forwarded_write_does_not_catch_up(ctl, kylin, model):
    build, merge = model(build={"status": "RUNNING"})
    cluster(ctl)
    assert act_on(kylin, 1, "START", [merge, build]).status_code == 500  # merge started, build refused
    assert ctl.status(merge) == "STARTING"
    assert status_on(kylin, 1, merge)["job_status"] == "STOPPED"


def test_control_api_changes_are_seen_by_every_node_at_once(ctl, kylin, model):
    cluster(ctl)
    build, dummy = model(build={"status": "RUNNING"})
    for node in range(3):
        assert status_on(kylin, node, build)["job_status"] == "RUNNING"
    ctl.patch_job(build, status="ERROR")
    assert status_on(kylin, 2, build)["job_status"] == "ERROR"


def test_explicit_catch_up(ctl, kylin, model):
    build, dummy = model()
    cluster(ctl)
    act_on(kylin, 0, "START", [build])
    assert status_on(kylin, 2, build)["job_status"] == "STOPPED"
    ctl.catch_up(2)
    assert status_on(kylin, 2, build)["job_status"] == "STARTING"
    assert status_on(kylin, 1, build)["job_status"] == "STOPPED"
    ctl.catch_up()
    assert status_on(kylin, 1, build)["job_status"] == "STARTING"


def test_ten_thousand_jobs_copy_only_what_changed(ctl, kylin, sim):
    first = ctl.generate("big", 5000, prefix="m")["model_ids"][0] + "_build"
    cluster(ctl)
    assert act_on(kylin, 0, "START", [first], project="big").status_code == 200
    data = on_node(kylin, 1, project="big", statuses="STOPPED", page_size=1).json()["data"]
    assert data["total_size"] == 10000  # node 1 still shows the started job STOPPED
    assert on_node(kylin, 0, project="big", statuses="STOPPED", page_size=1).json()["data"]["total_size"] == 9999
    with sim.store.lock:
        assert sum(1 for job in sim.store.jobs.values() if job.history) == 1


def test_views_follow_the_owner_node_setting(ctl, kylin, model):
    build, dummy = model()
    cluster(ctl, owner_node=1)
    act_on(kylin, 0, "START", [build])  # forwarded to node 1
    assert status_on(kylin, 1, build)["job_status"] == "STARTING"
    assert status_on(kylin, 2, build)["job_status"] == "STOPPED"


@pytest.mark.parametrize("bad", [{"nodes": 0}, {"nodes": 2, "owner_node": 2}, {"lb_policy": "sticky"}])
def test_bad_cluster_config_is_refused(ctl, bad):
    with pytest.raises(SimControlError):
        ctl.set_config(**bad)


def test_a_session_cookie_is_known_only_to_the_node_that_issued_it(ctl, kylin, sim, model):
    model()
    ctl.set_config(nodes=2)
    first = on_node(kylin, 0, project="p1")  # Basic credentials: node 0 opens a session
    cookie = first.cookies["JSESSIONID"]
    for node, status in ((0, 200), (1, 401)):
        resp = requests.get(sim.url + API, params={"project": "p1"}, timeout=10,
                            headers={"Accept": PUBLIC, NODE: str(node), "Cookie": "JSESSIONID=" + cookie})
        assert resp.status_code == status and resp.headers[NODE] == str(node)
    error_of(resp, 401, "KE-010003207")


def test_a_stalled_catch_up_keeps_a_node_behind_for_longer_than_the_interval(ctl, kylin, model):
    """docs/kylin-api.md §11.5: every catch-up of the other nodes stalls (rate 1) and holds them back 3 intervals."""
    build, dummy = model()
    interval = 0.3
    ctl.set_config(nodes=2, catchup_interval=interval, catchup_stall_rate=1.0, catchup_stall=3 * interval)
    assert act_on(kylin, 0, "START", [build]).status_code == 200
    written = ctl.transitions(job_id=build)[-1]["time"]
    ctl.wait_for_status(build, "RUNNING", timeout=5)
    wait_until(lambda: ctl.nodes()["views"][1]["lag_ms"] > 2 * interval * 1000, timeout=5, what="a lag over 2 intervals")
    seen = wait_until(lambda: status_on(kylin, 1, build)["job_status"] != "STOPPED" and ctl.nodes()["views"][1],
                      timeout=10, interval=0.02)
    assert seen["caught_up_at"] >= written and seen["caught_up_at"] - written <= 5 * interval * 1000
    assert max(v["lag_ms"] for v in ctl.nodes()["views"]) <= 5 * interval * 1000  # it catches up in the end
    ctl.set_config(catchup_stall_rate=0.0)
    assert ctl.nodes()["views"][1]["lag_ms"] <= interval * 1000


def test_catch_up_stalls_are_refused_out_of_range(ctl):
    with pytest.raises(SimControlError):
        ctl.set_config(catchup_stall_rate=1.5)
