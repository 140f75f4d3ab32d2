"""The package as a user installs it (``make sim-package-test`` runs this in a fresh virtualenv)."""

import os
import subprocess
import sys

import kylin_sim
import pytest
from kylin_sim.testing import play


def test_kylin_sim_fixture_serves_the_simulator(kylin_sim, wait_until):
    build, dummy = kylin_sim.ctl.add_model("p1", "m1")["job_ids"]
    kylin_sim.ctl.patch_job(build, status="STARTING")
    assert wait_until(lambda: kylin_sim.ctl.status(build) == "RUNNING", timeout=10)
    assert [t["to"] for t in kylin_sim.ctl.transitions(job_id=build)] == ["STARTING", "RUNNING"]


@pytest.mark.kylin_sim(process=True, seed="demo")
def test_a_process_simulator_and_the_results_callback(kylin_sim, kylin_playbook):
    res = kylin_playbook.run([play([{"name": "health", "ansible.builtin.uri": {"url": kylin_sim.url + "/_sim/health"}}])])
    assert res.rc == 0, res
    assert res.task("health")["status"] == "ok" and res.result("health")["json"]["jobs"] == 18


def test_the_command():
    out = subprocess.run([os.path.join(os.path.dirname(sys.executable), "kylin-sim"), "--help"], capture_output=True,
                         text=True, check=True).stdout
    assert out.startswith("usage: kylin-sim ")
    assert os.path.isfile(os.path.join(os.path.dirname(kylin_sim.__file__), "callback_plugins", "kylin_results.py"))
