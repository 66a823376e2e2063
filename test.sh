#!/usr/bin/env bash
# Runs Tessera's whole test suite. Provisions what the suite needs and is missing (system
# packages with apt-get when run as root, npm packages with npm ci), then builds and tests
# everything in Tessera.slnx. Usage: ./test.sh [extra dotnet test arguments]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

say() { printf '\n== %s\n' "$*"; }

# System packages the suite needs: command -> Debian package.
declare -A needed=(
  [redis-server]=redis-server
  [chromium]=chromium
  [node]=nodejs
  [npm]=npm
)
missing=()
for command in "${!needed[@]}"; do
  command -v "$command" >/dev/null 2>&1 || missing+=("${needed[$command]}")
done
# PostgreSQL's server programs (initdb, pg_ctl) live in /usr/lib/postgresql/<major>/bin, not on
# PATH; the tests find them there and start a server of their own.
if ! command -v initdb >/dev/null 2>&1 && ! compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then
  missing+=(postgresql)
fi
if ((${#missing[@]})); then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    say "Installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "The test suite needs these packages: ${missing[*]}" >&2
    echo "Install them (e.g. sudo apt-get install -y ${missing[*]}) and run ./test.sh again." >&2
    exit 1
  fi
fi

# npm packages of Node-based test folders.
for folder in tests/*/; do
  # Installed when missing, or again when package-lock.json changed since the last install.
  if [[ -f "$folder/package-lock.json" && ( ! -d "$folder/node_modules" || "$folder/package-lock.json" -nt "$folder/node_modules/.package-lock.json" ) ]]; then
    say "npm ci in $folder"
    (cd "$folder" && npm ci --no-audit --no-fund --loglevel=error)
  fi
done

say "Building"
dotnet build Tessera.slnx -c Release -warnaserror -nologo -v quiet

say "Packing"
packages=$(mktemp -d)
dotnet pack Tessera.slnx -c Release --no-build -nologo -v quiet -o "$packages"
for project in src/*/; do
  name=$(basename "$project")
  if ! ls "$packages/$name".*.nupkg "$packages/$name".*.snupkg >/dev/null 2>&1; then
    echo "dotnet pack made no package and symbols for $name" >&2
    exit 1
  fi
done
ls "$packages"
rm -rf "$packages"

say "Testing"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
dotnet test Tessera.slnx -c Release --no-build -nologo "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

# One closing line over every test assembly.
awk '/(Passed|Failed)!/ {
       for (i = 1; i <= NF; i++) {
         if ($i == "Failed:") failed += $(i + 1)
         if ($i == "Passed:") passed += $(i + 1)
         if ($i == "Skipped:") skipped += $(i + 1)
       }
     }
     END { printf "\n%d passed, %d failed, %d skipped\n", passed, failed, skipped }' FS='[ ,]+' "$log"
exit "$status"
