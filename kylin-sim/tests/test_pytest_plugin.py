"""The pytest plugin (kylin_sim.pytest_plugin), the process helpers and the playbook runner."""

import os
import signal
import subprocess
import sys
import time

import pytest

from kylin_sim.control import SimControl, SimControlError
from kylin_sim.playbook import clean_env
from kylin_sim.pytest_plugin import SimFactory
from kylin_sim.testing import FAST, play


def test_kylin_sim_defaults_in_process_empty_fast(kylin_sim):
    assert kylin_sim.process is None and kylin_sim.url == "http://127.0.0.1:%d" % kylin_sim.port
    assert kylin_sim.ctl.health()["projects"] == 0
    config = kylin_sim.ctl.config()
    assert {key: config[key] for key in FAST} == FAST
    kylin_sim.set_config(start_delay=5)
    kylin_sim.reset()
    assert kylin_sim.ctl.config()["start_delay"] == FAST["start_delay"]  # the start-up values


@pytest.mark.kylin_sim(seed="demo", fast=False, config={"stop_delay": 7.0}, faults={"latency": 0.01})
def test_marker_options(kylin_sim):
    assert kylin_sim.ctl.health()["jobs"] == 18
    config = kylin_sim.ctl.config()
    assert config["stop_delay"] == 7.0 and config["start_delay"] == 2.0  # not fast: the simulator's defaults
    assert kylin_sim.ctl.faults() == {"latency": 0.01}
    kylin_sim.set_faults(latency=None)
    kylin_sim.reset()
    assert kylin_sim.ctl.faults() == {"latency": 0.01} and kylin_sim.ctl.health()["jobs"] == 18


@pytest.mark.kylin_sim(process=True, state_file=True, args=["--kylin-version", "5.0.2"],
                       config={"lock_attempts": 0}, faults={"error_count": 1})
def test_process_kill_and_start_again(kylin_sim):
    assert kylin_sim.server is None and kylin_sim.process.alive()
    config = kylin_sim.ctl.config()
    assert config["version"] == "5.0.2" and config["lock_attempts"] == 0
    assert {key: config[key] for key in FAST} == FAST
    assert kylin_sim.ctl.faults() == {"error_count": 1}
    job_ids = kylin_sim.ctl.add_model("p1", "m1")["job_ids"]
    port, pid = kylin_sim.port, kylin_sim.process.pid
    kylin_sim.kill()
    with pytest.raises(SimControlError):
        kylin_sim.ctl.health()
    kylin_sim.start()
    assert (kylin_sim.port, kylin_sim.url) == (port, "http://127.0.0.1:%d" % port)
    assert kylin_sim.process.pid != pid
    assert sorted(job["id"] for job in kylin_sim.ctl.jobs()) == sorted(job_ids)  # from the state file


def test_kylin_sim_clean_is_the_session_simulator_reset(kylin_sim_clean, kylin_sim_session):
    # the same server as the session's, reset: start-up config (the suite's retry settings), no faults,
    # no models, no counters or logs, whatever the test before left
    assert kylin_sim_clean is kylin_sim_session
    ctl = kylin_sim_clean.ctl
    assert ctl.health()["jobs"] == 0 and ctl.actions() == [] and ctl.counters()["requests"] == {}
    assert ctl.config()["retry_interval"] == 0.3 and ctl.faults() == {}
    ctl.add_model("p1", "m1", build={"status": "RUNNING"})
    ctl.set_config(start_delay=9)
    ctl.set_faults(error_count=3)


def test_kylin_sim_clean_again_after_a_dirty_test(kylin_sim_clean):
    ctl = kylin_sim_clean.ctl
    assert ctl.health()["jobs"] == 0 and ctl.faults() == {}
    assert ctl.config()["start_delay"] == FAST["start_delay"]


def test_in_process_cannot_be_killed(kylin_sim):
    with pytest.raises(RuntimeError, match="process=True"):
        kylin_sim.kill()


def test_factory_makes_several_and_stops_them_all(tmp_path_factory):
    factory = SimFactory(tmp_path_factory)
    first = factory.make(seed="demo")
    second = factory.make(process=True)
    assert first.port != second.port
    assert first.ctl.health()["jobs"] == 18 and second.ctl.health()["jobs"] == 0
    factory.stop_all()
    for handle in (first, second):
        assert not handle.alive()
        with pytest.raises(SimControlError):
            SimControl(handle.url, timeout=2).health()
    with pytest.raises(TypeError, match="no_such_option"):
        factory.make(no_such_option=1)


