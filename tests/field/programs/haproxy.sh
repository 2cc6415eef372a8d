# shellcheck shell=bash
# HAProxy 2.6 (Debian haproxy): a frontend whose backend answers every path with a static 200
# (a catch-all), monitor-uri /healthz, the built-in Prometheus exporter on /metrics, and the
# default HTTP log format (text) on stdout. A proxy serving traffic: the default checklist.
field_start() {
  local exe=/usr/sbin/haproxy
  field_require "$exe" haproxy
  # Read the whole output first: with pipefail, `grep -q` closing the pipe
  # early would make haproxy's SIGPIPE look like a missing feature.
  local features
  features=$("$exe" -vv 2>/dev/null || true)
  [[ $features == *prometheus-exporter* ]] ||
    field_skip "this haproxy was built without the prometheus-exporter service"
  local port
  port=$(field_port)
  cat >"$FIELD_WORK/haproxy.cfg" <<HAPROXY
global
  log stdout format raw local0 info
defaults
  mode http
  log global
  option httplog
  timeout connect 1s
  timeout client 5s
  timeout server 5s
frontend web
  bind 127.0.0.1:$port
  monitor-uri /healthz
  http-request use-service prometheus-exporter if { path /metrics }
  default_backend app
backend app
  http-request return status 200 content-type text/plain string "hello from haproxy"
HAPROXY
  field_spawn haproxy "$exe" -db -f "$FIELD_WORK/haproxy.cfg"
  field_wait_http "http://127.0.0.1:$port/healthz"
  cat >"$FIELD_CONFIG" <<YAML
global: {timeout: 5s}
targets:
  - name: haproxy
    url: http://127.0.0.1:$port
    logs: {file: $FIELD_WORK/haproxy.out}
    tracing: {wait: 2s}
YAML
}
