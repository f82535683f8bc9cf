#!/usr/bin/env bash
# Installs Debian's chromium for the browser tests (playwright-core drives it; no browser is
# downloaded by npm). Does nothing when a Chromium is already there. Prints the browser's path on
# stdout (messages go to stderr), so .ci/run can export it as SDX_CHROMIUM: with it set, a missing
# browser fails the browser tests instead of skipping them. Needs root or sudo.
set -euo pipefail
find_chromium() {
  for candidate in "${SDX_CHROMIUM:-}" /usr/bin/chromium /usr/bin/chromium-browser; do
    if [ -n "$candidate" ] && [ -x "$candidate" ]; then echo "$candidate"; return 0; fi
  done
  return 1
}
if found=$(find_chromium); then
  echo "chromium: $found (already installed)" >&2
  echo "$found"
  exit 0
fi
as_root=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo > /dev/null || { echo "install-chromium: not root and no sudo; run: apt-get install chromium" >&2; exit 1; }
  as_root=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq >&2
"${as_root[@]}" apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >&2
found=$(find_chromium) || { echo "install-chromium: apt-get installed no /usr/bin/chromium" >&2; exit 1; }
echo "chromium: $found ($("$found" --version 2>/dev/null | head -1))" >&2
echo "$found"
