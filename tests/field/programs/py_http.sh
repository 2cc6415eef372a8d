# shellcheck shell=bash
# apps/py_http.py: a small HTTP service instrumented by the book (see its docstring).
field_start() {
  field_require /usr/bin/python3 python3
  field_require_python_module prometheus_client python3-prometheus-client
  local port
  port=$(field_port)
  field_spawn py_http "$FIELD_PYTHON" "$FIELD_DIR/apps/py_http.py" "$port" "$FIELD_WORK/py_http.log"
  field_wait_http "http://127.0.0.1:$port/readyz"
  # Some API traffic before the probe, as in production: a found and a missing item.
  curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$port/api/v1/items/1" || true
  curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$port/api/v1/items/42" || true
  cat >"$FIELD_CONFIG" <<YAML
global: {timeout: 5s}
targets:
  - name: py_http
    url: http://127.0.0.1:$port
    logs: {file: $FIELD_WORK/py_http.log}
    tracing: {wait: 2s}
YAML
}
