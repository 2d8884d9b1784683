#!/usr/bin/env bash
# Set up this checkout on a fresh Debian (or Ubuntu) machine that has Python >= 3.10 and Node.js with npm (20, as
# in the nightly): everything `pytest -m staging --env sandbox` and `python -m pytest tests` need. The README's set-up
# command; .ci/run calls it too. Safe to run again: it installs only what is missing or out of date.
#
#   1. Debian packages, only when missing: pgbouncer (the sandbox's transaction pooler, as a worker
#      reaches Supabase), openssh-client (ssh-keygen -Y: sign-off and verify), python3-venv when
#      Python cannot make a virtual environment. Installing them needs root (or passwordless sudo);
#      when all are present nothing here needs root.
#   2. .venv with the project and its test extras: pip install -e '.[test]'.
#   3. node_modules from package-lock.json (the Allure 3 CLI): npm ci.
#
# Optional, not installed here: Debian's chromium, for scripts/report_screenshots.py and the tests
# that open reports in a browser (they are skipped without it).
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "setup: $*"; }
fail() { echo "setup: $*" >&2; exit 1; }
# A program is there when an executable file of that name is on PATH (or in sbin, off a user's PATH).
have() { local found; found=$(PATH="$PATH:/usr/sbin:/sbin" command -v "$1" 2>/dev/null) && [ -f "$found" ] && [ -x "$found" ]; }

PYTHON=${PYTHON:-python3}
have "$PYTHON" || fail "$PYTHON not found: install Python 3.10 or newer (apt-get install python3), then run again"
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 10))' \
    || fail "$("$PYTHON" --version 2>&1) is too old: phasegate needs Python 3.10 or newer"
have npm || fail "npm not found: install Node.js with npm (20 is what the nightly uses; apt-get install nodejs npm), then run again"

missing=()
have pgbouncer || missing+=(pgbouncer)
have ssh-keygen || missing+=(openssh-client)
"$PYTHON" -c 'import ensurepip, venv' 2>/dev/null || missing+=(python3-venv)
if [ ${#missing[@]} -eq 0 ]; then
    say "Debian packages present (pgbouncer, ssh-keygen, python3-venv): nothing to install as root"
else
    if [ "$(id -u)" -eq 0 ]; then
        as_root=()
    elif have sudo && sudo -n true 2>/dev/null; then
        as_root=(sudo -n)
    else
        fail "missing Debian package(s): ${missing[*]}; installing them needs root: run this script as root, or" \
             "sudo apt-get install -y ${missing[*]}, then run it again"
    fi
    say "installing Debian package(s) as root: ${missing[*]}"
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >/dev/null
    for program in pgbouncer ssh-keygen; do
        have "$program" || fail "$program is still missing after apt-get install"
    done
fi

say "virtual environment .venv: pip install -e '.[test]'"
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test]'

say "npm ci (the Allure 3 CLI, pinned in package-lock.json)"
npm ci --no-audit --no-fund --loglevel=error

say "done. Next: . .venv/bin/activate && pytest -m staging --env sandbox   (then: phasegate practice)"
