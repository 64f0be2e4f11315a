#!/usr/bin/env bash
# Runs Scrapbook locally: installs what is missing (scripts/prereqs.sh, idempotent), then
# `dotnet run --project AppHost`, the .NET Aspire AppHost, which builds the services and starts redis-server,
# Azurite, every service and the Aspire dashboard. The gateway answers on http://localhost:8080; the console
# prints the dashboard's login link. Ctrl+C stops everything. Data lives in .scrapbook/data (git-ignored).
# Arguments go to the AppHost, e.g. --Database postgres or --Gateway:Port 8081.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

"$root/scripts/prereqs.sh"
exec dotnet run --project AppHost --no-restore -- "$@"
