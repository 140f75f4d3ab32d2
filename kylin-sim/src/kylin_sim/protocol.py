"""What a request and an answer are between the HTTP layer and the APIs, and Spring's part of the protocol:
content negotiation on the ``Accept`` header between Kylin's two controllers (docs/kylin-api.md §1.1) and
Spring Boot's own JSON error body for 404, 405 and 406.
"""

import datetime
import json

PUBLIC = "application/vnd.apache.kylin-v4-public+json"
INTERNAL = "application/vnd.apache.kylin-v4+json"
BASE = "/kylin/api/streaming_jobs"


class Request:
    """What the HTTP layer hands over: method, decoded path, query pairs, headers, raw body."""

    def __init__(self, method, path, query, headers, body, scheme, host):
        self.method = method
        self.path = path
        self.query = query      # [(name, value)], in order
        self.headers = headers  # case-insensitive .get()
        self.body = body
        self.scheme = scheme
        self.host = host
        self.raw_query = "&".join("%s=%s" % kv for kv in query)
        self.node = 0           # the Kylin node the load balancer sent it to
        self.forwarded = False  # a write that passed QueryNodeFilter and went to the project's owner
        self.request_id = None  # the client's X-Request-Id, else one the simulator made up (journal)
        self.user_agent = headers.get("User-Agent") if headers is not None else None
        self.gone = None        # callable: True once the client has closed its connection (set by the HTTP layer)
        self.held_ms = 0        # how long the write waited behind an epoch take-over
        self.entries = []       # the journal entries this request wrote (the HTTP layer marks answer_lost on them)

    def client(self):
        """What the journal records about the client of this request, now."""
        return {"request_id": self.request_id, "user_agent": self.user_agent, "node": self.node,
                "client_gone": bool(self.gone is not None and self.gone()), "held_ms": self.held_ms}

    def values(self, name):
        return [v for k, v in self.query if k == name]

    def url(self, path=None, with_query=False, raw_query=None):
        url = "%s://%s%s" % (self.scheme, self.host, path or self.path)
        query = raw_query if raw_query is not None else self.raw_query
        return url + ("?" + query if with_query and query else "")


class Response:
    """Status, headers and body; ``action`` is set for PUT /status (response faults look at it)."""

    def __init__(self, status, body, content_type="application/json", headers=None):
        self.status = status
        self.body = body
        self.content_type = content_type
        self.headers = list(headers or [])
        self.action = None


def spring_error(status, reason, path):
    """Spring Boot's default error body (404/405/406 never reach Kylin's handlers)."""
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+00:00"
    body = {"timestamp": stamp, "status": status, "error": reason, "path": path}
    return Response(status, json.dumps(body, separators=(",", ":")).encode("utf-8"))


def choose_controller(accept):
    """Spring ``produces`` matching: public vnd type, internal vnd type, or wildcard -> internal; else None (406)."""
    if accept is None or not accept.strip():
        return "internal"
    ranked = []
    for i, part in enumerate(accept.split(",")):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        quality = 1.0
        for param in fields[1:]:
            if param.lower().startswith("q="):
                try:
                    quality = float(param[2:])
                except ValueError:
                    quality = 0.0
        if quality > 0:
            ranked.append((-quality, i, media))
    for dummy, dummy2, media in sorted(ranked):
        if media == PUBLIC:
            return "public"
        if media in (INTERNAL, "*/*", "application/*"):
            return "internal"
    return None
