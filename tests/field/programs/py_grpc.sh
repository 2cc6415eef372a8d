# shellcheck shell=bash
# apps/py_grpc.py: a service with go-grpc-prometheus-style metrics (see its docstring).
field_start() {
  field_require /usr/bin/python3 python3
  field_require_python_module prometheus_client python3-prometheus-client
  local port
  port=$(field_port)
  field_spawn py_grpc "$FIELD_PYTHON" "$FIELD_DIR/apps/py_grpc.py" "$port" "$FIELD_WORK/py_grpc.log"
  field_wait_http "http://127.0.0.1:$port/readyz"
  curl -s -o /dev/null --max-time 2 -X POST "http://127.0.0.1:$port/rpc/field.v1.Orders/GetOrder" || true
  cat >"$FIELD_CONFIG" <<YAML
global: {timeout: 5s}
targets:
  - name: py_grpc
    url: http://127.0.0.1:$port
    logs: {file: $FIELD_WORK/py_grpc.log}
    tracing: {wait: 2s}
YAML
}
