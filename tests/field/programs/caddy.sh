# shellcheck shell=bash
# Caddy 2.6 (Debian caddy): a site that answers every path with a static 200 (a catch-all),
# Prometheus metrics on /metrics, a JSON access log (request headers included) to a file.
# A web server: the default checklist. Admin API on its own ephemeral port, no HTTPS.
field_start() {
  local exe=/usr/bin/caddy
  field_require "$exe" caddy
  local port admin
  port=$(field_port)
  admin=$(field_port)
  cat >"$FIELD_WORK/Caddyfile" <<CADDY
{
	admin 127.0.0.1:$admin
	auto_https off
}
http://127.0.0.1:$port {
	log {
		output file $FIELD_WORK/access.log
		format json
	}
	handle /metrics {
		metrics
	}
	handle {
		respond "Hello from Caddy" 200
	}
}
CADDY
  field_spawn caddy env HOME="$FIELD_WORK" XDG_DATA_HOME="$FIELD_WORK/xdg-data" \
    XDG_CONFIG_HOME="$FIELD_WORK/xdg-config" "$exe" run --config "$FIELD_WORK/Caddyfile" --adapter caddyfile
  field_wait_http "http://127.0.0.1:$port/metrics"
  cat >"$FIELD_CONFIG" <<YAML
global: {timeout: 5s}
targets:
  - name: caddy
    url: http://127.0.0.1:$port
    logs: {file: $FIELD_WORK/access.log}
    # No health endpoint to send the traced request to (every path is the catch-all): / as a
    # user would set it, so the tracing checks are evaluated.
    tracing: {path: /, wait: 2s}
YAML
}
