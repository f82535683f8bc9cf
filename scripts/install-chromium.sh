#!/usr/bin/env bash
# Installs Debian's chromium for the browser tests (playwright-core drives it; no browser is
# downloaded). Does nothing when a Chromium is already there. Needs root, as on CI.
set -euo pipefail
for candidate in "${SDX_CHROMIUM:-}" /usr/bin/chromium /usr/bin/chromium-browser; do
  if [ -n "$candidate" ] && [ -x "$candidate" ]; then
    echo "chromium: $candidate"
    exit 0
  fi
done
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core > /dev/null
echo "chromium: $(command -v chromium) ($(chromium --version 2>/dev/null | head -1))"
