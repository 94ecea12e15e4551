#!/usr/bin/env bash
# Installs Debian's Chromium for the browser test when it is missing (CI). Never a downloaded
# Playwright browser: the test drives /usr/bin/chromium through Playwright's executable_path.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
    echo "chromium: $(/usr/bin/chromium --version 2>/dev/null || echo present)"
    exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
    sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends chromium
/usr/bin/chromium --version
