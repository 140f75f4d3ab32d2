"""The simulator as a separate process, and the command-line options that go with it.

``SimProcess`` starts ``python -m kylin_sim`` on a port (0 = any free one), waits until it listens and
answers ``/_sim/health``, and can stop it, kill it (SIGKILL, as a crash) and start it again on the same
port with the same ``--state-file``. The pytest plugin (``process=True``), ``kylin-sim --detach``, the
collection's integration setup, molecule scenario and demo all start the simulator through it.

The options added to the command line here: ``--fast``, ``--config JSON``, ``--faults JSON``,
``--pid-file``, ``--exit-with-pid``, ``--detach`` and ``--log-file``.
"""

import argparse
import atexit
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time

from .control import SimControl, SimControlError
from .testing import FAST

# The directory that holds this kylin_sim package: a child process imports the same code as its parent,
# installed or not (the collection's ansible-test copy runs it from kylin-sim/src).
PACKAGE_PARENT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class SimProcessError(RuntimeError):
    """The simulator process did not start (the message holds the end of its log)."""


class SimProcess:
    """``python -m kylin_sim`` in its own process.

    ``args`` are more command-line options (e.g. ``["--nodes", "3"]``); ``config`` and ``faults`` become the
    start-up values (``--config``/``--faults`` JSON, which ``POST /_sim/reset`` goes back to); ``fast`` adds
    ``--fast``. ``detach`` starts it in a session of its own, so that it outlives the caller. It runs in ``cwd``
    (default ``workdir``, a new temporary directory unless given), which also holds its log and port file.
    """

    def __init__(self, workdir=None, args=(), port=0, host="127.0.0.1", seed=None, state_file=None, cert=None,
                 key=None, config=None, faults=None, fast=False, name="sim", log_path=None, port_file=None,
                 python=None, env=None, detach=False, cwd=None):
        self.workdir = workdir or tempfile.mkdtemp(prefix="kylin-sim-")
        self.args = list(args)
        self.port = port
        self.host = host
        self.seed = seed
        self.state_file = state_file
        self.cert = cert
        self.key = key
        self.config = dict(config or {})
        self.faults = dict(faults or {})
        self.fast = fast
        self.name = name
        self.log_path = log_path or os.path.join(self.workdir, "%s.log" % name)
        self.port_file = port_file or os.path.join(self.workdir, "%s.port" % name)
        self.python = python or sys.executable
        self.env = env
        self.detach = detach
        self.cwd = cwd or self.workdir
        self.proc = None
        self.ctl = None

    @property
    def scheme(self):
        return "https" if self.cert or "--cert" in self.args else "http"

    @property
    def url(self):
        return "%s://%s:%d" % (self.scheme, self.host, self.port)

    @property
    def pid(self):
        return self.proc.pid if self.proc is not None else None

    def command(self):
        cmd = [self.python, "-m", "kylin_sim", "--host", self.host, "--port", str(self.port),
               "--port-file", self.port_file]
        if self.seed:
            cmd += ["--seed", self.seed]
        if self.state_file:
            cmd += ["--state-file", self.state_file]
        if self.cert:
            cmd += ["--cert", self.cert]
        if self.key:
            cmd += ["--key", self.key]
        if self.fast:
            cmd.append("--fast")
        if self.config:
            cmd += ["--config", json.dumps(self.config, sort_keys=True)]
        if self.faults:
            cmd += ["--faults", json.dumps(self.faults, sort_keys=True)]
        return cmd + self.args

    def _environment(self):
        env = dict(os.environ if self.env is None else self.env)
        path = [PACKAGE_PARENT] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p and p != PACKAGE_PARENT]
        env["PYTHONPATH"] = os.pathsep.join(path)
        return env

    def start(self, timeout=30.0):
        """Start it (again: same port, same state file) and return once it answers; ``self``."""
        if self.alive():
            raise SimProcessError("the simulator is already running (pid %d)" % self.proc.pid)
        if os.path.exists(self.port_file):
            os.unlink(self.port_file)
        with open(self.log_path, "ab") as log, open(os.devnull, "rb") as devnull:
            self.proc = subprocess.Popen(self.command(), stdin=devnull, stdout=log, stderr=subprocess.STDOUT,
                                         cwd=self.cwd, env=self._environment(), close_fds=True,
                                         start_new_session=self.detach)
        deadline = time.monotonic() + timeout
        while not _read_port(self.port_file):
            self._check_running(deadline, timeout)
            time.sleep(0.02)
        self.port = _read_port(self.port_file)
        if self.ctl is None or self.ctl.url != self.url:
            self.ctl = SimControl(self.url, verify=False)
        while True:
            try:
                self.ctl.health()
                return self
            except SimControlError:
                self._check_running(deadline, timeout)
                time.sleep(0.05)

    def _check_running(self, deadline, timeout):
        if self.proc.poll() is not None:
            raise SimProcessError("the simulator exited with %s: %s" % (self.proc.returncode, self.log()))
        if time.monotonic() > deadline:
            self.kill()
            raise SimProcessError("the simulator did not answer within %ss: %s" % (timeout, self.log()))

    def log(self, tail=4000):
        """The end of its stdout/stderr."""
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as handle:
                return handle.read()[-tail:]
        except OSError:
            return ""

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def kill(self):
        """SIGKILL, as a crash: nothing is flushed but what the state file already holds."""
        if self.alive():
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self, timeout=10.0):
        """SIGTERM (the state file is written), SIGKILL after ``timeout``."""
        if self.alive():
            self.proc.terminate()
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()


