"""Every row of the error table of docs/kylin-api.md §1.4, plus Accept routing and what Spring answers itself."""

import requests

from conftest import API, INTERNAL, PUBLIC, error_of

ACTIONS = '"START, STOP, FORCE_STOP, RESTART"'


def test_streaming_disabled_on_every_endpoint(ctl, kylin, model):
    build, dummy = model()
    ctl.set_config(streaming_enabled=False)
    text = "KE-010035014(Unsupported Operation):The Real-time functions is under development."
    for resp in (kylin.get(), kylin.act("START", [build], "p1"), kylin.get("/records", job_id=build),
                 kylin.get("/stats/" + build), kylin.put("/params", {"project": "p1", "job_id": build, "params": {}},
                                                         accept=INTERNAL)):
        assert error_of(resp, 500, "KE-010035014")["msg"] == text
    assert ctl.status(build) == "STOPPED"


def test_action_missing_or_empty(kylin, model):
    build, dummy = model()
    for body in ({"project": "p1", "job_ids": [build]}, {"project": "p1", "job_ids": [build], "action": ""}):
        err = error_of(kylin.put("/status", body), 500, "KE-010043201")
        assert err["msg"] == ('KE-010043201: Request parameter "action" is empty or value is empty. '
                              "Please check the request parameters.")
        assert err["suggestion"] == ""


def test_job_ids_missing_or_empty_public_but_not_internal(kylin, model):
    model()
    for body in ({"project": "p1", "action": "START"}, {"project": "p1", "action": "START", "job_ids": []}):
        err = error_of(kylin.put("/status", body), 500, "KE-010043201")
        assert '"job_ids"' in err["msg"]
    assert kylin.put("/status", {"project": "p1", "action": "START", "job_ids": []}, accept=INTERNAL).status_code == 200
    err = error_of(kylin.put("/status", {"project": "p1", "action": "START"}, accept=INTERNAL), 500, None)
    assert err["msg"] == "KE-000000001(UNKNOWN ERRORCODE): null" and err["exception"] is None
    assert "java.lang.NullPointerException" in err["stacktrace"]


def test_invalid_action(kylin, model):
    build, dummy = model()
    err = error_of(kylin.act("PAUSE", [build], "p1"), 500, "KE-010043207")
    assert err["msg"] == ('KE-010043207: The entered parameter "action" is invalid, only supports %s at the moment. '
                          "Please check and try again." % ACTIONS)


def test_lowercase_action_is_400_no_enum_constant(ctl, kylin, model):
    build, dummy = model()
    err = error_of(kylin.act("start", [build], "p1"), 400, "KE-010000003")
    assert err["msg"] == "KE-010000003(Invalid Parameter):No enum constant org.apache.kylin.rest.request.StreamingJobActionEnum.start"
    assert ctl.status(build) == "STOPPED"


def test_invalid_statuses_and_job_types_public_only(kylin, model):
    model()
    err = error_of(kylin.get(statuses="running"), 500, "KE-010043207")
    assert 'parameter "statuses" is invalid, only supports "STARTING, RUNNING, STOPPING, ERROR, STOPPED"' in err["msg"]
    error_of(kylin.get(statuses="LAUNCHING_ERROR"), 500, "KE-010043207")
    err = error_of(kylin.get(job_types="streaming_build"), 500, "KE-010043207")
    assert 'parameter "job_types" is invalid, only supports "STREAMING_BUILD, STREAMING_MERGE"' in err["msg"]
    # the internal API does not validate: an invalid value filters everything out
    internal = kylin.get(accept=INTERNAL, statuses="running").json()["data"]
    assert internal["total_size"] == 0
    assert kylin.get(accept=INTERNAL, job_types="X").json()["data"]["total_size"] == 0
    assert kylin.get(accept=INTERNAL, statuses="STOPPED").json()["data"]["total_size"] == 2


def test_unknown_project_on_get(kylin, model):
    model()
    for accept in (PUBLIC, INTERNAL):
        err = error_of(kylin.get(accept=accept, project="nope"), 500, "KE-010001201")
        assert err["msg"] == 'KE-010001201: Can\'t find project "nope". Please check and try again.'


def test_unknown_project_on_put_is_checked_before_authentication(sim, kylin, model):
    build, dummy = model()
    anonymous = requests.put(sim.url + API + "/status", json={"project": "nope", "action": "START", "job_ids": [build]},
                             headers={"Accept": PUBLIC}, timeout=10)
    err = error_of(anonymous, 500, "KE-010001201")
    assert err["url"].endswith("/kylin/api/error")
    error_of(kylin.put("/status", {"action": "START", "job_ids": [build]}, project="nope"), 500, "KE-010001201")
    error_of(kylin.put("/params", {"project": "nope", "job_id": build, "params": {}}, accept=INTERNAL), 500, "KE-010001201")


def test_job_ids_without_project_on_get(kylin, model):
    build, dummy = model()
    err = error_of(kylin.get(job_ids=build), 500, "KE-010043201")
    assert '"project"' in err["msg"]


