# shellcheck shell=bash
# Alertmanager 0.25 (Debian prometheus-alertmanager): /-/healthy and /-/ready answer "OK",
# request-duration histogram without a status label, logfmt logs on stderr. A service with an
# HTTP API (v2): the default checklist. Clustering off (no gossip port).
field_start() {
  local exe=/usr/bin/prometheus-alertmanager
  field_require "$exe" prometheus-alertmanager
  local port
  port=$(field_port)
  mkdir -p "$FIELD_WORK/data"
  printf 'route: {receiver: blackhole}\nreceivers: [{name: blackhole}]\n' >"$FIELD_WORK/alertmanager.yml"
  field_spawn alertmanager "$exe" --config.file="$FIELD_WORK/alertmanager.yml" \
    --storage.path="$FIELD_WORK/data" --web.listen-address="127.0.0.1:$port" --cluster.listen-address=
  field_wait_http "http://127.0.0.1:$port/-/ready" 200 20
  cat >"$FIELD_CONFIG" <<YAML
global: {timeout: 5s}
targets:
  - name: alertmanager
    url: http://127.0.0.1:$port
    logs: {file: $FIELD_WORK/alertmanager.err}
    tracing: {wait: 2s}
YAML
}
