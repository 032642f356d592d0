"""Writes a model folder in the Optimum / ORT GenAI layout, plus reference outputs the C# tests check against.

Run as a script, it writes a trained checkpoint's weights in the layouts real exporters produce, for parity checks:

  /usr/bin/python3 tools/train-model/export.py --checkpoint models/arith-mini/torch_checkpoint.pt \
      --tokenizer models/arith-mini --out /tmp/arith-layouts [--layouts optimum,genai-gqa,fp16,onnx-community]
"""
import argparse
import json
import os
import shutil
import sys

import torch

from model import add_logits_to_keep, export_onnx, export_onnx_combined, export_onnx_half_io, export_gqa_onnx, greedy, greedy_cached_io

LAYOUTS = ("optimum", "genai-gqa", "fp16", "onnx-community", "gpt2-past", "logits-keep", "bf16")


def write_model_folder(model, bpe, folder, reference_prompts, max_new=64, extra_card=None, default_temperature=0.8):
    os.makedirs(folder, exist_ok=True)
    c = model.c
    model.eval()
    export_onnx(model, os.path.join(folder, "model.onnx"))
    bpe.save(folder)
    # The same weights in torch form, so a later session can continue training the shipped model (train.py --init-from).
    torch.save({"config": c.to_dict(), "state": model.state_dict()}, os.path.join(folder, "torch_checkpoint.pt"))
    eos, pad = bpe.eos_id, bpe.pad_id
    write_json(folder, "config.json", hf_config(c, eos, pad))
    with open(os.path.join(folder, "generation_config.json"), "w") as f:
        json.dump({"eos_token_id": eos, "pad_token_id": pad, "do_sample": True, "temperature": default_temperature,
                   "top_p": 1.0, "top_k": 0, "max_new_tokens": 96}, f, indent=1)
    genai = genai_config(c, eos, pad)
    # The engine's own settings: this model's prompt set (its solve / check / fix formats) is prompts/arith.
    with open(os.path.join(folder, "inference_scaling.json"), "w") as f:
        f.write('{ "prompt_set": "arith" }\n')
    with open(os.path.join(folder, "genai_config.json"), "w") as f:
        json.dump(genai, f, indent=1)
    write_reference(model, bpe, folder, reference_prompts, max_new)
    if extra_card:
        with open(os.path.join(folder, "README.md"), "w") as f:
            f.write(extra_card)


def write_json(folder, name, obj):
    with open(os.path.join(folder, name), "w") as f:
        json.dump(obj, f, indent=1)


def hf_config(c, eos, pad):
    """config.json as Hugging Face writes it."""
    config = {
        "architectures": ["ArithGptForCausalLM"],
        "model_type": "arith-gpt",
        "vocab_size": c.vocab_size,
        "hidden_size": c.d_model,
        "num_hidden_layers": c.n_layer,
        "num_attention_heads": c.n_head,
        "num_key_value_heads": c.n_kv_head,
        "head_dim": c.head_dim,
        "max_position_embeddings": c.context,
        "bos_token_id": None,
        "eos_token_id": eos,
        "pad_token_id": pad,
        "tie_word_embeddings": True,
        "torch_dtype": "float32",
    }
    if getattr(c, "rope", False):
        config["position_embedding_type"] = "rope"
        config["rope_theta"] = 10000.0
    return config


def genai_config(c, eos, pad, filename="model.onnx", position_ids=True, share_buffer=False, combined=False):
    """genai_config.json as the ORT GenAI model builder writes it (combined: GPT-2's past_%d / present_%d names)."""
    inputs = {"input_ids": "input_ids", "attention_mask": "attention_mask"}
    if position_ids:
        inputs["position_ids"] = "position_ids"
    if combined:
        inputs["past_names"] = "past_%d"
    else:
        inputs.update({"past_key_names": "past_key_values.%d.key", "past_value_names": "past_key_values.%d.value"})
    outputs = {"logits": "logits"}
    if combined:
        outputs["present_names"] = "present_%d"
    else:
        outputs.update({"present_key_names": "present.%d.key", "present_value_names": "present.%d.value"})
    return {
        "model": {
            "bos_token_id": eos, "context_length": c.context, "eos_token_id": eos, "pad_token_id": pad,
            "type": "llama", "vocab_size": c.vocab_size,
            "decoder": {
                "session_options": {"log_id": "onnxruntime-genai", "provider_options": []},
                "filename": filename, "head_size": c.head_dim, "hidden_size": c.d_model,
                "num_attention_heads": c.n_head, "num_hidden_layers": c.n_layer, "num_key_value_heads": c.n_kv_head,
                "inputs": inputs,
                "outputs": outputs,
            },
        },
        "search": {"diversity_penalty": 0.0, "do_sample": False, "early_stopping": True, "length_penalty": 1.0,
                   "max_length": c.context, "min_length": 0, "no_repeat_ngram_size": 0, "num_beams": 1,
                   "num_return_sequences": 1, "past_present_share_buffer": share_buffer, "repetition_penalty": 1.0,
                   "temperature": 1.0, "top_k": 1, "top_p": 1.0},
    }


def write_reference(model, bpe, folder, reference_prompts, max_new, name="reference.json"):
    """Reference outputs from torch, for the C# parity tests: greedy ids (no KV cache) and last-position logits."""
    eos = bpe.eos_id
    refs = []
    with torch.no_grad():
        for p in reference_prompts:
            ids = bpe.encode(p)
            t = torch.tensor([ids])
            logits, _ = model(t, torch.ones_like(t), torch.arange(len(ids)).unsqueeze(0))
            refs.append({"prompt": p, "prompt_ids": ids, "greedy_ids": greedy(model, ids, max_new, eos),
                         "last_logits": [round(float(x), 6) for x in logits[0, -1]]})
    with open(os.path.join(folder, name), "w") as f:
        json.dump({"max_new_tokens": max_new, "eos_token_id": eos, "cases": refs}, f)


