"""Command line: ``kylin-sim [options]`` or ``python -m kylin_sim [options]`` (see ``--help``)."""

import argparse
import os
import signal
import sys

from . import process
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
    timing = parser.add_argument_group("timing and behaviour (also PUT /_sim/config)")
    timing.add_argument("--start-delay", type=float, default=2.0, metavar="S", help="STARTING -> RUNNING")
    timing.add_argument("--yarn-accept-delay", type=float, default=1.0, metavar="S",
                        help="after a START, the app is known to YARN: a STOP then gives STOPPING instead of ERROR")
    timing.add_argument("--stop-delay", type=float, default=1.0, metavar="S",
                        help="STOPPING -> STOPPED (one trigger interval)")
    timing.add_argument("--kill-delay", type=float, default=0.05, metavar="S",
                        help="time FORCE_STOP / RESTART spend per job before answering")
    timing.add_argument("--retry-interval", type=float, default=300.0, metavar="S",
                        help="first server-side auto-retry of ERROR jobs with kylin.streaming.job-retry-enabled=true; "
                             "each later retry waits this much longer")
    timing.add_argument("--retry-max-interval", type=float, default=1800.0, metavar="S", help="longest auto-retry wait")
    timing.add_argument("--stats-interval", type=float, default=30.0, metavar="S",
                        help="micro-batch trigger of running build jobs: a stats row and a new last_modified each time")
    mode = timing.add_mutually_exclusive_group()
    mode.add_argument("--cluster-mode", dest="cluster_mode", action="store_true", default=True,
                      help="YARN cluster: STOP without a YARN app ends ERROR")
    mode.add_argument("--local-mode", dest="cluster_mode", action="store_false",
                      help="Kylin's local mode: START goes RUNNING at once, STOP without an app ends STOPPED")
    timing.add_argument("--streaming-disabled", action="store_true",
                        help="kylin.streaming.enabled=false: every endpoint answers KE-010035014")
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


def main(argv=None):
    args = process.parse_args(build_parser(), argv)
    if args.detach:
        return process.detach(args, argv)
    config = {"start_delay": args.start_delay, "yarn_accept_delay": args.yarn_accept_delay, "stop_delay": args.stop_delay,
              "kill_delay": args.kill_delay, "retry_interval": args.retry_interval,
              "retry_max_interval": args.retry_max_interval, "stats_interval": args.stats_interval,
              "cluster_mode": args.cluster_mode, "streaming_enabled": not args.streaming_disabled,
              "version": args.kylin_version}
    faults = {k: v for k, v in (("error_rate", args.error_rate), ("latency", args.latency), ("drop_rate", args.drop_rate),
                                ("launch_failure_rate", args.launch_failure_rate)) if v}
    config.update(args.config)
    faults.update(args.faults)
    sim = SimServer(host=args.host, port=args.port, seed=args.seed, state_file=args.state_file, certfile=args.cert,
                    keyfile=args.key, config=config, faults=faults, log_requests=args.log_requests)

    def ready(server):
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
