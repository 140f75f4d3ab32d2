"""Batch semantics of PUT /status (docs/kylin-api.md §4): in order, first error aborts, earlier effects stay."""

from conftest import error_of


def test_first_error_aborts_and_earlier_effects_stay(ctl, kylin, model):
    a, dummy = model("a")
    b, dummy = model("b", build={"status": "RUNNING"})
    c, dummy = model("c")
    err = error_of(kylin.act("START", [a, b, c], "p1"), 500, "KE-010035005")
    assert err["msg"].endswith(":" + b)
    assert ctl.status(a) == "STARTING"
    assert ctl.status(b) == "RUNNING"
    assert ctl.status(c) == "STOPPED"
    log = ctl.actions()
    assert [(e["job_id"], e["ok"]) for e in log] == [(a, True), (b, False)]
    assert log[1]["error_code"] == "KE-010035005"


def test_order_matters(ctl, kylin, model):
    a, dummy = model("a")
    b, dummy = model("b", build={"status": "RUNNING"})
    error_of(kylin.act("START", [b, a], "p1"), 500, "KE-010035005")
    assert ctl.status(a) == "STOPPED"


def test_bad_action_rejects_the_whole_batch(ctl, kylin, model):
    a, dummy = model("a")
    error_of(kylin.act("PAUSE", [a]), 500, "KE-010043207")
    assert ctl.status(a) == "STOPPED" and ctl.actions() == []


def test_duplicate_ids_are_processed_twice(ctl, kylin, model):
    a, dummy = model("a")
    error_of(kylin.act("START", [a, a], "p1"), 500, "KE-010035005")
    assert ctl.status(a) == "STARTING"
    b, dummy = model("b", build={"status": "RUNNING"})
    assert kylin.act("FORCE_STOP", [b, b], "p1").status_code == 200
    assert [r["action"] for r in kylin.records(b)] == ["STOP", "STOP", "START"]  # each FORCE_STOP writes a STOP


def test_project_is_optional_and_carries_over(ctl, kylin, model):
    a, dummy = model("a", project="p1")
    b, dummy = model("b", project="p2")
    assert kylin.act("START", [a, b]).status_code == 200  # looked up across projects
    assert ctl.status(a) == "STARTING" and ctl.status(b) == "STARTING"
    # after a known id set jobProject=p1, an unknown id is looked up in p1: NPE, not "empty project"
    err = error_of(kylin.act("FORCE_STOP", [a, "ffff_build"]), 500, None)
    assert err["msg"] == "KE-000000001(UNKNOWN ERRORCODE): null"
    assert ctl.status(a) == "STOPPED"
    err = error_of(kylin.act("FORCE_STOP", ["ffff_build", a]), 500, "KE-010001002")
    assert ctl.status(a) == "STOPPED"


def test_a_job_of_another_project_than_the_given_one(ctl, kylin, model):
    model("a", project="p1")
    b, dummy = model("b", project="p2")
    error_of(kylin.act("START", [b], "p1"), 500, None)  # looked up in p1 only
    assert ctl.status(b) == "STOPPED"


def test_permission_failure_midway(ctl, kylin, sim, model):
    a, dummy = model("a", project="p1")
    b, dummy = model("b", project="p2")
    ctl.add_user("HALF", "pw", permissions={"p1": "OPERATION"})
    half = type(kylin)(sim.url, "HALF", "pw")
    error_of(half.act("START", [a, b]), 400, "KE-010024001")
    assert ctl.status(a) == "STARTING" and ctl.status(b) == "STOPPED"


def test_internal_api_empty_list_is_a_noop(ctl, kylin, model):
    a, dummy = model("a")
    assert kylin.act("START", [], "p1", accept="application/vnd.apache.kylin-v4+json").status_code == 200
    assert ctl.status(a) == "STOPPED"
