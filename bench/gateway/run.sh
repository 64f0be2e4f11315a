#!/usr/bin/env bash
# GET /api/photos through three paths in one run, same client (wrk), 32 and 128 connections:
# direct to Gallery.Api, through the Gateway, through nginx (upstream keepalive). Prints a markdown table with
# the median of ROUNDS interleaved rounds and the proxies' own CPU time per request.
#   bench/gateway/run.sh [SECONDS_PER_CELL=10] [ROUNDS=3]
# Starts Redis, Azurite, Gallery.Api, the Gateway and nginx on loopback, and stops them all.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
"$root/scripts/prereqs.sh"
if ! command -v nginx >/dev/null || ! command -v wrk >/dev/null; then
  # RUNLEVEL=1 keeps the package from starting a system nginx on port 80: this run starts its own.
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd env RUNLEVEL=1 DEBIAN_FRONTEND=noninteractive apt-get install -y -q nginx-light wrk >/dev/null
fi
dotnet build "$root/bench/gateway/Scrapbook.Bench.Gateway.csproj" -c Release -nologo -clp:ErrorsOnly >/dev/null
exec timeout 1800 dotnet "$root/bench/gateway/bin/Release/net10.0/Scrapbook.Bench.Gateway.dll" "${1:-10}" "${2:-3}"
