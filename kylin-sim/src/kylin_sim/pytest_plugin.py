"""The kylin_sim pytest plugin: a running simulator per test, module or session, and a playbook runner.

Loaded through the ``pytest11`` entry point of the ``kylin-sim`` distribution (or ``-p kylin_sim.pytest_plugin``,
or ``pytest_plugins = ["kylin_sim.pytest_plugin"]`` in a top-level ``conftest.py``).

Fixtures:

- ``kylin_sim`` (per test), ``kylin_sim_module`` (per module), ``kylin_sim_session`` (per session): a running
  simulator, a ``SimHandle``. Options come from the marker
  ``@pytest.mark.kylin_sim(seed="empty", config={...}, faults={...}, process=False, args=[...], fast=True)`` on
  the test (or its class or module) for ``kylin_sim``, on the module (``pytestmark``) for ``kylin_sim_module``
  (or from the fixture ``kylin_sim_module_options``, which a ``conftest.py`` can override), and from the
  fixture ``kylin_sim_session_options`` (a dict; override it in a ``conftest.py``) for ``kylin_sim_session``.
  More options: ``state_file`` (a path, or True for one in the test's temporary directory), ``cert``/``key``
  (HTTPS), ``host``, ``name``.
- ``kylin_sim_clean`` (per test): the session's simulator (``kylin_sim_session``), reset before the test to its
  seed, start-up config and faults, with no counters or logs: a clean simulator for every test at the cost of
  one (the shape of pytest-httpserver's ``httpserver`` over its session server).
- ``kylin_sim_factory``: ``make(**options)`` (or call it) -> ``SimHandle``, for several simulators; all stopped at
  teardown.
- ``kylin_playbook``: ``run(playbook, ...)`` (or call it) -> ``PlaybookResult``; ``start(...)`` -> a
  ``RunningPlaybook`` (see ``kylin_sim.playbook``).
- ``wait_until``: ``kylin_sim.testing.wait_until``.

Module- and session-wide simulators are not reset between tests: call ``handle.reset()``, or use
``kylin_sim_clean``.
"""

import os

import pytest

from .control import SimControl
from .playbook import PlaybookRunner
from .process import SimProcess
from .server import SimServer
from .testing import ADMIN, FAST, wait_until

OPTIONS = ("seed", "config", "faults", "process", "args", "fast", "state_file", "cert", "key", "host", "name")


class SimHandle:
    """A running simulator: ``url``, ``port``, ``ctl`` (a ``SimControl``), and its life cycle.

    ``server`` is the ``SimServer`` of an in-process simulator (None for a process), ``process`` the
    ``SimProcess`` of a process-backed one (None in-process).
    """

    def __init__(self, seed="empty", config=None, faults=None, process=False, args=(), fast=True, state_file=None,
                 cert=None, key=None, host="127.0.0.1", name="sim", workdir=None):
        self.seed = seed
        self.config = dict(FAST if fast else {})
        self.config.update(config or {})
        self.faults = dict(faults or {})
        self.state_file = state_file
        self.cert = cert
        self.key = key
        self.server = None
        self.process = None
        self.ctl = None
        self._stopped = False
        if process:
            self.process = SimProcess(workdir, args=args, host=host, seed=seed, state_file=state_file, cert=cert,
                                      key=key, config=self.config, faults=self.faults, name=name)
        elif args:
            raise ValueError("kylin_sim: args=%r needs process=True (they are command-line options)" % (args,))
        else:
            self.server = SimServer(host=host, port=0, seed=seed, state_file=state_file, certfile=cert, keyfile=key,
                                    config=self.config, faults=self.faults)

    def start(self):
        """Start it; for a process, again after ``stop()``/``kill()``: same port, same state file."""
        if self.process is not None:
            self.process.start()
            self.ctl = self.process.ctl
        elif self.ctl is None:
            self.server.start()
            self.ctl = SimControl(self.server.url, verify=False)
        else:
            raise RuntimeError("an in-process simulator cannot be started again: use process=True")
        return self

    @property
    def url(self):
        return self.process.url if self.process is not None else self.server.url

    @property
    def port(self):
        return self.process.port if self.process is not None else self.server.port

    @property
    def store(self):
        """The state of an in-process simulator (hold ``store.lock`` to look inside it)."""
        if self.server is None:
            raise RuntimeError("a simulator process has no store here: use process=False to look inside")
        return self.server.store

    def reset(self, seed=None):
        """``POST /_sim/reset`` (to this simulator's seed unless given): start-up config and faults, no logs."""
        self.ctl.reset(seed or self.seed)
        return self.ctl

    def set_config(self, **values):
        return self.ctl.set_config(**values)

    def set_faults(self, **values):
        return self.ctl.set_faults(**values)

    def connection(self, username=ADMIN["username"], password=ADMIN["password"], **more):
        """The kylin.streaming connection options for it (e.g. for ``module_defaults``)."""
        options = {"url": self.url, "username": username, "password": password}
        if self.url.startswith("https") and "ca_path" not in more:
            options["validate_certs"] = False
        options.update(more)
        return options

    def env(self, username=ADMIN["username"], password=ADMIN["password"]):
        """The environment that points the kylin.streaming modules at it (KYLIN_URL, KYLIN_USERNAME, ...)."""
        env = {"KYLIN_URL": self.url, "KYLIN_USERNAME": username, "KYLIN_PASSWORD": password}
        if self.url.startswith("https"):
            env["KYLIN_VALIDATE_CERTS"] = "false"
        return env

    def kill(self):
        """SIGKILL the simulator process (as a crash); ``start()`` brings it back."""
        self._need_process("kill")
        self.process.kill()

    def alive(self):
        return self.process.alive() if self.process is not None else self.ctl is not None and not self._stopped

    def log(self):
        """The end of a process simulator's output."""
        return self.process.log() if self.process is not None else ""

    def stop(self):
        if self.process is not None:
            self.process.stop()
        elif self.ctl is not None and not self._stopped:
            self.server.stop()
            self._stopped = True

    def _need_process(self, what):
        if self.process is None:
            raise RuntimeError("kylin_sim: %s() needs a simulator process: mark the test kylin_sim(process=True)" % what)

    def __repr__(self):
        return "<SimHandle %s%s>" % (self.url, " pid %s" % self.process.pid if self.process is not None else "")


