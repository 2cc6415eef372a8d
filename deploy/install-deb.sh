#!/usr/bin/env bash
# Installs a built probity .deb, and what its Depends name, into a Debian 12
# system with apt. deploy/Dockerfile runs it to make the image and
# tests/package/run runs it in a fresh bookworm root, so the image is made the
# way the test installs.
#
#   deploy/install-deb.sh [PATH/probity_VERSION_ARCH.deb]
#
# Without an argument it takes the one probity_*.deb beside this script.
set -euo pipefail

deb=${1:-}
if [[ -z $deb ]]; then
  shopt -s nullglob
  debs=("$(dirname "${BASH_SOURCE[0]}")"/probity_*.deb)
  if ((${#debs[@]} != 1)); then
    echo "install-deb.sh: expected one probity_*.deb beside $0, found ${#debs[@]}" >&2
    exit 2
  fi
  deb=${debs[0]}
fi
[[ -f $deb ]] || { echo "install-deb.sh: no such file: $deb" >&2; exit 2; }
# apt takes a local package only as a path (./x.deb or /x.deb), not a bare name.
deb=$(realpath -- "$deb")

export DEBIAN_FRONTEND=noninteractive
echo "==> apt-get update"
apt-get update -q
echo "==> apt-get install $deb"
apt-get install -y -q --no-install-recommends "$deb"
echo "==> installed: $(dpkg-query -W -f='${Package} ${Version} ${Architecture}' probity)"
