"""Authentication (Basic, sessions, lock-out) and project permissions (docs/kylin-api.md §2.3)."""

import base64
import time

import pytest
import requests

from conftest import API, PUBLIC, Kylin, error_of


def _get(sim, auth_header=None, **params):
    headers = {"Accept": PUBLIC}
    if auth_header:
        headers["Authorization"] = auth_header
    return requests.get(sim.url + API, headers=headers, params=params, timeout=10)


def _basic(user, password):
    return "Basic " + base64.b64encode(("%s:%s" % (user, password)).encode("utf-8")).decode("ascii")


@pytest.mark.usefixtures("ctl")
def test_no_credentials_is_401_pretty_json_with_query_in_url(sim):
    resp = _get(sim, project="p1", page_size=5)
    assert resp.headers["Content-Type"] == "application/json"
    body = error_of(resp, 401, "KE-010003207")
    assert body["msg"] == "KE-010003207: Can't authenticate. Please login again."
    assert body["url"].endswith(API + "?project=p1&page_size=5")
    assert resp.text.startswith('{\n  "code" : "999"')


@pytest.mark.usefixtures("ctl")
def test_bad_credentials_and_unknown_user(sim):
    for header in (_basic("ADMIN", "wrong"), _basic("NOBODY", "x"), "Basic !!notbase64", "Basic " + "bm9jb2xvbg=="):
        body = error_of(_get(sim, header), 401, "KE-010003208")
        assert body["msg"] == "KE-010003208: Invalid username or password. Please check and try again."
    assert error_of(_get(sim, "Bearer abc"), 401, "KE-010003207")


def test_user_names_are_case_insensitive_and_utf8(sim, ctl):
    assert _get(sim, _basic("admin", "KYLIN")).status_code == 200
    assert _get(sim, _basic("Admin", "kylin")).status_code == 401  # passwords are exact
    ctl.add_user("J\u00fcrgen", "p\u00e4ss", admin=True)
    assert _get(sim, _basic("j\u00fcrgen", "p\u00e4ss")).status_code == 200


def test_lock_out_after_three_wrong_passwords(sim, ctl):
    for dummy in range(3):
        error_of(_get(sim, _basic("ADMIN", "bad")), 401, "KE-010003208")  # the locking attempt is still a 401
    body = error_of(_get(sim, _basic("ADMIN", "KYLIN")), 400, "KE-010003005")  # even the right password
    assert body["msg"].startswith("KE-010003005(User Locked):For security concern, account ADMIN has been locked. "
                                  "Please try again in ")
    assert body["msg"].endswith(" seconds. Login failure again will be locked for 1 minutes..")
    ctl.reset("empty")  # reset clears locks
    assert _get(sim, _basic("ADMIN", "KYLIN")).status_code == 200


def test_lock_rule_is_configurable_and_expires(sim, ctl):
    ctl.set_config(lock_attempts=2, lock_durations=[0.6, None])
    error_of(_get(sim, _basic("OPERATOR", "x")), 401, "KE-010003208")
    error_of(_get(sim, _basic("OPERATOR", "x")), 401, "KE-010003208")
    body = error_of(_get(sim, _basic("OPERATOR", "OPERATOR")), 400, "KE-010003005")
    assert "Login failure again will be locked permanently.." in body["msg"]
    time.sleep(0.65)
    error_of(_get(sim, _basic("OPERATOR", "x")), 401, "KE-010003208")  # lock over; this failure locks for good
    body = error_of(_get(sim, _basic("OPERATOR", "OPERATOR")), 400, "KE-010003005")
    assert body["msg"] == ("KE-010003005(User Locked):User OPERATOR is locked permanently. "
                           "Please contact to your administrator to reset.")


@pytest.mark.usefixtures("ctl")
def test_success_clears_the_failure_count(sim):
    for dummy in range(2):
        _get(sim, _basic("ADMIN", "bad"))
    assert _get(sim, _basic("ADMIN", "KYLIN")).status_code == 200
    for dummy in range(2):
        _get(sim, _basic("ADMIN", "bad"))
    assert _get(sim, _basic("ADMIN", "KYLIN")).status_code == 200


def test_session_cookie(sim, ctl):
    session = requests.Session()
    first = session.get(sim.url + API, headers={"Accept": PUBLIC, "Authorization": _basic("ADMIN", "KYLIN")}, timeout=10)
    assert first.status_code == 200 and "JSESSIONID" in session.cookies
    assert session.get(sim.url + API, headers={"Accept": PUBLIC}, timeout=10).status_code == 200
    ctl.reset("empty")
    assert session.get(sim.url + API, headers={"Accept": PUBLIC}, timeout=10).status_code == 401


def test_read_only_user(sim, ctl, model):
    build, dummy = model()
    ctl.add_project("p2")
    reader = Kylin(sim.url, "READER", "READER")
    assert reader.rows()["total_size"] == 2  # no project: every job, no ACL check
    assert reader.get("/records", job_id=build).status_code == 200
    assert reader.get("/stats/" + build).status_code == 200
    error_of(reader.act("START", [build], "p1"), 400, "KE-010024001")
    error_of(reader.put("/params", {"project": "p1", "job_id": build, "params": {}},
                        accept="application/vnd.apache.kylin-v4+json"), 400, "KE-010024001")
    # Kylin's list checks OPERATION permission when a project is given (checkProjectOperationPermission)
    error_of(reader.get(project="p1"), 400, "KE-010024001")
    ctl.set_config(list_requires_operation=False)
    assert reader.rows(project="p1")["total_size"] == 2
    ctl.add_user("NOBODY", "pw")
    error_of(Kylin(sim.url, "NOBODY", "pw").get(project="p1"), 400, "KE-010024001")
    assert ctl.status(build) == "STOPPED"


def test_operator_has_operation_on_the_demo_project_only(sim, ctl):
    ctl.reset("demo")
    operator = Kylin(sim.url, "OPERATOR", "OPERATOR")
    demo = operator.rows(project="streaming_demo", job_types="STREAMING_MERGE", statuses="STOPPED")["value"]
    assert operator.act("FORCE_STOP", [demo[0]["uuid"]], "streaming_demo").status_code == 200
    iot = Kylin(sim.url).rows(project="iot")["value"]
    error_of(operator.act("FORCE_STOP", [iot[0]["uuid"]], "iot"), 400, "KE-010024001")
    error_of(operator.act("FORCE_STOP", [iot[0]["uuid"]]), 400, "KE-010024001")  # the job's own project counts


def test_project_permissions_from_the_control_api(sim, ctl, model):
    build, dummy = model()
    ctl.add_user("OPS", "pw")
    ops = Kylin(sim.url, "OPS", "pw")
    error_of(ops.act("START", [build], "p1"), 400, "KE-010024001")
    ctl.add_project("p9", permissions={"OPS": "MANAGEMENT"})
    other, dummy = model("m9", project="p9")
    assert ops.act("START", [other], "p9").status_code == 200