def test_kylin_sim_factory_fixture(kylin_sim_factory):
    fleet = [kylin_sim_factory(seed="demo") for dummy in range(2)]
    assert len({sim.url for sim in fleet}) == 2


def test_wait_until_fixture(wait_until):
    values = iter([0, None, 3])
    assert wait_until(lambda: next(values), timeout=5, interval=0) == 3
    with pytest.raises(AssertionError, match="never not met within"):
        wait_until(lambda: False, timeout=0.05, what="never")


# ---------------------------------------------------------------- the playbook runner

def test_playbook_results_statuses_and_environment(kylin_sim, kylin_playbook, monkeypatch):
    monkeypatch.setenv("KYLIN_URL", "http://leaked.invalid")  # dropped unless given
    monkeypatch.setenv("KYLIN_EXTRA", "dropped")
    tasks = [
        {"name": "health", "ansible.builtin.uri": {"url": kylin_sim.url + "/_sim/health"}},
        {"name": "changed", "ansible.builtin.command": "true"},
        {"name": "skipped", "ansible.builtin.debug": {"msg": "no"}, "when": False},
        {"name": "env", "ansible.builtin.debug": {
            "msg": "{{ lookup('env', 'KYLIN_URL') }}|{{ lookup('env', 'KYLIN_EXTRA') }}|{{ lookup('env', 'MINE') }}"}},
        {"name": "ignored", "ansible.builtin.fail": {"msg": "ignored"}, "ignore_errors": True},
        {"name": "var", "ansible.builtin.debug": {"var": "given"}},
        {"name": "boom", "ansible.builtin.fail": {"msg": "boom"}},
        {"name": "never", "ansible.builtin.debug": {"msg": "never"}},
    ]
    res = kylin_playbook.run([play(tasks)], extra_vars={"given": [1, "two"]}, env={"MINE": "mine"}, sim=kylin_sim)
    assert res.rc == 2, res
    assert [(t["task"], t["status"]) for t in res.tasks] == [
        ("health", "ok"), ("changed", "changed"), ("skipped", "skipped"), ("env", "ok"), ("ignored", "failed"),
        ("var", "ok"), ("boom", "failed")]
    assert res.task("health")["result"]["json"]["ok"] is True
    assert res.result("env")["msg"] == "%s||mine" % kylin_sim.url
    assert res.result("var")["given"] == [1, "two"]
    assert [t["task"] for t in res.failed_tasks] == ["boom"]
    assert res.task("boom")["host"] == "localhost" and res.task("boom")["seconds"] >= 0
    assert "TASK [boom]" in res.output and "boom" in res.text()
    assert res.recap == res.recap_of("localhost") and (res.recap["changed"], res.recap["failed"]) == (1, 1)
    with pytest.raises(AssertionError, match="no result for task 'never'"):
        res.task("never")
    assert kylin_sim.ctl.counters()["requests"] == {}  # control calls are not counted


def test_playbook_from_a_file_check_mode_and_inventory(kylin_playbook, tmp_path):
    path = tmp_path / "site.yml"
    path.write_text("- hosts: web\n  gather_facts: false\n  tasks:\n"
                    "    - name: mode\n      ansible.builtin.debug:\n        msg: '{{ ansible_check_mode }} {{ inventory_hostname }}'\n")
    inventory = "[web]\nweb1 ansible_connection=local ansible_python_interpreter=%s\n" % sys.executable
    res = kylin_playbook(path, inventory=inventory, check=True, args=["-v"])
    assert res.rc == 0, res
    assert res.task("mode")["host"] == "web1" and res.result("mode")["msg"] == "True web1"


