# shellcheck shell=bash
# postgres_exporter 0.11 (Debian prometheus-postgres-exporter) pointed at a closed loopback
# port: pg_up 0, and every scrape logs the connection error with the DSN's password replaced
# by PASSWORD_REMOVED. Landing page on every path; logfmt logs on stderr. An exporter.
field_start() {
  local exe=/usr/bin/prometheus-postgres-exporter
  field_require "$exe" prometheus-postgres-exporter
  local port
  port=$(field_port)
  field_spawn postgres_exporter env \
    DATA_SOURCE_NAME='postgresql://probe:secret@127.0.0.1:1/db?sslmode=disable' \
    "$exe" --web.listen-address="127.0.0.1:$port"
  field_wait_http "http://127.0.0.1:$port/"
  curl -s -o /dev/null --max-time 5 "http://127.0.0.1:$port/metrics" || true
  # That scrape logged the failed connection (with PASSWORD_REMOVED): wait for it.

  for _ in $(seq 1 50); do
    grep -q PASSWORD_REMOVED "$FIELD_WORK/postgres_exporter.err" && break
    sleep 0.1
  done
  cat >"$FIELD_CONFIG" <<YAML
global: {timeout: 5s}
targets:
  - name: postgres_exporter
    url: http://127.0.0.1:$port
    checklist: exporter
    logs: {file: $FIELD_WORK/postgres_exporter.err}
YAML
}
