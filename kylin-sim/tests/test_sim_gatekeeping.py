"""What stands before the service: the lock-out's durations and counts (docs/kylin-api.md §11.3), the refusals
of write forwarding (docs/kylin-api.md §11.4), and Tomcat's limit on header size (docs/kylin-api.md §11.8)."""

import re
import time

import requests

from conftest import API, INTERNAL, PUBLIC, error_of
from kylin_sim.control import wait_until
from test_sim_refusals import params_put, reads_work
from test_sim_retry_logins import login, users

SCALE = 0.01  # lock_time_scale: 30 s -> 0.3 s, 1 min -> 0.6 s, 5 min -> 3 s
TRANSFER = "KE-010021003(Transfer Failed):Can\u2019t transfer the request at the moment. Please try again later."
UNBOUND = ("KE-010021005(The project is not bound to resource group):Can\u2019t use this project properly as no resource "
           "group has been allocated yet. Please contact admin.")
METASTORE = ("KE-010019002(Failed to connect catalog):Can\u2019t connect to the RDBMS metastore. Please check if the "
             "metastore is working properly.")


def lock_out(sim, user="ADMIN", password="KYLIN", wrong=1):
    """``wrong`` wrong passwords; the answers' error codes."""
    return [login(sim, user, password + "x").json()["error_code"] for dummy in range(wrong)]


def wait_unlocked(sim, user="ADMIN"):
    """Wait until the lock has run out: the right password gets in (which clears the count)."""
    return wait_until(lambda: login(sim, user, "KYLIN").status_code == 200, timeout=20, interval=0.05,
                      what="the lock to run out")


# ---------------------------------------------------------------- lock-out (docs/kylin-api.md §11.3)

def test_the_third_wrong_password_locks_and_says_nothing(ctl, sim):
    assert lock_out(sim, wrong=3) == ["KE-010003208"] * 3
    assert users(ctl)["ADMIN"]["locked"] is True
    body = error_of(login(sim, "ADMIN", "KYLIN"), 400, "KE-010003005")
    match = re.search(r"Please try again in (\d+) seconds\. Login failure again will be locked for 1 minutes\.", body["msg"])
    assert match and 25 <= int(match.group(1)) <= 30, body["msg"]
    ctl.set_config(lock_time_scale=SCALE)  # the messages tell the scaled durations
    assert "will be locked for 1 seconds" in error_of(login(sim, "ADMIN", "KYLIN"), 400, "KE-010003005")["msg"]


def test_an_expired_lock_keeps_the_count_and_the_durations_grow(ctl, sim):
    ctl.set_config(lock_time_scale=SCALE)
    lock_out(sim, wrong=3)
    first_lock = time.monotonic()
    wait_until(lambda: login(sim, "ADMIN", "KYLINx").json()["error_code"] == "KE-010003208", timeout=20,
               interval=0.05, what="the 30 s lock to run out")  # ... and this wrong password locks again at once
    first = time.monotonic() - first_lock
    admin = users(ctl)["ADMIN"]
    assert admin["locked"] is True and admin["wrong_time"] == 4  # one more wrong password was enough
    body = error_of(login(sim, "ADMIN", "KYLIN"), 400, "KE-010003005")
    assert "will be locked for 3 seconds" in body["msg"]  # the third lock would last 5 min (scaled: 3 s)
    second_lock = time.monotonic()
    wait_unlocked(sim)
    second = time.monotonic() - second_lock
    assert second > first * 1.3  # 1 min after 30 s (generous: a loaded machine stretches both)
    assert users(ctl)["ADMIN"]["wrong_time"] == 0  # a success clears the count


def test_a_lock_becomes_permanent(ctl, sim):
    ctl.set_config(lock_time_scale=0.0001, lock_durations=[1, 1, None])
    lock_out(sim, wrong=3)
    for dummy in range(2):
        wait_until(lambda: login(sim, "ADMIN", "KYLINx").json()["error_code"] == "KE-010003208", timeout=10)
    body = error_of(login(sim, "ADMIN", "KYLIN"), 400, "KE-010003005")
    assert "locked permanently" in body["msg"]
    time.sleep(0.05)
    error_of(login(sim, "ADMIN", "KYLIN"), 400, "KE-010003005")


