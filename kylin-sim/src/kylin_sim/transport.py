"""The HTTP transport: a threaded HTTP/1.1 (keep-alive) server, optionally HTTPS, that hands requests to the
simulator (``server.SimServer``) and sends its answers.

Tomcat's part is here: a request whose request line and headers exceed 32 KB gets Tomcat's 400 page
before any of Kylin runs (docs/kylin-api.md §11.8). So is what the journal learns from the connection:
whether the client closed it while its request was worked on (``client_gone``), and whether the answer
reached it (``answer_lost``). Every answer has a Content-Length, so one client connection can be reused.
"""

import json
import select
import socket
import ssl
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, unquote, urlsplit

from . import errors
from .protocol import BASE, Request, Response

MAX_HEADER_BYTES = 32 * 1024       # Tomcat's max-http-header-size in Kylin's application.yaml (docs/kylin-api.md §11.8)
TOMCAT_400 = (b'<!doctype html><html lang="en"><head><title>HTTP Status 400 \xe2\x80\x93 Bad Request</title>'
              b'<style type="text/css">body {font-family:Tahoma,Arial,sans-serif;} h1 {font-size:22px;}</style></head>'
              b'<body><h1>HTTP Status 400 \xe2\x80\x93 Bad Request</h1></body></html>')


def counter_key(method, path):
    """Requests are counted per endpoint: ``GET /kylin/api/streaming_jobs/stats`` for every job id."""
    if path.startswith(BASE + "/stats/"):
        path = BASE + "/stats"
    if path == BASE + "/":
        path = BASE
    return "%s %s" % (method, path)


def answer_lost(req):
    """The client never gets this request's true answer: say so on every journal entry it wrote (store lock held)."""
    for entry in req.entries:
        entry["answer_lost"] = True


class HTTPServer(ThreadingHTTPServer):
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


class Handler(BaseHTTPRequestHandler):
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
                    sim.store.journal.requests[counter_key(self.command, path)] += 1
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
