#!/usr/bin/env bash
# Install Debian's chromium for the `browser` test tier when it is missing; otherwise do
# nothing. The tests drive it through playwright with executable_path=/usr/bin/chromium,
# so playwright never downloads a browser. fonts-noto-cjk makes Chinese text readable in
# screenshots (without it Chromium draws boxes).
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-noto-cjk >/dev/null