def _read_port(path):
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


# ---------------------------------------------------------------------------------------- command line

def _json_object(text):
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError("not JSON: %s" % exc) from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError("not a JSON object: %s" % text)
    return value


def add_cli_arguments(parser):
    """The options of this module, in their own group of ``kylin-sim --help``."""
    group = parser.add_argument_group("running it for tests and CI")
    group.add_argument("--fast", action="store_true",
                       help="the fast timing settings of the tests (%s) as the defaults of the timing options"
                       % ", ".join("%s=%s" % item for item in sorted(FAST.items())))
    group.add_argument("--config", type=_json_object, default={}, metavar="JSON",
                       help="start-up values of any PUT /_sim/config key, as a JSON object (beats the options above)")
    group.add_argument("--faults", type=_json_object, default={}, metavar="JSON",
                       help="start-up faults, any PUT /_sim/faults key, as a JSON object")
    group.add_argument("--pid-file", metavar="PATH", help="write the simulator's process id to this file")
    group.add_argument("--exit-with-pid", type=int, metavar="PID",
                       help="stop (cleanly) as soon as process PID has exited, e.g. the CI job or script that started it")
    group.add_argument("--detach", action="store_true",
                       help="start the simulator in the background, wait until it answers, print its URL and return")
    group.add_argument("--log-file", metavar="PATH",
                       help="with --detach: where the background simulator writes its output (default: discarded)")


def parse_args(parser, argv=None):
    """``parser.parse_args``, where ``--fast`` first makes ``FAST`` the defaults of the timing options."""
    known, dummy = parser.parse_known_args(argv)
    if known.fast:
        parser.set_defaults(**FAST)
    return parser.parse_args(argv)


def apply_cli(args):
    """In the simulator's process, before it serves: ``--pid-file`` and ``--exit-with-pid``."""
    if args.pid_file:
        _write_atomic(args.pid_file, "%d\n" % os.getpid())
        mine = os.getpid()
        atexit.register(lambda: os.getpid() == mine and os.path.exists(args.pid_file) and os.unlink(args.pid_file))
    if args.exit_with_pid:
        exit_with_pid(args.exit_with_pid)


def _write_atomic(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(tmp, path)


def exit_with_pid(pid, interval=0.2):
    """Send this process SIGTERM (a clean stop) once process ``pid`` has exited; watched by a daemon thread."""
    try:
        fd = os.pidfd_open(pid)  # Linux: woken the moment it exits, and immune to pid reuse
    except (AttributeError, OSError):
        fd = None

    def gone():
        if fd is not None:
            poller = select.poll()
            poller.register(fd, select.POLLIN)
            return bool(poller.poll(interval * 1000))
        time.sleep(interval)
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
        return False

    def watch():
        while not gone():
            pass
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="exit-with-pid", daemon=True).start()


def detach(args, argv=None):
    """``kylin-sim --detach ...``: the same command without ``--detach`` in the background; print its URL."""
    argv = list(sys.argv[1:] if argv is None else argv)
    child, skip = [], False
    for token in argv:
        if skip:
            skip = False
        elif token == "--detach":
            continue
        elif token == "--log-file":
            skip = True
        elif not token.startswith("--log-file="):
            child.append(token)
    workdir = tempfile.mkdtemp(prefix="kylin-sim-")
    sim = SimProcess(workdir, args=child, host=args.host, port=args.port, port_file=args.port_file,
                     log_path=args.log_file or os.devnull, detach=True, cwd=os.getcwd())
    try:
        sim.start()
    except SimProcessError as exc:
        sys.stderr.write("kylin-sim: %s\n" % exc)
        return 1
    finally:
        if not args.port_file and os.path.exists(sim.port_file):
            os.unlink(sim.port_file)
        if not os.listdir(workdir):
            os.rmdir(workdir)
    sys.stdout.write(sim.url + "\n")
    sys.stdout.flush()
    return 0
