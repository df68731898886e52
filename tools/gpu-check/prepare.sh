#!/usr/bin/env bash
# Prepares the CUDA backend's first run on a GPU (issue 16) on a machine without one: emits one CUDA project per
# model variant and precision into one folder small enough to travel to the GPU machine, where run-on-device.sh
# (copied into it) rebuilds the weights, builds, checks and times every project.
#
# BERT-base's weights.bin is 440 MB per project, far more than can travel, so the models are written by
# `synth --values portable`, whose values C reproduces bit for bit, and each project keeps weights.recipe instead
# (hash keys, BSR/CSR index arrays, the few computed values; see src/Backends/Cuda/WeightRecipe.cs). Here, before
# weights.bin is dropped, every project's regen_weights.c is built with the host C compiler and its output compared
# with compile's weights.bin byte for byte, so what travels is known to rebuild the same file.
#
# Usage: tools/gpu-check/prepare.sh [--preset base] [--blocks 16x16,32x32] [--sparsities 0.8,0.9] [--precisions fp32,fp16]
#            [--seq 128] [--seed 1234] [--arch sm_80,sm_87,sm_90] [--model NAME=DIR]... [--no-dense]
#            [--budget-mib 64] [--sparsebert "dotnet path/to/sparsebert.dll"] [--work DIR] [--out DIR]
#   --model NAME=DIR   also a real checkpoint (e.g. MiniLM once one is here): its weights.bin cannot be rebuilt from a
#                      recipe, so it travels as it is and counts against the budget; its block and sparsity are as
#                      pruned (the projects use --blocks' first shape for BSR conversion).
#   --budget-mib       what may travel: this folder plus the tracked files of the repository (the device tool carries
#                      the working tree, 64 MiB in all).
# Writes OUT/ (default gpu-check/ at the repository root, which git ignores: hand it to the device tool with
# carry ["gpu-check"] and run `cd gpu-check && ./run-on-device.sh --out "$OUT"` there): projects/NAME/ (a CUDA project
# without weights.bin), projects.tsv, manifest.json, run-on-device.sh, arch_probe.cu.
# Needs dotnet (unless --sparsebert), cc, cmp, awk, du.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)

preset=base blocks=16x16,32x32 sparsities=0.8,0.9 precisions=fp32,fp16 seq=128 seed=1234 archs=sm_80,sm_87,sm_90
dense=1 budget_mib=64 sparsebert="" work="" out="$root/gpu-check"
real_models=()

die() { echo "prepare: $*" >&2; exit 2; }
need() { [[ $# -ge 2 && -n $2 ]] || die "$1 needs a value"; }

while [[ $# -gt 0 ]]; do
  case $1 in
    --preset) need "$@"; preset=$2; shift 2 ;;
    --blocks) need "$@"; blocks=$2; shift 2 ;;
    --sparsities) need "$@"; sparsities=$2; shift 2 ;;
    --precisions) need "$@"; precisions=$2; shift 2 ;;
    --seq) need "$@"; seq=$2; shift 2 ;;
    --seed) need "$@"; seed=$2; shift 2 ;;
    --arch) need "$@"; archs=$2; shift 2 ;;
    --model) need "$@"; [[ $2 == ?*=?* ]] || die "--model takes NAME=DIR"; real_models+=("$2"); shift 2 ;;
    --no-dense) dense=0; shift ;;
    --budget-mib) need "$@"; budget_mib=$2; shift 2 ;;
    --sparsebert) need "$@"; sparsebert=$2; shift 2 ;;
    --work) need "$@"; work=$2; shift 2 ;;
    --out) need "$@"; out=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
done
[[ $seed =~ ^[0-9]+$ && $seq =~ ^[0-9]+$ && $budget_mib =~ ^[0-9]+$ ]] || die "--seed, --seq and --budget-mib take integers"
[[ $preset =~ ^[a-z0-9]+$ ]] || die "--preset takes a preset name like base"
[[ $blocks =~ ^[0-9]+x[0-9]+(,[0-9]+x[0-9]+)*$ ]] || die "--blocks takes shapes like 16x16,32x32"
[[ $sparsities =~ ^0\.[0-9]+(,0\.[0-9]+)*$ ]] || die "--sparsities takes fractions like 0.8,0.9"
[[ $precisions =~ ^(fp32|fp16)(,(fp32|fp16))*$ ]] || die "--precisions takes fp32 and/or fp16"
[[ $archs =~ ^sm_[0-9]+a?(,sm_[0-9]+a?)*$ ]] || die "--arch takes architectures like sm_80,sm_90"
cc=${CC:-cc}
for tool in "$cc" cmp awk; do command -v "$tool" >/dev/null || die "$tool is required"; done

if [[ -z $sparsebert ]]; then
  command -v dotnet >/dev/null || die "dotnet is required (or give --sparsebert)"
  echo "building sparsebert (Release)"
  dotnet build "$root/src/Cli" -c Release -v quiet -nologo >/dev/null
  sparsebert="dotnet $root/src/Cli/bin/Release/net10.0/sparsebert.dll"
fi
read -r -a cli <<<"$sparsebert"

