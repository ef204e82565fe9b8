#!/usr/bin/env bash
# One-shot CUDA check of the flagship demos, run from the repo root on a GPU machine
# (python3 with a CUDA build of torch, numpy and matplotlib; nothing else needed).
# Prints: GPU, the gpu-marked tests, each flagship's --quick and default run on cuda
# (wall time, steps, final metrics, checks), and the streaming benchmark on cuda.
set -uo pipefail
out=/tmp/cidl-gpu-check
mkdir -p "$out"
export PYTHONPATH=$PWD PYTHONUNBUFFERED=1
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
python3 -c "import torch; print('torch', torch.__version__, 'cuda available', torch.cuda.is_available())"
python3 -m pytest tests/demos/test_flagships.py -m gpu -q -p no:cacheprovider -o addopts="" 2>&1 | tail -3
for d in vq-vae lstm-gates gru-gates; do
  for mode in quick default; do
    flag=""; [ "$mode" = quick ] && flag="--quick"
    start=$(date +%s.%N)
    python3 -m demos.run "$d" --device cuda $flag --out "$out/$d-$mode" > "$out/$d-$mode.jsonl" 2> "$out/$d-$mode.err"
    rc=$?
    end=$(date +%s.%N)
    echo "$d $mode: exit $rc, wall $(python3 -c "print(f'{$end - $start:.1f}')") s"
    python3 benchmarks/demo_summary.py "$out/$d-$mode.jsonl"
  done
done
python3 benchmarks/bench_demos.py --device cuda --repeats 3
if [ -n "${OUT:-}" ]; then  # the device tool brings back what is in $OUT
  for d in vq-vae lstm-gates gru-gates; do cp "$out/$d-default/$d.png" "$OUT/$d-cuda.png" 2>/dev/null; done
fi
