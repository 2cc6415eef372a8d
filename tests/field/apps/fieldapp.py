"""Shared scaffolding for the field suite's Python apps (py_http.py, py_grpc.py).

Debian's python3 with python3-prometheus-client only. An app is a ThreadingHTTPServer on
127.0.0.1:PORT that writes one JSON log line per event to a file:
  {"timestamp": RFC 3339 UTC, "level", "service.name", "message", ... "trace_id", "span_id"}
Trace context: a valid W3C traceparent (version 00, non-zero ids) is adopted; anything else
starts a new trace. X-Request-ID is echoed (when it is safe) or generated, and logged.
"""

import datetime
import json
import os
import re
import secrets
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TRACEPARENT = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$")
SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


class JsonLog:
    """One JSON object per line, flushed at once (the probe reads the file while we run)."""

    def __init__(self, path, service):
        self._file = open(path, "a", encoding="utf-8")
        self._service = service
        self._lock = threading.Lock()

    def write(self, level, message, **fields):
        now = datetime.datetime.now(datetime.timezone.utc)
        line = {
            "timestamp": now.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": level,
            "service.name": self._service,
            "message": message,
        }
        line.update({k: v for k, v in fields.items() if v is not None})
        with self._lock:
            self._file.write(json.dumps(line, separators=(",", ":")) + "\n")
            self._file.flush()


def trace_context(headers):
    """(trace_id, parent span id or None) from the traceparent header, or a new trace."""
    m = TRACEPARENT.match(headers.get("traceparent", "").strip())
    if m and m.group(1) != "0" * 32 and m.group(2) != "0" * 16:
        return m.group(1), m.group(2)
    return secrets.token_hex(16), None


def request_id(headers):
    rid = headers.get("X-Request-ID", "")
    return rid if SAFE_REQUEST_ID.match(rid) else secrets.token_hex(8)


class Handler(BaseHTTPRequestHandler):
    """Routes GETs to app.route(handler, path) -> (status, content_type, body)."""

    app = None
    protocol_version = "HTTP/1.1"
    server_version = "field-app"
    sys_version = ""

    def log_message(self, fmt, *args):  # http.server's own stderr access log: off
        pass

    def _serve(self, method):
        trace_id, parent = trace_context(self.headers)
        span_id = secrets.token_hex(8)
        rid = request_id(self.headers)
        self.trace_id, self.span_id, self.request_id = trace_id, span_id, rid
        status, ctype, body, extra = self.app.route(self, method, self.path.split("?", 1)[0])
        data = body if isinstance(body, bytes) else body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-Request-ID", rid)
        self.send_header("traceresponse", f"00-{trace_id}-{span_id}-01")
        self.end_headers()
        if method != "HEAD":
            self.wfile.write(data)
        self.app.log.write(
            "INFO" if status < 500 else "ERROR", "handled request",
            **{"http.request.method": method, "url.path": self.path.split("?", 1)[0],
               "http.response.status_code": status, "request_id": rid,
               "trace_id": trace_id, "span_id": span_id, "parent_span_id": parent, **extra})

    def do_GET(self):
        self._serve("GET")

    def do_HEAD(self):
        self._serve("HEAD")

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(min(length, 1 << 20))
        self._serve("POST")


def health(ready=True):
    body = json.dumps({"status": "pass" if ready else "fail"})
    return (200 if ready else 503), "application/health+json", body, {}


def problem(status, title, path):
    body = json.dumps({"type": "about:blank", "title": title, "status": status, "instance": path})
    return status, "application/problem+json", body, {}


def serve(app, port):
    Handler.app = app
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    app.log.write("INFO", "listening", **{"server.address": "127.0.0.1", "server.port": port,
                                          "pid": os.getpid()})
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        app.log.write("INFO", "stopped")
        sys.exit(0)
