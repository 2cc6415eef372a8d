# shellcheck shell=bash
# etcd 3.4 (Debian etcd-server): /health answers {"health":"true"}, gRPC metrics
# (grpc_server_handled_total, no handling-time histogram at the default --metrics=basic),
# zap JSON logs to a file. TZ=Europe/Paris makes zap write "+0100"-style offsets (ISO 8601
# without a colon). A service with an API: the default checklist.
field_start() {
  local exe=/usr/bin/etcd
  field_require "$exe" etcd-server
  local port peer
  port=$(field_port)
  peer=$(field_port)
  field_spawn etcd env TZ=Europe/Paris "$exe" --name field --data-dir "$FIELD_WORK/data" \
    --listen-client-urls "http://127.0.0.1:$port" --advertise-client-urls "http://127.0.0.1:$port" \
    --listen-peer-urls "http://127.0.0.1:$peer" --initial-advertise-peer-urls "http://127.0.0.1:$peer" \
    --initial-cluster "field=http://127.0.0.1:$peer" \
    --logger=zap --log-outputs="$FIELD_WORK/etcd.log"
  field_wait_http "http://127.0.0.1:$port/health" 200 20
  cat >"$FIELD_CONFIG" <<YAML
global: {timeout: 5s}
targets:
  - name: etcd
    url: http://127.0.0.1:$port
    logs: {file: $FIELD_WORK/etcd.log}
    tracing: {wait: 2s}
YAML
}
