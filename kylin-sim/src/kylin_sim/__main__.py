"""Command line: ``kylin-sim [options]`` or ``python -m kylin_sim [options]`` (see ``--help``)."""

import argparse
import os
import signal
import sys

from . import process
from .config import check_config
from .faults import validate as validate_faults
from .seeds import SEEDS
from .server import SimServer


def build_parser():
    parser = argparse.ArgumentParser(
        prog="kylin-sim",
        description="Simulator of the Apache Kylin 5 / Kyligence Enterprise streaming-job REST API "
                    "(/kylin/api/streaming_jobs) with a control API under /_sim/. "
                    "Users: ADMIN/KYLIN (admin), OPERATOR/OPERATOR (OPERATION on the seed's first project), "
                    "READER/READER (READ everywhere).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    net = parser.add_argument_group("server")
    net.add_argument("--host", default="127.0.0.1", help="address to listen on")
    net.add_argument("--port", type=int, default=7070, help="port to listen on; 0 = any free port")
    net.add_argument("--port-file", metavar="PATH", help="write the bound port to this file once listening")
    net.add_argument("--seed", choices=SEEDS, default="demo", help="initial content")
    net.add_argument("--state-file", metavar="PATH",
                     help="keep the state in this JSON file: loaded at start (then Kylin's restart behaviour applies), "
                          "written after every change")
    net.add_argument("--cert", metavar="PEM", help="serve HTTPS with this certificate (chain)")
    net.add_argument("--key", metavar="PEM", help="private key of --cert (if not in the same file)")
    net.add_argument("--log-requests", action="store_true", help="one line per request on stderr")
    timing = parser.add_argument_group("timing and behaviour (also PUT /_sim/config); defaults are a real Kylin's")
    timing.add_argument("--time-scale", type=float, default=1.0, metavar="F",
                        help="multiply every duration (delays, kill and start work, retry, stats, catch-up) by F, "
                             "e.g. 0.01 for fast tests")
    timing.add_argument("--start-delay", type=float, default=2.0, metavar="S", help="STARTING -> RUNNING")
    timing.add_argument("--yarn-accept-delay", type=float, default=1.0, metavar="S",
                        help="after a START, the app is known to YARN: a STOP then gives STOPPING instead of ERROR")
    timing.add_argument("--stop-delay", type=float, default=1.0, metavar="S",
                        help="STOPPING -> STOPPED (one trigger interval)")
    timing.add_argument("--kill-delay", type=float, default=21.0, metavar="S",
                        help="FORCE_STOP / RESTART: kill of a job with a live driver, inside the request, "
                             "one kill at a time on the node (JobKiller sleeps 1+2+...+6 s)")
    timing.add_argument("--kill-idle-delay", type=float, default=0.1, metavar="S",
                        help="kill of a job without a live driver (STOPPED, ERROR, never launched)")
    timing.add_argument("--no-end-of-run-kill", dest="end_of_run_kill", action="store_false",
                        help="when a graceful STOP's driver finishes or the app fails, write STOPPED/ERROR at once "
                             "instead of after the listener's kill (kill delay, one kill at a time on the node)")
    timing.add_argument("--start-work", type=float, default=1.0, metavar="S",
                        help="server work per START (and RESTART's start) inside the PUT, one at a time per project")
    timing.add_argument("--stop-work", type=float, default=0.2, metavar="S",
                        help="server work per STOP inside the PUT, one at a time per project")
    timing.add_argument("--retry-interval", type=float, default=300.0, metavar="S",
                        help="first server-side auto-retry of ERROR jobs with kylin.streaming.job-retry-enabled=true; "
                             "each later retry waits this much longer")
    timing.add_argument("--retry-max-interval", type=float, default=1800.0, metavar="S", help="longest auto-retry wait")
    timing.add_argument("--stats-interval", type=float, default=None, metavar="S",
                        help="micro-batch trigger of every running build job: a stats row and a new last_modified each "
                             "time (default: each job's kylin.streaming.duration param, 30 s without it)")
    timing.add_argument("--latency-mode", choices=("steady", "healthy", "lagging", "stalled"), default="steady",
                        help="data latency of jobs without their own: steady (about the base), healthy (a backlog "
                             "after each start, then at or under the base), lagging (growing), stalled (no micro-batch)")
    mode = timing.add_mutually_exclusive_group()
    mode.add_argument("--cluster-mode", dest="cluster_mode", action="store_true", default=True,
                      help="YARN cluster: STOP without a YARN app ends ERROR")
    mode.add_argument("--local-mode", dest="cluster_mode", action="store_false",
                      help="Kylin's local mode: START goes RUNNING at once, STOP without an app ends STOPPED")
    timing.add_argument("--global-retry-enabled", action="store_true",
                        help="the cluster's kylin.streaming.job-retry-enabled=true: ERROR jobs whose params lack the "
                             "key are relaunched by the server's auto-retry")
    timing.add_argument("--streaming-disabled", action="store_true",
                        help="kylin.streaming.enabled=false: every endpoint answers KE-010035014")
    cluster = parser.add_argument_group("nodes behind a load balancer (also PUT /_sim/config)")
    cluster.add_argument("--nodes", type=int, default=1, metavar="N",
                         help="Kylin nodes behind the one port; each request goes to one of them (X-Kylin-Sim-Node "
                              "header); writes are forwarded to the owner, reads of other nodes lag")
    cluster.add_argument("--owner-node", type=int, default=0, metavar="I", help="the node that owns every project")
    cluster.add_argument("--lb-policy", choices=("round_robin", "random"), default="round_robin",
                         help="how the load balancer picks a node")
    cluster.add_argument("--no-catchup-after-forward", dest="catchup_after_forward", action="store_false",
                         help="a node that forwarded a write does not catch up when the write succeeded "
                              "(Kylin's BaseFilter does)")
    cluster.add_argument("--catchup-interval", type=float, default=5.0, metavar="S",
                         help="kylin.metadata.audit-log.catchup-interval: a node that is not the owner shows the "
                              "owner's state as of its last catch-up, every S seconds")
    cluster.add_argument("--catchup-stall-rate", type=float, default=0.0, metavar="R",
                         help="share of catch-ups that stall under load: the node then stays behind for "
                              "--catchup-stall seconds, longer than the catch-up interval")
    cluster.add_argument("--catchup-stall", type=float, default=30.0, metavar="S",
                         help="how long a stalled catch-up keeps its node behind")
    refusals = parser.add_argument_group("cluster-wide refusals (also PUT /_sim/config, PUT /_sim/faults)")
    refusals.add_argument("--maintenance-mode", action="store_true",
                          help="every write answers 500 KE-040024201 (maintenance mode); reads still work")
    refusals.add_argument("--no-job-node", dest="job_node_available", action="store_false",
                          help="no active job node: every write answers 500 KE-010021004")
    refusals.add_argument("--epoch-moved", type=int, default=0, metavar="N",
                          help="the next N status/params PUTs answer 500 KE-040021201 before anything is applied")
    refusals.add_argument("--owner-unreachable", type=int, default=0, metavar="N",
                          help="the next N status PUTs are applied on the owner, then answered 500 KE-010021002")
    timing.add_argument("--kylin-version", default="5.0.0", help="the 'version' field of list rows")
    faults = parser.add_argument_group("faults from start-up (also PUT /_sim/faults)")
    faults.add_argument("--error-rate", type=float, default=0.0, metavar="R",
                        help="share of Kylin API requests answered 503 without processing")
    faults.add_argument("--latency", type=float, default=0.0, metavar="S", help="added to every Kylin API request")
    faults.add_argument("--drop-rate", type=float, default=0.0, metavar="R",
                        help="share of Kylin API requests whose connection is closed without an answer")
    faults.add_argument("--launch-failure-rate", type=float, default=0.0, metavar="R",
                        help="share of launches that end LAUNCHING_ERROR")
    process.add_cli_arguments(parser)
    return parser


# Options whose value is the config key of the same name (PUT /_sim/config).
CONFIG_OPTIONS = ("time_scale", "start_delay", "yarn_accept_delay", "stop_delay", "kill_delay", "kill_idle_delay",
                  "end_of_run_kill", "start_work", "stop_work", "retry_interval", "retry_max_interval", "stats_interval", "latency_mode",
                  "cluster_mode",
                  "nodes", "owner_node", "lb_policy", "catchup_interval", "catchup_after_forward", "catchup_stall_rate", "catchup_stall",
                  "maintenance_mode", "job_node_available",
                  "global_retry_enabled")
# Options whose value is the fault of the same name (PUT /_sim/faults), set when not 0.
FAULT_OPTIONS = ("error_rate", "latency", "drop_rate", "launch_failure_rate", "epoch_moved", "owner_unreachable")


def settings(args):
    """``(config, faults)`` for ``SimServer`` from the parsed options."""
    config = {name: getattr(args, name) for name in CONFIG_OPTIONS}
    config.update({"streaming_enabled": not args.streaming_disabled, "version": args.kylin_version})
    faults = {name: getattr(args, name) for name in FAULT_OPTIONS if getattr(args, name)}
    return config, faults


def main(argv=None):
    parser = build_parser()
    args = process.parse_args(parser, argv)
    if args.nodes < 1 or not 0 <= args.owner_node < args.nodes:
        parser.error("--nodes must be at least 1 and --owner-node below it")
    if args.detach:
        return process.detach(args, argv)
    config, faults = settings(args)
    config.update(args.config)
    faults.update(args.faults)
    try:  # a bad key or value: one line, before anything starts
        check_config(config)
        validate_faults(faults)
    except ValueError as exc:
        parser.error(str(exc))
    sim = SimServer(host=args.host, port=args.port, seed=args.seed, state_file=args.state_file, certfile=args.cert,
                    keyfile=args.key, config=config, faults=faults, log_requests=args.log_requests)

    listening = []

    def ready(server):
        listening.append(server.port)
        if args.port_file:
            tmp = args.port_file + ".tmp"
            with open(tmp, "w", encoding="utf-8") as handle:
                handle.write("%d\n" % server.port)
            os.replace(tmp, args.port_file)
        sys.stderr.write("kylin-sim listening on %s (seed %s%s)\n" % (
            server.url, args.seed, ", state " + args.state_file if args.state_file else ""))
        sys.stderr.flush()

    def terminate(signum, frame):  # pylint: disable=unused-argument
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, terminate)
    process.apply_cli(args)
    try:
        sim.serve_forever(ready)
    except KeyboardInterrupt:
        pass
    except OSError as exc:
        if listening:
            raise
        # The bind failed (port taken, address not ours): one line, not a traceback.
        sys.stderr.write("kylin-sim: cannot listen on %s:%s: %s (another simulator or server there? pick another "
                         "--port, or --port 0 for any free one)\n" % (args.host, args.port, exc.strerror or exc))
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
