"""Fixtures for the simulator's own tests: one server per session, reset before each test."""

import os
import sys

import pytest
import requests

# src/ on the path, so that "import kylin_sim" works from a checkout without installing it
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src"))

PUBLIC = "application/vnd.apache.kylin-v4-public+json"
INTERNAL = "application/vnd.apache.kylin-v4+json"
API = "/kylin/api/streaming_jobs"

FAST = {"start_delay": 0.3, "yarn_accept_delay": 0.15, "stop_delay": 0.2, "kill_delay": 0.01, "kill_idle_delay": 0.0,
        "start_work": 0.0, "stop_work": 0.0, "retry_interval": 0.3,
        "retry_max_interval": 1.0}


class Kylin:
    """A tiny client of the simulated Kylin API (requests, one keep-alive session)."""

    def __init__(self, url, user="ADMIN", password="KYLIN", accept=PUBLIC, verify=True):
        self.url = url
        self.accept = accept
        self.verify = verify  # per request: REQUESTS_CA_BUNDLE in the environment beats Session.verify
        self.session = requests.Session()
        if user is not None:
            self.session.auth = (user, password)

    def headers(self, accept=None):
        return {"Accept": self.accept if accept is None else accept, "Accept-Language": "en"}

    def get(self, path="", accept=None, **params):
        return self.session.get(self.url + API + path, params=params, headers=self.headers(accept), timeout=10,
                                verify=self.verify)

    def put(self, path, body, accept=None, **params):
        return self.session.put(self.url + API + path, json=body, params=params, headers=self.headers(accept), timeout=10,
                                verify=self.verify)

    def act(self, action, job_ids, project=None, accept=None):
        body = {"action": action, "job_ids": list(job_ids)}
        if project is not None:
            body["project"] = project
        return self.put("/status", body, accept=accept)

    def rows(self, **params):
        resp = self.get(**params)
        assert resp.status_code == 200, resp.text
        return resp.json()["data"]

    def row(self, project, job_id):
        data = self.rows(project=project, job_ids=job_id)
        assert data["total_size"] == 1
        return data["value"][0]

    def records(self, job_id):
        resp = self.get("/records", job_id=job_id)
        assert resp.status_code == 200, resp.text
        return resp.json()["data"]


def error_of(resp, status, error_code=None):
    """Assert an ErrorResponse and return its body."""
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert body["code"] == "999"
    assert body["data"] is None
    assert body["error_code"] == error_code
    assert set(body) == {"code", "data", "msg", "stacktrace", "exception", "url", "suggestion", "error_code"}
    return body


@pytest.fixture(name="sim", scope="session")
def sim_fixture():
    from kylin_sim.server import SimServer  # pylint: disable=import-outside-toplevel
    server = SimServer(port=0, seed="empty", config=FAST).start()
    yield server
    server.stop()


@pytest.fixture(name="ctl")
def ctl_fixture(sim):
    from kylin_sim.control import SimControl  # pylint: disable=import-outside-toplevel
    control = SimControl(sim.url)
    control.reset("empty")
    return control


@pytest.fixture(name="kylin")
def kylin_fixture(sim, ctl):  # pylint: disable=unused-argument
    return Kylin(sim.url)


@pytest.fixture(name="model")
def model_fixture(ctl):
    """A factory: model(alias, project="p1", build={...}, merge={...}) -> (build id, merge id)."""

    def make(alias="m1", project="p1", **fields):
        made = ctl.add_model(project, alias, **fields)
        return tuple(made["job_ids"])

    return make
