#!/usr/bin/env bash
# Long fuzzing runs by hand (issue 14). CI runs the bounded proptest fuzz tests instead
# (crates/*/tests/fuzz_*.rs, part of `cargo nextest run --workspace`).
#
#   fuzz/run.sh [SECONDS] [TARGET...]
#
# Runs each libFuzzer target (default: all of sip_message sip_stream sdp endpoint) for
# SECONDS (default 60) on one core, then the proptest fuzz suites of the SIP, chat and API
# crates with FUZZ_CASES cases each (default 20000; 0 skips them), and prints executions
# and crashes per target. Exits non-zero if anything crashed; crashing inputs are kept in
# fuzz/artifacts/<target>/ (replay: cargo fuzz run <target> <file>).
#
# Needs cargo-fuzz (`cargo install cargo-fuzz`) and a C++ compiler. cargo fuzz wants a
# nightly compiler; RUSTC_BOOTSTRAP=1 lets the pinned stable one accept its -Z flags. The
# code is safe Rust (`unsafe_code = "forbid"`), so no sanitizer by default; set
# FUZZ_SANITIZER=address to use ASan.
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-60}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(sip_message sip_stream sdp endpoint)
sanitizer="${FUZZ_SANITIZER:-none}"
cases="${FUZZ_CASES:-20000}"
export RUSTC_BOOTSTRAP=1

cargo fuzz --version >/dev/null 2>&1 || {
    echo "FAILED: cargo-fuzz is missing: cargo install cargo-fuzz" >&2
    exit 1
}

seed_dirs() {
    case "$1" in
        sdp) echo seeds/sdp ;;
        endpoint) echo seeds/endpoint ;;
        *) echo ../crates/sip/tests/torture ;;
    esac
}

cargo fuzz build -s "$sanitizer" >&2

rows=()
failed=0
for t in "${targets[@]}"; do
    mkdir -p "corpus/$t" "artifacts/$t"
    before=$(find "artifacts/$t" -type f | wc -l)
    log="$(mktemp)"
    set +e
    cargo fuzz run -s "$sanitizer" "$t" "corpus/$t" $(seed_dirs "$t") -- \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=70000 \
        -print_final_stats=1 >"$log" 2>&1
    status=$?
    set -e
    execs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$' | tail -n 1)
    after=$(find "artifacts/$t" -type f | wc -l)
    crashes=$((after - before))
    if [ "$status" -ne 0 ] && [ "$crashes" -eq 0 ]; then crashes=1; fi
    if [ "$crashes" -gt 0 ]; then
        failed=1
        grep -E 'panicked at|ERROR: libFuzzer' -A3 "$log" | head -n 20 >&2 || true
    fi
    rows+=("$(printf '%-12s %6ss %12s execs %3s crashes' "$t" "$seconds" "${execs:-?}" "$crashes")")
    rm -f "$log"
done

if [ "$cases" -gt 0 ]; then
    echo "proptest fuzz suites, FUZZ_CASES=$cases" >&2
    set +e
    (cd .. && FUZZ_CASES="$cases" cargo nextest run --no-fail-fast \
        -p switchyard-sip -p switchyard-chat -p switchyard-api \
        -E 'binary(/^fuzz_/)') >&2
    status=$?
    set -e
    if [ "$status" -eq 0 ]; then
        rows+=("proptest     FUZZ_CASES=$cases per property: 0 crashes")
    else
        rows+=("proptest     FUZZ_CASES=$cases per property: FAILED (see above)")
        failed=1
    fi
fi

printf '\n%s\n' "fuzzing summary:"
printf '  %s\n' "${rows[@]}"
exit "$failed"
