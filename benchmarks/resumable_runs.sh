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

# run_halves OUT_DIR "SEEDS" "NAME|BENCH_PLANNING_FLAGS"... runs every cell on the first half of SEEDS pinned to core 0
# (into OUT_DIR/NAME_a) beside the same cells on the second half pinned to core 1 (NAME_b), cells in the order given,
# each skipped when complete (run_planning).
run_halves() {
  local out=$1 part list cmds cell core; local -a seeds; read -r -a seeds <<< "$2"; shift 2
  local half=$(( ${#seeds[@]} / 2 ))
  for core in 0 1; do
    if [ "$core" = 0 ]; then part=a; list="${seeds[*]:0:$half}"; else part=b; list="${seeds[*]:$half}"; fi
    cmds=""
    for cell in "$@"; do cmds="$cmds run_planning $out ${cell%%|*}_$part ${cell#*|} --seed_list $list;"; done
    taskset -c "$core" bash -c "source benchmarks/resumable_runs.sh; $cmds" &
  done
  wait
}

# pick_cells SCRIPT MAP SUFFIX NAME... appends "NAME<SUFFIX>|FLAGS" to the array `cells` for each NAME, FLAGS being
# MAP[NAME] (MAP: the name of an associative array of cell flags); an unknown NAME is a one-line error naming SCRIPT
# (exit 2).
pick_cells() {
  local script=$1 suffix=$3 name; local -n map=$2; shift 3
  for name in "$@"; do
    [ -n "${map[$name]+x}" ] || { echo "$script: unknown cell '$name' (cells: ${!map[*]})" >&2; exit 2; }
    cells+=("$name$suffix|${map[$name]}")
  done
}
