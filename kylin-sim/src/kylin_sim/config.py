"""The simulator's settings (``PUT /_sim/config``): their start-up defaults, a real Kylin's, and their types.

Every duration in seconds is multiplied by ``time_scale`` where it is used (``Store.seconds``), except the
lock-out durations. The keys of docs/kylin-api.md §11 (``end_of_run_kill``, ``catchup_stall*``,
``unbound_projects``, ``lock_time_scale``, the latency keys) are described in kylin-sim/docs/real-kylin.md.
``check_config`` validates an update (``PUT /_sim/config``, ``--config``).
"""

from .auth import DEFAULT_LOCK_ATTEMPTS, DEFAULT_LOCK_DURATIONS
from .nodes import LB_POLICIES

# How a running build job's data latency behaves (stats.py): the default of jobs without one of their own.
LATENCY_MODES = ("steady", "healthy", "lagging", "stalled")
PARAM_EFFECTS = ("launch_error", "lagging", "stalled")

DEFAULT_CONFIG = {
    "time_scale": 1.0,           # every duration below in seconds (not lock_durations) is multiplied by this at use
    "start_delay": 2.0,          # STARTING -> RUNNING (spark-submit + YARN)
    "yarn_accept_delay": 1.0,    # after START, the app is known to YARN (a STOP then gives STOPPING, not ERROR)
    "stop_delay": 1.0,           # STOPPING -> STOPPED (the driver sees the flag at its next micro-batch)
    "kill_delay": 21.0,          # FORCE_STOP / RESTART of a job with a live driver: JobKiller's 1+2+...+6 s
    "kill_idle_delay": 0.1,      # ... of a job without a live driver (the first grep finds nothing)
    "end_of_run_kill": True,     # the listener kills (kill_delay, under the kill lock) before STOPPED/ERROR
    "start_work": 1.0,           # server work per START inside the PUT (grep, YARN call, segments, metadata)
    "stop_work": 0.2,            # server work per STOP inside the PUT (YARN call, meta writes)
    "nodes": 1,                  # Kylin nodes behind the load balancer
    "owner_node": 0,             # the node that owns every project (writes are forwarded to it)
    "lb_policy": "round_robin",  # how the load balancer picks a node: round_robin or random
    "catchup_interval": 5.0,     # kylin.metadata.audit-log.catchup-interval: a non-owner node's view lags this much
    "catchup_after_forward": True,  # a node that forwarded a write catches up when the answer comes back
    "catchup_stall_rate": 0.0,   # share of catch-up ticks that stall: the node then stays behind ...
    "catchup_stall": 30.0,       # ... this long, beyond catchup_interval
    "maintenance_mode": False,   # every write refused with KE-040024201 (reads still work)
    "job_node_available": True,  # False: no active job node, every write refused with KE-010021004
    "unbound_projects": [],      # projects bound to no resource group: every write refused with KE-010021005
    "global_retry_enabled": False,  # the cluster's kylin.streaming.job-retry-enabled, for jobs whose params lack it
    "retry_interval": 300.0,     # first auto-retry of an ERROR job with job-retry-enabled=true; grows by this
    "retry_max_interval": 1800.0,
    "stats_interval": None,      # micro-batch trigger of every build job; None: its kylin.streaming.duration (30 s)
    "latency_mode": "steady",    # data latency of jobs without their own ``latency``: steady|healthy|lagging|stalled
    "backlog_batches": 3,        # healthy: micro-batches after each start that work off the backlog
    "param_effects": [],         # [{key, value, effect: launch_error|lagging|stalled}]: params that break a launch
    "cluster_mode": True,        # False = Kylin's local mode (START -> RUNNING at once, STOP without app -> STOPPED)
    "streaming_enabled": True,   # kylin.streaming.enabled
    "list_requires_operation": True,  # GET list with a project checks OPERATION permission, as Kylin's code does
    "lock_attempts": DEFAULT_LOCK_ATTEMPTS,
    "lock_durations": DEFAULT_LOCK_DURATIONS,
    "lock_time_scale": 1.0,      # multiplies lock_durations (time_scale does not), e.g. 0.01: 30 s -> 0.3 s
    "version": "5.0.0",
}

