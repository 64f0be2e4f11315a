#!/usr/bin/env bash
# The cost of authenticating an owner token, before and after tokens resolved through IOwnerResolver (devices): wrk sends
# POST /api/session with a Bearer token to Upload.Api, which authenticates it and hands it back (no storage, no Gallery.Api
# call once the token's answer is cached). One Upload.Api as built now, one as built at BASELINE_COMMIT (from a temporary
# worktree), measured alternately, ROUNDS times each; prints requests/s and latency per round.
#   bench/owner-tokens/run.sh [SECONDS=10] [ROUNDS=3] [BASELINE_COMMIT=80ff19a]
# Starts redis-server, Azurite, Gallery.Api and both Upload.Apis on loopback, and stops them all.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
seconds="${1:-10}"; rounds="${2:-3}"; baseline="${3:-80ff19a}"
command -v wrk >/dev/null || { echo "wrk is needed (apt-get install wrk)" >&2; exit 1; }
work="$(mktemp -d /tmp/scrapbook-owner-tokens.XXXXXX)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  git -C "$root" worktree remove --force "$work/baseline" >/dev/null 2>&1 || true
  [ -n "${KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT

dotnet build "$root/Upload.Api" -c Release -nologo -clp:ErrorsOnly >/dev/null
dotnet build "$root/Gallery.Api" -c Release -nologo -clp:ErrorsOnly >/dev/null
git -C "$root" worktree add --detach "$work/baseline" "$baseline" >/dev/null 2>&1
dotnet build "$work/baseline/Upload.Api" -c Release -nologo -clp:ErrorsOnly >/dev/null

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_for() { for _ in $(seq 1 300); do curl -fs "$1" >/dev/null 2>&1 && return 0; sleep 0.1; done; echo "$1 did not answer" >&2; exit 1; }

redis_port="$(port)"; blob_port="$(port)"; queue_port="$(port)"; table_port="$(port)"
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no >"$work/redis.log" 2>&1 & pids+=($!)
mkdir -p "$work/azurite"
"$root/eng/azurite/node_modules/.bin/azurite" --silent --skipApiVersionCheck --disableProductStyleUrl --location "$work/azurite" \
  --blobHost 127.0.0.1 --blobPort "$blob_port" --queueHost 127.0.0.1 --queuePort "$queue_port" --tableHost 127.0.0.1 --tablePort "$table_port" \
  >"$work/azurite.log" 2>&1 & pids+=($!)
key="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
storage="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=$key;BlobEndpoint=http://127.0.0.1:$blob_port/devstoreaccount1;QueueEndpoint=http://127.0.0.1:$queue_port/devstoreaccount1;"
sleep 2

export DOTNET_ENVIRONMENT=Production ASPNETCORE_ENVIRONMENT=Production Logging__LogLevel__Default=Warning
export ConnectionStrings__blobs="$storage" ConnectionStrings__queues="$storage" ConnectionStrings__redis="127.0.0.1:$redis_port" Admin__Key="bench-admin-key-0123456789abcdef"
gallery_port="$(port)"
(cd "$root/Gallery.Api/bin/Release/net10.0" && ConnectionStrings__gallerydb="Data Source=$work/gallery.db" ASPNETCORE_URLS="http://127.0.0.1:$gallery_port" \
  exec dotnet Scrapbook.Gallery.Api.dll >"$work/gallery.log" 2>&1) & pids+=($!)
wait_for "http://127.0.0.1:$gallery_port/alive"
declare -A upload_port
for build in now baseline; do
  upload_port[$build]="$(port)"
  dir="$root/Upload.Api/bin/Release/net10.0"; [ "$build" = baseline ] && dir="$work/baseline/Upload.Api/bin/Release/net10.0"
  (cd "$dir" && exec env "services__gallery-api__http__0=http://127.0.0.1:$gallery_port" Uploads__TempDirectory="$work/temp-$build" \
    ASPNETCORE_URLS="http://127.0.0.1:${upload_port[$build]}" dotnet Scrapbook.Upload.Api.dll >"$work/upload-$build.log" 2>&1) & pids+=($!)
  wait_for "http://127.0.0.1:${upload_port[$build]}/alive"
done

token="$(curl -fs -X POST "http://127.0.0.1:${upload_port[now]}/api/session" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')"
cat >"$work/session.lua" <<LUA
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer $token"
LUA
echo "| round | build | requests/s | p50 | p99 |"
echo "|---|---|---|---|---|"
for round in $(seq 1 "$rounds"); do
  for build in baseline now; do
    url="http://127.0.0.1:${upload_port[$build]}/api/session"
    wrk -t2 -c16 -d5s -s "$work/session.lua" "$url" >/dev/null # warm up (tiered JIT, pools, the cached answer)
    out="$(wrk -t2 -c16 -d"${seconds}s" --latency -s "$work/session.lua" "$url")"
    rps="$(awk '/Requests\/sec/ {print $2}' <<<"$out")"
    p50="$(awk '$1=="50%" {print $2}' <<<"$out")"; p99="$(awk '$1=="99%" {print $2}' <<<"$out")"
    echo "| $round | $build | $rps | $p50 | $p99 |"
  done
done
