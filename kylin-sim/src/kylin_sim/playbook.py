"""Run ``ansible-playbook`` in a subprocess and collect every task result (the ``kylin_playbook`` fixture).

``PlaybookRunner(workdir).run(playbook, ...)`` runs the ``ansible-playbook`` of the running Python's
virtualenv (else the one on ``PATH``) with the normal stdout callback, so the human output is what a user
sees, plus the ``kylin_results`` callback shipped in this package (``callback_plugins/``), which writes every
task result as a JSON line. ``ansible-core`` must be installed; nothing here imports it but
``install_collection_loader``.

The collection under test is found the usual way (``ANSIBLE_COLLECTIONS_PATH``, which is passed on, or the
default collection paths). Environment that would change what the modules or ``requests`` do behind the
test's back (``KYLIN_*``, CA bundles, proxies, ``ANSIBLE_CONFIG``, callback settings) is dropped unless the
test gives it in ``env``.
"""

import json
import os
import shutil
import subprocess
import sys
import time

CALLBACK_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "callback_plugins")
CALLBACK = "kylin_results"

DROPPED_ENV_PREFIXES = ("KYLIN_",)
DROPPED_ENV = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE", "SSL_CERT_DIR", "ANSIBLE_CONFIG",
               "ANSIBLE_STDOUT_CALLBACK", "ANSIBLE_CALLBACKS_ENABLED", "ANSIBLE_CALLBACK_PLUGINS",
               "ANSIBLE_MODULE_DEFAULTS", "HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy")


