# shellcheck shell=bash
# nginx with its default "combined" access log (unstructured text).
source "$FIELD_DIR/programs/_nginx.sh"
field_start() { nginx_start combined; }
