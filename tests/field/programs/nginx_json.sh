# shellcheck shell=bash
# nginx with a JSON access log (escape=json): ISO 8601 time, a constant level and service.name,
# request fields, the request id, and a trace id: the incoming W3C traceparent's (version 00
# only), otherwise nginx's own 32-hex $request_id, so every request line has one.
source "$FIELD_DIR/programs/_nginx.sh"
# shellcheck disable=SC2016 # nginx variables, expanded by nginx
field_start() {
  nginx_start json '
  map $http_traceparent $field_trace_id {
    "~^00-(?<tid>[0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$" $tid;
    default $request_id;
  }
  log_format json escape=json
    '"'"'{"timestamp":"$time_iso8601","level":"info","service.name":"nginx",'"'"'
    '"'"'"http.request.method":"$request_method","url.path":"$uri","http.response.status_code":$status,'"'"'
    '"'"'"http.request.id":"$http_x_request_id","trace_id":"$field_trace_id",'"'"'
    '"'"'"duration_seconds":$request_time,"bytes_sent":$bytes_sent,"client.address":"$remote_addr"}'"'"';'
}
