#!/usr/bin/env bash
# SSE fan-out: hold 1,000 / 5,000 / 10,000 connections THROUGH the Gateway (client -> Gateway -> Notify.Api -> Redis)
# and, for comparison, straight to Notify.Api; measure XADD -> last client latency and the resident memory per
# connection of Notify.Api and of the Gateway. Prints one markdown table.
#   bash bench/sse/run.sh       (COUNTS=1000,5000,10000 EVENTS=20 INTERVAL_MS=250 SOURCES=4 PATHS=gateway,direct)
# Starts its own redis-server, Notify.Api and Gateway on free loopback ports (Release builds, Production settings)
# and always stops them. Bounded: each event waits at most 10 s, and each path's run is killed after 15 minutes.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
counts="${COUNTS:-1000,5000,10000}"
events="${EVENTS:-20}"
interval="${INTERVAL_MS:-250}"
sources="${SOURCES:-4}"
paths="${PATHS:-gateway,direct}"

for tool in redis-server redis-cli dotnet curl; do
  command -v "$tool" >/dev/null || { echo "$tool is missing (scripts/prereqs.sh installs it)" >&2; exit 1; }
done

# Each connection is a file descriptor in every process it passes: the client and Notify.Api hold one, a Gateway
# replica two (client side and Notify.Api side). Raise the soft limit to the hard one; when one Gateway process
# cannot hold 2 x N descriptors under it (a container whose hard limit cannot be raised), the connections are
# spread over as many Gateway replicas as needed, as a deployment would run them, and the table says how many.
max_count="$(tr ',' '\n' <<<"$counts" | sort -n | tail -n 1)"
ulimit -n "$(ulimit -Hn)"
limit="$(ulimit -n)"
[ "$limit" = unlimited ] && limit=1048576
if [ "$limit" -lt $(( max_count + 1000 )) ]; then
  echo "ulimit -n is $limit (hard limit): too low for $max_count connections" >&2; exit 1
fi
replicas=$(( (2 * max_count + 1000 + limit - 1) / limit ))

echo "Building Notify.Api, the Gateway and the benchmark (Release)..." >&2
dotnet build "$root/Notify.Api/Scrapbook.Notify.Api.csproj" -c Release -v quiet -nologo -clp:ErrorsOnly >&2
dotnet build "$root/Gateway/Scrapbook.Gateway.csproj" -c Release -v quiet -nologo -clp:ErrorsOnly >&2
dotnet build "$here/Scrapbook.Bench.Sse.csproj" -c Release -v quiet -nologo -clp:ErrorsOnly >&2

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
taken=" "
free_port() { # variable name: set to a port nobody listens on and this run has not handed out yet
  for _ in $(seq 1 50); do
    local candidate=$(( 20000 + RANDOM % 12000 ))
    if [[ "$taken" != *" $candidate "* ]] && ! port_in_use "$candidate"; then taken+="$candidate "; printf -v "$1" '%s' "$candidate"; return; fi
  done
  echo "no free port found" >&2; exit 1
}

data="$(mktemp -d)"
pids=()
stop_all() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  pids=()
}
trap 'stop_all; rm -rf "$data"' EXIT

wait_healthy() { # name pid port
  local deadline=$(( SECONDS + 60 ))
  until curl -fs "http://127.0.0.1:$3/alive" >/dev/null 2>&1; do
    if [ $SECONDS -ge $deadline ] || ! kill -0 "$2" 2>/dev/null; then
      echo "$1 did not become healthy:" >&2; cat "$data"/*.log >&2; exit 1
    fi
    sleep 0.2
  done
}

production=(Logging__LogLevel__Default=Warning DOTNET_ENVIRONMENT=Production ASPNETCORE_ENVIRONMENT=Production)

# Fresh servers per path, so each path's memory is measured from its own idle baseline.
start_backend() {
  free_port redis_port
  free_port notify_port
  redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --dir "$data" \
    --daemonize no --loglevel warning >"$data/redis.log" 2>&1 &
  pids+=($!)
  (cd "$root/Notify.Api/bin/Release/net10.0" && exec env "${production[@]}" ASPNETCORE_URLS="http://127.0.0.1:$notify_port" \
    ConnectionStrings__redis="127.0.0.1:$redis_port" dotnet Scrapbook.Notify.Api.dll) >"$data/notify.log" 2>&1 &
  notify_pid=$!
  pids+=("$notify_pid")
  wait_healthy Notify.Api "$notify_pid" "$notify_port"
}

run_bench() { # label ports gateway-pids header
  timeout 900 dotnet "$here/bin/Release/net10.0/Scrapbook.Bench.Sse.dll" \
    --ports "$2" --gateway-pids "$3" --label "$1" --header "$4" --redis "127.0.0.1:$redis_port" --notify-pid "$notify_pid" \
    --counts "$counts" --events "$events" --interval-ms "$interval" --sources "$sources"
}

echo "$(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) before the run, ulimit -n $limit" >&2
header=yes
for path in ${paths//,/ }; do
  start_backend
  case "$path" in
    gateway)
      gateway_ports=""; gateway_pids=""
      # The Gateway serves /media from blob storage and checks its container at start: an Azurite of its own.
      free_port blob_port; free_port queue_port; free_port table_port
      "$root/eng/azurite/node_modules/.bin/azurite" --silent --skipApiVersionCheck --location "$data/azurite" \
        --blobHost 127.0.0.1 --blobPort "$blob_port" --queueHost 127.0.0.1 --queuePort "$queue_port" \
        --tableHost 127.0.0.1 --tablePort "$table_port" >"$data/azurite.log" 2>&1 &
      pids+=($!)
      for _ in $(seq 1 150); do curl -s -o /dev/null "http://127.0.0.1:$blob_port/" && break; sleep 0.2; done
      blobs="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:$blob_port/devstoreaccount1;"
      for i in $(seq 1 "$replicas"); do
        free_port port
        (cd "$root/Gateway/bin/Release/net10.0" && exec env "${production[@]}" ASPNETCORE_URLS="http://127.0.0.1:$port" \
          services__notify-api__http__0="http://127.0.0.1:$notify_port" ConnectionStrings__blobs="$blobs" \
          dotnet Scrapbook.Gateway.dll) >"$data/gateway-$i.log" 2>&1 &
        pid=$!
        pids+=("$pid")
        wait_healthy Gateway "$pid" "$port"
        gateway_ports+="${gateway_ports:+,}$port"; gateway_pids+="${gateway_pids:+,}$pid"
      done
      label="through the Gateway"; [ "$replicas" -gt 1 ] && label="through the Gateway ($replicas replicas)"
      run_bench "$label" "$gateway_ports" "$gateway_pids" "$header"
      ;;
    direct)
      run_bench "Notify.Api direct" "$notify_port" "" "$header"
      ;;
    *) echo "unknown path $path (gateway, direct)" >&2; exit 1 ;;
  esac
  header=no
  stop_all
done
echo "load average $(cut -d' ' -f1-3 /proc/loadavg) after the run" >&2
