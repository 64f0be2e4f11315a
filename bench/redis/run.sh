#!/usr/bin/env bash
# Pipelined SET throughput: Scrapbook.Redis vs redis-benchmark, same machine, same fresh redis-server.
#   bench/redis/run.sh            (REQUESTS=1000000 by default; CALLERS=1,4,50)
# Starts its own redis-server on a free loopback port (no persistence) and always stops it.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
requests="${REQUESTS:-1000000}"
callers="${CALLERS:-1,4,50}"

for tool in redis-server redis-benchmark redis-cli dotnet; do
  command -v "$tool" >/dev/null || { echo "$tool is missing (scripts/prereqs.sh installs it)" >&2; exit 1; }
done

echo "Building the benchmark (Release)..."
dotnet build "$here/Scrapbook.Bench.Redis.csproj" -c Release -v quiet -nologo >/dev/null

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
port=""
for _ in $(seq 1 50); do
  candidate=$(( 20000 + RANDOM % 40000 ))
  if ! port_in_use "$candidate"; then port=$candidate; break; fi
done
[ -n "$port" ] || { echo "no free port found" >&2; exit 1; }

data="$(mktemp -d)"
redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$data" \
  --daemonize no --loglevel warning >"$data/redis.log" 2>&1 &
server_pid=$!
cleanup() { kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; rm -rf "$data"; }
trap cleanup EXIT

deadline=$(( SECONDS + 20 ))
until [ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" = "PONG" ]; do
  if [ $SECONDS -ge $deadline ] || ! kill -0 "$server_pid" 2>/dev/null; then
    echo "redis-server did not start:" >&2; cat "$data/redis.log" >&2; exit 1
  fi
  sleep 0.1
done

command=(redis-benchmark -h 127.0.0.1 -p "$port" -P 16 -t set -n "$requests" -q)
echo "\$ ${command[*]}"
output="$(timeout 300 "${command[@]}" | tr '\r' '\n' | grep -E '^SET: ' | tail -n 1)"
echo "$output"
baseline="$(sed -E 's/^SET: ([0-9.]+) requests per second.*/\1/' <<<"$output")"

redis-cli -h 127.0.0.1 -p "$port" flushall >/dev/null
redis-cli -h 127.0.0.1 -p "$port" config resetstat >/dev/null
timeout 600 dotnet "$here/bin/Release/net10.0/Scrapbook.Bench.Redis.dll" \
  --port "$port" --requests "$requests" --pipeline 16 --value-size 3 --callers "$callers" --baseline "$baseline"

# Cross-check from the server's side that every SET the client reported really ran (warm-up: 50,000).
echo "redis-server counted: $(redis-cli -h 127.0.0.1 -p "$port" info commandstats | tr -d '\r' | grep -E '^cmdstat_set:' | cut -d, -f1)"
