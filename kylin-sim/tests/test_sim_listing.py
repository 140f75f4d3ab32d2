"""Listing semantics of docs/kylin-api.md §5: decoration, filters, Spring sorting, paging as page number, row JSON."""

from conftest import INTERNAL

ROW_FIELDS = ["uuid", "last_modified", "create_time", "version", "mvcc", "model_alias", "owner", "model_id",
              "last_start_time", "last_end_time", "last_update_time", "last_batch_count", "subscribe", "fact_table",
              "job_status", "job_type", "process_id", "node_info", "job_execution_id", "yarn_app_id", "yarn_app_url",
              "params", "project", "skip_listener", "action", "model_broken", "data_latency", "last_status_duration",
              "model_indexes", "launching_error", "partition_desc"]
ALWAYS_NULL = ["last_start_time", "last_end_time", "last_batch_count", "subscribe", "process_id", "node_info",
               "job_execution_id", "action"]


def ids(data):
    return [r["uuid"] for r in data["value"]]


def test_row_json(ctl, kylin, model):
    build, merge = model("orders", build={"status": "RUNNING"}, fact_table="SSB.ORDERS", indexes=7)
    row = kylin.row("p1", build)
    assert list(row) == ROW_FIELDS
    assert all(row[name] is None for name in ALWAYS_NULL)
    assert row["version"] == "5.0.0" and row["mvcc"] == -1 and row["owner"] == "ADMIN"
    assert row["model_alias"] == "orders" and row["model_id"] == build[:-6] and row["project"] == "p1"
    assert row["fact_table"] == "SSB.ORDERS" and row["job_type"] == "STREAMING_BUILD" and row["job_status"] == "RUNNING"
    assert row["model_broken"] is False and row["model_indexes"] == 7 and row["launching_error"] is False
    assert row["partition_desc"]["partition_type"] == "APPEND"
    assert row["params"]["kylin.streaming.job-retry-enabled"] == "false"
    assert len(row["last_update_time"]) == 19  # yyyy-MM-dd HH:mm:ss
    merge_row = kylin.row("p1", merge)
    assert "kylin.streaming.segment-merge-threshold" in merge_row["params"] and merge_row["yarn_app_id"] is None
    ctl.set_config(version="4.5.20.0")
    assert kylin.row("p1", build)["version"] == "4.5.20.0"


def test_storage_order_and_unknown_sort_by(ctl, kylin, model):
    ctl.add_project("second")
    ctl.add_project("first")
    a = model("zeta", project="first")
    b = model("alpha", project="second")
    c = model("mid", project="first")
    storage = [b[0], b[1], a[0], a[1], c[0], c[1]]  # projects in creation order, then jobs (build, merge)
    for sort_by in ("model_alias", "no_such_property", "params", "lastModified"):
        for reverse in ("true", "false"):
            assert ids(kylin.rows(sort_by=sort_by, reverse=reverse)) == storage
    assert ids(kylin.rows(sort_by="model_name", reverse="false"))[:2] == [b[0], b[1]]  # modelName has a getter


def test_default_sort_is_last_modified_descending_and_stable(ctl, kylin, model):
    a = model("a")
    b = model("b")
    c = model("c")
    for job_id, value in ((a[0], 3000), (a[1], 1000), (b[0], 2000), (b[1], 3000), (c[0], 1000), (c[1], 2000)):
        ctl.patch_job(job_id, last_modified=value)
    assert ids(kylin.rows()) == [a[0], b[1], b[0], c[1], a[1], c[0]]
    assert ids(kylin.rows(reverse="false")) == [a[1], c[0], b[0], c[1], a[0], b[1]]


