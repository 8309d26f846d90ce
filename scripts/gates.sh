#!/usr/bin/env bash
# Re-derives the candidate list of matrices/gates.yaml: every place the daemons' source compares the request's API
# version, at the tags of the daemons dockmatrix runs.
#   bash scripts/gates.sh [--moby GITDIR] [--podman GITDIR] [--cache DIR] [--check] [--file FILE]
# Without --moby/--podman it keeps bare clones in DIR (default ${XDG_CACHE_HOME:-$HOME/.cache}/dockmatrix/gates)
# and fetches the missing tags from github.com (depth 1). --moby/--podman take existing git dirs (bare or not)
# that hold the refs below. It prints one line per site, `repo@ref:file:line  <the line>`.
# --check verifies FILE (default matrices/gates.yaml): every gate's source points at a line holding a version
# compare (or the gate's `marker` text), and every site is a gate's source or matches an `ignored:` site (a glob);
# it exits 1 naming what is wrong. A maintainer's tool: the tests never run it (it may read the network).
set -euo pipefail

MOBY_URL=https://github.com/moby/moby
PODMAN_URL=https://github.com/containers/podman
# The dockerds run: Debian bookworm's 20.10, trixie's 26.1, sid's 28.5.
MOBY_REFS=(v20.10.24 v26.1.5 v28.5.2)
# The podmans run: 4.3 (bookworm), 5.4 (trixie), 5.8 (sid; v5.8.2 is the newest 5.8 tag read), 6.1 (experimental;
# no v6 tag was at hand: main at this commit, 6.0.0-dev, stands in).
PODMAN_REFS=(v4.3.1 v5.4.2 v5.8.2 c6580b4a5219c9efb9ab79a540637d8a58b736f8)
# Where the request-handling code lives, and what a version compare looks like there.
MOBY_PATHS=(api/server daemon builder)
MOBY_PATTERN='versions\.(LessThan|GreaterThan|GreaterThanOrEqualTo|LessThanOrEqualTo|Equal)\('
PODMAN_PATHS=(pkg/api/handlers/compat pkg/api/handlers/utils pkg/api/server)
PODMAN_PATTERN='SupportedVersion(WithDefaults)?\(r,'

usage() { echo "usage: bash scripts/gates.sh [--moby GITDIR] [--podman GITDIR] [--cache DIR] [--check] [--file FILE]" >&2; exit 2; }
die() { echo "gates.sh: $*" >&2; exit 1; }

MOBY='' PODMAN='' CHECK='' FILE=matrices/gates.yaml
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/dockmatrix/gates
while [ $# -gt 0 ]; do
  case $1 in
    --moby) [ $# -ge 2 ] || usage; MOBY=$2; shift 2 ;;
    --podman) [ $# -ge 2 ] || usage; PODMAN=$2; shift 2 ;;
    --cache) [ $# -ge 2 ] || usage; CACHE=$2; shift 2 ;;
    --file) [ $# -ge 2 ] || usage; FILE=$2; shift 2 ;;
    --check) CHECK=1; shift ;;
    -h | --help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) usage ;;
  esac
done
command -v git >/dev/null || die "git is missing"

# has_ref GITDIR REF: the commit is there.
has_ref() { git -C "$1" rev-parse -q --verify "$2^{commit}" >/dev/null 2>&1; }

# ensure NAME URL REF...: a bare clone in the cache with every REF (a tag, or a commit id), fetched when missing.
ensure() {
  local name=$1 url=$2 dir=$CACHE/$1.git
  shift 2
  [ -d "$dir" ] || git init -q --bare "$dir"
  local ref
  for ref in "$@"; do
    has_ref "$dir" "$ref" && continue
    echo "gates.sh: fetching $name $ref" >&2
    if [[ $ref =~ ^[0-9a-f]{40}$ ]]; then
      git -C "$dir" fetch -q --depth 1 "$url" "$ref"
    else
      git -C "$dir" fetch -q --depth 1 "$url" "refs/tags/$ref:refs/tags/$ref"
    fi
  done
  echo "$dir"
}

# check_refs GITDIR REF...: every REF is there.
check_refs() {
  local dir=$1 ref
  shift
  git -C "$dir" rev-parse --git-dir >/dev/null 2>&1 || die "$dir is not a git directory"
  for ref in "$@"; do has_ref "$dir" "$ref" || die "$dir lacks $ref (git -C $dir fetch origin tag $ref)"; done
}

if [ -n "$MOBY" ]; then check_refs "$MOBY" "${MOBY_REFS[@]}"; else MOBY=$(ensure moby "$MOBY_URL" "${MOBY_REFS[@]}"); fi
if [ -n "$PODMAN" ]; then check_refs "$PODMAN" "${PODMAN_REFS[@]}"; else PODMAN=$(ensure podman "$PODMAN_URL" "${PODMAN_REFS[@]}"); fi

