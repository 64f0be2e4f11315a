#!/usr/bin/env bash
# Runs Scrapbook locally: installs what is missing, builds once, starts the backing servers
# (redis-server, Azurite) and every service with the environment Aspire would give them.
# Ctrl+C stops everything. Data lives in .scrapbook/ (git-ignored) between runs.
#
# Interim: the AppHost orchestrator and its dashboard are their own issue; until they land this
# script is the whole-system runner, and it starts only what exists.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

"$root/scripts/prereqs.sh"
dotnet build Scrapbook.slnx --no-restore -c Debug --nologo -clp:ErrorsOnly

data="$root/.scrapbook"
logs="$data/logs"
mkdir -p "$data/redis" "$data/azurite" "$logs"

redis_port=16379 blob_port=10000 queue_port=10001 table_port=10002
gateway_port=8080
declare -A service_ports=([upload-api]=5101 [gallery-api]=5102 [notify-api]=5103 [thumbnail-worker]=5104)

pids=()
stop_all() {
  trap - INT TERM EXIT
  echo "stopping..."
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  # Azurite reports "closed" yet its node process can linger: give everyone 10 s, then SIGKILL.
  for _ in $(seq 1 100); do
    alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" -eq 0 ] && break
    sleep 0.1
  done
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop_all INT TERM EXIT

wait_port() { # port name
  for _ in $(seq 1 200); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "$2 did not start; see $logs/$2.log" >&2
  return 1
}

redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$data/redis" --appendonly yes --save "" \
  > "$logs/redis.log" 2>&1 &
pids+=($!)
"$root/eng/azurite/node_modules/.bin/azurite" --silent --skipApiVersionCheck --disableProductStyleUrl \
  --location "$data/azurite" --blobHost 127.0.0.1 --blobPort "$blob_port" \
  --queueHost 127.0.0.1 --queuePort "$queue_port" --tableHost 127.0.0.1 --tablePort "$table_port" \
  > "$logs/azurite.log" 2>&1 &
pids+=($!)
wait_port "$redis_port" redis
wait_port "$blob_port" azurite
wait_port "$queue_port" azurite

account=devstoreaccount1
key='Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='
storage="DefaultEndpointsProtocol=http;AccountName=$account;AccountKey=$key;BlobEndpoint=http://127.0.0.1:$blob_port/$account;QueueEndpoint=http://127.0.0.1:$queue_port/$account;"

common_env=(
  "ConnectionStrings__redis=127.0.0.1:$redis_port"
  "ConnectionStrings__blobs=$storage"
  "ConnectionStrings__queues=$storage"
  "ConnectionStrings__gallerydb=Data Source=$data/gallery.db"
  "DOTNET_ENVIRONMENT=Development"
  "ASPNETCORE_ENVIRONMENT=Development"
)
for name in "${!service_ports[@]}"; do
  common_env+=("services__${name}__http__0=http://127.0.0.1:${service_ports[$name]}")
done

start_service() { # name folder assembly port
  env "${common_env[@]}" "OTEL_SERVICE_NAME=$1" "ASPNETCORE_URLS=http://127.0.0.1:$4" \
    dotnet "$root/$2/bin/Debug/net10.0/$3.dll" > "$logs/$1.log" 2>&1 &
  pids+=($!)
}
start_service gallery-api Gallery.Api Scrapbook.Gallery.Api "${service_ports[gallery-api]}"
start_service upload-api Upload.Api Scrapbook.Upload.Api "${service_ports[upload-api]}"
start_service notify-api Notify.Api Scrapbook.Notify.Api "${service_ports[notify-api]}"
start_service thumbnail-worker Thumbnail.Worker Scrapbook.Thumbnail.Worker "${service_ports[thumbnail-worker]}"
start_service gateway Gateway Scrapbook.Gateway "$gateway_port"
wait_port "$gateway_port" gateway

cat <<MSG

Scrapbook is running.
  gateway:      http://localhost:$gateway_port  (health: /health)
  services:     $(for n in "${!service_ports[@]}"; do printf '%s=http://127.0.0.1:%s ' "$n" "${service_ports[$n]}"; done)
  redis:        127.0.0.1:$redis_port   azurite: blob $blob_port, queue $queue_port
  logs:         $logs
No dashboard yet: it comes with the AppHost. Press Ctrl+C to stop.
MSG
wait -n "${pids[@]}" || true
echo "a process exited; see $logs" >&2
