"""GET /records, GET /stats/{job_id}, PUT /params (docs/kylin-api.md §6)."""

import time

from conftest import INTERNAL, error_of


def test_records_newest_first_with_kylin_field_names(ctl, kylin, model):
    build, dummy = model()
    kylin.act("START", [build], "p1")
    ctl.wait_for_status(build, "RUNNING", timeout=3)
    kylin.act("FORCE_STOP", [build], "p1")
    records = kylin.records(build)
    assert [r["action"] for r in records] == ["STOP", "START"]
    assert list(records[0]) == ["id", "job_Id", "project", "action", "create_time", "update_time"]
    assert records[0]["job_Id"] == build and records[0]["project"] == "p1"
    assert records[0]["id"] > records[1]["id"] and records[0]["create_time"] >= records[1]["create_time"]
    internal = kylin.get("/records", accept=INTERNAL, project="p1", job_id=build).json()["data"]
    assert internal == records
    assert kylin.records("unknown_build") == []


def test_records_outlive_a_dropped_model(ctl, kylin, model):
    build, dummy = model(build={"status": "RUNNING"})
    ctl.delete_model(build[:-6])
    assert [r["action"] for r in kylin.records(build)] == ["STOP", "START"]
    assert kylin.rows()["total_size"] == 0


def test_stats_time_filter(kylin, model):
    build, merge = model(build={"status": "RUNNING", "stats": [[3600 * 2, 900], [600, 1200], [60, -40]]})
    data = kylin.get("/stats/" + build).json()["data"]  # public default: 30 minutes
    assert set(data) == {"consumption_rate_hist", "data_latency_hist", "processing_time_hist", "create_time"}
    assert data["data_latency_hist"] == [1200, 0]  # clamped, oldest first
    assert data["create_time"] == sorted(data["create_time"])
    assert len(kylin.get("/stats/" + build, time_filter=180).json()["data"]["create_time"]) == 3
    internal = kylin.get("/stats/" + build, accept=INTERNAL, project="p1").json()["data"]  # internal default -1
    assert internal == {"consumption_rate_hist": None, "data_latency_hist": None, "processing_time_hist": None,
                        "create_time": None}
    assert kylin.get("/stats/" + merge).json()["data"]["create_time"] == []
    assert kylin.get("/stats/unknown_build").json()["data"]["create_time"] == []


def test_stats_grow_with_micro_batches(ctl, kylin, model):
    ctl.set_config(stats_interval=0.05)
    build, dummy = model(build={"status": "RUNNING"})
    time.sleep(0.3)
    data = kylin.get("/stats/" + build).json()["data"]
    assert len(data["create_time"]) >= 4
    assert all(v > 0 for v in data["consumption_rate_hist"])
    assert kylin.row("p1", build)["data_latency"] == data["data_latency_hist"][-1]


def test_put_params_replaces_the_whole_map(kylin, model):
    build, dummy = model()
    body = {"project": "p1", "job_id": build, "params": {"spark.executor.memory": "8g", "n": 3, "flag": True}}
    resp = kylin.put("/params", body, accept=INTERNAL)
    assert resp.status_code == 200 and resp.json() == {"code": "000", "data": "", "msg": ""}
    assert kylin.row("p1", build)["params"] == {"spark.executor.memory": "8g", "n": "3", "flag": "true"}


def test_put_params_unknown_job_is_silently_ignored(kylin, model):
    build, dummy = model()
    before = kylin.row("p1", build)["params"]
    resp = kylin.put("/params", {"project": "p1", "job_id": "nope_build", "params": {"a": "b"}}, accept=INTERNAL)
    assert resp.status_code == 200
    assert kylin.row("p1", build)["params"] == before


def test_put_params_null_map_is_an_npe(kylin, model):
    build, dummy = model()
    error_of(kylin.put("/params", {"project": "p1", "job_id": build}, accept=INTERNAL), 500, None)
