"""Writes a model folder in the Optimum / ORT GenAI layout, plus reference outputs the C# tests check against."""
import json
import os

import torch

from model import export_onnx, greedy


def write_model_folder(model, bpe, folder, reference_prompts, max_new=64, extra_card=None, default_temperature=0.8):
    os.makedirs(folder, exist_ok=True)
    c = model.c
    model.eval()
    export_onnx(model, os.path.join(folder, "model.onnx"))
    bpe.save(folder)
    # The same weights in torch form, so a later session can continue training the shipped model (train.py --init-from).
    torch.save({"config": c.to_dict(), "state": model.state_dict()}, os.path.join(folder, "torch_checkpoint.pt"))
    eos, pad = bpe.eos_id, bpe.pad_id
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
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(config, f, indent=1)
    with open(os.path.join(folder, "generation_config.json"), "w") as f:
        json.dump({"eos_token_id": eos, "pad_token_id": pad, "do_sample": True, "temperature": default_temperature,
                   "top_p": 1.0, "top_k": 0, "max_new_tokens": 96}, f, indent=1)
    genai = {
        "model": {
            "bos_token_id": eos, "context_length": c.context, "eos_token_id": eos, "pad_token_id": pad,
            "type": "llama", "vocab_size": c.vocab_size,
            "decoder": {
                "session_options": {"log_id": "onnxruntime-genai", "provider_options": []},
                "filename": "model.onnx", "head_size": c.head_dim, "hidden_size": c.d_model,
                "num_attention_heads": c.n_head, "num_hidden_layers": c.n_layer, "num_key_value_heads": c.n_kv_head,
                "inputs": {"input_ids": "input_ids", "attention_mask": "attention_mask", "position_ids": "position_ids",
                           "past_key_names": "past_key_values.%d.key", "past_value_names": "past_key_values.%d.value"},
                "outputs": {"logits": "logits", "present_key_names": "present.%d.key",
                            "present_value_names": "present.%d.value"},
            },
        },
        "search": {"diversity_penalty": 0.0, "do_sample": False, "early_stopping": True, "length_penalty": 1.0,
                   "max_length": c.context, "min_length": 0, "no_repeat_ngram_size": 0, "num_beams": 1,
                   "num_return_sequences": 1, "past_present_share_buffer": False, "repetition_penalty": 1.0,
                   "temperature": 1.0, "top_k": 1, "top_p": 1.0},
    }
    # The engine's own settings: this model's prompt set (its solve / check / fix formats) is prompts/arith.
    with open(os.path.join(folder, "inference_scaling.json"), "w") as f:
        f.write('{ "prompt_set": "arith" }\n')
    with open(os.path.join(folder, "genai_config.json"), "w") as f:
        json.dump(genai, f, indent=1)

    # Reference outputs from torch, for the C# parity tests: greedy ids (no KV cache) and last-position logits.
    refs = []
    with torch.no_grad():
        for p in reference_prompts:
            ids = bpe.encode(p)
            t = torch.tensor([ids])
            logits, _ = model(t, torch.ones_like(t), torch.arange(len(ids)).unsqueeze(0))
            refs.append({"prompt": p, "prompt_ids": ids, "greedy_ids": greedy(model, ids, max_new, eos),
                         "last_logits": [round(float(x), 6) for x in logits[0, -1]]})
    with open(os.path.join(folder, "reference.json"), "w") as f:
        json.dump({"max_new_tokens": max_new, "eos_token_id": eos, "cases": refs}, f)
    if extra_card:
        with open(os.path.join(folder, "README.md"), "w") as f:
            f.write(extra_card)
