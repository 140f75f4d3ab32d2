"""The simulator as a server: ``SimServer`` wires the parts together behind the HTTP transport (transport.py).

Faults are applied first (as a proxy or the network would), then the Kylin API or the control API
answers under the store's global lock, then the state file is written if anything changed. The
request's journal entries learn afterwards whether the answer was lost.
"""

import json
import os
import ssl
import threading
import time

from . import errors, persist, seeds
from .control_api import ControlApi
from .faults import Faults, LOGIN_PAGE, proxy_page
from .kylin_api import KylinApi
from .protocol import BASE, INTERNAL, PUBLIC, Response, choose_controller
from .state import Aborted, Store
from .transport import HTTPServer, Handler, answer_lost, counter_key

NODE_HEADER = "X-Kylin-Sim-Node"  # the node that answered; in a request: the node the load balancer must pick


class SimServer:
    """The simulator, usable from Python (tests) and from the command line (``python -m kylin_sim``)."""

    def __init__(self, host="127.0.0.1", port=0, seed="empty", state_file=None, certfile=None, keyfile=None,
                 config=None, faults=None, log_requests=False):
        self.host = host
        self.port = port
        self.seed = seed
        self.state_file = state_file
        self.certfile = certfile
        self.keyfile = keyfile
        self.log_requests = log_requests
        self.faults = Faults(faults)
        self.store = Store(config, self.faults)
        self.kylin = KylinApi(self.store)
        self.control = ControlApi(self.store, self.faults)
        self._requests = 0  # Kylin API requests so far: the made-up request ids
        self._httpd = None
        self._thread = None

    # ------------------------------------------------------------------ life cycle

    def _bind(self):
        now = time.time()
        with self.store.lock:
            if self.state_file and os.path.exists(self.state_file):
                persist.load(self.store, self.state_file, now)
            else:
                self.store.reset()
                seeds.apply(self.store, self.seed, now)
            self._save_if_dirty()
        httpd = HTTPServer((self.host, self.port), Handler)
        httpd.sim = self
        if self.certfile:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(self.certfile, self.keyfile)
            httpd.ssl_context = context
        self._httpd = httpd
        self.port = httpd.server_address[1]

    def start(self):
        """Serve in a background thread; returns once listening."""
        self._bind()
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.2},
                                        name="kylin-sim", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self, ready=None):
        """Serve in the calling thread (command line); ``ready`` is called once listening."""
        self._bind()
        if ready is not None:
            ready(self)
        try:
            self._httpd.serve_forever(poll_interval=0.2)
        finally:
            self._close()

    def stop(self):
        if self._httpd is not None:
            self._httpd.shutdown()
            if self._thread is not None:
                self._thread.join(5)
            self._close()

    def _close(self):
        if self._httpd is not None:
            self._httpd.server_close()
            self._httpd = None
            with self.store.lock:
                self._save_if_dirty()

    @property
    def url(self):
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host
        if ":" in host:
            host = "[%s]" % host
        return "%s://%s:%d" % ("https" if self.certfile else "http", host, self.port)

    def _save_if_dirty(self):
        if self.state_file and self.store.dirty:
            persist.save(self.store, self.state_file)

    # ------------------------------------------------------------------ requests

    def handle_control(self, method, path, query, body):
        with self.store.lock:
            now = time.time()
            self.store.advance(now)
            status, data = self.control.handle(method, path, dict(query), body, now)
            self._save_if_dirty()
        return status, data

    def handle_kylin(self, req):
        """Return ``(response or None to drop the connection, seconds to hold the answer)``."""
        journal = self.store.journal
        with self.store.lock:
            journal.requests[counter_key(req.method, req.path)] += 1
        latency = self.faults.latency()
        if latency > 0:
            time.sleep(latency)
        decision = self.faults.before(req.method)
        if decision is not None:
            kind, status = decision
            with self.store.lock:
                journal.faults[kind] += 1
                if kind != "drop":
                    journal.statuses[str(status)] += 1
            return self._fault_response(req, kind, status, kind == "error" and self.faults.error_as_json(status)), 0
        with self.store.lock:
            now = time.time()
            store = self.store
            req.node = store.cluster.pick(req.headers.get(NODE_HEADER))
            self._requests += 1
            req.request_id = _request_id(req.headers) or "sim-%d" % self._requests
            store.node.begin_request(req)
            store.advance(now)
            try:
                resp = self._answer(req, now)
            except Aborted:
                return None, 0  # the simulator was reset while this request worked: the connection just ends
            if (req.forwarded and req.method == "PUT" and req.path == BASE + "/status"
                    and self.faults.take("owner_unreachable")):
                # BaseFilter.routeAPI: the owner applied the write, its answer never came back.
                journal.faults["owner_unreachable"] += 1
                journal.refusals["KE-010021002"] += 1
                resp = Response(500, errors.owner_unreachable().to_json_bytes(req.url()), "application/json")
                answer_lost(req)
            elif (req.method != "GET" and resp.status < 400 and store.config["catchup_after_forward"]
                    and req.node != store.cluster.owner):
                # BaseFilter.tryCatchUp: the node that forwarded a write reads the audit log once it succeeded.
                done = time.time()
                store.advance(done)
                store.cluster.catch_up(req.node, done)
            resp.headers.append((NODE_HEADER, str(req.node)))
            journal.statuses[str(resp.status)] += 1
            self._save_if_dirty()
        if req.method == "PUT" and req.path == BASE + "/status" and resp.status in (200, 400, 500):
            after = self.faults.after_status_put(resp.action or _body_action(req.body))
            if after is not None:
                kind, seconds = after
                with self.store.lock:
                    journal.faults[kind] += 1
                    if kind == "lose":
                        answer_lost(req)
                if kind == "lose":
                    return None, 0
                return resp, seconds
        return resp, 0

    def _answer(self, req, now):
        try:
            return self.kylin.handle(req, now)
        except Aborted:
            raise
        except errors.KylinError as exc:
            err = exc
        except Exception as exc:  # pylint: disable=broad-except
            # Kylin's handleError: whatever went wrong is a 500 with the exception's message.
            err = errors.unknown("java.lang.RuntimeException", "%s: %s" % (type(exc).__name__, exc))
        if err.pretty or err.url_path or err.json_type:
            ctype = "application/json"
        else:
            controller = choose_controller(req.headers.get("Accept"))
            ctype = PUBLIC if controller == "public" else INTERNAL if controller == "internal" else "application/json"
        url = req.url(path=err.url_path, with_query=err.with_query)
        return Response(err.status, err.to_json_bytes(url), ctype)

    @staticmethod
    def _fault_response(req, kind, status, as_json=False):
        """The answer to a faulted request: ``as_json``, Kylin's error body (``error_json_statuses``), else a
        proxy's HTML page."""
        if kind == "drop":
            return None
        if kind == "non_json":
            return Response(200, LOGIN_PAGE, "text/html;charset=UTF-8")
        if as_json:
            err = errors.unknown("java.lang.IllegalStateException", "Simulated server fault", status=status)
            return Response(status, err.to_json_bytes(req.url()), "application/json")
        return Response(status, proxy_page(status), "text/html")


def _request_id(headers):
    """The client's request id, if it sends one (``X-Request-Id``, or the ``X-Correlation-Id`` some clients use)."""
    for name in ("X-Request-Id", "X-Correlation-Id"):
        value = headers.get(name)
        if value:
            return value.strip()[:200]
    return None


def _body_action(body):
    try:
        data = json.loads(body.decode("utf-8"))
        return data.get("action") if isinstance(data, dict) else None
    except (ValueError, AttributeError):
        return None
