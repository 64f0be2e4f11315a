#!/usr/bin/env bash
# Start-up, memory and shutdown of the local environment, run as a new user runs it (README's ./scripts/run.sh):
#  - cold: a fresh clone (nothing built, Azurite not installed, no .scrapbook/), until the gateway's /health is 200;
#  - warm: the same checkout started again;
#  - RSS of the whole environment (AppHost, DCP, dashboard, redis-server, Azurite, services), idle and after
#    50 uploads (distinct 1600x1200 JPEGs, each waited for until processed);
#  - time from SIGTERM to the last of those processes gone.
# Loopback only; bounded waits; everything it starts it stops. Run it on an otherwise idle machine: the RSS sum
# counts processes by name (DCP detaches from the AppHost, so it is not in the AppHost's process tree).
set -euo pipefail
src="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
work="$(mktemp -d)"
port=8080
pattern='Scrapbook\.|/dcp |Aspire\.Dashboard|redis-server|azurite|dotnet run --project AppHost|Scrapbook\.AppHost'
trap 'pkill -TERM -f "dotnet run --project AppHost" 2>/dev/null || true; rm -rf "$work"' EXIT

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
rss_mib() { ps -eo rss=,args= | grep -E "$pattern" | grep -v grep | awk '{ s += $1 } END { printf "%.0f", s / 1024 }'; }
count() { ps -eo args= | grep -E "$pattern" | grep -vc grep || true; }

start() { # $1 = checkout, $2 = label; leaves the AppHost running, prints seconds until /health is 200
  local t0; t0="$(now)"
  (cd "$1" && exec ./scripts/run.sh) > "$work/$2.log" 2>&1 &
  for _ in $(seq 1 3000); do
    if curl -sf -o /dev/null "http://127.0.0.1:$port/health"; then since "$t0"; return; fi
    sleep 0.2
  done
  echo "the gateway did not answer within 10 minutes; log: $work/$2.log" >&2; exit 1
}

stop() { # prints seconds from SIGTERM until none of the environment's processes is left
  local t0; t0="$(now)"
  pkill -TERM -f "dotnet run --project AppHost"
  for _ in $(seq 1 600); do
    if [ "$(count)" -eq 0 ]; then since "$t0"; return; fi
    sleep 0.1
  done
  echo "still running after 60 s:" >&2; ps -eo pid=,args= | grep -E "$pattern" | grep -v grep >&2; exit 1
}

upload_50() {
  local token; token="$(curl -sf -X POST "http://127.0.0.1:$port/api/session" | sed -E 's/.*"token":"([^"]+)".*/\1/')"
  local locations=()
  for i in $(seq 1 50); do
    vips gaussnoise "$work/n.v" 1600 1200 --mean 128 --sigma $((20 + i))
    vips colourspace "$work/n.v" "$work/$i.jpg[Q=85]" srgb 2>/dev/null || vips copy "$work/n.v" "$work/$i.jpg[Q=85]"
    locations+=("$(curl -sf -D - -o /dev/null -X POST -H "Authorization: Bearer $token" -H 'Content-Type: image/jpeg' \
      --data-binary "@$work/$i.jpg" "http://127.0.0.1:$port/api/uploads" | tr -d '\r' | awk -F': ' 'tolower($1) == "location" { print $2 }')")
  done
  for location in "${locations[@]}"; do
    for _ in $(seq 1 600); do
      curl -sf -H "Authorization: Bearer $token" "http://127.0.0.1:$port$location" | grep -Eq '"status":"(ready|failed)"' && break
      sleep 0.2
    done
  done
}

git clone -q "$src" "$work/scrapbook"
cold="$(start "$work/scrapbook" cold)"
sleep 20; idle="$(rss_mib)"
upload_50; sleep 5; loaded="$(rss_mib)"
stop_cold="$(stop)"
warm="$(start "$work/scrapbook" warm)"
stop_warm="$(stop)"

printf '| measure | value |\n|---|---|\n'
printf '| cold start (fresh clone → gateway /health 200) | %s s |\n' "$cold"
printf '| warm start (same checkout again) | %s s |\n' "$warm"
printf '| RSS of the environment, idle (20 s after start) | %s MiB |\n' "$idle"
printf '| RSS after 50 uploads processed | %s MiB |\n' "$loaded"
printf '| SIGTERM → nothing left (after the uploads; after the warm start) | %s s; %s s |\n' "$stop_cold" "$stop_warm"
