# shellcheck shell=bash
# Pushgateway 1.5 (Debian prometheus-pushgateway): /-/healthy and /-/ready answer "OK",
# pushgateway_http_requests_total{code,handler,method} (scrapes excluded), logfmt logs on
# stderr. A service with an HTTP push API: the default checklist.
field_start() {
  local exe=/usr/bin/prometheus-pushgateway
  field_require "$exe" prometheus-pushgateway
  local port
  port=$(field_port)
  # Debian's default --persistence.file is /var/lib/prometheus/pushgateway.data: none here.
  field_spawn pushgateway "$exe" --web.listen-address="127.0.0.1:$port" --persistence.file=
  field_wait_http "http://127.0.0.1:$port/-/ready"
  # One push, as in real use: its handler then shows up in the request metrics.
  printf '# HELP field_job_last_success_timestamp_seconds When the field job last succeeded.\n# TYPE field_job_last_success_timestamp_seconds gauge\nfield_job_last_success_timestamp_seconds 1.7e9\n' | curl -s -f --max-time 2 --data-binary @- \
    "http://127.0.0.1:$port/metrics/job/field" >/dev/null || field_fail "push to pushgateway failed"
  cat >"$FIELD_CONFIG" <<YAML
global: {timeout: 5s}
targets:
  - name: pushgateway
    url: http://127.0.0.1:$port
    logs: {file: $FIELD_WORK/pushgateway.err}
    tracing: {wait: 2s}
YAML
}