def clean_env(extra=None):
    """``os.environ`` without the variables above, then ``extra`` (a value of None removes a variable)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(DROPPED_ENV_PREFIXES) and k not in DROPPED_ENV}
    for key, value in (extra or {}).items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = str(value)
    return env


def collections_root(collection="kylin.streaming", hint=""):
    """The entry of ``ANSIBLE_COLLECTIONS_PATH`` that holds ``collection``; RuntimeError (with ``hint``) if none."""
    namespace, name = collection.split(".")
    for root in (os.environ.get("ANSIBLE_COLLECTIONS_PATH") or "").split(os.pathsep):
        if root and os.path.isdir(os.path.join(root, "ansible_collections", namespace, name)):
            return root
    raise RuntimeError("ANSIBLE_COLLECTIONS_PATH (%s) does not hold %s%s" % (
        os.environ.get("ANSIBLE_COLLECTIONS_PATH", "not set"), collection, "; " + hint if hint else ""))


def install_collection_loader(collection="kylin.streaming", hint=""):
    """Make ``ansible_collections.*`` importable in this process from the root ``collections_root`` finds, as
    ``ansible-playbook`` imports it (ansible-core's collection loader: the one import of ansible-core here,
    for tests that run a collection's code in-process); returns that root."""
    root = collections_root(collection, hint)
    from ansible.utils.collection_loader._collection_finder import _AnsibleCollectionFinder  # pylint: disable=import-outside-toplevel
    _AnsibleCollectionFinder(paths=[root])._install()  # pylint: disable=protected-access
    return root


def ansible_playbook():
    """``ansible-playbook`` next to the running Python (its virtualenv), else the one on ``PATH``."""
    here = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
    found = here if os.path.exists(here) else shutil.which("ansible-playbook")
    if not found:
        raise RuntimeError("ansible-playbook not found next to %s nor on PATH: install ansible-core" % sys.executable)
    return found


class PlaybookResult:
    """What one ``ansible-playbook`` run did.

    ``rc``; ``output`` (stdout: what a user sees); ``stderr``; ``tasks``: one dict per task result, in order, with
    ``task`` (name), ``host``, ``status`` (``ok``, ``changed``, ``failed``, ``skipped``, ``unreachable``), ``ignored``,
    ``action``, ``seconds`` and ``result`` (the module's return values); ``seconds``; ``command``.
    """

    def __init__(self, rc, output, stderr, tasks, seconds, command):
        self.rc = rc
        self.output = output
        self.stderr = stderr
        self.tasks = tasks
        self.seconds = seconds
        self.command = command

    @property
    def stdout(self):
        return self.output

    @property
    def failed_tasks(self):
        """The task results that failed the host (``failed`` without ``ignore_errors``, or ``unreachable``)."""
        return [t for t in self.tasks if t["status"] in ("failed", "unreachable") and not t.get("ignored")]

    def task(self, name, host=None):
        """The last result of the task ``name`` (on ``host``): the dict described above; AssertionError if none."""
        found = [t for t in self.tasks if t["task"] == name and (host is None or t["host"] == host)]
        assert found, "no result for task %r; %s" % (name, self.describe())
        return found[-1]

    def result(self, name, host=None):
        """The module's return values in the last result of the task ``name``."""
        return self.task(name, host)["result"]

    @property
    def recap(self):
        """The PLAY RECAP figures of localhost, e.g. ``{'ok': 7, 'changed': 0, 'failed': 0, ...}``."""
        return self.recap_of("localhost")

    @property
    def recaps(self):
        """Every host's PLAY RECAP figures: ``{'prod': {'ok': 7, 'changed': 0, ...}, ...}`` (the last play recap)."""
        recaps, seen = {}, False
        for line in self.output.splitlines():
            if line.startswith("PLAY RECAP"):
                recaps, seen = {}, True
                continue
            fields = line.split()
            if seen and len(fields) > 2 and fields[1] == ":" and "=" in fields[2]:
                recaps[fields[0]] = {key: int(value) for key, value in (field.split("=", 1) for field in fields[2:])}
        return recaps

    def recap_of(self, host):
        """The PLAY RECAP figures of ``host``."""
        recaps = self.recaps
        if host not in recaps:
            raise AssertionError("no PLAY RECAP line for %s; %s" % (host, self.describe()))
        return recaps[host]

    def text(self):
        """Everything the run printed or returned (e.g. to check that a secret appears nowhere)."""
        return "\n".join([self.output, self.stderr, json.dumps(self.tasks, ensure_ascii=False)])

    def describe(self):
        return "%s\nrc=%s after %.1fs\n--- stdout (tail)\n%s\n--- stderr (tail)\n%s" % (
            " ".join(self.command), self.rc, self.seconds, self.output[-4000:], self.stderr[-2000:])

    __repr__ = describe


class RunningPlaybook:
    """An ``ansible-playbook`` started by ``PlaybookRunner.start``; ``wait()`` gives its ``PlaybookResult``."""

    def __init__(self, proc, results_file, command, timeout):
        self.proc = proc
        self.results_file = results_file
        self.command = command
        self.timeout = timeout
        self.started = time.monotonic()

    def running(self):
        return self.proc.poll() is None

    def wait(self):
        try:
            stdout, stderr = self.proc.communicate(timeout=self.timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            stdout, stderr = self.proc.communicate()
            stderr = (stderr or "") + "\n[kylin_playbook] ansible-playbook killed after %ss" % self.timeout
        seconds = time.monotonic() - self.started
        tasks = []
        if os.path.exists(self.results_file):
            with open(self.results_file, encoding="utf-8") as handle:
                tasks = [json.loads(line) for line in handle if line.strip()]
        return PlaybookResult(self.proc.returncode, stdout, stderr or "", tasks, seconds, self.command)


class PlaybookRunner:
    """Runs playbooks in ``workdir``; calling it is ``run``."""

    def __init__(self, workdir):
        self.workdir = str(workdir)
        self._count = 0

    def __call__(self, playbook, **kwargs):
        return self.run(playbook, **kwargs)

    def run(self, playbook, inventory=None, extra_vars=None, env=None, check=False, diff=False, args=(), timeout=600,
            **more):
        """Run ``playbook`` and return its ``PlaybookResult``.

        ``playbook``: a path, a playbook of a collection (``kylin.streaming.converge``), or plays (a list of dicts,
        or one dict; see ``kylin_sim.testing.play``) written to a file in ``workdir``. ``inventory``: a path or an
        inventory string (default: ``localhost`` with the local connection and this Python; False: no ``-i``, what
        ``args`` or an ``ansible.cfg`` say). ``extra_vars``: a dict (passed as a JSON file, so types survive) or a
        string for ``-e``. ``env``: more environment (None removes a variable). ``args``: more ``ansible-playbook``
        arguments (e.g. ``["-vvv"]``).
        More keywords: ``sim`` (a ``SimHandle``: its ``env()`` is added, KYLIN_URL and the admin login),
        ``cwd`` (default ``workdir``), ``name`` (of the files written), ``summary`` (lists and dicts of each result
        replaced by their length, to time big results), ``stderr_to_stdout`` (``output`` is both streams as a
        terminal shows them, ``stderr`` empty).
        """
        return self.start(playbook, inventory=inventory, extra_vars=extra_vars, env=env, check=check, diff=diff,
                          args=args, timeout=timeout, **more).wait()

    def start(self, playbook, inventory=None, extra_vars=None, env=None, check=False, diff=False, args=(),
              timeout=600, sim=None, cwd=None, name=None, summary=False, stderr_to_stdout=False):
        """As ``run``, without waiting: a ``RunningPlaybook``."""
        self._count += 1
        name = name or "playbook%d" % self._count
        os.makedirs(self.workdir, exist_ok=True)
        command = [ansible_playbook()]
        if inventory is not False:
            command += ["-i", self.inventory_file(inventory, name)]
        command.append(self.playbook_file(playbook, name))
        if extra_vars:
            if isinstance(extra_vars, dict):
                path = os.path.join(self.workdir, "%s.vars.json" % name)
                with open(path, "w", encoding="utf-8") as handle:
                    json.dump(extra_vars, handle)
                command += ["-e", "@" + path]
            else:
                command += ["-e", str(extra_vars)]
        if check:
            command.append("--check")
        if diff:
            command.append("--diff")
        command += [str(arg) for arg in args]
        results_file = os.path.join(self.workdir, "%s.results.jsonl" % name)
        if os.path.exists(results_file):
            os.unlink(results_file)
        run_env = self.environment(results_file, env, sim, summary)
        proc = subprocess.Popen(command, cwd=str(cwd or self.workdir), env=run_env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT if stderr_to_stdout else subprocess.PIPE,
                                universal_newlines=True)
        return RunningPlaybook(proc, results_file, command, timeout)

    def environment(self, results_file=None, env=None, sim=None, summary=False):
        """The environment ``ansible-playbook`` runs in."""
        run_env = clean_env({
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_FORCE_COLOR": "0",
            "ANSIBLE_RETRY_FILES_ENABLED": "0",
            "ANSIBLE_LOCALHOST_WARNING": "0",
            "ANSIBLE_INVENTORY_UNPARSED_WARNING": "0",
            "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
            "ANSIBLE_LOCAL_TEMP": os.path.join(self.workdir, ".ansible-tmp"),
        })
        if sim is not None:
            run_env.update(sim.env())
        if results_file:
            run_env.update({"ANSIBLE_CALLBACK_PLUGINS": CALLBACK_DIR, "ANSIBLE_CALLBACKS_ENABLED": CALLBACK,
                            "KYLIN_RESULTS_FILE": results_file})
            if summary:
                run_env["KYLIN_RESULTS_SUMMARY"] = "1"
        for key, value in (env or {}).items():
            if value is None:
                run_env.pop(key, None)
            elif key == "ANSIBLE_CALLBACKS_ENABLED" and results_file:
                run_env[key] = "%s,%s" % (value, CALLBACK)
            elif key == "ANSIBLE_CALLBACK_PLUGINS" and results_file:
                run_env[key] = os.pathsep.join([str(value), CALLBACK_DIR])
            else:
                run_env[key] = str(value)
        return run_env

    def playbook_file(self, playbook, name="playbook"):
        """The path to run: ``playbook`` itself, or the plays written as ``workdir/NAME.yml``."""
        if isinstance(playbook, (list, dict)):
            plays = [playbook] if isinstance(playbook, dict) else list(playbook)
            path = os.path.join(self.workdir, "%s.yml" % name)
            with open(path, "w", encoding="utf-8") as handle:
                json.dump(plays, handle, indent=1)  # JSON is YAML
            return path
        return os.fspath(playbook)

    def inventory_file(self, inventory=None, name="playbook"):
        """The inventory to use: the default one (localhost), a path, or an inventory string written to a file."""
        if inventory is None:
            path = os.path.join(self.workdir, "inventory.ini")
            if not os.path.exists(path):
                with open(path, "w", encoding="utf-8") as handle:
                    handle.write("localhost ansible_connection=local ansible_python_interpreter=%s\n" % sys.executable)
            return path
        inventory = os.fspath(inventory)
        if os.path.exists(inventory) or "\n" not in inventory:
            return inventory
        path = os.path.join(self.workdir, "%s.inventory.ini" % name)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(inventory)
        return path
