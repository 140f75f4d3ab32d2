"""The simulator's settings (``PUT /_sim/config``): their start-up defaults, a real Kylin's, and their types.

Every duration in seconds is multiplied by ``time_scale`` where it is used (``Store.seconds``), except the
lock-out durations.
"""

from .auth import DEFAULT_LOCK_ATTEMPTS, DEFAULT_LOCK_DURATIONS

DEFAULT_CONFIG = {
    "time_scale": 1.0,           # every duration below in seconds (not lock_durations) is multiplied by this at use
    "start_delay": 2.0,          # STARTING -> RUNNING (spark-submit + YARN)
    "yarn_accept_delay": 1.0,    # after START, the app is known to YARN (a STOP then gives STOPPING, not ERROR)
    "stop_delay": 1.0,           # STOPPING -> STOPPED (the driver sees the flag at its next micro-batch)
    "kill_delay": 21.0,          # FORCE_STOP / RESTART of a job with a live driver: JobKiller's 1+2+...+6 s
    "kill_idle_delay": 0.1,      # ... of a job without a live driver (the first grep finds nothing)
    "end_of_run_kill": True,     # the listener kills (kill_delay, under the kill lock) before STOPPED/ERROR (§11.1)
    "start_work": 1.0,           # server work per START inside the PUT (grep, YARN call, segments, metadata)
    "stop_work": 0.2,            # server work per STOP inside the PUT (YARN call, meta writes)
    "nodes": 1,                  # Kylin nodes behind the load balancer
    "owner_node": 0,             # the node that owns every project (writes are forwarded to it)
    "lb_policy": "round_robin",  # how the load balancer picks a node: round_robin or random
    "catchup_interval": 5.0,     # kylin.metadata.audit-log.catchup-interval: a non-owner node's view lags this much
    "catchup_after_forward": True,  # a node that forwarded a write catches up when the answer comes back
    "maintenance_mode": False,   # every write refused with KE-040024201 (reads still work)
    "job_node_available": True,  # False: no active job node, every write refused with KE-010021004
    "global_retry_enabled": False,  # the cluster's kylin.streaming.job-retry-enabled, for jobs whose params lack it
    "retry_interval": 300.0,     # first auto-retry of an ERROR job with job-retry-enabled=true; grows by this
    "retry_max_interval": 1800.0,
    "stats_interval": 30.0,      # micro-batch trigger of running build jobs: stats row + last_modified change
    "cluster_mode": True,        # False = Kylin's local mode (START -> RUNNING at once, STOP without app -> STOPPED)
    "streaming_enabled": True,   # kylin.streaming.enabled
    "list_requires_operation": True,  # GET list with a project checks OPERATION permission, as Kylin's code does
    "lock_attempts": DEFAULT_LOCK_ATTEMPTS,
    "lock_durations": DEFAULT_LOCK_DURATIONS,
    "version": "5.0.0",
}

CONFIG_TYPES = {
    "time_scale": float, "start_delay": float, "yarn_accept_delay": float, "stop_delay": float, "kill_delay": float,
    "kill_idle_delay": float, "end_of_run_kill": bool, "start_work": float, "stop_work": float,
    "nodes": int, "owner_node": int, "lb_policy": str, "catchup_interval": float, "catchup_after_forward": bool,
    "maintenance_mode": bool, "job_node_available": bool, "global_retry_enabled": bool,
    "retry_interval": float, "retry_max_interval": float, "stats_interval": float,
    "cluster_mode": bool, "streaming_enabled": bool, "list_requires_operation": bool,
    "lock_attempts": int, "lock_durations": list, "version": str,
}
assert set(CONFIG_TYPES) == set(DEFAULT_CONFIG)
