"""HTTPS, HTTP/1.1 keep-alive, scale (10,000 jobs) and concurrency."""

import http.client
import shutil
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import API, PUBLIC, Kylin, error_of
from kylin_sim.control import SimControl


@pytest.fixture(name="certificate", scope="module")
def certificate_fixture(tmp_path_factory):
    if shutil.which("openssl") is None:
        pytest.skip("openssl CLI not installed")
    directory = tmp_path_factory.mktemp("tls")
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    return str(cert), str(key)


def test_https(certificate, kylin_sim_factory):
    cert, key = certificate
    sim = kylin_sim_factory.make(seed="demo", cert=cert, key=key)
    try:
        assert sim.url.startswith("https://")
        kylin = Kylin(sim.url, verify=cert)
        assert kylin.rows(project="streaming_demo")["total_size"] == 12
        assert error_of(Kylin(sim.url, None, verify=cert).get(), 401, "KE-010003207")["url"].startswith("https://")
        assert SimControl(sim.url, cafile=cert).health()["jobs"] == 18
        assert SimControl(sim.url, verify=False).health()["jobs"] == 18
        import requests  # pylint: disable=import-outside-toplevel
        with pytest.raises(requests.exceptions.SSLError):
            requests.get(sim.url + API, timeout=5)  # not trusted without the CA
    finally:
        sim.stop()


def test_keep_alive_and_content_length(sim, model):
    model()
    conn = http.client.HTTPConnection(sim.url.split("//")[1], timeout=5)
    headers = {"Accept": PUBLIC, "Authorization": "Basic QURNSU46S1lMSU4="}
    for path in (API, API + "?page_size=1", "/kylin/api/nope", API + "/status"):
        conn.request("GET", path, headers=headers)
        resp = conn.getresponse()
        body = resp.read()
        assert resp.getheader("Content-Length") == str(len(body))
        assert resp.version == 11 and not resp.will_close
    sock = conn.sock
    conn.request("GET", API, headers=headers)
    conn.getresponse().read()
    assert conn.sock is sock  # one connection for all requests
    conn.close()


def test_ten_thousand_jobs_listed_in_pages(sim, ctl):
    made = ctl.generate("big", 5000, status={"RUNNING": 0.6, "STOPPED": 0.3, "ERROR": 0.1}, seed=7)
    assert made["count"] == 5000
    kylin = Kylin(sim.url)
    seen, total = [], None
    for page in range(20):
        data = kylin.rows(project="big", page_size=500, page_offset=page, sort_by="model_alias")
        total = data["total_size"]
        seen.extend(r["uuid"] for r in data["value"])
    assert total == 10000 and len(seen) == 10000 and len(set(seen)) == 10000
    internal = {j["id"]: j["status"] for j in ctl.jobs(project="big")}
    assert set(internal) == set(seen)
    counts = {}
    for status in internal.values():
        counts[status] = counts.get(status, 0) + 1
    for status, count in counts.items():
        assert kylin.rows(project="big", statuses=status, page_size=0)["total_size"] == count
    assert 5000 < counts["RUNNING"] < 7000
    full = kylin.rows(project="big", page_size=10000, sort_by="last_status_duration", reverse="false")
    assert len(full["value"]) == 10000
    durations = [r["last_status_duration"] for r in full["value"]]
    present = [d for d in durations if d is not None]
    assert present == sorted(present) and durations[len(present):] == [None] * (10000 - len(present))


def test_concurrent_clients_keep_state_consistent(sim, ctl):
    ctl.set_config(start_delay=0.05, stop_delay=0.05, yarn_accept_delay=0.02, kill_delay=0.01)
    job_ids = []
    for i in range(20):
        job_ids.extend(ctl.add_model("p1", "c%02d" % i)["job_ids"])
    errors = []
    lock = threading.Lock()

    def worker(n):
        kylin = Kylin(sim.url)
        for round_ in range(8):
            job = job_ids[(n * 3 + round_) % len(job_ids)]
            action = ("START", "STOP", "FORCE_STOP", "RESTART")[(n + round_) % 4]
            resp = kylin.act(action, [job], "p1")
            listed = kylin.get(project="p1", page_size=100)
            with lock:
                if resp.status_code not in (200, 500) or listed.status_code != 200:
                    errors.append((resp.status_code, resp.text[:200]))
                elif resp.status_code == 500 and resp.json()["error_code"] != "KE-010035005":
                    errors.append(resp.text[:200])

    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(worker, range(16)))
    assert not errors
    counters = ctl.counters()
    assert counters["requests"]["PUT /kylin/api/streaming_jobs/status"] == 16 * 8
    assert counters["requests"]["GET /kylin/api/streaming_jobs"] == 16 * 8
    assert sum(counters["actions"].values()) == 16 * 8 == len(ctl.actions())
    time.sleep(0.3)  # let launches and graceful stops settle, so the checks below do not race them
    # every job's record history agrees with its transitions
    kylin = Kylin(sim.url)
    for job in job_ids:
        transitions = ctl.transitions(job_id=job)
        expected = [{"RUNNING": "START", "STOPPED": "STOP", "ERROR": "ERROR"}[t["to"]] for t in transitions
                    if t["to"] in ("RUNNING", "STOPPED", "ERROR")]
        assert [r["action"] for r in reversed(kylin.records(job))] == expected
        status = ctl.status(job)
        assert status == (transitions[-1]["to"] if transitions else "STOPPED")
        listed = kylin.row("p1", job)["job_status"]
        assert listed == ("ERROR" if status == "LAUNCHING_ERROR" else status)
