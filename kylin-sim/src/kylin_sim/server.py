"""The HTTP layer: a threaded HTTP/1.1 (keep-alive) server, optionally HTTPS, in front of the simulator.

``SimServer`` wires the parts together: faults are applied first (as a proxy or the network would),
then the Kylin API or the control API answers under the store's global lock, then the state file is
written if anything changed. Every request gets a Content-Length, so one client connection can be
reused, as the collection's client does.
"""

import json
import os
import select
import socket
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, unquote, urlsplit

from . import errors, persist, seeds
from .control_api import ControlApi
from .faults import Faults, LOGIN_PAGE, proxy_page
from .kylin_api import BASE, KylinApi, Request, Response, choose_controller, INTERNAL, PUBLIC
from .state import Aborted, Store


NODE_HEADER = "X-Kylin-Sim-Node"  # the node that answered; in a request: the node the load balancer must pick
MAX_HEADER_BYTES = 32 * 1024       # Tomcat's max-http-header-size in Kylin's application.yaml (docs/kylin-api.md §11.8)
TOMCAT_400 = (b'<!doctype html><html lang="en"><head><title>HTTP Status 400 \xe2\x80\x93 Bad Request</title>'
              b'<style type="text/css">body {font-family:Tahoma,Arial,sans-serif;} h1 {font-size:22px;}</style></head>'
              b'<body><h1>HTTP Status 400 \xe2\x80\x93 Bad Request</h1></body></html>')


def _counter_key(method, path):
    """Requests are counted per endpoint: ``GET /kylin/api/streaming_jobs/stats`` for every job id."""
    if path.startswith(BASE + "/stats/"):
        path = BASE + "/stats"
    if path == BASE + "/":
        path = BASE
    return "%s %s" % (method, path)


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
        httpd = _HTTPServer((self.host, self.port), _Handler)
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
            journal.requests[_counter_key(req.method, req.path)] += 1
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
            return self._fault_response(req, kind, status), 0
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
    def _fault_response(req, kind, status):
        if kind == "drop":
            return None
        if kind == "non_json":
            return Response(200, LOGIN_PAGE, "text/html;charset=UTF-8")
        if kind == "error" and status == 500:
            err = errors.unknown("java.lang.IllegalStateException", "Simulated server fault")
            return Response(500, err.to_json_bytes(req.url()), "application/json")
        return Response(status, proxy_page(status), "text/html")


def _request_id(headers):
    """The client's request id, if it sends one (``X-Request-Id``, or the ``X-Correlation-Id`` some clients use)."""
    for name in ("X-Request-Id", "X-Correlation-Id"):
        value = headers.get(name)
        if value:
            return value.strip()[:200]
    return None


def answer_lost(req):
    """The client never gets this request's true answer: say so on every journal entry it wrote (store lock held)."""
    for entry in req.entries:
        entry["answer_lost"] = True


def _body_action(body):
    try:
        data = json.loads(body.decode("utf-8"))
        return data.get("action") if isinstance(data, dict) else None
    except (ValueError, AttributeError):
        return None


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256
    ssl_context = None
    sim = None

    def finish_request(self, request, client_address):
        """TLS handshake in the connection's own thread, so a slow client cannot block the others."""
        if self.ssl_context is None:
            self.RequestHandlerClass(request, client_address, self)
            return
        try:
            request.settimeout(10)
            tls = self.ssl_context.wrap_socket(request, server_side=True)
            tls.settimeout(None)
        except (ssl.SSLError, OSError):
            return
        try:
            self.RequestHandlerClass(tls, client_address, self)
        finally:
            try:
                tls.close()
            except OSError:
                pass

    def handle_error(self, request, client_address):
        """Broken connections are normal here (faults, client timeouts): no tracebacks on stderr."""
        exc = sys.exc_info()[1]
        if not isinstance(exc, (ConnectionError, socket.timeout, ssl.SSLError, OSError)):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "kylin-sim"
    sys_version = ""
    timeout = 300  # idle keep-alive connections are closed after this

    def setup(self):
        super().setup()
        try:  # headers and body go out in separate writes: without this, Nagle + delayed ACK add 40 ms
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass

    def do_GET(self):  # pylint: disable=invalid-name
        self._serve()

    do_PUT = do_POST = do_PATCH = do_DELETE = do_GET  # pylint: disable=invalid-name

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        if self.server.sim.log_requests:
            sys.stderr.write("%s %s\n" % (self.address_string(), format % args))

    def _read_body(self):
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _header_bytes(self):
        """The size of the request line and headers, as Tomcat counts them against max-http-header-size."""
        return len(self.raw_requestline) + sum(len(k) + len(v) + 4 for k, v in self.headers.items()) + 2

    def _serve(self):
        sim = self.server.sim
        if self._header_bytes() > MAX_HEADER_BYTES:
            # Tomcat refuses it before any filter runs (no Kylin code) and closes the connection.
            path = unquote(urlsplit(self.path).path)
            if not path.startswith("/_sim"):
                with sim.store.lock:
                    sim.store.journal.requests[_counter_key(self.command, path)] += 1
                    sim.store.journal.statuses["400"] += 1
            self.close_connection = True
            self._send(Response(400, TOMCAT_400, "text/html;charset=utf-8", [("Connection", "close")]))
            return
        try:
            body = self._read_body()
        except (ValueError, OSError):
            self.close_connection = True
            return
        parts = urlsplit(self.path)
        path = unquote(parts.path)
        query = parse_qsl(parts.query, keep_blank_values=True)
        if path == "/_sim" or path.startswith("/_sim/"):
            try:
                status, data = sim.handle_control(self.command, path, query, body)
            except Exception as exc:  # pylint: disable=broad-except
                status, data = 500, {"ok": False, "error": "%s: %s" % (type(exc).__name__, exc)}
            self._send(Response(status, json.dumps(data).encode("utf-8")))
            return
        scheme = "https" if sim.certfile else "http"
        host = self.headers.get("Host") or "%s:%d" % self.server.server_address[:2]
        req = Request(self.command, path, query, self.headers, body, scheme, host)
        req.raw_query = parts.query
        req.gone = self._client_gone
        try:
            resp, hold = sim.handle_kylin(req)
        except Exception as exc:  # pylint: disable=broad-except
            err = errors.unknown("java.lang.RuntimeException", "%s: %s" % (type(exc).__name__, exc))
            resp, hold = Response(500, err.to_json_bytes(req.url()), "application/json"), 0
        if resp is None:
            self.close_connection = True  # dropped: the client sees the connection closed, no answer
            return
        if hold:
            time.sleep(hold)
        if req.entries and self._client_gone():
            self.close_connection = True  # nobody to answer: the answer is lost
            with sim.store.lock:
                answer_lost(req)
            return
        if not self._send(resp) and req.entries:
            with sim.store.lock:
                answer_lost(req)

    def _client_gone(self):
        """True when the client has closed the connection (a timed-out client does): the socket reads its end."""
        sock = self.connection
        try:
            readable = select.select([sock], [], [], 0)[0]
            if not readable:
                return False
            return socket.socket.recv(sock, 1, socket.MSG_PEEK) == b""
        except (OSError, ValueError):
            return True

    def _send(self, resp):
        try:
            self.send_response(resp.status)
            self.send_header("Content-Type", resp.content_type)
            self.send_header("Content-Length", str(len(resp.body)))
            for name, value in resp.headers:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(resp.body)
            self.wfile.flush()
        except (ConnectionError, socket.timeout, OSError):
            self.close_connection = True
            return False
        return True
