#!/usr/bin/env bash
# Installs Debian's chromium and its chromedriver if they are missing, for the explorer's browser tests
# (src/test/java/dev/vae/explorer: they are skipped, with the reason, when /usr/bin/chromium or
# /usr/bin/chromedriver is absent). Needs root (apt-get). Progress goes to stderr.
set -euo pipefail
if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
  echo "chromium-up: installing Debian's chromium and chromium-driver" >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver) >&2
fi
/usr/bin/chromium --version >&2
/usr/bin/chromedriver --version >&2
