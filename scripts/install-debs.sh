#!/usr/bin/env bash
# Installs the Debian packages shikaku needs, only those missing (fast when all are there).
set -euo pipefail
packages=(postgresql-client wrk hey chromium fonts-ipaexfont-gothic fonts-ipaexfont-mincho poppler-utils qpdf)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing Debian packages: ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