# sites REPO GITDIR PATTERN REFS PATHS: `repo@ref:file:line<TAB>line`, test files left out.
sites() {
  local repo=$1 dir=$2 pattern=$3 refs=$4 paths=$5 ref
  for ref in $refs; do
    # shellcheck disable=SC2086 # the paths are words
    git -C "$dir" grep -n -E "$pattern" "$ref" -- $paths | grep -v '_test\.go:' |
      while IFS= read -r hit; do
        local rest=${hit#"$ref":}
        local file=${rest%%:*} rest=${rest#*:}
        local line=${rest%%:*} text=${rest#*:}
        printf '%s@%s:%s:%s\t%s\n' "$repo" "$ref" "$file" "$line" "$text"
      done || true
  done
}

LIST=$(mktemp /tmp/gates-sites.XXXXXX)
trap 'rm -f "$LIST"' EXIT
{
  sites moby/moby "$MOBY" "$MOBY_PATTERN" "${MOBY_REFS[*]}" "${MOBY_PATHS[*]}"
  sites containers/podman "$PODMAN" "$PODMAN_PATTERN" "${PODMAN_REFS[*]}" "${PODMAN_PATHS[*]}"
} >"$LIST"

if [ -z "$CHECK" ]; then
  awk '{ i = index($0, "\t"); t = substr($0, i + 1); sub(/^[ \t]+/, "", t); print substr($0, 1, i - 1) "  " t }' "$LIST"
  exit 0
fi

[ -f "$FILE" ] || die "$FILE does not exist (run from the repository root, or give --file)"
command -v python3 >/dev/null || die "python3 is missing"
python3 - "$FILE" "$LIST" "$MOBY" "$PODMAN" "$MOBY_PATTERN" "$PODMAN_PATTERN" <<'PY'
import fnmatch, re, subprocess, sys
try:
    import yaml
except ImportError:
    sys.exit("gates.sh: python3 needs PyYAML: the Debian package python3-yaml (this script installs nothing)")
path, listing, moby, podman, moby_pat, podman_pat = sys.argv[1:]
dirs = {"moby/moby": (moby, moby_pat), "containers/podman": (podman, podman_pat)}
doc = yaml.safe_load(open(path)) or {}
sites = {}
for row in open(listing):
    site, _, text = row.rstrip("\n").partition("\t")
    sites[site] = text.strip()
problems, cited, files = [], set(), {}

def line_of(repo, ref, file, n):
    key = (repo, ref, file)
    if key not in files:
        r = subprocess.run(["git", "-C", dirs[repo][0], "show", f"{ref}:{file}"], capture_output=True, text=True)
        files[key] = r.stdout.splitlines() if r.returncode == 0 else None
    lines = files[key]
    if lines is None or not 1 <= n <= len(lines):
        return None
    return lines[n - 1]

for gate in doc.get("gates") or []:
    gid = gate.get("id", "?")
    for src in gate.get("source") or []:
        m = re.fullmatch(r"([\w.-]+/[\w.-]+)@([^:\s]+):([^:\s]+):(\d+)", str(src))
        if not m or m.group(1) not in dirs:
            problems.append(f"{gid}: source `{src}` is not moby/moby|containers/podman@tag:file:line")
            continue
        repo, ref, file, n = m.group(1), m.group(2), m.group(3), int(m.group(4))
        text = line_of(repo, ref, file, n)
        if text is None:
            problems.append(f"{gid}: {src}: no such file or line at {ref}")
            continue
        marker = gate.get("marker")
        if not re.search(dirs[repo][1], text) and not (marker and marker in text):
            problems.append(f"{gid}: {src} holds no version compare: `{text.strip()}`")
        cited.add(src)
ignored = [(str(i.get("site", "")), str(i.get("why", ""))) for i in doc.get("ignored") or []]
used = set()
for site, text in sites.items():
    if site in cited:
        continue
    hit = [g for g, _ in ignored if fnmatch.fnmatchcase(site, g)]
    if hit:
        used.update(hit)
        continue
    problems.append(f"site not in {path}: {site}  {text}")
for glob, why in ignored:
    if not why.strip():
        problems.append(f"ignored `{glob}` says no why")
    if glob not in used:
        problems.append(f"ignored `{glob}` matches no site any more: remove it")
for p in problems:
    print(p)
gates = doc.get("gates") or []
print(f"gates.sh: {len(sites)} sites, {len(gates)} gates, {len(ignored)} ignored globs: "
      + ("ok" if not problems else f"{len(problems)} problem(s)"), file=sys.stderr)
sys.exit(1 if problems else 0)
PY
