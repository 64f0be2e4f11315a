#!/usr/bin/env bash
# Gallery.Api registrations per second on PostgreSQL with 1, 4 and 16 concurrent writers:
#   bench/gallerydb/run.sh [COUNT=1000]   (COUNT registrations per measurement; 3 rounds per level, median)
# or the first and last page of a big album on SQLite and PostgreSQL, against the owner's photo list:
#   bench/gallerydb/run.sh albums [PHOTOS=10000]
# Starts PostgreSQL, Redis and Azurite on free loopback ports in temporary folders and stops them at the end;
# Gallery.Api runs in-process. Bounded: the whole run is killed after 15 minutes.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build "$root/bench/gallerydb/Scrapbook.Bench.GalleryDb.csproj" -c Release -nologo -clp:ErrorsOnly >/dev/null
# From the output folder: WebApplicationFactory finds Gallery.Api's content root through MvcTestingAppManifest.json there.
cd "$root/bench/gallerydb/bin/Release/net10.0"
exec timeout 900 dotnet Scrapbook.Bench.GalleryDb.dll "${@:-1000}"
