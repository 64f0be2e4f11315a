#!/usr/bin/env bash
# Blob put/get MB/s against a private Azurite: Scrapbook.Storage's IBlobStore vs the same Azure.Storage.Blobs calls made directly.
# Usage: bench/storage/run.sh [--smoke]   (starts Azurite on a free loopback port in a temp folder, stops it at the end;
#        --smoke runs small sizes once)
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
azurite_blob="$repo/eng/azurite/node_modules/.bin/azurite-blob"
if [[ ! -x "$azurite_blob" ]]; then
  echo "Azurite is not installed: run 'npm ci --prefix eng/azurite' (or scripts/prereqs.sh) first." >&2
  exit 1
fi

work="$(mktemp -d -t scrapbook-bench-storage-XXXXXX)"
azurite_pid=""
cleanup() {
  if [[ -n "$azurite_pid" ]] && kill -0 "$azurite_pid" 2>/dev/null; then
    kill "$azurite_pid" 2>/dev/null || true
    wait "$azurite_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# Node is already required by Azurite; ask the OS for a free loopback port.
port="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close();});')"

mkdir -p "$work/azurite"
"$azurite_blob" --silent --skipApiVersionCheck --disableProductStyleUrl \
  --location "$work/azurite" --blobHost 127.0.0.1 --blobPort "$port" >"$work/azurite.log" 2>&1 &
azurite_pid=$!

deadline=$((SECONDS + 60))
until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
  if ! kill -0 "$azurite_pid" 2>/dev/null || (( SECONDS > deadline )); then
    echo "Azurite did not start on port $port:" >&2
    cat "$work/azurite.log" >&2
    exit 1
  fi
  sleep 0.1
done

account=devstoreaccount1
key='Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='
export ConnectionStrings__blobs="DefaultEndpointsProtocol=http;AccountName=$account;AccountKey=$key;BlobEndpoint=http://127.0.0.1:$port/$account;"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

echo "Azurite $(node -p "require('$repo/eng/azurite/node_modules/azurite/package.json').version") blob service on 127.0.0.1:$port"
dotnet run --configuration Release --project "$repo/bench/storage/Scrapbook.Bench.Storage.csproj" -- "$@"