def test_nulls_last_ascending_first_descending(ctl, kylin, model):
    a = model("a", build={"data_latency": 500})
    b = model("b")
    c = model("c", build={"data_latency": 100})
    asc = ids(kylin.rows(sort_by="data_latency", reverse="false"))
    assert asc[:2] == [c[0], a[0]] and asc[2:] == [a[1], b[0], b[1], c[1]]
    desc = ids(kylin.rows(sort_by="data_latency", reverse="true"))
    assert desc[:4] == [a[1], b[0], b[1], c[1]] and desc[4:] == [a[0], c[0]]
    ctl.patch_job(b[1], records=[["STOP", 50]])
    ctl.patch_job(a[0], records=[["STOP", 10]])
    asc = ids(kylin.rows(sort_by="last_status_duration", reverse="false"))
    assert asc[:2] == [a[0], b[1]]
    desc = ids(kylin.rows(sort_by="last_status_duration"))
    assert desc[-2:] == [b[1], a[0]]


def test_model_name_is_a_case_sensitive_substring(kylin, model):
    model("Orders_RT")
    model("orders_batch")
    model("clicks")
    assert kylin.rows(model_name="rders")["total_size"] == 4
    assert kylin.rows(model_name="Orders")["total_size"] == 2
    assert kylin.rows(model_name="ORDERS")["total_size"] == 0


def test_exact_alias_ignoring_case_is_canonicalised_on_the_public_api_with_a_project(kylin, model):
    model("Orders_RT")
    model("Orders_RT_v2")
    assert kylin.rows(project="p1", model_name="orders_rt")["total_size"] == 4  # -> "Orders_RT", a substring of both
    assert kylin.rows(model_name="orders_rt")["total_size"] == 0  # no project: not canonicalised
    assert kylin.get(accept=INTERNAL, project="p1", model_name="orders_rt").json()["data"]["total_size"] == 0
    assert kylin.rows(project="P1", model_name="Orders_RT")["value"][0]["project"] == "p1"  # project normalised too


def test_model_names_exact_list(kylin, model):
    a = model("a")
    b = model("b")
    model("ab")
    assert set(ids(kylin.rows(model_names="a,b"))) == set(a + b)
    assert set(ids(kylin.rows(model_names=["a", "b"]))) == set(a + b)  # repeated parameter
    assert kylin.rows(model_names="A")["total_size"] == 0


def test_job_types_and_statuses_filters(kylin, model):
    a = model("a", build={"status": "RUNNING"}, merge={"status": "ERROR"})
    b = model("b", build={"status": "LAUNCHING_ERROR"})
    assert set(ids(kylin.rows(job_types="STREAMING_BUILD"))) == {a[0], b[0]}
    assert set(ids(kylin.rows(statuses="ERROR"))) == {a[1], b[0]}
    assert set(ids(kylin.rows(statuses="ERROR,RUNNING", job_types="STREAMING_BUILD"))) == {a[0], b[0]}
    assert set(ids(kylin.rows(statuses=["STOPPED", "RUNNING"]))) == {a[0], b[1]}


def test_paging_is_by_page_number(kylin, model):
    made = [model("m%02d" % i) for i in range(5)]
    storage = [job for pair in made for job in pair]
    pages = [kylin.rows(sort_by="model_alias", page_offset=n, page_size=3) for n in range(4)]
    assert [ids(p) for p in pages] == [storage[0:3], storage[3:6], storage[6:9], storage[9:]]
    assert all(p["total_size"] == 10 and p["limit"] == 3 for p in pages)
    assert [p["offset"] for p in pages] == [0, 1, 2, 3]
    filtered = kylin.rows(job_types="STREAMING_MERGE", page_size=2, page_offset=1, sort_by="model_alias")
    assert filtered["total_size"] == 5 and ids(filtered) == [storage[5], storage[7]]
    assert kylin.rows()["limit"] == 10


def test_job_ids_source_keeps_duplicates_and_order(kylin, model):
    a = model("a")
    data = kylin.rows(project="p1", job_ids="%s,%s,%s" % (a[1], a[0], a[1]), sort_by="model_alias")
    assert ids(data) == [a[1], a[0], a[1]] and data["total_size"] == 3


def test_project_filter_and_all_projects(kylin, model):
    a = model("a", project="p1")
    b = model("b", project="p2")
    assert set(ids(kylin.rows(project="p2"))) == set(b)
    assert set(ids(kylin.rows(page_size=100))) == set(a + b)