[[ -e $out ]] && die "$out exists; remove it or give another --out"
own_work=0
if [[ -z $work ]]; then work=$(mktemp -d); own_work=1; fi
mkdir -p "$work/models" "$work/logs" "$out/projects"
out=$(cd "$out" && pwd)
cleanup() { if [[ $own_work == 1 ]]; then rm -rf "$work"; fi; }
trap cleanup EXIT

run_logged() {  # LOG COMMAND...: runs the command with its output in LOG, which is shown if it fails
  local log=$1; shift
  if ! "$@" >"$log" 2>&1; then
    cat "$log" >&2
    die "failed: $*"
  fi
}

# The model variants: NAME MODEL_DIR BLOCK SPARSITY ORIGIN (synth: values regenerated there; carried: weights.bin travels).
variants=()
base_model="$work/models/$preset"
echo "synth $preset (portable values, seed $seed)"
run_logged "$work/logs/synth.log" "${cli[@]}" synth "$preset" --values portable --seed "$seed" --out "$base_model"
IFS=, read -r -a block_list <<<"$blocks"
IFS=, read -r -a sparsity_list <<<"$sparsities"
IFS=, read -r -a precision_list <<<"$precisions"
[[ $dense == 1 ]] && variants+=("$preset-dense|$base_model|dense|0|synth")
for block in "${block_list[@]}"; do
  for sparsity in "${sparsity_list[@]}"; do
    percent=$(awk -v s="$sparsity" 'BEGIN { printf "%d", s * 100 + 0.5 }')
    name="$preset-$block-$percent"
    echo "prune $name"
    run_logged "$work/logs/prune-$name.log" "${cli[@]}" prune "$base_model" --block "$block" --sparsity "$sparsity" --out "$work/models/$name"
    variants+=("$name|$work/models/$name|$block|$sparsity|synth")
  done
done
for entry in "${real_models[@]}"; do
  variants+=("${entry%%=*}|${entry#*=}|${block_list[0]}|as-pruned|carried")
done

printf 'project\tmodel\tblock\tsparsity\tprecision\tweights\tweights_bytes\trecipe_bytes\n' >"$out/projects.tsv"
for variant in "${variants[@]}"; do
  IFS='|' read -r name model block sparsity origin <<<"$variant"
  for precision in "${precision_list[@]}"; do
    project="$name-$precision"
    dir="$out/projects/$project"
    compile=("${cli[@]}" compile "$model" --target cuda --precision "$precision" --arch "$archs" --seq "$seq" --out "$dir")
    [[ $block != dense ]] && compile+=(--block "$block")
    [[ $origin == synth ]] && compile+=(--weights-recipe "$seed")
    echo "compile $project"
    run_logged "$work/logs/compile-$project.log" "${compile[@]}"
    weights_bytes=$(wc -c <"$dir/weights.bin")
    recipe_bytes=0
    if [[ $origin == synth ]]; then
      # The check that makes the recipe worth carrying: rebuilt here, compared byte for byte, then dropped.
      run_logged "$work/logs/regen-$project.log" make -s -C "$dir" regen_weights CC="$cc"
      run_logged "$work/logs/regen-$project.log" "$dir/regen_weights" "$dir/weights.recipe" "$work/regenerated.bin"
      cmp "$dir/weights.bin" "$work/regenerated.bin" || die "$project: regen_weights did not rebuild compile's weights.bin"
      rm -f "$dir/weights.bin" "$dir/regen_weights" "$work/regenerated.bin"
      recipe_bytes=$(wc -c <"$dir/weights.recipe")
      echo "  weights.bin $weights_bytes bytes rebuilt byte for byte from weights.recipe ($recipe_bytes bytes)"
    fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$project" "$name" "$block" "$sparsity" "$precision" "$origin" "$weights_bytes" "$recipe_bytes" \
      >>"$out/projects.tsv"
  done
done

cp "$here/run-on-device.sh" "$here/arch_probe.cu" "$out/"
chmod +x "$out/run-on-device.sh"

bundle_bytes=$(du -sb "$out" | cut -f1)
# What else travels with the working tree: tracked files and untracked ones git does not ignore, this folder aside.
tracked_bytes=0
if git -C "$root" rev-parse --git-dir >/dev/null 2>&1; then
  exclude=()
  case $out/ in "$root"/*) exclude=(":(exclude)${out#"$root"/}") ;; esac
  tracked_bytes=$(cd "$root" && git ls-files -z --cached --others --exclude-standard -- . "${exclude[@]}" | xargs -0 cat 2>/dev/null | wc -c)
fi
commit=$(git -C "$root" rev-parse HEAD 2>/dev/null || echo unknown)
cat >"$out/manifest.json" <<EOF
{"preset": "$preset", "seed": $seed, "sequence": $seq, "architectures_emitted": "$archs", "commit": "$commit",
 "bundle_bytes": $bundle_bytes, "tracked_repository_bytes": $tracked_bytes, "projects": $(($(wc -l <"$out/projects.tsv") - 1))}
EOF
total=$((bundle_bytes + tracked_bytes))
echo "wrote $out: $(du -sh "$out" | cut -f1) ($bundle_bytes bytes) in $(($(wc -l <"$out/projects.tsv") - 1)) projects;" \
     "with the repository's tracked files ($tracked_bytes bytes) $total of $((budget_mib * 1048576)) bytes may travel"
if ((total > budget_mib * 1048576)); then
  echo "prepare: over the budget of $budget_mib MiB" >&2
  exit 1
fi
