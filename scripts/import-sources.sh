#!/usr/bin/env bash
# Refreshes sources/, the research data `dockmatrix matrix sync` reads, from the shared research folder:
#   scripts/import-sources.sh [SHARED_DIR]        (default ../shared, relative to the repository root)
# Maintainers run it by hand; no build step or test ever reads SHARED_DIR. It copies, byte for byte:
#   docker-api/specs/v1.*.yaml, docker-api/endpoints.csv, docker-api/docker-versions.csv, docker-api/SOURCES.md,
#   k8s/kubelet-docker-usage.yaml
# and removes specs no longer in SHARED_DIR. Then: `cargo run -- matrix sync` and commit sources/ and matrices/.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
shared=${1:-../shared}

die() { echo "import-sources.sh: $*" >&2; exit 1; }

files=(docker-api/endpoints.csv docker-api/docker-versions.csv docker-api/SOURCES.md k8s/kubelet-docker-usage.yaml)
for f in "${files[@]}"; do
  [ -f "$shared/$f" ] || die "$shared/$f not found; pass the shared folder: $0 SHARED_DIR"
done
shopt -s nullglob
specs=("$shared"/docker-api/specs/v1.*.yaml)
[ ${#specs[@]} -gt 0 ] || die "no $shared/docker-api/specs/v1.*.yaml"

mkdir -p sources/docker-api/specs sources/k8s
for f in "${files[@]}"; do
  cp "$shared/$f" "sources/$f"
done
rm -f sources/docker-api/specs/v1.*.yaml
cp "${specs[@]}" sources/docker-api/specs/
echo "import-sources.sh: copied ${#specs[@]} specs and ${#files[@]} files from $shared into sources/" >&2
git status --short -- sources/ >&2 || true