def test_unknown_job_id_on_get_is_an_npe(kylin, model):
    build, dummy = model()
    err = error_of(kylin.get(project="p1", job_ids="%s,nope_build" % build), 500, None)
    assert err["msg"] == "KE-000000001(UNKNOWN ERRORCODE): null" and err["suggestion"] is None


def test_unknown_job_id_on_put(kylin, model):
    model()
    err = error_of(kylin.act("START", ["0000_build"], "p1"), 500, None)
    assert err["msg"] == "KE-000000001(UNKNOWN ERRORCODE): null"
    err = error_of(kylin.act("STOP", ["0000_build"]), 500, "KE-010001002")
    assert err["msg"] == "KE-010001002(Empty Project Name):Can\u2019t find project information. Please select a project."


def test_job_id_without_underscore(kylin, model):
    model()
    err = error_of(kylin.act("START", ["nounderscore"], "p1"), 500, None)
    assert err["msg"] == "KE-000000001(UNKNOWN ERRORCODE): 1" and err["exception"] == "1"
    assert "java.lang.ArrayIndexOutOfBoundsException: 1" in err["stacktrace"]


def test_job_id_with_bad_suffix(kylin, model):
    build, dummy = model()
    err = error_of(kylin.act("START", [build.replace("_build", "_x")], "p1"), 400, "KE-010000003")
    assert err["msg"] == "KE-010000003(Invalid Parameter):No enum constant org.apache.kylin.job.execution.JobTypeEnum.STREAMING_X"


def test_job_id_suffix_is_upper_cased_like_kylin(ctl, kylin, model):
    build, dummy = model()
    assert kylin.act("START", [build.replace("_build", "_BUILD")], "p1").status_code == 200
    assert ctl.status(build) == "STARTING"


def test_bad_types(kylin, model):
    model()
    err = error_of(kylin.get(page_size="ten"), 400, "KE-010000003")
    assert err["msg"] == ("KE-010000003(Invalid Parameter):Failed to convert value of type 'java.lang.String' to required "
                          "type 'java.lang.Integer'; nested exception is java.lang.NumberFormatException: For input "
                          "string: \"ten\"")
    error_of(kylin.get(page_offset="1.5"), 400, "KE-010000003")
    err = error_of(kylin.get(reverse="maybe"), 400, "KE-010000003")
    assert "required type 'boolean'" in err["msg"] and "Invalid boolean value 'maybe'" in err["msg"]
    assert kylin.get(reverse="yes").status_code == 200  # Spring accepts yes/no/on/off/1/0
    assert kylin.get(page_size="").status_code == 200  # empty = default


def test_page_size_negative(kylin, model):
    model()
    err = error_of(kylin.get(page_size=-3), 400, "KE-010000003")
    assert err["msg"] == "KE-010000003(Invalid Parameter):fromIndex(0) > toIndex(-3)"
    assert kylin.get(page_size=-3, project="p1", model_name="nothing").status_code == 200  # empty list: no error


def test_page_size_zero_and_offset_past_the_end(kylin, model):
    model()
    data = kylin.rows(page_size=0)
    assert data["value"] == [] and data["total_size"] == 2 and data["limit"] == 0
    data = kylin.rows(page_offset=5, page_size=1)
    assert data["value"] == [] and data["total_size"] == 2 and data["offset"] == 5


def test_page_offset_negative(kylin, model):
    model()
    err = error_of(kylin.get(page_offset=-1, page_size=1), 500, None)
    assert err["msg"] == "KE-000000001(UNKNOWN ERRORCODE): fromIndex = -1"


def test_malformed_json_body(ctl, kylin, sim, model):
    build, dummy = model()
    resp = kylin.session.put(sim.url + API + "/status", data=b'{"action": "START", "job_ids": [' + build.encode(),
                             headers={"Accept": PUBLIC, "Content-Type": "application/json"}, timeout=10)
    err = error_of(resp, 500, None)
    assert err["msg"].startswith("KE-000030001(Failed Parse Json):")
    assert ctl.status(build) == "STOPPED"


def test_body_type_errors_and_unknown_fields(ctl, kylin, model):
    build, dummy = model()
    err = error_of(kylin.put("/status", {"action": "START", "job_ids": build, "project": "p1"}), 500, None)
    assert err["msg"].startswith("KE-000000001(UNKNOWN ERRORCODE): Cannot deserialize value of type `java.util.ArrayList")
    resp = kylin.put("/status", {"action": "START", "job_ids": [build], "project": "p1", "comment": "ignored", "x": {}})
    assert resp.status_code == 200
    assert ctl.status(build) == "STARTING"


def test_wrong_content_type_and_missing_body(kylin, sim, model):
    model()
    resp = kylin.session.put(sim.url + API + "/status", data="action=START", timeout=10,
                             headers={"Accept": PUBLIC, "Content-Type": "application/x-www-form-urlencoded"})
    assert "Content type 'application/x-www-form-urlencoded' not supported" in error_of(resp, 500, None)["msg"]
    resp = kylin.session.put(sim.url + API + "/status", headers={"Accept": PUBLIC, "Content-Type": "application/json"},
                             timeout=10)
    assert "Required request body is missing" in error_of(resp, 500, None)["msg"]