CONFIG_TYPES = {
    "time_scale": float, "start_delay": float, "yarn_accept_delay": float, "stop_delay": float, "kill_delay": float,
    "kill_idle_delay": float, "end_of_run_kill": bool, "start_work": float, "stop_work": float,
    "nodes": int, "owner_node": int, "lb_policy": str, "catchup_interval": float, "catchup_after_forward": bool,
    "catchup_stall_rate": float, "catchup_stall": float,
    "maintenance_mode": bool, "job_node_available": bool, "unbound_projects": list, "global_retry_enabled": bool,
    "retry_interval": float, "retry_max_interval": float, "stats_interval": float,
    "latency_mode": str, "backlog_batches": int, "param_effects": list,
    "cluster_mode": bool, "streaming_enabled": bool, "list_requires_operation": bool,
    "lock_attempts": int, "lock_durations": list, "lock_time_scale": float, "version": str,
}
assert set(CONFIG_TYPES) == set(DEFAULT_CONFIG)
NULLABLE = ("stats_interval",)  # null is a value of its own


class ConfigError(ValueError):
    """A config update that is refused (one line, the key and what it must be)."""


def check_config(update):
    """The update, checked and normalised; ConfigError on the first bad key."""
    clean = {}
    for key, value in update.items():
        kind = CONFIG_TYPES.get(key)
        if kind is None:
            raise ConfigError("unknown config key %r (known: %s)" % (key, ", ".join(sorted(CONFIG_TYPES))))
        if key == "param_effects":
            value = check_param_effects(value)
        elif key == "unbound_projects":
            if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
                raise ConfigError("unbound_projects must be a list of project names")
        elif kind is bool:
            if not isinstance(value, bool):
                raise ConfigError("%s must be true or false" % key)
        elif kind is list:
            if not isinstance(value, list) or not value or not all(v is None or (isinstance(v, (int, float)) and v >= 0)
                                                                   for v in value):
                raise ConfigError("%s must be a non-empty list of seconds (null = permanently)" % key)
        elif value is None and key in NULLABLE:
            pass
        elif kind in (int, float):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise ConfigError("%s must be a non-negative number" % key)
            value = kind(value)
        elif not isinstance(value, str):
            raise ConfigError("%s must be a string" % key)
        clean[key] = value
    if clean.get("nodes", 1) < 1:
        raise ConfigError("nodes must be at least 1")
    if "lb_policy" in clean and clean["lb_policy"] not in LB_POLICIES:
        raise ConfigError("lb_policy must be one of %s" % ", ".join(LB_POLICIES))
    if not 0 <= clean.get("catchup_stall_rate", 0) <= 1:
        raise ConfigError("catchup_stall_rate must be between 0 and 1")
    if "latency_mode" in clean and clean["latency_mode"] not in LATENCY_MODES:
        raise ConfigError("latency_mode must be one of %s" % ", ".join(LATENCY_MODES))
    return clean


def check_param_effects(rules):
    """``param_effects``: ``[{"key": k, "value": v (optional), "effect": "launch_error"|"lagging"|"stalled"}]``."""
    if not isinstance(rules, list):
        raise ConfigError("param_effects must be a list of {key, value, effect}")
    clean = []
    for rule in rules:
        if not isinstance(rule, dict) or not isinstance(rule.get("key"), str) or not rule["key"] \
                or rule.get("effect") not in PARAM_EFFECTS or set(rule) - {"key", "value", "effect"}:
            raise ConfigError("each of param_effects must be {key, value (optional), effect: %s}, got %r"
                              % ("|".join(PARAM_EFFECTS), rule))
        clean.append({"key": rule["key"], "value": None if rule.get("value") is None else str(rule["value"]),
                      "effect": rule["effect"]})
    return clean