def test_playbook_as_typed_both_streams_and_every_hosts_recap(kylin_playbook, tmp_path):
    (tmp_path / "hosts.ini").write_text("".join("%s ansible_connection=local ansible_python_interpreter=%s\n" % (
        host, sys.executable) for host in ("a", "b")))
    tasks = [{"name": "hello", "ansible.builtin.debug": {"msg": "hello"}},
             {"name": "b fails", "ansible.builtin.fail": {"msg": "no"}, "when": "inventory_hostname == 'b'"}]
    # hosts "all:nowhere": ansible-playbook warns on stderr that "nowhere" matches no host
    res = kylin_playbook.run([play(tasks, hosts="all:nowhere")], inventory=False, args=["-i", "hosts.ini"],
                             cwd=tmp_path, stderr_to_stdout=True)
    assert res.rc == 2, res
    assert res.command.count("-i") == 1 and res.command[res.command.index("-i") + 1] == "hosts.ini"
    assert sorted(res.recaps) == ["a", "b"] and res.recap_of("b") == res.recaps["b"]
    assert (res.recaps["a"]["ok"], res.recaps["a"]["failed"], res.recaps["b"]["failed"]) == (1, 0, 1)
    assert "Could not match supplied host pattern, ignoring: nowhere" in res.output and res.stderr == ""
    with pytest.raises(AssertionError, match="no PLAY RECAP line for localhost"):
        res.recap_of("localhost")


def test_playbook_started_in_the_background(kylin_playbook, tmp_path):
    flag = tmp_path / "go"
    running = kylin_playbook.start([play([{"name": "wait", "ansible.builtin.wait_for": {"path": str(flag)}}])])
    time.sleep(0.2)
    assert running.running()
    flag.write_text("")
    res = running.wait()
    assert res.rc == 0 and res.task("wait")["status"] == "ok", res


def test_clean_env_drops_what_changes_behaviour(monkeypatch):
    monkeypatch.setenv("KYLIN_PASSWORD", "secret")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/x")
    env = clean_env({"KEEP": 1, "PATH": None})
    assert "KYLIN_PASSWORD" not in env and "REQUESTS_CA_BUNDLE" not in env and "PATH" not in env
    assert env["KEEP"] == "1"


# ---------------------------------------------------------------- the command line for CI

def test_cli_fast_and_config_json(kylin_sim_factory):
    sim = kylin_sim_factory(process=True, fast=False, args=["--fast", "--stop-delay", "4", "--config", '{"kill_delay": 0.5}'])
    config = sim.ctl.config()
    assert config["start_delay"] == FAST["start_delay"] and config["stop_delay"] == 4.0 and config["kill_delay"] == 0.5


def test_cli_bad_config_json_is_refused():
    proc = subprocess.run([sys.executable, "-m", "kylin_sim", "--config", "[1]"], capture_output=True, text=True,
                          check=False, timeout=30)
    assert proc.returncode == 2 and "not a JSON object" in proc.stderr


def test_cli_port_in_use_is_one_line_not_a_traceback():
    import socket  # pylint: disable=import-outside-toplevel
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        proc = subprocess.run([sys.executable, "-m", "kylin_sim", "--port", str(port), "--seed", "empty"],
                              capture_output=True, text=True, check=False, timeout=30)
    assert proc.returncode == 2, proc.stderr
    assert "kylin-sim: cannot listen on 127.0.0.1:%d: Address already in use" % port in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr and "--port 0" in proc.stderr, proc.stderr


def test_cli_detach_pid_file_and_exit_with_pid(tmp_path, wait_until):
    owner = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])  # pylint: disable=consider-using-with
    pid_file, log_file = tmp_path / "sim.pid", tmp_path / "sim.log"
    try:
        out = subprocess.run([sys.executable, "-m", "kylin_sim", "--detach", "--port", "0", "--seed", "demo", "--fast",
                              "--pid-file", str(pid_file), "--log-file", str(log_file), "--exit-with-pid", str(owner.pid)],
                             capture_output=True, text=True, check=True, timeout=60).stdout
        url = out.strip()
        assert url.startswith("http://127.0.0.1:"), out
        ctl = SimControl(url, timeout=5)
        assert ctl.health()["jobs"] == 18 and ctl.config()["start_delay"] == FAST["start_delay"]
        sim_pid = int(pid_file.read_text())
        os.kill(sim_pid, 0)  # it outlived the command that started it
    finally:
        owner.send_signal(signal.SIGKILL)
        owner.wait()
    wait_until(lambda: not pid_file.exists(), timeout=15, what="the simulator gone with its owner")
    with pytest.raises(SimControlError):
        ctl.health()
    assert "listening on " + url in log_file.read_text()
