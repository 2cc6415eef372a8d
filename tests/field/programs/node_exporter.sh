# shellcheck shell=bash
# node_exporter 1.5 (Debian prometheus-node-exporter): an exporter with a landing page on every
# path and logfmt logs on stderr.
field_start() {
  local exe=/usr/bin/prometheus-node-exporter
  field_require "$exe" prometheus-node-exporter
  local port
  port=$(field_port)
  # The systemd collector fails on every scrape where there is no systemd (containers, CI):
  # off, so the log sample does not depend on the machine.
  field_spawn node_exporter "$exe" --web.listen-address="127.0.0.1:$port" --no-collector.systemd
  field_wait_http "http://127.0.0.1:$port/metrics"
  cat >"$FIELD_CONFIG" <<YAML
global: {timeout: 5s}
targets:
  - name: node_exporter
    url: http://127.0.0.1:$port
    checklist: exporter
    logs: {file: $FIELD_WORK/node_exporter.err}
YAML
}
