"""Fixtures for the simulator's own tests: one server per session (the plugin's ``kylin_sim_session``),
reset before each test that asks for ``ctl`` or ``kylin`` (the plugin's ``kylin_sim_clean``). Run them
with the package installed (``make sim-test``)."""

import pytest
import requests

from kylin_sim.testing import FAST  # noqa: F401  pylint: disable=unused-import

PUBLIC = "application/vnd.apache.kylin-v4-public+json"
INTERNAL = "application/vnd.apache.kylin-v4+json"
API = "/kylin/api/streaming_jobs"


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


@pytest.fixture(scope="session")
def kylin_sim_session_options():
    """The fast timing settings, and a server-side auto-retry within a second (for the auto-retry tests)."""
    return {"config": {"retry_interval": 0.3, "retry_max_interval": 1.0}}


@pytest.fixture(name="sim", scope="session")
def sim_fixture(kylin_sim_session):
    """The session's simulator (in-process, empty seed, the fast timing settings), as it is."""
    return kylin_sim_session


@pytest.fixture(name="ctl")
def ctl_fixture(kylin_sim_clean):
    """Its control client, after a reset to the empty seed."""
    return kylin_sim_clean.ctl


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