def test_in_maintenance_mode_a_success_keeps_the_count(ctl, sim):
    ctl.set_config(maintenance_mode=True)
    assert lock_out(sim, wrong=2) == ["KE-010003208"] * 2
    assert login(sim, "ADMIN", "KYLIN").status_code == 200
    assert users(ctl)["ADMIN"]["wrong_time"] == 2
    assert lock_out(sim) == ["KE-010003208"] and users(ctl)["ADMIN"]["locked"] is True  # the 3rd in a row
    ctl.set_config(maintenance_mode=False)
    ctl.reset()
    assert lock_out(sim, wrong=2) and login(sim, "ADMIN", "KYLIN").status_code == 200
    assert users(ctl)["ADMIN"]["wrong_time"] == 0


# ---------------------------------------------------------------- refusals of write forwarding (docs/kylin-api.md §11.4)

def test_transfer_failed_is_transient_and_applies_nothing(ctl, kylin, model):
    build, dummy = model()
    ctl.set_faults(transfer_failed=2)
    body = error_of(kylin.act("START", [build], "p1"), 500, "KE-010021003")
    assert body["msg"] == TRANSFER and body["suggestion"] is None and body["url"].endswith("/kylin/api/error")
    error_of(params_put(kylin, build, {"a": "b"}), 500, "KE-010021003")
    assert ctl.actions() == [] and ctl.param_writes() == [] and ctl.status(build) == "STOPPED"
    reads_work(kylin, build)
    assert kylin.act("START", [build], "p1").status_code == 200  # the next try works
    counters = ctl.counters()
    assert counters["refusals"] == {"KE-010021003": 2} and counters["faults"]["transfer_failed"] == 2


def test_a_project_without_resource_group_refuses_writes_until_bound(ctl, kylin, model, sim):
    build, dummy = model()
    other = model("m2", project="p2")[0]
    ctl.set_config(unbound_projects=["P1"])
    for attempt in range(2):  # final: the same answer every time
        body = error_of(kylin.act("START", [build], "p1"), 500, "KE-010021005")
        assert body["msg"] == UNBOUND and body["url"].endswith("/kylin/api/error"), attempt
    error_of(params_put(kylin, build, {}), 500, "KE-010021005")
    anonymous = requests.put(sim.url + API + "/status", json={"project": "p1", "action": "START", "job_ids": [build]},
                             headers={"Accept": PUBLIC}, timeout=10)
    error_of(anonymous, 401, "KE-010003207")  # checked after authentication
    reads_work(kylin, build)
    assert kylin.act("START", [other], "p2").status_code == 200
    assert [a["job_id"] for a in ctl.actions()] == [other]
    ctl.set_config(unbound_projects=[])
    assert kylin.act("START", [build], "p1").status_code == 200


def test_an_unreachable_metastore_is_transient(ctl, kylin, model, sim):
    build, dummy = model()
    ctl.set_faults(metadata_unreachable=1)
    resp = kylin.act("START", [build], "p1", accept=INTERNAL)
    body = error_of(resp, 500, "KE-010019002")
    assert body["msg"] == METASTORE and resp.headers["Content-Type"] == "application/json"
    assert body["url"] == sim.url + API + "/status"
    assert ctl.actions() == [] and ctl.status(build) == "STOPPED"
    assert kylin.act("START", [build], "p1").status_code == 200


# ---------------------------------------------------------------- header size (docs/kylin-api.md §11.8)

def test_headers_over_32_kb_are_answered_400(ctl, kylin, model):
    model()
    ctl.clear_counters()
    small = kylin.session.get(kylin.url + API, params={"project": "p1"},
                              headers={"Accept": PUBLIC, "X-Padding": "a" * 30000}, timeout=10)
    assert small.status_code == 200
    for size in (33 * 1024, 40 * 1024):
        resp = requests.get(kylin.url + API, params={"project": "p1"}, auth=("ADMIN", "KYLIN"),
                            headers={"Accept": PUBLIC, "X-Padding": "a" * size}, timeout=10)
        assert resp.status_code == 400 and "HTTP Status 400" in resp.text, size
    spread = {"X-Pad-%d" % i: "b" * 3000 for i in range(12)}  # 36 KB over many headers
    resp = requests.put(kylin.url + API + "/status", json={"project": "p1", "action": "START", "job_ids": []},
                        auth=("ADMIN", "KYLIN"), headers=dict(spread, Accept=PUBLIC), timeout=10)
    assert resp.status_code == 400 and ctl.actions() == []
    assert ctl.counters()["statuses"].get("400") == 3
