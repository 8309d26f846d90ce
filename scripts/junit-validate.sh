#!/usr/bin/env bash
# Validates JUnit XML files against tests/fixtures/junit.xsd with xmllint:
#   scripts/junit-validate.sh REPORT.xml...
# Installs Debian's libxml2-utils when xmllint is missing (needs root and apt). Exit 0 when every file validates.
set -euo pipefail

if [ $# -lt 1 ]; then
  echo "usage: $0 REPORT.xml..." >&2
  exit 2
fi
schema=$(cd "$(dirname "$0")/.." && pwd)/tests/fixtures/junit.xsd

if ! command -v xmllint >/dev/null 2>&1; then
  echo "xmllint not found; installing Debian's libxml2-utils" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >&2
  apt-get install -y -q libxml2-utils >&2
fi

xmllint --noout --schema "$schema" "$@"
