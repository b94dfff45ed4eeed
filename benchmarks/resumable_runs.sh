# Sourced by the sweep scripts: run_planning OUT_DIR NAME BENCH_PLANNING_FLAGS... runs one
# bench_planning.py configuration into OUT_DIR/NAME.json (and .log), skipping it when that JSON is complete.
# Runs last DURATION seconds (default 20).
run_planning() {
  local out=$1 name=$2; shift 2
  local file="$out/$name.json"
  mkdir -p "$out"
  if [ -f "$file" ] && python -c "import json,sys; sys.exit(0 if json.load(open('$file')).get('complete') else 1)"; then
    echo "skip $name (complete)"; return; fi
  python benchmarks/bench_planning.py "$@" --duration "${DURATION:-20}" --out "$file" 2>&1 | grep --line-buffered -v "WARNING\|^$" | tee "$out/$name.log"
}
