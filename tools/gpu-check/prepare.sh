#!/usr/bin/env bash
# Makes the folder tools/gpu-check/run.sh needs on the GPU machine (which has no .NET and no NuGet): a self-contained
# CUDA build of infscale and three model folders, written to ${1:-/tmp/gpu-check}. Run here, where NuGet and Debian's
# python3-torch / python3-onnx are available. The CUDA provider library alone is ~284 MB and a device call carries
# 64 MiB: parts/ holds the publish folder as a tar split into 60 MiB pieces, to send in consecutive calls while the
# machine stays warm, then `cat parts/* | tar x` there.
set -euo pipefail
out=${1:-/tmp/gpu-check}
repo=$(cd "$(dirname "$0")/../.." && pwd)
rm -rf "$out" && mkdir -p "$out/models"
dotnet publish "$repo/src/InferenceScaling.Cli" -c Release -r linux-x64 --self-contained -p:OrtFlavor=Cuda -o "$out/infscale"
cp -r "$repo/models/arith-mini" "$out/models/arith-mini"
/usr/bin/python3 "$repo/tools/train-model/export.py" --checkpoint "$repo/models/arith-mini/torch_checkpoint.pt" \
  --tokenizer "$repo/models/arith-mini" --out "$out/layouts" --layouts genai-gqa,fp16
mv "$out/layouts/genai-gqa" "$out/models/arith-gqa"
mv "$out/layouts/fp16" "$out/models/arith-fp16"
rm -rf "$out/layouts" "$out/models/arith-mini/torch_checkpoint.pt"
mkdir -p "$out/parts"
tar -C "$out" -cf - infscale models | split -b 60m - "$out/parts/gpu-check.tar."
ls -la "$out/parts"
