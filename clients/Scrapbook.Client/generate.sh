#!/usr/bin/env bash
# Generates the Kiota client into <dir>/Generated from <dir>/openapi.json (default <dir>: this folder). The test that
# the checked-in client is current runs this on a copy of the document and compares the output.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
dir="$(cd "${1:-$here}" && pwd)"

cd "$here/../.."
# Offline: no update check against GitHub, which the tests must not reach; no tutorial hints.
KIOTA_OFFLINE_ENABLED=true KIOTA_TUTORIAL_ENABLED=false dotnet kiota generate \
  --language CSharp \
  --openapi "$dir/openapi.json" \
  --output "$dir/Generated" \
  --class-name ScrapbookApiClient \
  --namespace-name Scrapbook.Client \
  --exclude-backward-compatible \
  --clean-output \
  --log-level Warning
