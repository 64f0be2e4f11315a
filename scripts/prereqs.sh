#!/usr/bin/env bash
# Installs what Scrapbook needs to build, test and run, and only what is missing: Debian packages
# (backing servers, libvips, Chromium, fonts), Azurite and the classifier from npm (pinned by the lockfiles of
# eng/azurite and eng/classifier), and the NuGet packages of the solution. Safe to run again and again.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

apt_packages=(
  redis-server redis-tools   # Redis 7: events stream, tests
  postgresql                 # optional Gallery.Api database, SQL provider tests
  libvips42 libvips-tools    # the imaging engine, and vipsthumbnail for benchmarks
  libjpeg-turbo-progs        # cjpeg: arithmetic-coded JPEGs in the imaging test corpus
  colord-data icc-profiles-free  # ICC profiles (Adobe RGB, ProPhoto…) the imaging test corpus tags images with
  chromium                   # browser tests (Microsoft.Playwright drives Debian's build)
  fonts-dejavu-core fonts-liberation2
  tmux                       # the CLI's progress bars are checked on a terminal's screen
)

log() { printf '[prereqs] %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

missing=()
for pkg in "${apt_packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$pkg")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing Debian packages: ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

command -v node >/dev/null || { log "Node.js 20 or later is required for Azurite and the classifier (npm)"; exit 1; }
command -v dotnet >/dev/null || { log "the .NET SDK is required (see global.json)"; exit 1; }

# npm packages of a folder under eng/: installed again only when its lockfile changed since the last install.
npm_install() {
  local dir="$root/eng/$1" installed="$2" what="$3"
  local stamp="$dir/node_modules/.scrapbook-lock.sha256"
  local want
  want="$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)"
  if [ ! -e "$dir/node_modules/$installed" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    log "installing $what (npm ci)"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
    echo "$want" > "$stamp"
  fi
}

npm_install azurite .bin/azurite "Azurite"
# The classifier of moderation auto: nsfwjs, its bundled model and TensorFlow.js (docs/classifier.md).
npm_install classifier nsfwjs/package.json "the classifier"

log "restoring NuGet packages"
dotnet restore "$root/Scrapbook.slnx" --verbosity quiet >/dev/null
# Kiota, which generates clients/Scrapbook.Client (a test checks the checked-in client is what it generates).
(cd "$root" && dotnet tool restore >/dev/null)
