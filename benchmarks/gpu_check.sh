#!/usr/bin/env bash
# One prepared CUDA check, run from the repo root on a GPU machine (python3 with a CUDA
# build of torch, numpy and matplotlib; PyTorch's own wheels are enough). It prints:
#   1. the GPU and torch;
#   2. every catalogue demo's --quick run on cuda: wall time, checks (demo_summary --all);
#   3. the three flagships' default runs on cuda: wall time, steps/s, final metrics, checks;
#   4. the streaming benchmark of the flagships on cuda (stream on vs off, >= 0.9 wanted).
# Compare the default-run times with the CPU ones of benchmarks/bench_demos.py --default.
# With $OUT set (the device tool), the flagships' cuda figures are copied there.
set -uo pipefail
out=/tmp/cidl-gpu-check
mkdir -p "$out"
export PYTHONPATH=$PWD PYTHONUNBUFFERED=1
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
python3 -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda, 'available', torch.cuda.is_available())"
echo "== every demo, --quick, cuda"
python3 benchmarks/demo_summary.py --all --device cuda
echo "== flagships, default runs, cuda"
for d in vq-vae lstm-gates gru-gates; do
  start=$(date +%s.%N)
  python3 -m demos.run "$d" --device cuda --out "$out/$d-default" > "$out/$d-default.jsonl" 2> "$out/$d-default.err"
  rc=$?
  end=$(date +%s.%N)
  echo "$d default: exit $rc, wall $(python3 -c "print(f'{$end - $start:.1f}')") s"
  python3 benchmarks/demo_summary.py "$out/$d-default.jsonl"
  tail -n 3 "$out/$d-default.err"
done
echo "== streaming overhead, cuda"
python3 benchmarks/bench_demos.py --device cuda --repeats 3
if [ -n "${OUT:-}" ]; then
  for d in vq-vae lstm-gates gru-gates; do cp "$out/$d-default/$d.png" "$OUT/$d-cuda.png" 2>/dev/null; done
fi