def write_layouts(model, bpe, out, layouts=LAYOUTS, reference_prompts=(), max_new=32, sampling=None):
    """The same weights in the layouts real exporters write, one folder each under `out`:
    optimum        model.onnx (float32, position_ids), config.json, generation_config.json, tokenizer
    genai-gqa      model.onnx with com.microsoft.GroupQueryAttention (rotary in the op, no position_ids),
                   genai_config.json only (past_present_share_buffer, sampling in "search"), tokenizer
    fp16           model_fp16.onnx + model_fp16.onnx_data (float16 KV cache and logits), named by genai_config.json
    onnx-community config and tokenizer at the root, graphs in onnx/ (model.onnx, model_fp16.onnx + data)
    gpt2-past      model.onnx with one combined past_{i} / present_{i} per layer ([2, B, kv, P, hd]), the names
                   given by genai_config.json's past_names / present_names (GPT-2 builds)
    logits-keep    model.onnx taking a scalar num_logits_to_keep (transformers.js graphs): only the last positions'
                   logits leave the graph
    bf16           model.onnx with bfloat16 KV cache and logits (arithmetic in float32)"""
    c = model.c
    model.eval()
    eos, pad = bpe.eos_id, bpe.pad_id
    sampling = sampling or {"do_sample": True, "temperature": 0.6, "top_k": 40, "top_p": 0.95}
    for layout in layouts:
        folder = os.path.join(out, layout)
        os.makedirs(folder, exist_ok=True)
        bpe.save(folder)
        if layout == "optimum":
            export_onnx(model, os.path.join(folder, "model.onnx"))
            write_json(folder, "config.json", hf_config(c, eos, pad))
            write_json(folder, "generation_config.json", {"eos_token_id": eos, "pad_token_id": pad, **sampling})
        elif layout == "genai-gqa":
            export_gqa_onnx(model, os.path.join(folder, "model.onnx"))
            g = genai_config(c, eos, pad, position_ids=False, share_buffer=True)
            g["search"].update(sampling)
            write_json(folder, "genai_config.json", g)
        elif layout == "fp16":
            export_onnx_half_io(model, os.path.join(folder, "model_fp16.onnx"), external_data="model_fp16.onnx_data")
            write_json(folder, "config.json", hf_config(c, eos, pad))
            write_json(folder, "genai_config.json", genai_config(c, eos, pad, filename="model_fp16.onnx"))
        elif layout == "onnx-community":
            os.makedirs(os.path.join(folder, "onnx"), exist_ok=True)
            export_onnx(model, os.path.join(folder, "onnx", "model.onnx"))
            export_onnx_half_io(model, os.path.join(folder, "onnx", "model_fp16.onnx"), external_data="model_fp16.onnx_data")
            write_json(folder, "config.json", hf_config(c, eos, pad))
            write_json(folder, "generation_config.json", {"eos_token_id": eos, "pad_token_id": pad, **sampling})
        elif layout == "gpt2-past":
            export_onnx_combined(model, os.path.join(folder, "model.onnx"))
            write_json(folder, "genai_config.json", genai_config(c, eos, pad, combined=True))
        elif layout == "logits-keep":
            export_onnx(model, os.path.join(folder, "model.onnx"))
            add_logits_to_keep(os.path.join(folder, "model.onnx"))
            write_json(folder, "config.json", hf_config(c, eos, pad))
        elif layout == "bf16":
            export_onnx_half_io(model, os.path.join(folder, "model.onnx"), io_dtype=torch.bfloat16)
            write_json(folder, "config.json", hf_config(c, eos, pad))
            # bfloat16 keeps 8 bits of mantissa: its greedy tokens may leave float32's, so the graph's own greedy
            # (rounded cache and logits) is the reference the runtime must reproduce exactly.
            write_json(folder, "reference_bf16.json", {"max_new_tokens": max_new, "cases": [
                {"prompt": p, "greedy_ids": greedy_cached_io(model, bpe.encode(p), max_new, eos, torch.bfloat16)}
                for p in reference_prompts]})
        else:
            raise ValueError(f"unknown layout {layout!r}; known: {', '.join(LAYOUTS)}")
    if reference_prompts:
        write_reference(model, bpe, out, list(reference_prompts), max_new)


def main():
    from bpe import Bpe
    from model import Config, Decoder
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoint", required=True, help="torch_checkpoint.pt written by train.py")
    ap.add_argument("--tokenizer", required=True, help="folder with the model's tokenizer.json")
    ap.add_argument("--out", required=True)
    ap.add_argument("--layouts", default=",".join(LAYOUTS))
    ap.add_argument("--prompts", default="", help="file of reference prompts, one per line (torch greedy ids are written)")
    ap.add_argument("--max-new", type=int, default=48)
    a = ap.parse_args()
    ck = torch.load(a.checkpoint, map_location="cpu")
    model = Decoder(Config(**ck["config"]))
    model.load_state_dict(ck["state"])
    bpe = Bpe.load(a.tokenizer)
    prompts = [l.rstrip("\n").replace("\\n", "\n") for l in open(a.prompts)] if a.prompts else []
    write_layouts(model, bpe, a.out, a.layouts.split(","), prompts, a.max_new)
    for extra in ("tokenizer_config.json", "inference_scaling.json"):
        src = os.path.join(a.tokenizer, extra)
        if os.path.exists(src):
            for layout in a.layouts.split(","):
                shutil.copy(src, os.path.join(a.out, layout, extra))
    print("wrote", ", ".join(os.path.join(a.out, l) for l in a.layouts.split(",")))


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    main()
