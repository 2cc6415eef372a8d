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
