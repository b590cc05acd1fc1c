#!/usr/bin/env bash
# A long fuzz run in chunks, each on a clean snapshot of the newest commit (git archive HEAD), so other
# people's uncommitted edits in the working tree never leak into it and a crash of one chunk loses only
# that chunk. Every chunk writes its JSON report; fuzz/merge-reports.ts adds them up.
#
#   bash fuzz/long-run.sh SEED TOTAL CHUNK WORKERS OUTDIR
#   bash fuzz/long-run.sh 20261206 1000000 100000 2 /tmp/segql-fuzz-1m
#   npx tsx fuzz/merge-reports.ts /tmp/segql-fuzz-1m/chunk-*.json
set -Eeuo pipefail
seed=${1:?seed} total=${2:?total inputs} chunk=${3:?inputs per chunk} workers=${4:?workers} out=${5:?output directory}
repo=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$out"
for ((start = 0; start < total; start += chunk)); do
  n=$((total - start < chunk ? total - start : chunk))
  report="$out/chunk-$(printf '%08d' "$start").json"
  [ -s "$report" ] && continue # done already: the run can be resumed
  commit=$(git -C "$repo" rev-parse HEAD)
  snap="$out/snapshot-$commit"
  if [ ! -d "$snap" ]; then
    mkdir -p "$snap.tmp"
    git -C "$repo" archive "$commit" | tar -x -C "$snap.tmp"
    ln -s "$repo/node_modules" "$snap.tmp/node_modules"
    mv "$snap.tmp" "$snap"
  fi
  echo "$(date -u +%FT%TZ) chunk $start..$((start + n - 1)) on $commit" | tee -a "$out/runs.log"
  (cd "$snap" && nice -n 10 node --import tsx fuzz/index.ts --seed "$seed" --start "$start" --inputs "$n" \
    --workers "$workers" --report "$report.tmp" >"$out/chunk-$(printf '%08d' "$start").log" 2>&1) || true
  if [ -s "$report.tmp" ]; then
    node -e 'const fs=require("fs");const [f,c]=process.argv.slice(1);const r=JSON.parse(fs.readFileSync(f,"utf8"));r.commit=c;fs.writeFileSync(f,JSON.stringify(r,null,2))' "$report.tmp" "$commit"
    mv "$report.tmp" "$report"
  else
    echo "chunk $start wrote no report; see its log" | tee -a "$out/runs.log"
  fi
done
echo "$(date -u +%FT%TZ) done" | tee -a "$out/runs.log"
