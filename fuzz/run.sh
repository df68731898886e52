#!/usr/bin/env bash
# Fuzzes readers with AFL++ for a bounded time: fuzz/run.sh SECONDS_EACH [TARGET...] (no TARGET: all seven).
# Builds Release, instruments the reader assemblies with SharpFuzz, writes the seed corpora, then runs afl-fuzz on
# one target after another (one afl-fuzz at a time). Exit 1 when AFL++ saved a crash or a hang, or could not run;
# the saved inputs' paths are printed with the command that replays one. Work folder: out/fuzz (FUZZ_WORK overrides).
set -euo pipefail
cd "$(dirname "$0")/.."

all=(safetensors torchsharp pytorch onnx config device npy)
targets=("${all[@]}")
if [[ $# -lt 1 || ! "$1" =~ ^[0-9]+$ || "$1" -lt 1 ]]; then
  echo "usage: fuzz/run.sh SECONDS_EACH [TARGET...] (targets: ${all[*]})" >&2
  exit 2
fi
seconds=$1
shift
(($# > 0)) && targets=("$@")
for target in "${targets[@]}"; do
  [[ " ${all[*]} " == *" $target "* ]] || { echo "fuzz: unknown target '$target' (targets: ${all[*]})" >&2; exit 2; }
done
command -v afl-fuzz >/dev/null || { echo "fuzz: afl-fuzz not found (Debian: apt-get install afl++)" >&2; exit 1; }

work=$(realpath -m "${FUZZ_WORK:-out/fuzz}")
bin=$work/bin
# The readers and what they call; the fuzz program itself and the seed writers linked into it stay uninstrumented.
instrumented=(SparseBert.IR SparseBert.Frontend SparseBert.Backends.Lowering SparseBert.Backends.Hls SparseBert.Simulator)

# SharpFuzz rewrites assemblies in place and refuses an instrumented one, so every run publishes into a fresh folder.
rm -rf "$bin" "$work/seeds" "$work/tmp"
mkdir -p "$work"
dotnet tool restore >/dev/null
dotnet publish fuzz/SparseBert.Fuzz.csproj -c Release -o "$bin" -v quiet -nologo >"$work/build.log" 2>&1 ||
  { cat "$work/build.log" >&2; echo "fuzz: the build failed" >&2; exit 1; }
# Seeds first: instrumented code runs only under SharpFuzz's Fuzzer.Run, which sets up the coverage map.
dotnet "$bin/SparseBert.Fuzz.dll" seeds "$work/seeds" devices
for assembly in "${instrumented[@]}"; do
  dotnet sharpfuzz "$bin/$assembly.dll" >/dev/null || { echo "fuzz: could not instrument $assembly.dll" >&2; exit 1; }
done
mkdir -p "$work/findings" "$work/tmp"

found=()
for target in "${targets[@]}"; do
  out=$work/findings/$target
  rm -rf "$out"
  # Containers forward core dumps and pin no CPU governor; dotnet is not itself instrumented (the assemblies are).
  # -t 5000: a reader taking five seconds over a file of kilobytes is a hang. The input files go to $work/tmp.
  if ! TMPDIR=$work/tmp AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_SKIP_BIN_CHECK=1 AFL_NO_AFFINITY=1 AFL_NO_UI=1 \
      afl-fuzz -i "$work/seeds/$target" -o "$out" -t 5000 -m none -V "$seconds" -- dotnet "$bin/SparseBert.Fuzz.dll" "$target" \
      >"$work/$target.log" 2>&1; then
    echo "fuzz: $target: afl-fuzz failed; its log: $work/$target.log" >&2
    tail -n 5 "$work/$target.log" >&2
    exit 1
  fi
  stat() { sed -n "s/^$1 *: *//p" "$out/default/fuzzer_stats"; }
  echo "fuzz: $target: $(stat execs_done) executions in $(stat run_time) s ($(stat execs_per_sec)/s), corpus $(stat corpus_count), crashes $(stat saved_crashes), hangs $(stat saved_hangs)"
  for kind in crashes hangs; do
    for input in "$out/default/$kind"/id:*; do [[ -e "$input" ]] && found+=("$target $kind $input"); done
  done
done
rm -rf "$work/tmp"

if ((${#found[@]} > 0)); then
  echo "fuzz: ${#found[@]} inputs break a reader's contract (BadInputException or success, quickly, in bounded memory):" >&2
  printf '  %s\n' "${found[@]}" >&2
  echo "fuzz: replay one with: dotnet $bin/SparseBert.Fuzz.dll TARGET < INPUT" >&2
  exit 1
fi
