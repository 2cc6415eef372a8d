#!/bin/bash
# Captures the Prometheus API answers in this directory from Debian's real
# prometheus (2.42) and prometheus-alertmanager (0.25). See README.md.
# Usage: tests/testdata/monitoring/capture.sh [output dir]
set -euo pipefail
out=$(cd "${1:-$(dirname "$0")}" && pwd)
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# wait_for URL PYTHON-CONDITION-ON-d: polls (at most 60 times, 0.5 s apart) until the JSON answer satisfies it.
wait_for() {
  for _ in $(seq 60); do
    if curl -fsS "$1" 2>/dev/null | python3 -c "import json,sys; d=json.load(sys.stdin); sys.exit(0 if ($2) else 1)" 2>/dev/null; then
      return 0
    fi
    sleep 0.5
  done
  echo "timed out waiting for $1 to satisfy: $2" >&2
  return 1
}

# The scraped service: a static metrics file behind python's http.server.
mkdir -p "$work/www"
cat >"$work/www/metrics" <<'EOF'
# HELP backend_requests_total Requests handled.
# TYPE backend_requests_total counter
backend_requests_total{code="200"} 10
# HELP backend_request_duration_seconds Request latency.
# TYPE backend_request_duration_seconds histogram
backend_request_duration_seconds_bucket{le="0.1"} 3
backend_request_duration_seconds_bucket{le="+Inf"} 4
backend_request_duration_seconds_sum 0.5
backend_request_duration_seconds_count 4
EOF
backend=$(free_port) am=$(free_port) prom=$(free_port) down=$(free_port) bare=$(free_port)
python3 -m http.server "$backend" --bind 127.0.0.1 --directory "$work/www" >/dev/null 2>&1 &
pids+=($!)

printf 'route: {receiver: blackhole}\nreceivers: [{name: blackhole}]\n' >"$work/alertmanager.yml"
prometheus-alertmanager --config.file="$work/alertmanager.yml" --storage.path="$work/am" \
  --web.listen-address="127.0.0.1:$am" --cluster.listen-address= 2>"$work/am.err" &
am_pid=$!
pids+=($am_pid)

cat >"$work/rules.yml" <<'EOF'
groups:
  - name: backend
    rules:
      - alert: BackendDown
        expr: up{job="backend"} == 0
        for: 1m
        labels: {severity: critical}
        annotations:
          summary: "backend is down"
          runbook_url: "https://runbooks.example/backend-down"
      - alert: BackendErrors
        expr: sum(rate(backend_requests_total{code=~"5.."}[5m])) / sum(rate(backend_requests_total[5m])) > 0.05
        labels: {severity: warning}
        annotations: {runbook_url: "https://runbooks.example/backend-errors"}
  - name: prometheus
    rules:
      - alert: PrometheusSlowQueries
        expr: histogram_quantile(0.99, rate(prometheus_http_request_duration_seconds_bucket[5m])) > 1
        annotations: {summary: "no runbook, no severity"}
      - alert: BrokenRule
        expr: up{job="gone"} / on() group_left up
  - name: records
    rules:
      - record: job:up:sum
        expr: sum by (job) (up)
EOF
cat >"$work/prometheus.yml" <<EOF
global: {scrape_interval: 1s, evaluation_interval: 1s}
rule_files: ['$work/rules.yml']
alerting:
  alertmanagers:
    - static_configs: [{targets: ['127.0.0.1:$am']}]
scrape_configs:
  - job_name: prometheus
    static_configs: [{targets: ['127.0.0.1:$prom']}]
  - job_name: backend
    scrape_interval: 2s
    static_configs: [{targets: ['localhost:$backend'], labels: {service: backend}}]
  - job_name: gone
    static_configs: [{targets: ['127.0.0.1:$down']}]
  - job_name: slow
    scrape_interval: 1h
    static_configs: [{targets: ['[::1]:9']}]
EOF
# A time zone other than UTC: lastScrape is written in Prometheus's local time.
TZ=America/New_York prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/data" \
  --web.listen-address="127.0.0.1:$prom" 2>"$work/prom.err" &
pids+=($!)
api="http://127.0.0.1:$prom/api/v1"
wait_for "$api/targets?state=active" \
  'sorted(t["labels"]["job"] + "=" + t["health"] for t in d["data"]["activeTargets"]) == ["backend=up", "gone=down", "prometheus=up", "slow=unknown"]'
wait_for "$api/rules?type=alert" \
  'all(r["health"] != "unknown" for g in d["data"]["groups"] for r in g["rules"])'
curl -fsS "$api/targets?state=active" >"$out/targets_active.json"
curl -fsS "$api/rules?type=alert" >"$out/rules_alert.json"
curl -fsS "$api/rules" >"$out/rules_all.json"
curl -sS "$api/rules?type=bogus" >"$out/rules_error.json"  # HTTP 400
curl -fsS "$api/alertmanagers" >"$out/alertmanagers_active.json"

# Alertmanager stops; Prometheus keeps listing it.
kill "$am_pid"
wait "$am_pid" || true
sleep 5
curl -fsS "$api/alertmanagers" >"$out/alertmanagers_after_stop.json"

# A Prometheus with nothing configured.
printf 'global: {scrape_interval: 1m}\n' >"$work/bare.yml"
prometheus --config.file="$work/bare.yml" --storage.tsdb.path="$work/bare" \
  --web.listen-address="127.0.0.1:$bare" 2>"$work/bare.err" &
pids+=($!)
wait_for "http://127.0.0.1:$bare/api/v1/targets" 'd["status"] == "success"'
curl -fsS "http://127.0.0.1:$bare/api/v1/targets?state=active" >"$out/targets_none.json"
curl -fsS "http://127.0.0.1:$bare/api/v1/rules?type=alert" >"$out/rules_none.json"
curl -fsS "http://127.0.0.1:$bare/api/v1/alertmanagers" >"$out/alertmanagers_none.json"
prometheus --version 2>&1 | head -1 >"$out/VERSION"
prometheus-alertmanager --version 2>&1 | head -1 >>"$out/VERSION"
echo "captured into $out"
