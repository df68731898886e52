#!/usr/bin/env bash
# Runs the folder tools/gpu-check/prepare.sh wrote on a GPU machine: rebuilds every project's weights.bin from its
# recipe (regen_weights.c, checked against the recipe's digest), builds each runner for this GPU's architecture
# with nvcc and the native host compiler, runs `./runner --check --bench N --bench-cublas --json`, and writes
# what came out to OUT. Needs bash, make, a C compiler (cc) and nvcc; nvidia-smi for the device's name and clocks.
#
# Usage: run-on-device.sh [--arch 90] [--bench 100] [--jobs 16] [--deadline 480] [--only PROJECT]... [--out DIR]
#   --arch      nvcc's architecture number; default: nvidia-smi's compute_cap, else arch_probe.cu's answer
#   --deadline  seconds from the start after which no further runner is started (builds are not cut short)
#   --out       default $OUT, else ./results
# Writes at most five files: results.json (manifest, environment, one object per project: build, regen, the runner's
# own --json report), summary.txt (one line per project), run.log (every command's output), ptxas.txt (ptxas -v of
# every build), clocks.csv (nvidia-smi sampled while the runners ran).
# Exit: 0 every project built, ran and passed --check; 1 something failed; 2 bad usage or setup; 3 no CUDA device
# (the runners said so; nothing else failed: what a machine without a GPU can rehearse).
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here"
arch="" bench=100 jobs="" deadline=480 out=${OUT:-$here/results}
only=()

die() { echo "run-on-device: $*" >&2; exit 2; }
need() { [[ $# -ge 2 && -n $2 ]] || die "$1 needs a value"; }
while [[ $# -gt 0 ]]; do
  case $1 in
    --arch) need "$@"; arch=$2; shift 2 ;;
    --bench) need "$@"; bench=$2; shift 2 ;;
    --jobs) need "$@"; jobs=$2; shift 2 ;;
    --deadline) need "$@"; deadline=$2; shift 2 ;;
    --only) need "$@"; only+=("$2"); shift 2 ;;
    --out) need "$@"; out=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -uo/p' "$here/$(basename "${BASH_SOURCE[0]}")" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
done
[[ -z $arch || $arch =~ ^[0-9]{2,3}a?$ ]] || die "--arch takes a number like 90"
[[ $bench =~ ^[0-9]+$ && $deadline =~ ^[0-9]+$ ]] || die "--bench and --deadline take integers"
[[ -f projects.tsv ]] || die "no projects.tsv here: run this in the folder prepare.sh wrote"
command -v nvcc >/dev/null || die "nvcc is not on PATH"
command -v make >/dev/null || die "make is not on PATH"
jobs=${jobs:-$(nproc 2>/dev/null || echo 4)}
mkdir -p "$out" || die "cannot create $out"
log="$out/run.log"
: >"$log"
started=$(date +%s)

