#!/usr/bin/env bash
# Runs Scrapbook locally through the AppHost (AppHost/Program.cs), as `dotnet run --project AppHost` would:
# installs what is missing, builds the AppHost and with it every service (its project references, one MSBuild
# run), then the AppHost starts redis-server, Azurite and the services with the environment Aspire would give
# them. The gateway answers on http://localhost:8080. Ctrl+C stops everything. Data and the generated admin key live in .scrapbook/
# (git-ignored) between runs. Arguments go to the AppHost: --verbose, --Gateway:Port=8081, ...
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

"$root/scripts/prereqs.sh"
# Quiet unless it fails (dotnet build prints its summary whatever -clp says).
if ! build_output="$(dotnet build AppHost/Scrapbook.AppHost.csproj --no-restore -c Release --nologo -v:q 2>&1)"; then
  printf '%s\n' "$build_output" >&2
  exit 1
fi
exec dotnet "$root/AppHost/bin/Release/net10.0/Scrapbook.AppHost.dll" "$@"
