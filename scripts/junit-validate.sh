#!/usr/bin/env bash
# Validates JUnit XML files against tests/fixtures/junit.xsd with xmllint:
#   scripts/junit-validate.sh REPORT.xml...
# Exit 0 when every file validates, xmllint's own code (3 for an invalid file) otherwise, and 127 at once when
# xmllint is missing: this script never installs anything (tests run it concurrently; scripts/test.sh installs
# Debian's libxml2-utils up front).
set -euo pipefail

if [ $# -lt 1 ]; then
  echo "usage: $0 REPORT.xml..." >&2
  exit 2
fi
schema=$(cd "$(dirname "$0")/.." && pwd)/tests/fixtures/junit.xsd

if ! command -v xmllint >/dev/null 2>&1; then
  echo "xmllint not found: install Debian's libxml2-utils (scripts/test.sh installs it)" >&2
  exit 127
fi

xmllint --noout --schema "$schema" "$@"
