# shellcheck shell=bash
# Prometheus 2.42 (Debian prometheus): /-/healthy and /-/ready, its own HTTP API metrics,
# logfmt logs on stderr. A service with an HTTP API: the default checklist.
field_start() {
  local exe=/usr/bin/prometheus
  field_require "$exe" prometheus
  local port
  port=$(field_port)
  mkdir -p "$FIELD_WORK/data"
  printf 'global: {scrape_interval: 15s}\n' >"$FIELD_WORK/prometheus.yml"
  field_spawn prometheus "$exe" --config.file="$FIELD_WORK/prometheus.yml" \
    --storage.tsdb.path="$FIELD_WORK/data" --web.listen-address="127.0.0.1:$port"
  field_wait_http "http://127.0.0.1:$port/-/ready" 200 30
  cat >"$FIELD_CONFIG" <<YAML
global: {timeout: 5s}
targets:
  - name: prometheus
    url: http://127.0.0.1:$port
    logs: {file: $FIELD_WORK/prometheus.err}
    tracing: {wait: 2s}
YAML
}
