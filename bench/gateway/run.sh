#!/usr/bin/env bash
# GET /api/photos through every path in one run, same client (wrk), 32 and 128 connections: direct to Gallery.Api,
# through the Gateway (YARP) as it ships and with one knob turned each, through nginx (upstream keepalive), and through
# the Gateway as it was at BASELINE_COMMIT when one is given (built from a temporary worktree). Prints a markdown table
# with the median of ROUNDS interleaved rounds and the proxies' own CPU time per request.
#   bench/gateway/run.sh [SECONDS_PER_CELL=10] [ROUNDS=3] [BASELINE_COMMIT]
# Starts Redis, Azurite, Gallery.Api, the Gateways and nginx on loopback, and stops them all.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
"$root/scripts/prereqs.sh"
if ! command -v nginx >/dev/null || ! command -v wrk >/dev/null; then
  # RUNLEVEL=1 keeps the package from starting a system nginx on port 80: this run starts its own.
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd env RUNLEVEL=1 DEBIAN_FRONTEND=noninteractive apt-get install -y -q nginx-light wrk >/dev/null
fi
dotnet build "$root/bench/gateway/Scrapbook.Bench.Gateway.csproj" -c Release -nologo -clp:ErrorsOnly >/dev/null

baseline=()
if [ -n "${3:-}" ]; then
  worktree="$(mktemp -d /tmp/scrapbook-gateway-baseline.XXXXXX)"
  trap 'git -C "$root" worktree remove --force "$worktree" >/dev/null 2>&1 || true' EXIT
  git -C "$root" worktree add --detach "$worktree" "$3" >/dev/null 2>&1
  dotnet build "$worktree/Gateway" -c Release -nologo -clp:ErrorsOnly >/dev/null
  baseline=("$worktree/Gateway" "$(git -C "$root" rev-parse --short "$3")")
fi
timeout 2700 dotnet "$root/bench/gateway/bin/Release/net10.0/Scrapbook.Bench.Gateway.dll" "${1:-10}" "${2:-3}" "${baseline[@]}"
