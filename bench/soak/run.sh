#!/usr/bin/env bash
# The soak: the whole system started by its AppHost, driven for N minutes by uploaders (12–24 MP photos, URL uploads,
# caption edits, deletes) and SSE followers that hang up and resume, while faults are injected on a schedule (kill -9 of
# a worker, of Gallery.Api at its outbox failpoints, of Notify.Api and of the gateway; restarts of redis-server and
# Azurite; a client that stops reading; a flood from one address). Then it checks that nothing was lost, stuck or
# repeated, prints the table and exits non-zero if a check failed. Loopback only; everything started is stopped.
#   bench/soak/run.sh [MINUTES=10] [extra options: --faults KillWorker,Flood --fault-every 45 --uploaders 4 --followers 3]
# docs/reliability.md explains the checks and keeps the last figures.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
minutes="${1:-10}"
shift || true
"$root/scripts/prereqs.sh"
"$root/bench/thumbnails/make-corpus.sh" "$here/.corpus" 8 4 >/dev/null
dotnet build "$here/Scrapbook.Bench.Soak.csproj" -c Release -nologo -clp:ErrorsOnly >/dev/null
# The run's own bound: the drive, up to four minutes of settling, the clean-up's grace, start and stop.
exec timeout "$(( (minutes + 12) * 60 ))" dotnet "$here/bin/Release/net10.0/Scrapbook.Bench.Soak.dll" --minutes "$minutes" --corpus "$here/.corpus" "$@"
