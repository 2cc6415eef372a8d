#!/usr/bin/python3
"""py_http: a small, well-instrumented HTTP service for the field suite.

  /usr/bin/python3 py_http.py PORT LOGFILE

/healthz and /readyz (application/health+json), /metrics (Prometheus text, or OpenMetrics with
trace_id exemplars when asked), a small versioned JSON API with an OpenAPI document, RFC 9457
problem+json errors. Metrics: http_requests_total{method,route,code},
http_request_duration_seconds{method,route} (histogram), http_requests_in_flight,
py_http_build_info, the client's process_* metrics. JSON log lines with timestamp, level,
service.name and the trace id of the incoming traceparent (or a new one).
"""

import json
import sys
import time

from prometheus_client import Counter, Gauge, Histogram, Info
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import REGISTRY

import fieldapp

VERSION = "1.4.2"
ITEMS = {"1": {"id": "1", "name": "anvil"}, "2": {"id": "2", "name": "rope"}}
OPENAPI = {
    "openapi": "3.0.3",
    "info": {"title": "py_http field app", "version": VERSION},
    "servers": [{"url": "/api/v1"}],
    "paths": {"/items/{id}": {"get": {"parameters": [{"name": "id", "in": "path", "required": True,
                                                      "schema": {"type": "string"}}],
                                      "responses": {"200": {"description": "an item"},
                                                    "404": {"description": "no such item"}}}}},
}

REQUESTS = Counter("http_requests", "HTTP requests handled, by method, route template and status code.",
                   ["method", "route", "code"])
DURATION = Histogram("http_request_duration_seconds", "Time to answer an HTTP request, in seconds.",
                     ["method", "route"], buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5))
IN_FLIGHT = Gauge("http_requests_in_flight", "HTTP requests being answered now.")
Info("py_http_build", "Version and revision of this build.").info({"version": VERSION, "revision": "f1e2d3c"})


class App:
    def __init__(self, log):
        self.log = log

    def route(self, req, method, path):
        start = time.perf_counter()
        IN_FLIGHT.inc()
        try:
            route, answer = self._dispatch(req, method, path)
        finally:
            IN_FLIGHT.dec()
        status = answer[0]
        exemplar = {"trace_id": req.trace_id}
        REQUESTS.labels(method, route, str(status)).inc(exemplar=exemplar)
        DURATION.labels(method, route).observe(time.perf_counter() - start, exemplar=exemplar)
        return answer[0], answer[1], answer[2], {"http.route": route, **answer[3]}

    def _dispatch(self, req, method, path):
        if path in ("/healthz", "/livez"):
            return path, fieldapp.health()
        if path == "/readyz":
            return path, fieldapp.health(ready=True)
        if path == "/metrics":
            encoder, ctype = choose_encoder(req.headers.get("Accept", ""))
            return path, (200, ctype, encoder(REGISTRY), {})
        if path == "/openapi.json":
            return path, (200, "application/json", json.dumps(OPENAPI), {})
        if path.startswith("/api/v1/items/") and method in ("GET", "HEAD"):
            item = ITEMS.get(path.rsplit("/", 1)[1])
            if item is None:
                return "/api/v1/items/{id}", fieldapp.problem(404, "no such item", path)
            return "/api/v1/items/{id}", (200, "application/json", json.dumps(item), {})
        return "unmatched", fieldapp.problem(404, "no such route", path)


if __name__ == "__main__":
    port, logfile = int(sys.argv[1]), sys.argv[2]
    fieldapp.serve(App(fieldapp.JsonLog(logfile, "py_http")), port)
