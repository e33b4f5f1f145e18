#!/usr/bin/env bash
# Debian packages the tests need (PostgreSQL; Chromium and a CJK font for the browser tests): installed only when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
while read -r pkg; do
  [ -n "$pkg" ] || continue
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done < requirements/apt.txt
[ ${#missing[@]} -eq 0 ] && exit 0
echo "setup: installing ${missing[*]} from Debian"
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=""; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
