"""The job list (``StreamingJobService.getStreamingJobList``, docs/kylin-api.md §5), quirks included.

Order of work, as in Kylin: take the source rows, decorate every row (LAUNCHING_ERROR shown as
ERROR, ``data_latency``, ``last_status_duration``), filter, sort with Spring's ``PropertyComparator``
(stable; nulls last ascending and first descending; a property the response has no getter for, or
whose value is not comparable, leaves storage order), cut the page (``page_offset`` is a page
number, Java ``int`` arithmetic and ``subList`` errors), then add model info to the page only.
"""

from . import errors
from .binding import bind_bool, bind_int, bind_list, bind_str
from .jobs import BUILD, ERROR, LAUNCHING_ERROR, ms

LIST_STATUSES = ("STARTING", "RUNNING", "STOPPING", "ERROR", "STOPPED")
JOB_TYPES = ("STREAMING_BUILD", "STREAMING_MERGE")

# JobStatusEnum / JobTypeEnum declaration order: enums compare by ordinal in Java.
STATUS_ORDINAL = {name: i for i, name in enumerate(
    ("NEW", "PENDING", "RUNNING", "FINISHED", "ERROR", "DISCARDED", "STOPPED", "SUICIDAL", "STARTING", "STOPPING",
     "LAUNCHING_ERROR", "SKIP", "WARNING"))}
TYPE_ORDINAL = {"STREAMING_BUILD": 0, "STREAMING_MERGE": 1}


class Row:
    """A decorated list row (``StreamingJobResponse`` before model info)."""

    __slots__ = ("job", "status", "launching_error", "data_latency", "last_status_duration")

    def __init__(self, store, job, now):
        self.job = job
        self.launching_error = job.status == LAUNCHING_ERROR
        self.status = ERROR if self.launching_error else job.status
        self.data_latency = None
        if job.job_type == BUILD:
            latest = store.stats.latest(job, now)
            if latest is not None:
                self.data_latency = max(0, latest["min_data_latency"])
        self.last_status_duration = store.last_status_duration(job, now)


def to_camel(snake):
    """Guava ``LOWER_UNDERSCORE.to(LOWER_CAMEL)``, as ``BasicService.propertyComparator`` uses it."""
    words = snake.split("_")
    head = words[0].lower()
    return head + "".join(w[:1].upper() + w[1:].lower() for w in words[1:])


def _getters(store, now):
    """Bean properties of the response that sorting can read, and how to read them from a Row."""
    alias = _alias_getter(store)
    return {
        "lastModified": lambda r: store.stats.last_modified(r.job, now),
        "createTime": lambda r: r.job.create_time,
        "uuid": lambda r: r.job.id,
        "id": lambda r: r.job.id,
        "modelName": alias,
        "owner": lambda r: r.job.owner,
        "modelId": lambda r: r.job.model_id,
        "lastUpdateTime": lambda r: store.stats.update_time(r.job, now)[0],
        "currentStatus": lambda r: STATUS_ORDINAL[r.status],
        "jobType": lambda r: TYPE_ORDINAL[r.job.job_type],
        "yarnAppId": lambda r: r.job.yarn_app_id,
        "yarnAppUrl": lambda r: r.job.yarn_app_url,
        "project": lambda r: r.job.project,
        "skipListener": lambda r: r.job.skip_listener,
        "dataLatency": lambda r: r.data_latency,
        "lastStatusDuration": lambda r: r.last_status_duration,
        "launchingError": lambda r: r.launching_error,
    }


def _alias_getter(store):
    def get(row):
        model = store.model_of(row.job)
        return model.alias if model else None
    return get


def sort_rows(store, rows, sort_by, reverse, now):
    """Spring ``PropertyComparator(property, ignoreCase=false, ascending=!reverse)`` on a stable sort."""
    getter = _getters(store, now).get(to_camel(sort_by or "last_modified"))
    if getter is None:
        return rows  # unreadable property: every comparison is 0, storage order stays (e.g. model_alias)
    keyed = [(getter(r), r) for r in rows]
    present = [(v, r) for v, r in keyed if v is not None]
    missing = [r for v, r in keyed if v is None]
    present.sort(key=lambda pair: pair[0], reverse=reverse)
    ordered = [r for dummy, r in present]
    return missing + ordered if reverse else ordered + missing


def _int32(value):
    value &= 0xFFFFFFFF
    return value - 0x100000000 if value & 0x80000000 else value


def cut_page(rows, page_offset, page_size):
    """``PagingUtil.cutPage`` + ``ArrayList.subList`` range checks, with Java int overflow."""
    begin = _int32(page_offset * page_size)
    end = _int32(begin + page_size)
    size = len(rows)
    if begin >= size:
        return []
    end = min(end, size)
    if begin < 0:
        raise errors.index_out_of_bounds("fromIndex = %d" % begin, where="list")
    if begin > end:
        raise errors.invalid_parameter("fromIndex(%d) > toIndex(%d)" % (begin, end), where="list")
    return rows[begin:end]


