# Shared by the bench scripts.
# shellcheck shell=bash

# free_port: a free TCP port on 127.0.0.1, chosen by the kernel.
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }

# wait_http URL: up to 10 s for an answer.
wait_http() {
  local i
  for ((i = 0; i < 100; i++)); do
    curl -fsS -o /dev/null --max-time 1 "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "no answer from $1" >&2
  return 1
}

# nginx_conf WORK NAME PORT LOCATIONS: writes WORK/NAME.conf, an nginx that serves
# WORK/www on 127.0.0.1:PORT with the given location lines; its pid (WORK/NAME.pid), error
# log and temp files stay under WORK, which must have a tmp/ directory.
nginx_conf() {
  cat >"$1/$2.conf" <<NGINX
worker_processes 1;
pid $1/$2.pid;
error_log $1/$2-error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $1/tmp/body; proxy_temp_path $1/tmp/proxy; fastcgi_temp_path $1/tmp/fastcgi;
  uwsgi_temp_path $1/tmp/uwsgi; scgi_temp_path $1/tmp/scgi;
  server {
    listen 127.0.0.1:$3;
    root $1/www;
$4
  }
}
NGINX
}
