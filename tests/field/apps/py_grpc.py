#!/usr/bin/python3
"""py_grpc: a service instrumented the way go-grpc-prometheus / grpc-java instrument gRPC
servers, for the field suite. It does not speak real gRPC: RPCs arrive as HTTP POSTs to
/rpc/<package.Service>/<Method> (and a few are handled at start-up), and are counted in
  grpc_server_started_total, grpc_server_handled_total{grpc_service,grpc_method,grpc_type,grpc_code},
  grpc_server_handling_seconds{grpc_service,grpc_method,grpc_type} (histogram),
  grpc_server_msg_received_total, grpc_server_msg_sent_total,
plus py_grpc_build_info, process_* and a grpc_server_in_flight gauge. HTTP side port duties:
/healthz, /readyz (application/health+json) and /metrics are not counted as RPCs.
JSON logs: one line per RPC with rpc.system/rpc.service/rpc.method/rpc.grpc.status_code and
the trace id of the incoming traceparent (or a new one).

  /usr/bin/python3 py_grpc.py PORT LOGFILE
"""

import secrets
import sys
import time

from prometheus_client import Counter, Gauge, Histogram, Info
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import REGISTRY

import fieldapp

LABELS = ["grpc_type", "grpc_service", "grpc_method"]
STARTED = Counter("grpc_server_started", "Total number of RPCs started on the server.", LABELS)
HANDLED = Counter("grpc_server_handled", "Total number of RPCs completed on the server, regardless of "
                  "success or failure.", LABELS + ["grpc_code"])
HANDLING = Histogram("grpc_server_handling_seconds", "Histogram of response latency (seconds) of gRPC that "
                     "had been application-level handled by the server.", LABELS,
                     buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5))
RECEIVED = Counter("grpc_server_msg_received", "Total number of RPC stream messages received on the server.",
                   LABELS)
SENT = Counter("grpc_server_msg_sent", "Total number of gRPC stream messages sent by the server.", LABELS)
IN_FLIGHT = Gauge("grpc_server_in_flight", "RPCs being handled now.")
Info("py_grpc_build", "Version and revision of this build.").info({"version": "0.9.1", "revision": "a1b2c3d"})

METHODS = {("field.v1.Orders", "GetOrder"): "OK", ("field.v1.Orders", "CancelOrder"): "NotFound",
           ("grpc.health.v1.Health", "Check"): "OK"}


class App:
    def __init__(self, log):
        self.log = log

    def rpc(self, service, method, trace_id):
        start = time.perf_counter()
        IN_FLIGHT.inc()
        STARTED.labels("unary", service, method).inc()
        RECEIVED.labels("unary", service, method).inc()
        code = METHODS.get((service, method), "Unimplemented")
        if code == "OK":
            SENT.labels("unary", service, method).inc()
        IN_FLIGHT.dec()
        HANDLED.labels("unary", service, method, code).inc(exemplar={"trace_id": trace_id})
        HANDLING.labels("unary", service, method).observe(time.perf_counter() - start,
                                                          exemplar={"trace_id": trace_id})
        return code

    def route(self, req, method, path):
        if path in ("/healthz", "/livez"):
            return fieldapp.health()
        if path == "/readyz":
            return fieldapp.health(ready=True)
        if path == "/metrics":
            encoder, ctype = choose_encoder(req.headers.get("Accept", ""))
            return 200, ctype, encoder(REGISTRY), {}
        parts = path.split("/")
        if method == "POST" and len(parts) == 4 and parts[1] == "rpc":
            code = self.rpc(parts[2], parts[3], req.trace_id)
            status = {"OK": 200, "NotFound": 404}.get(code, 501)
            extra = {"rpc.system": "grpc", "rpc.service": parts[2], "rpc.method": parts[3],
                     "rpc.grpc.status_code": code}
            return status, "application/json", '{"grpc_code":"%s"}' % code, extra
        return fieldapp.problem(404, "no such route", path)


if __name__ == "__main__":
    port, logfile = int(sys.argv[1]), sys.argv[2]
    app = App(fieldapp.JsonLog(logfile, "py_grpc"))
    # Traffic as a client would have sent it before the probe arrives.
    for (service, method) in list(METHODS) + [("field.v1.Orders", "ListOrders")]:
        tid = secrets.token_hex(16)
        code = app.rpc(service, method, tid)
        app.log.write("INFO", "handled rpc", **{"rpc.system": "grpc", "rpc.service": service,
                                                 "rpc.method": method, "rpc.grpc.status_code": code,
                                                 "trace_id": tid, "span_id": secrets.token_hex(8)})
    fieldapp.serve(app, port)
