# shellcheck shell=bash
# InfluxDB 1.6 (Debian influxdb): health is GET /ping, answered 204 with no body; /metrics has
# only Go runtime and process metrics; logfmt logs on stderr with "lvl" as the level key.
# A database with an HTTP API: the default checklist.
field_start() {
  local exe=/usr/bin/influxd
  field_require "$exe" influxdb
  local port rpc
  port=$(field_port)
  rpc=$(field_port)
  cat >"$FIELD_WORK/influxdb.conf" <<TOML
reporting-disabled = true
bind-address = "127.0.0.1:$rpc"
[meta]
  dir = "$FIELD_WORK/meta"
[data]
  dir = "$FIELD_WORK/data"
  wal-dir = "$FIELD_WORK/wal"
[http]
  bind-address = "127.0.0.1:$port"
[logging]
  format = "logfmt"
TOML
  field_spawn influxdb "$exe" run -config "$FIELD_WORK/influxdb.conf"
  field_wait_http "http://127.0.0.1:$port/ping" 204 20
  cat >"$FIELD_CONFIG" <<YAML
global: {timeout: 5s}
targets:
  - name: influxdb
    url: http://127.0.0.1:$port
    endpoints: {liveness: /ping}
    logs: {file: $FIELD_WORK/influxdb.err}
    tracing: {wait: 2s}
YAML
}