def filter_rows(store, rows, model_name, model_names, job_types, statuses):
    if model_name:
        rows = [r for r in rows if model_name in (_alias_getter(store)(r) or "")]
    if model_names:
        wanted = set(model_names)
        rows = [r for r in rows if _alias_getter(store)(r) in wanted]
    if job_types:
        wanted = set(job_types)
        rows = [r for r in rows if r.job.job_type in wanted]
    if statuses:
        wanted = set(statuses)
        rows = [r for r in rows if r.status in wanted]
    return rows


def render(store, row, now):
    """One row of the list response, fields in Kylin's order (docs/kylin-api.md §5.8)."""
    job = row.job
    model = store.model_of(job)
    broken = model is None or model.broken
    update_time, dummy = store.stats.update_time(job, now)
    return {
        "uuid": job.id,
        "last_modified": store.stats.last_modified(job, now),
        "create_time": job.create_time,
        "version": store.config["version"],
        "mvcc": -1,
        "model_alias": model.alias if model else None,
        "owner": job.owner,
        "model_id": job.model_id,
        "last_start_time": None,
        "last_end_time": None,
        "last_update_time": update_time,
        "last_batch_count": None,
        "subscribe": None,
        "fact_table": model.fact_table if model else None,
        "job_status": row.status,
        "job_type": job.job_type,
        "process_id": None,
        "node_info": None,
        "job_execution_id": None,
        "yarn_app_id": job.yarn_app_id,
        "yarn_app_url": job.yarn_app_url,
        "params": dict(job.params),
        "project": job.project,
        "skip_listener": job.skip_listener,
        "action": None,
        "model_broken": broken,
        "data_latency": row.data_latency,
        "last_status_duration": row.last_status_duration,
        "model_indexes": None if broken else model.indexes,
        "launching_error": row.launching_error,
        "partition_desc": None if broken else model.partition_desc(),
    }


def bind_query(req, controller):
    """The list's query parameters as Spring binds them: ``(query, job_ids)`` (job_ids: the public controller's)."""
    query = {
        "model_name": bind_str(req, "model_name", ""),
        "model_names": bind_list(req, "model_names", default_empty=False),
        "job_types": bind_list(req, "job_types"),
        "statuses": bind_list(req, "statuses"),
        "project": bind_str(req, "project", ""),
        "page_offset": bind_int(req, "page_offset", 0),
        "page_size": bind_int(req, "page_size", 10),
        "sort_by": bind_str(req, "sort_by", "last_modified"),
        "reverse": bind_bool(req, "reverse", True),
    }
    return query, (bind_list(req, "job_ids") if controller == "public" else [])


def check_public_query(store, query):
    """``OpenStreamingJobController``'s checks: statuses and job types among the enum's names; the project and
    the model name as the store spells them (both case-insensitive there)."""
    for status in query["statuses"]:
        if status not in LIST_STATUSES:
            raise errors.param_invalid("statuses", ", ".join(LIST_STATUSES))
    for job_type in query["job_types"]:
        if job_type not in JOB_TYPES:
            raise errors.param_invalid("job_types", ", ".join(JOB_TYPES))
    if query["project"]:
        prj = store.project(query["project"])
        if prj is None:
            raise errors.project_not_found(query["project"])
        query["project"] = prj.name
        wanted = query["model_name"].lower()
        for model in prj.models.values():
            if model.alias.lower() == wanted:
                query["model_name"] = model.alias
                break


def list_jobs(store, source, query, now):
    """Run the list over ``source`` (jobs, or None for ids that do not exist). Returns the DataResult dict."""
    rows = []
    for job in source:
        if job is None:
            raise errors.npe("list")  # new StreamingJobResponse(null)
        rows.append(Row(store, job, now))
    rows = filter_rows(store, rows, query["model_name"], query["model_names"], query["job_types"], query["statuses"])
    rows = sort_rows(store, rows, query["sort_by"], query["reverse"], now)
    page = cut_page(rows, query["page_offset"], query["page_size"])
    return {"value": [render(store, r, now) for r in page], "offset": query["page_offset"], "limit": query["page_size"],
            "total_size": len(rows)}


def stats_response(store, job_id, time_filter, now):
    """``getStreamingJobDataStats``: lists when ``time_filter`` (minutes) > 0, else all null."""
    if time_filter is None or time_filter <= 0:
        return {"consumption_rate_hist": None, "data_latency_hist": None, "processing_time_hist": None, "create_time": None}
    if time_filter > 7 * 24 * 60:
        raise errors.illegal_time_filter()
    rows = store.stats.rows(job_id, ms(now) - time_filter * 60000, now)
    return {"consumption_rate_hist": [r["rows_per_second"] for r in rows],
            "data_latency_hist": [max(0, r["min_data_latency"]) for r in rows],
            "processing_time_hist": [r["processing_time"] for r in rows],
            "create_time": [r["create_time"] for r in rows]}