def test_access_denied_is_400(ctl, kylin, sim, model):
    build, dummy = model()
    ctl.add_user("ANALYST", "pw", permissions={"p1": "READ"})
    reader = type(kylin)(sim.url, "ANALYST", "pw")
    err = error_of(reader.act("START", [build], "p1"), 400, "KE-010024001")
    assert err["msg"] == "KE-010024001(No access):The user doesn't have access."


def test_error_body_shape_and_content_type(kylin, model):
    build, dummy = model(build={"status": "RUNNING"})
    resp = kylin.act("START", [build], "p1")
    assert resp.headers["Content-Type"] == PUBLIC
    body = error_of(resp, 500, "KE-010035005")
    assert body["url"].endswith(API + "/status") and "?" not in body["url"]
    assert body["stacktrace"].startswith("org.apache.kylin.common.exception.KylinException: KE-010035005")
    assert "\n\tat org.apache.kylin" in body["stacktrace"]
    resp = kylin.act("START", [build], "p1", accept="*/*")
    assert resp.headers["Content-Type"] == INTERNAL


def test_time_filter_too_large(kylin, model):
    build, dummy = model()
    err = error_of(kylin.get("/stats/" + build, time_filter=10081), 500, "KE-010000003")
    assert err["msg"] == "KE-010000003(Invalid Parameter):The selected time filter is invalid. Please select again."


def test_missing_required_parameters(kylin, model):
    build, dummy = model()
    err = error_of(kylin.get("/records"), 400, "KE-010000003")
    assert err["msg"] == ("KE-010000003(Invalid Parameter):Required request parameter 'job_id' for method parameter type "
                          "String is not present")
    error_of(kylin.get("/records", accept=INTERNAL, job_id=build), 400, "KE-010000003")
    error_of(kylin.get("/stats/" + build, accept=INTERNAL), 400, "KE-010000003")
    err = error_of(kylin.get("/records", job_id=""), 500, "KE-010043201")
    assert '"job_id"' in err["msg"]


def test_table_refresh_interval_must_have_a_unit(kylin, model):
    build, dummy = model()
    body = {"project": "p1", "job_id": build, "params": {"kylin.streaming.table-refresh-interval": "30s"}}
    err = error_of(kylin.put("/params", body, accept=INTERNAL), 500, "KE-010043214")
    assert err["msg"].startswith("KE-010043214: Can't refresh the value, the time units are only supported in d (days)")
    body["params"]["kylin.streaming.table-refresh-interval"] = "2h"
    assert kylin.put("/params", body, accept=INTERNAL).status_code == 200


def test_params_project_empty(kylin, model):
    build, dummy = model()
    error_of(kylin.put("/params", {"job_id": build, "params": {}}, accept=INTERNAL), 500, "KE-010001002")


# ---------------------------------------------------------------- routing

def test_accept_routing(kylin, model):
    build, dummy = model()
    assert kylin.get(accept=PUBLIC).headers["Content-Type"] == PUBLIC
    assert kylin.get(accept=INTERNAL).headers["Content-Type"] == INTERNAL
    assert kylin.get(accept="*/*").headers["Content-Type"] == INTERNAL
    resp = kylin.session.get(kylin.url + API, timeout=10, headers={"Accept": None})
    assert resp.status_code == 200 and resp.headers["Content-Type"] == INTERNAL
    # public-only checks are skipped by the internal controller
    assert kylin.get(accept="*/*", statuses="bogus").json()["data"]["total_size"] == 0
    assert kylin.act("START", [], "p1", accept="*/*").status_code == 200
    resp = kylin.get(accept="application/json")
    assert resp.status_code == 406 and resp.json()["error"] == "Not Acceptable"
    assert kylin.put("/params", {"project": "p1", "job_id": build, "params": {}}).status_code == 406


def test_internal_list_ignores_job_ids_and_public_needs_the_project(kylin, model):
    build, dummy = model()
    model("m2")
    assert kylin.rows(project="p1", job_ids=build)["total_size"] == 1
    assert kylin.get(accept=INTERNAL, job_ids=build).json()["data"]["total_size"] == 4


def test_unknown_paths_and_methods(kylin, sim, model):
    model()
    resp = kylin.session.get(sim.url + "/kylin/api/nothing_here", headers={"Accept": PUBLIC}, timeout=10)
    assert resp.status_code == 404 and resp.json()["status"] == 404
    assert requests.get(sim.url + "/elsewhere", timeout=10).status_code == 404
    resp = kylin.session.post(sim.url + API + "/status", json={}, headers={"Accept": PUBLIC}, timeout=10)
    assert resp.status_code == 405
    assert requests.get(sim.url + "/kylin/api/nothing_here", timeout=10).status_code == 401  # /api/** needs auth first


def test_trailing_slash_is_accepted(kylin, model):
    model()
    assert kylin.get("/").status_code == 200
