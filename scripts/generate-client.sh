#!/usr/bin/env bash
# Regenerates the .NET client (clients/Scrapbook.Client) after an API change: writes the document the gateway serves
# to clients/Scrapbook.Client/openapi.json (by running the test that compares them, in its update mode, against the
# real services), then generates the client from it with Kiota (the version pinned in .config/dotnet-tools.json).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

"$root/scripts/prereqs.sh"
dotnet build tests/Gateway.Tests -c Release --nologo -clp:ErrorsOnly
SCRAPBOOK_UPDATE_OPENAPI=1 dotnet test tests/Gateway.Tests -c Release --no-build --nologo \
  --filter "FullyQualifiedName~ApiDescriptionTests.TheClientIsGeneratedFromTheDocumentTheGatewayServes"
"$root/clients/Scrapbook.Client/generate.sh"