# --- JSON text from bash: strings escaped, numbers checked ---
json_string() {
  local s
  s=$(printf '%s' "$1" | tr -d '\000-\010\013\014\016-\037')
  s=${s//\\/\\\\}; s=${s//\"/\\\"}; s=${s//$'\t'/\\t}; s=${s//$'\r'/}; s=${s//$'\n'/\\n}
  printf '"%s"' "$s"
}
json_number() { if [[ $1 =~ ^-?[0-9]+(\.[0-9]+)?$ ]]; then printf '%s' "$1"; else printf 'null'; fi; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }
seconds_since() { local ms=$(($(now_ms) - $1)); printf '%d.%03d' $((ms / 1000)) $((ms % 1000)); }

# --- the device ---
smi_fields=(name compute_cap driver_version pci.bus_id memory.total clocks.sm clocks.mem clocks.max.sm clocks.max.mem
            clocks.applications.graphics power.limit persistence_mode mig.mode.current temperature.gpu)
smi_json="null" smi=0
if command -v nvidia-smi >/dev/null; then
  if smi_list=$(nvidia-smi -L 2>&1); then
    smi=1
    smi_json="{\"devices\": $(json_string "$smi_list"), "
    for field in "${smi_fields[@]}"; do
      value=$(nvidia-smi -i 0 --query-gpu="$field" --format=csv,noheader 2>&1 | head -n 1)
      smi_json+="$(json_string "$field"): $(json_string "$value"), "
    done
    smi_json="${smi_json%, }}"
    nvidia-smi -q -d CLOCK,PERFORMANCE >>"$log" 2>&1
  else
    smi_json="{\"error\": $(json_string "$smi_list")}"
  fi
fi
if [[ -z $arch && $smi == 1 ]]; then
  cap=$(nvidia-smi -i 0 --query-gpu=compute_cap --format=csv,noheader 2>/dev/null | head -n 1)
  if [[ $cap =~ ^([0-9]+)\.([0-9])$ ]]; then arch="${BASH_REMATCH[1]}${BASH_REMATCH[2]}"; fi
fi
if [[ -z $arch ]]; then
  echo "== arch_probe" >>"$log"
  if nvcc -o "$out/.arch_probe" arch_probe.cu >>"$log" 2>&1; then arch=$("$out/.arch_probe" 2>>"$log"); fi
  rm -f "$out/.arch_probe"
fi
[[ $arch =~ ^[0-9]{2,3}a?$ ]] || die "cannot tell the GPU's architecture (no nvidia-smi compute_cap, arch_probe failed: see $log); give --arch"
gencode="-gencode arch=compute_$arch,code=sm_$arch"
host_compiler=${NVCC_CCBIN:-default}
echo "architecture sm_$arch; nvcc's host compiler: $host_compiler; $jobs jobs; results in $out"

# --- the projects ---
projects=()
while IFS=$'\t' read -r project _; do
  [[ $project == project ]] && continue
  if [[ ${#only[@]} -gt 0 ]]; then
    keep=0
    for name in "${only[@]}"; do [[ $name == "$project" ]] && keep=1; done
    [[ $keep == 1 ]] || continue
  fi
  [[ -d projects/$project ]] || die "projects/$project is listed in projects.tsv but missing"
  projects+=("$project")
done <projects.tsv
[[ ${#projects[@]} -gt 0 ]] || die "no project to run"

# Rebuild the weights and build every runner at once under one make jobserver: regen is CPU-bound, nvcc mostly runs
# one process per object, so projects build side by side.
buildfile="$out/.build.mk"
{
  echo "all: ${projects[*]}"
  echo ".PHONY: all ${projects[*]}"
  for project in "${projects[@]}"; do
    echo "$project:"
    printf '\t@s=$$(date +%%s%%N); rc=0; $(MAKE) --no-print-directory -C projects/%s weights.bin > projects/%s/regen.log 2>&1 || rc=$$?; ' "$project" "$project"
    printf 'echo "$$rc $$(( ($$(date +%%s%%N) - s) / 1000000 ))" > projects/%s/regen.status; ' "$project"
    printf 's=$$(date +%%s%%N); rc=0; $(MAKE) --no-print-directory -C projects/%s runner GENCODE="%s" > projects/%s/build.log 2>&1 || rc=$$?; ' \
      "$project" "$gencode" "$project"
    printf 'echo "$$rc $$(( ($$(date +%%s%%N) - s) / 1000000 ))" > projects/%s/build.status\n' "$project"
  done
} >"$buildfile"
echo "regenerating weights and building ${#projects[@]} projects"
build_start=$(now_ms)
make -j "$jobs" -f "$buildfile" >>"$log" 2>&1
rm -f "$buildfile"
echo "  done in $(seconds_since "$build_start") s"

# nvidia-smi's clocks, power and temperature every 200 ms while the runners run.
sampler=""
if [[ $smi == 1 ]]; then
  nvidia-smi -i 0 --query-gpu=timestamp,clocks.sm,clocks.mem,power.draw,temperature.gpu,utilization.gpu --format=csv -lms 200 \
    >"$out/clocks.csv" 2>&1 &
  sampler=$!
fi

status_field() {  # FILE: "EXIT MILLISECONDS" as JSON fields, or a missing step
  if [[ -f $1 ]]; then
    read -r rc ms <"$1"
    printf '"exit_code": %s, "seconds": %s' "$(json_number "$rc")" "$(json_number "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))")"
  else
    printf '"exit_code": null, "seconds": null'
  fi
}

failed=0 no_device=0 entries=()
: >"$out/ptxas.txt"
summary="$out/summary.txt"
printf '%-28s %-6s %-6s %-10s %-12s %s\n' project regen build runner check forward_us >"$summary"
for project in "${projects[@]}"; do
  dir="projects/$project"
  IFS=$'\t' read -r _ model block sparsity precision origin weights_bytes recipe_bytes < <(awk -F'\t' -v p="$project" '$1 == p' projects.tsv)
  { echo "== $project: regen"; cat "$dir/regen.log" 2>/dev/null; echo "== $project: build"; cat "$dir/build.log" 2>/dev/null; } >>"$log"
  { echo "== $project"; cat "$dir/ptxas.log" 2>/dev/null; } >>"$out/ptxas.txt"
  read -r regen_rc _ <"$dir/regen.status" 2>/dev/null || regen_rc=missing
  read -r build_rc _ <"$dir/build.status" 2>/dev/null || build_rc=missing
  spills=null
  [[ -f $dir/ptxas.log ]] && spills=$(grep -cE '[1-9][0-9]* bytes spill (stores|loads)' "$dir/ptxas.log")

  runner_rc=null runner_seconds=null report=null state=not_run
  if [[ $regen_rc != 0 || $build_rc != 0 ]]; then
    state=build_failed
    failed=1
  elif (($(date +%s) - started > deadline)); then
    state=past_deadline
    failed=1
  else
    echo "run $project"
    run_start=$(now_ms)
    args=(--check --json "$out/.report.json")
    ((bench > 0)) && args+=(--bench "$bench" --bench-cublas)
    rm -f "$out/.report.json"
    echo "== $project: ./runner ${args[*]}" >>"$log"
    if command -v timeout >/dev/null; then
      (cd "$dir" && timeout 300 ./runner "${args[@]}") >>"$log" 2>&1
    else
      (cd "$dir" && ./runner "${args[@]}") >>"$log" 2>&1
    fi
    runner_rc=$?
    runner_seconds=$(seconds_since "$run_start")
    [[ -s $out/.report.json ]] && report=$(cat "$out/.report.json")
    rm -f "$out/.report.json"
    case $runner_rc in
      0) state=ok ;;
      3) state=no_device; no_device=1 ;;
      1) state=check_or_cuda_failed; failed=1 ;;
      *) state="runner_exit_$runner_rc"; failed=1 ;;
    esac
  fi
  forward=$(printf '%s' "$report" | tr -d '\n' | sed -n 's/.*"forward_us": \([0-9.e+-]*\).*/\1/p')
  printf '%-28s %-6s %-6s %-10s %-12s %s\n' "$project" "$regen_rc" "$build_rc" "$runner_rc" "$state" "${forward:--}" >>"$summary"
  entries+=("    {\"project\": $(json_string "$project"), \"model\": $(json_string "$model"), \"block\": $(json_string "$block"),
     \"sparsity\": $(json_string "$sparsity"), \"precision\": $(json_string "$precision"), \"weights\": $(json_string "$origin"),
     \"weights_bytes\": $(json_number "$weights_bytes"), \"recipe_bytes\": $(json_number "$recipe_bytes"), \"state\": $(json_string "$state"),
     \"regen\": {$(status_field "$dir/regen.status")}, \"build\": {$(status_field "$dir/build.status"), \"ptxas_spill_lines\": $spills},
     \"runner\": {\"exit_code\": $runner_rc, \"seconds\": $(json_number "$runner_seconds"), \"report\": $report}}")
done
if [[ -n $sampler ]]; then kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null; fi

{
  echo "{"
  echo "  \"manifest\": $(cat manifest.json 2>/dev/null || echo null),"
  echo "  \"environment\": {\"architecture\": $(json_string "sm_$arch"), \"nvidia_smi\": $smi_json,"
  echo "    \"nvcc\": $(json_string "$(nvcc --version 2>&1 | tail -n 2)"), \"host_compiler\": $(json_string "$host_compiler"),"
  echo "    \"cc\": $(json_string "$(${CC:-cc} --version 2>&1 | head -n 1)"), \"cpu\": $(json_string "$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2-)"),"
  echo "    \"seconds_total\": $(($(date +%s) - started))},"
  echo "  \"projects\": ["
  for i in "${!entries[@]}"; do
    if ((i + 1 < ${#entries[@]})); then echo "${entries[$i]},"; else echo "${entries[$i]}"; fi
  done
  echo "  ]"
  echo "}"
} >"$out/results.json"
cat "$summary"
echo "wrote $out/results.json ($(($(date +%s) - started)) s in all)"
if ((failed)); then exit 1; fi
if ((no_device)); then exit 3; fi
exit 0
