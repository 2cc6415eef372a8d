# shellcheck shell=bash
# Shared by nginx_combined.sh and nginx_json.sh: nginx-light serving a static site with a
# conventional /healthz ("ok"), no metrics (nginx has no Prometheus endpoint of its own),
# its access log in the format given as $1 (the log_format definitions as $2).
nginx_start() {
  local format=$1 log_formats=${2:-}
  local exe=/usr/sbin/nginx
  field_require "$exe" nginx-light
  local port
  port=$(field_port)
  mkdir -p "$FIELD_WORK/www" "$FIELD_WORK/tmp"
  printf '<!doctype html><title>field</title><p>static page\n' >"$FIELD_WORK/www/index.html"
  cat >"$FIELD_WORK/nginx.conf" <<NGINX
worker_processes 1;
pid $FIELD_WORK/nginx.pid;
error_log $FIELD_WORK/error.log warn;
events { worker_connections 64; }
http {
  default_type application/octet-stream;
  client_body_temp_path $FIELD_WORK/tmp/body;
  proxy_temp_path $FIELD_WORK/tmp/proxy;
  fastcgi_temp_path $FIELD_WORK/tmp/fastcgi;
  uwsgi_temp_path $FIELD_WORK/tmp/uwsgi;
  scgi_temp_path $FIELD_WORK/tmp/scgi;
$log_formats
  access_log $FIELD_WORK/access.log $format;
  server {
    listen 127.0.0.1:$port;
    root $FIELD_WORK/www;
    location = /healthz {
      default_type text/plain;
      return 200 "ok\n";
    }
    location / {
      try_files \$uri \$uri/ =404;
    }
  }
}
NGINX
  field_spawn nginx "$exe" -p "$FIELD_WORK" -c "$FIELD_WORK/nginx.conf" -g 'daemon off; master_process on;'
  field_wait_http "http://127.0.0.1:$port/healthz"
  cat >"$FIELD_CONFIG" <<YAML
global: {timeout: 5s}
targets:
  - name: $FIELD_PROGRAM
    url: http://127.0.0.1:$port
    logs: {file: $FIELD_WORK/access.log}
    tracing: {wait: 2s}
YAML
}
