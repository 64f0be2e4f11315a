#!/usr/bin/env bash
# Runs every test in the solution against real servers (the fixtures start and stop them), after
# installing whatever is missing. Ends with one line: "N passed, N failed[, N skipped]".
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

"$root/scripts/prereqs.sh" || { echo "0 passed, 1 failed"; exit 1; }

results="$root/artifacts/test-results"
rm -rf "$results"
mkdir -p "$results"

if ! dotnet build Scrapbook.slnx --no-restore -c Release --nologo -clp:ErrorsOnly; then
  echo "build failed"
  echo "0 passed, 1 failed"
  exit 1
fi

# One test project at a time, the Aspire-started systems last: the end-to-end and browser tests each start the
# whole system, and run beside the others on 2 cores they starve timing-sensitive integration tests (a worker's
# 1-second visibility renewal). A hung test is dumped and killed rather than eating CI's budget.
status=0
for project in $(ls tests/*/*.Tests.csproj | grep -v -e EndToEnd -e Web.Tests -e Extension.Tests -e Client.Tests -e Cli.Tests) tests/Client.Tests/*.csproj tests/Cli.Tests/*.csproj tests/EndToEnd.Tests/*.csproj tests/Web.Tests/*.csproj tests/Extension.Tests/*.csproj; do
  dotnet test "$project" --no-build -c Release --nologo \
    --results-directory "$results" --logger "trx;LogFileName=$(basename "$project" .csproj).trx" --logger "console;verbosity=minimal" \
    --blame-hang-timeout 10m || status=1
done

passed=0 failed=0 skipped=0 files=0
for trx in "$results"/*.trx; do
  [ -e "$trx" ] || continue
  files=$((files + 1))
  counters="$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)"
  get() { printf '%s' "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*' || echo 0; }
  passed=$((passed + $(get passed)))
  failed=$((failed + $(get failed) + $(get error) + $(get timeout) + $(get aborted)))
  # xUnit v3 leaves skipped tests out of "executed" without counting them as notExecuted.
  skipped=$((skipped + $(get total) - $(get executed)))
done

# A test run that crashed before writing its results still counts as a failure.
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=1
fi

line="$passed passed, $failed failed"
[ "$skipped" -gt 0 ] && line="$line, $skipped skipped"
echo "$line"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
