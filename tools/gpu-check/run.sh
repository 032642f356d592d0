#!/usr/bin/env bash
# GPU check (#14 item 9): on a machine with an NVIDIA GPU, the CUDA build of infscale decodes the shipped model, its
# GroupQueryAttention export (KV cache in device memory, bound once through OrtIoBinding) and its float16 export on
# the CPU and on CUDA at N = 1, 16, 64 traces, and prints tokens/s and the bytes each decode step's bindings move
# between host and device. One run, about 2 minutes on a warm machine; prepare.sh makes what it needs.
#
#   bash tools/gpu-check/run.sh [folder prepared by prepare.sh, default ./gpu-check]
#
# Output: one markdown row per (model, device, N); paste it into bench/README.md ("GPU check") with the date.
set -euo pipefail
root=${1:-./gpu-check}
bin="$root/infscale/infscale"
[ -x "$bin" ] || { echo "error: $bin not found: run tools/gpu-check/prepare.sh and carry its folder" >&2; exit 2; }
# The image's CUDA 13 / cuDNN 9 libraries come from its Python wheels (see shared/FACTS.md).
for d in $(python3 -c 'import glob,os; print(" ".join(sorted({os.path.dirname(p) for p in glob.glob("/usr/local/lib/python3*/**/nvidia/*/lib/*.so*", recursive=True)})))' 2>/dev/null); do
  LD_LIBRARY_PATH="$d:${LD_LIBRARY_PATH:-}"
done
export LD_LIBRARY_PATH="$root/infscale:${LD_LIBRARY_PATH:-}"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
prompt='Q: Tom has 12 apples. He buys 7 more. Then he triples them. How many apples does he have now?
A:'
echo "| model | device | N | tokens/s | prefill ms | host→device B/step | device→host B/step |"
echo "|---|---|---:|---:|---:|---:|---:|"
for model in arith-mini arith-gqa arith-fp16; do
  for device in cpu cuda; do
    for n in 1 16 64; do
      out=$("$bin" generate "$prompt" --model "$root/models/$model" --device "$device" -n "$n" --max-tokens 128 \
              --temperature 0.8 --seed 1 --json 2>"$root/stderr.txt") \
        || { echo "| $model | $device | $n | failed: $(grep -m1 -i error "$root/stderr.txt" | cut -c1-160) | | | |"; continue; }
      python3 - "$model" "$device" "$n" "$out" <<'PY'
import json, sys
m, d, n = sys.argv[1:4]
doc = json.loads(sys.argv[4])
t, b = doc["timing"], doc["host_device_bytes_per_step"]
print(f"| {m} | {doc['device']} | {n} | {t['tokens_per_second']:.0f} | {t['prefill_ms']:.1f} | {b['to_device']} | {b['to_host']} |")
PY
    done
  done
done
