# shellcheck shell=bash
# blackbox_exporter 0.23 (Debian prometheus-blackbox-exporter): /-/healthy is its health
# endpoint, every other unknown path answers the landing page; logfmt logs on stderr.
field_start() {
  local exe=/usr/bin/prometheus-blackbox-exporter
  field_require "$exe" prometheus-blackbox-exporter
  local port
  port=$(field_port)
  cat >"$FIELD_WORK/blackbox.yml" <<YAML
modules:
  http_2xx: {prober: http, timeout: 2s}
YAML
  field_spawn blackbox_exporter "$exe" --config.file="$FIELD_WORK/blackbox.yml" \
    --web.listen-address="127.0.0.1:$port"
  field_wait_http "http://127.0.0.1:$port/-/healthy"
  cat >"$FIELD_CONFIG" <<YAML
global: {timeout: 5s}
targets:
  - name: blackbox_exporter
    url: http://127.0.0.1:$port
    checklist: exporter
    logs: {file: $FIELD_WORK/blackbox_exporter.err}
YAML
}
