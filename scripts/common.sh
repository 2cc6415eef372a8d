# Shared by scripts/demo and scripts/test: installs what the build needs.
# shellcheck shell=bash
set -euo pipefail

PROBITY_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Debian 12 packages for building, testing and the demo.
PROBITY_PACKAGES=(
  build-essential cmake pkg-config git curl ca-certificates
  libcpp-httplib-dev libssl-dev zlib1g-dev libbrotli-dev
  libyaml-cpp-dev prometheus-cpp-dev nlohmann-json3-dev libcli11-dev libre2-dev
  libhyperscan-dev libsimdjson-dev libmicrohttpd-dev libgnutls28-dev libcrypt-dev nginx-light jq
  catch2 prometheus prometheus-node-exporter prometheus-alertmanager prometheus-blackbox-exporter
  # the field suite's real programs (tests/field/)
  prometheus-pushgateway prometheus-postgres-exporter etcd-server caddy haproxy influxdb
  python3-prometheus-client python3-yaml
  # the api checks' real framework (tests/api/) and the tls checks' certificates (tests/tls/)
  python3-fastapi python3-uvicorn openssl
  # the DNS-timeout test's network namespace (unshare is in util-linux)
  iproute2
  # the package test (tests/package/run): cpack's Depends, the manual page, the clean root, lintian
  dpkg-dev help2man mmdebstrap lintian
  # tests/deploy/validate-k8s and tests/dashboards/validate-dashboards: schema tests (npm ci of pinned packages)
  nodejs npm
  # tests/browser/status-page: the status page and the HTML report in headless Chromium
  chromium
)

# Installed, or provided by an installed package: NodeSource's nodejs, for one,
# bundles npm and declares "Provides: npm, Conflicts: npm"; asking apt for
# Debian's npm there would fail, and npm is already on the PATH.
probity_package_present() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed" && return 0
  dpkg-query -W -f='${Status}\t${Provides}\n' 2>/dev/null |
    awk -F'\t' -v want="$1" '$1 == "install ok installed" {
      n = split($2, provided, /, */)
      for (i = 1; i <= n; i++) { sub(/ .*/, "", provided[i]); if (provided[i] == want) found = 1 }
    } END { exit !found }'
}

probity_install_packages() {
  local missing=()
  for p in "${PROBITY_PACKAGES[@]}"; do
    probity_package_present "$p" || missing+=("$p")
  done
  if ((${#missing[@]})); then
    echo "==> installing: ${missing[*]}"
    local sudo=()
    [[ $(id -u) -eq 0 ]] || sudo=(sudo)
    "${sudo[@]}" apt-get update -qq
    # The field suite starts its own copies on ephemeral ports: keep the
    # packages' system services (nginx, caddy, haproxy, etcd, influxdb …) from
    # starting on their default ports during the install.
    local policy=/usr/sbin/policy-rc.d added_policy=
    if [[ ! -e $policy ]]; then
      printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee "$policy" >/dev/null
      "${sudo[@]}" chmod 755 "$policy"
      added_policy=1
    fi
    local rc=0
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" || rc=$?
    [[ -z $added_policy ]] || "${sudo[@]}" rm -f "$policy"
    return "$rc"
  fi
}

probity_build() {
  local preset=$1
  cmake --preset "$preset" -S "$PROBITY_ROOT" >/dev/null
  cmake --build --preset "$preset"
}
