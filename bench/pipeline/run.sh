#!/usr/bin/env bash
# Upload → ready latency (p50/p95) of the real pipeline on this machine.
#   bench/pipeline/run.sh [COUNT=50]
# Starts Redis, Azurite, Gallery.Api, Upload.Api and one Thumbnail.Worker on loopback, and stops them all.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
"$root/scripts/prereqs.sh"
dotnet build "$root/bench/pipeline/Scrapbook.Bench.Pipeline.csproj" -c Release --no-restore -nologo -clp:ErrorsOnly >/dev/null
exec timeout 1200 dotnet "$root/bench/pipeline/bin/Release/net10.0/Scrapbook.Bench.Pipeline.dll" "${1:-50}"
