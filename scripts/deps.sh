#!/usr/bin/env bash
# Installs what backcoach needs on Debian 12 and skips what is already there:
# OpenCV 4.6 (libopencv-dev) for GoCV, pkg-config, and Chromium for the
# browser tests (only with --browser). Runs apt-get update at most once.
set -euo pipefail
need=()
if ! pkg-config --exists opencv4 2>/dev/null; then need+=(libopencv-dev); fi
if ! command -v pkg-config >/dev/null 2>&1; then need+=(pkg-config); fi
if [ "${1:-}" = "--browser" ] && ! command -v chromium >/dev/null 2>&1; then need+=(chromium); fi
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "backcoach needs: ${need[*]} — run as root, or: sudo apt-get install -y ${need[*]}" >&2
    exit 1
  fi
  echo "Installing ${need[*]} (once; this takes a few minutes)..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null
fi
if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
  echo "note: Go is at /usr/local/go/bin; add it to PATH" >&2
fi
