"""Initial content: ``empty`` (users only) and ``demo`` (two projects of believable streaming models).

The demo is deterministic in structure (same ids, aliases, statuses, params); its timestamps are
relative to the moment it is loaded, so durations and latencies look alive.
"""

import random
import uuid as uuidlib

from .auth import default_users
from .config import LATENCY_MODES
from .jobs import STATUSES

NAMESPACE = uuidlib.UUID("6f1c1c7e-3c55-4b8e-9d0e-4b796c696e21")
SEEDS = ("empty", "demo")

HOUR = 3600.0
DAY = 86400.0

# alias, fact table, build spec, merge spec (ages in seconds before load time)
DEMO = {
    "streaming_demo": [
        ("orders_rt", "SSB.ORDERS_KAFKA",
         {"status": "RUNNING", "records": [["START", 9 * DAY], ["STOP", 2 * DAY], ["START", 2 * DAY - 300]],
          "params": {"spark.executor.instances": "4", "kylin.streaming.kafka-conf.maxOffsetsPerTrigger": "500000"}},
         {"status": "RUNNING", "records": [["START", 9 * DAY], ["STOP", 2 * DAY], ["START", 2 * DAY - 240]]}),
        ("clickstream", "WEB.CLICK_EVENTS",
         {"status": "RUNNING", "records": [["START", 3 * DAY]], "retry_enabled": True,
          "params": {"spark.executor.memory": "4g", "spark.executor.instances": "6", "kylin.streaming.duration": "60"}},
         {"status": "STOPPED", "records": [["START", 3 * DAY], ["STOP", 20 * HOUR]]}),
        ("payments_fraud", "FIN.PAYMENTS_KAFKA",
         {"status": "LAUNCHING_ERROR", "records": [["START", 6 * DAY], ["STOP", 1 * DAY]],
          "stats": [[1 * DAY + 60, 2400], [1 * DAY + 30, 2950]]},
         {"status": "STOPPED", "records": [["START", 6 * DAY], ["STOP", 1 * DAY]]}),
        ("inventory_levels", "SCM.INVENTORY_EVENTS", {"status": "STOPPED"}, {"status": "STOPPED"}),
        ("ad_impressions", "ADS.IMPRESSIONS_KAFKA",
         {"status": "ERROR", "records": [["START", 2 * DAY], ["ERROR", 5 * HOUR]],
          "stats": [[5 * HOUR + 90, 48000], [5 * HOUR + 30, 61000]]},
         {"status": "RUNNING", "records": [["START", 2 * DAY]]}),
        ("user_sessions", "WEB.SESSIONS_KAFKA",
         {"status": "RUNNING", "records": [["START", 12 * HOUR]], "retry_enabled": True,
          "params": {"kylin.streaming.table-refresh-interval": "30m"}},
         {"status": "RUNNING", "records": [["START", 12 * HOUR]]}),
    ],
    "iot": [
        ("sensor_readings", "IOT.SENSOR_READINGS",
         {"status": "RUNNING", "records": [["START", 20 * DAY], ["STOP", 4 * DAY], ["START", 4 * DAY - 600]],
          "params": {"spark.executor.instances": "8", "spark.sql.shuffle.partitions": "32"}},
         {"status": "RUNNING", "records": [["START", 4 * DAY - 580]]}),
        ("fleet_telemetry", "IOT.FLEET_GPS",
         {"status": "STOPPED", "records": [["START", 10 * DAY], ["STOP", 3 * DAY]],
          "stats": [[3 * DAY + 120, 3100], [3 * DAY + 60, 2800]]},
         {"status": "STOPPED", "records": [["START", 10 * DAY], ["STOP", 3 * DAY]]}),
        ("smart_meter", "IOT.METER_READINGS", {"status": "STOPPED", "records": [["START", 30 * DAY], ["STOP", 25 * DAY]]},
         {"status": "STOPPED"}),
    ],
}
BROKEN = {"smart_meter"}


def model_uuid(project, alias):
    """Stable model ids, so demo job ids are the same on every start."""
    return str(uuidlib.uuid5(NAMESPACE, "%s/%s" % (project, alias)))


def apply(store, seed, now):
    """Load a seed into an empty store."""
    if seed not in SEEDS:
        raise ValueError("unknown seed %r (known: %s)" % (seed, ", ".join(SEEDS)))
    if seed == "empty":
        store.auth.reset(default_users())
        return
    first = next(iter(DEMO))
    store.auth.reset(default_users(first))
    for offset, (project, models) in enumerate(DEMO.items()):
        store.add_project(project, now=now - 40 * DAY + offset * DAY)
        for i, (alias, fact_table, build, merge) in enumerate(models):
            created = now - 35 * DAY + i * HOUR
            store.add_model(project, alias, now, created=created, model_uuid=model_uuid(project, alias), fact_table=fact_table,
                            broken=alias in BROKEN, indexes=2 + i % 4, build=build, merge=merge)


def parse_status_spec(status):
    """``"RUNNING"`` or ``{"RUNNING": 0.7, "STOPPED": 0.3}`` -> [(status, weight)]."""
    if isinstance(status, str):
        status = {status: 1.0}
    if not isinstance(status, dict) or not status:
        raise ValueError("status must be a status name or a {status: weight} map")
    spec = []
    for name, weight in status.items():
        if str(name).upper() not in STATUSES:
            raise ValueError("unknown status %r" % name)
        spec.append((str(name).upper(), float(weight)))
    return spec


def generate(store, project, count, now, prefix="model_", status="STOPPED", seed=0, retry_enabled=False, latency=None):
    """Bulk-create ``count`` models (two jobs each) with statuses drawn from ``status``; ``latency``: the build jobs'
    latency behaviour (stats.py)."""
    spec = parse_status_spec(status)
    if latency is not None and latency not in LATENCY_MODES:
        raise ValueError("latency must be one of %s" % ", ".join(LATENCY_MODES))
    names = [name for name, dummy in spec]
    weights = [weight for dummy, weight in spec]
    rng = random.Random(seed)
    prj = store.project(project) or store.add_project(project, now=now)
    existing = {m.alias.lower() for m in prj.models.values()}
    width = max(4, len(str(count)))
    created = []
    number = 0
    while len(created) < count:
        alias = "%s%0*d" % (prefix, width, number)
        number += 1
        if alias.lower() in existing:
            continue
        build = {"status": rng.choices(names, weights)[0]}
        merge = {"status": rng.choices(names, weights)[0]}
        if retry_enabled:
            build["retry_enabled"] = merge["retry_enabled"] = True
        if latency is not None:
            build = dict(build, latency=latency)
        model = store.add_model(prj.name, alias, now, model_uuid=model_uuid(prj.name, alias), build=build, merge=merge)
        created.append(model.uuid)
    return created