class SimFactory:
    """``make(**options)`` -> a started ``SimHandle``; ``stop_all()`` at teardown."""

    def __init__(self, tmp_path_factory, base=None):
        self.tmp_path_factory = tmp_path_factory
        self.base = dict(base or {})
        self.handles = []

    def __call__(self, **options):
        return self.make(**options)

    def make(self, **options):
        merged = dict(self.base, **options)
        unknown = sorted(set(merged) - set(OPTIONS))
        if unknown:
            raise TypeError("kylin_sim: unknown option(s) %s (known: %s)" % (", ".join(unknown), ", ".join(OPTIONS)))
        workdir = str(self.tmp_path_factory.mktemp(merged.get("name") or "sim"))
        if merged.get("state_file") is True:
            merged["state_file"] = os.path.join(workdir, "state.json")
        handle = SimHandle(workdir=workdir, **merged)
        self.handles.append(handle)
        return handle.start()

    def stop_all(self):
        for handle in reversed(self.handles):
            handle.stop()
        del self.handles[:]


def _marker_options(node):
    options = {}
    for marker in reversed(list(node.iter_markers("kylin_sim"))):  # the closest marker wins
        options.update(marker.kwargs)
    return options


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "kylin_sim(seed='empty', config=None, faults=None, process=False, args=(), fast=True, "
                   "state_file=None, cert=None, key=None): options of the kylin_sim simulator fixtures")


@pytest.fixture(name="wait_until", scope="session")
def wait_until_fixture():
    """``wait_until(predicate, timeout=10.0, interval=0.02, what="condition")``: the first true value of
    ``predicate()``; AssertionError after ``timeout`` seconds."""
    return wait_until


@pytest.fixture
def kylin_sim_factory(tmp_path_factory):
    """``make(**options)`` -> a running ``SimHandle`` (options as the ``kylin_sim`` marker); stopped at teardown."""
    factory = SimFactory(tmp_path_factory)
    yield factory
    factory.stop_all()


@pytest.fixture
def kylin_sim(request, tmp_path_factory):
    """A running simulator for this test (options from the ``kylin_sim`` marker)."""
    factory = SimFactory(tmp_path_factory)
    try:
        yield factory.make(**_marker_options(request.node))
    finally:
        factory.stop_all()


@pytest.fixture(scope="module")
def kylin_sim_module_options(request):
    """The options of ``kylin_sim_module``: the module's ``kylin_sim`` marker (override this fixture in a
    ``conftest.py`` to give every module of a directory the same options)."""
    return _marker_options(request.node)


@pytest.fixture(scope="module")
def kylin_sim_module(kylin_sim_module_options, tmp_path_factory):
    """A running simulator for this test module (options from ``kylin_sim_module_options``)."""
    factory = SimFactory(tmp_path_factory)
    try:
        yield factory.make(**kylin_sim_module_options)
    finally:
        factory.stop_all()


@pytest.fixture(scope="session")
def kylin_sim_session_options():
    """The options of ``kylin_sim_session`` (override this fixture in a ``conftest.py``)."""
    return {}


@pytest.fixture(scope="session")
def kylin_sim_session(kylin_sim_session_options, tmp_path_factory):
    """A running simulator for the whole session (options from the ``kylin_sim_session_options`` fixture)."""
    factory = SimFactory(tmp_path_factory)
    try:
        yield factory.make(**kylin_sim_session_options)
    finally:
        factory.stop_all()


@pytest.fixture
def kylin_sim_clean(kylin_sim_session):
    """The session's simulator (``kylin_sim_session``), reset before this test: its seed, its start-up config and
    faults, no counters, no logs. ``kylin_sim_clean.ctl`` is its ``SimControl``."""
    kylin_sim_session.reset()
    return kylin_sim_session


@pytest.fixture
def kylin_playbook(tmp_path):
    """``run(playbook, inventory=None, extra_vars=None, env=None, check=False, diff=False, args=(), timeout=600)``
    -> ``PlaybookResult``; ``start(...)`` -> ``RunningPlaybook``. Runs in this test's ``tmp_path``."""
    return PlaybookRunner(tmp_path / "kylin_playbook")
