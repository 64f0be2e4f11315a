#!/usr/bin/env bash
# Upload → wall on the real system started by the AppHost, through the gateway as a browser uses it.
#   bench/pipeline/run.sh latency [COUNT=50]      one 12 MP JPEG at a time: p50/p95 upload → photo.ready on SSE, and the
#                                                 mean waterfall of those uploads' traces from the Aspire dashboard
#   bench/pipeline/run.sh throughput [COUNT=36]   distinct 12–24 MP photos, 12 in flight: photos/s end to end beside the
#                                                 engine's in-process images/s on the same files, 2 jobs each
# The corpus (27 × 12 MP, 9 × 24 MP camera-like JPEGs) is made once with bench/thumbnails/make-corpus.sh and cached in
# bench/pipeline/.corpus. Everything started is stopped; loopback only.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
mode="${1:-latency}"
"$root/scripts/prereqs.sh"
"$root/bench/thumbnails/make-corpus.sh" "$here/.corpus" 27 9 >/dev/null
dotnet build "$here/Scrapbook.Bench.Pipeline.csproj" -c Release -nologo -clp:ErrorsOnly >/dev/null
exec timeout 1800 dotnet "$here/bin/Release/net10.0/Scrapbook.Bench.Pipeline.dll" "$mode" "${2:-}" "$here/.corpus"
