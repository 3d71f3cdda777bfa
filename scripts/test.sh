#!/usr/bin/env bash
# Switchyard's test command: installs and starts what the tests need when it is
# missing, then runs every test layer. CI runs exactly this (see .ci/run).
#
#   1. Debian packages (only the missing ones): postgresql redis-server sip-tester
#      baresip-core sox chromium docker-compose
#   2. PostgreSQL on 127.0.0.1:5432 (trust auth for user postgres, database `test`)
#      and Redis on 127.0.0.1:6379, started when not answering
#   3. cargo nextest run --workspace (cargo test --workspace --all-targets without nextest),
#      then clippy on the pure crates (their clippy.toml bans clock reads)
#   4. sip-tests/run.sh and web-tests/run.sh when present
# Nothing is skipped: a missing service or a failing layer fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\n==> %s\n' "$*" >&2; }
die() { printf '\nFAILED: %s\n' "$*" >&2; exit 1; }

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi
fi

# --- 1. packages -----------------------------------------------------------
missing=()
have() { command -v "$1" >/dev/null 2>&1; }
pg_installed() { [ -d /etc/postgresql ] && [ -n "$(ls /etc/postgresql 2>/dev/null)" ]; }
pg_installed || missing+=(postgresql)
have redis-server || missing+=(redis-server)
have sipp || missing+=(sip-tester)
have baresip || missing+=(baresip-core)
have sox || missing+=(sox)
have chromium || have chromium-browser || missing+=(chromium)
{ have docker && docker compose version >/dev/null 2>&1; } || have docker-compose || missing+=(docker-compose)
if [ ${#missing[@]} -gt 0 ]; then
    if have apt-get; then
        log "installing missing packages: ${missing[*]}"
        $SUDO apt-get update
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y "${missing[@]}"
    else
        die "missing ${missing[*]} and no apt-get to install them"
    fi
fi

# --- 2. services -----------------------------------------------------------
pg_ok() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
if ! pg_ok; then
    version="$(ls /etc/postgresql | sort -V | tail -n 1)"
    log "starting PostgreSQL $version"
    $SUDO pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    for _ in $(seq 1 30); do pg_ok && break; sleep 1; done
    pg_ok || die "PostgreSQL does not answer on 127.0.0.1:5432"
fi
psql_pg() { psql -h 127.0.0.1 -U postgres -v ON_ERROR_STOP=1 "$@"; }
if ! psql_pg -d postgres -tAc 'select 1' >/dev/null 2>&1; then
    # A fresh Debian cluster asks for a password on TCP: the tests use trust auth locally.
    log "allowing trust auth for 127.0.0.1 in pg_hba.conf"
    as_postgres() { if [ "$(id -u)" -eq 0 ]; then su postgres -c "$1"; else sudo -u postgres sh -c "$1"; fi; }
    hba="$(as_postgres "psql -tAc 'show hba_file'")"
    $SUDO sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
    as_postgres "psql -tAc 'select pg_reload_conf()'" >/dev/null
    sleep 1
    psql_pg -d postgres -tAc 'select 1' >/dev/null || die "cannot connect to PostgreSQL as postgres on 127.0.0.1"
fi
if [ "$(psql_pg -d postgres -tAc "select 1 from pg_database where datname = 'test'")" != "1" ]; then
    log "creating database test"
    psql_pg -d postgres -c 'create database test' >/dev/null
fi

redis_ok() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }
if ! redis_ok; then
    log "starting Redis"
    redis-server --daemonize yes --bind 127.0.0.1
    for _ in $(seq 1 30); do redis_ok && break; sleep 0.5; done
    redis_ok || die "Redis does not answer on 127.0.0.1:6379"
fi

# --- 3. cargo tests --------------------------------------------------------
failed=()
results=()
out="$(mktemp)"
trap 'rm -f "$out"' EXIT
if cargo nextest --version >/dev/null 2>&1; then
    log "cargo nextest run --workspace"
    set +e
    cargo nextest run --workspace --all-targets --no-fail-fast 2>&1 | tee "$out"
    status=${PIPESTATUS[0]}
    set -e
    summary="$( (grep -E '^ *Summary \[' "$out" || true) | tail -n 1 | sed 's/^ *//')"
    [ -n "$summary" ] || summary="no tests ran (build failed?)"
    name="cargo nextest"
else
    log "cargo test --workspace --all-targets"
    set +e
    cargo test --workspace --all-targets --no-fail-fast 2>&1 | tee "$out"
    status=${PIPESTATUS[0]}
    set -e
    summary="$(awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
         END { printf "Summary: %d tests passed, %d failed", p, f }' "$out")"
    name="cargo test"
fi
if [ "$status" -eq 0 ]; then results+=("PASS  $name: $summary"); else results+=("FAIL  $name: $summary"); failed+=("$name"); fi

# --- 3b. the pure crates never read the clock -------------------------------
# crates/{core,router,media}/clippy.toml ban clock reads and sleeps there.
log "cargo clippy (pure crates: core, router, media)"
if cargo clippy -p switchyard-core -p switchyard-router -p switchyard-media --all-targets -- -D warnings; then
    results+=("PASS  clippy on the pure crates (no clock reads)")
else
    results+=("FAIL  clippy on the pure crates"); failed+=("clippy")
fi

# --- 4. real-peer layers ---------------------------------------------------
for suite in sip-tests/run.sh web-tests/run.sh; do
    if [ -f "$suite" ]; then
        log "$suite"
        if bash "$suite"; then results+=("PASS  $suite"); else results+=("FAIL  $suite"); failed+=("$suite"); fi
    fi
done

# No Docker engine runs here: the compose file is validated, not started.
if have docker && docker compose version >/dev/null 2>&1; then compose=(docker compose); else compose=(docker-compose); fi
log "${compose[*]} config"
if SWITCHYARD_ADMIN_TOKEN=validate-only-token "${compose[@]}" -p switchyard -f docker/compose.yaml config -q; then
    results+=("PASS  ${compose[*]} config (docker/compose.yaml)")
else
    results+=("FAIL  ${compose[*]} config"); failed+=("compose config")
fi

log "summary"
printf '  %s\n' "${results[@]}" >&2
if [ ${#failed[@]} -gt 0 ]; then
    die "${failed[*]}"
fi
log "all test layers passed"
