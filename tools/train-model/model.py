"""A GPT-style decoder whose ONNX export has the Hugging Face Optimum / ORT GenAI layout:
inputs input_ids, attention_mask, position_ids, past_key_values.{i}.key|value; outputs logits, present.{i}.key|value.
Grouped KV heads (n_kv_head < n_head) are supported so the runtime's GQA path can be tested."""
import math
from dataclasses import dataclass, asdict

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class Config:
    vocab_size: int
    d_model: int = 128
    n_layer: int = 4
    n_head: int = 4
    n_kv_head: int = 4
    context: int = 320
    rope: bool = False      # rotary positions (as Llama/Qwen) instead of learned absolute ones

    @property
    def head_dim(self):
        return self.d_model // self.n_head

    def to_dict(self):
        return asdict(self)


class Attention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        hd = c.head_dim
        self.q = nn.Linear(c.d_model, c.n_head * hd, bias=False)
        self.k = nn.Linear(c.d_model, c.n_kv_head * hd, bias=False)
        self.v = nn.Linear(c.d_model, c.n_kv_head * hd, bias=False)
        self.o = nn.Linear(c.n_head * hd, c.d_model, bias=False)

    def forward(self, x, bias, past_k, past_v, rot=None):
        c = self.c
        B, S, _ = x.shape
        hd, kv, g = c.head_dim, c.n_kv_head, c.n_head // c.n_kv_head
        q = self.q(x).view(B, S, kv, g, hd).permute(0, 2, 3, 1, 4)           # B kv g S hd
        k = self.k(x).view(B, S, kv, hd).transpose(1, 2)                      # B kv S hd
        v = self.v(x).view(B, S, kv, hd).transpose(1, 2)
        if rot is not None:
            cos, sin = rot                                                    # B 1 S hd/2
            q = rotate(q, cos.unsqueeze(1), sin.unsqueeze(1))
            k = rotate(k, cos, sin)                                           # cached rotated, as Hugging Face does
        if past_k is not None:
            k = torch.cat([past_k, k], dim=2)
            v = torch.cat([past_v, v], dim=2)
        att = torch.matmul(q, k.unsqueeze(2).transpose(-1, -2)) * (1.0 / math.sqrt(hd))  # B kv g S T
        att = att + bias.unsqueeze(1)                                         # bias: B 1 S T -> B 1 1 S T
        att = torch.softmax(att, dim=-1)
        y = torch.matmul(att, v.unsqueeze(2))                                 # B kv g S hd
        y = y.permute(0, 3, 1, 2, 4).reshape(B, S, c.n_head * hd)
        return self.o(y), k, v


def rotate(x, cos, sin):
    """Rotary embedding, half-split layout (Llama's rotate_half)."""
    half = x.shape[-1] // 2
    x1, x2 = x[..., :half], x[..., half:]
    return torch.cat([x1 * cos - x2 * sin, x1 * sin + x2 * cos], dim=-1)


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.ln1 = nn.LayerNorm(c.d_model)
        self.attn = Attention(c)
        self.ln2 = nn.LayerNorm(c.d_model)
        self.fc = nn.Linear(c.d_model, 4 * c.d_model)
        self.proj = nn.Linear(4 * c.d_model, c.d_model)

    def forward(self, x, bias, past_k, past_v, rot=None):
        a, k, v = self.attn(self.ln1(x), bias, past_k, past_v, rot)
        x = x + a
        x = x + self.proj(F.gelu(self.fc(self.ln2(x))))
        return x, k, v


class Decoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        self.tok = nn.Embedding(c.vocab_size, c.d_model)
        if not c.rope:
            self.pos = nn.Embedding(c.context, c.d_model)
        self.blocks = nn.ModuleList([Block(c) for _ in range(c.n_layer)])
        self.ln = nn.LayerNorm(c.d_model)
        self.apply(self._init)

    @staticmethod
    def _init(m):
        if isinstance(m, (nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, std=0.02)
        if isinstance(m, nn.Linear) and m.bias is not None:
            nn.init.zeros_(m.bias)

    def forward(self, input_ids, attention_mask, position_ids, past=None):
        """past: list of (k, v) per layer, each [B, n_kv, P, hd] (P may be 0). Returns logits and the new cache.
        attention_mask covers past + new tokens: [B, P + S]; masked keys get -1e9 (not -inf, so a fully masked
        row of a left-padded batch gives uniform weights instead of NaN)."""
        B, S = input_ids.shape
        P = past[0][0].shape[2] if past is not None else 0
        T = attention_mask.shape[1]
        q_idx = torch.arange(S, device=input_ids.device) + (T - S)
        k_idx = torch.arange(T, device=input_ids.device)
        causal = k_idx.unsqueeze(0) <= q_idx.unsqueeze(1)                       # S T
        allowed = causal.unsqueeze(0) & (attention_mask.unsqueeze(1) > 0)       # B S T
        bias = (~allowed).to(torch.float32) * -1e9
        bias = bias.unsqueeze(1)                                                 # B 1 S T
        pos = position_ids.clamp(min=0, max=self.c.context - 1)
        rot = None
        if self.c.rope:
            x = self.tok(input_ids)
            half = self.c.head_dim // 2
            inv = 1.0 / (10000.0 ** (torch.arange(half, dtype=torch.float32) / half))
            ang = pos.unsqueeze(-1).to(torch.float32) * inv                      # B S half
            rot = (ang.cos().unsqueeze(1), ang.sin().unsqueeze(1))               # B 1 S half
        else:
            x = self.tok(input_ids) + self.pos(pos)
        present = []
        for i, blk in enumerate(self.blocks):
            pk, pv = (past[i] if past is not None else (None, None))
            x, k, v = blk(x, bias, pk, pv, rot)
            present.append((k, v))
        logits = F.linear(self.ln(x), self.tok.weight)
        return logits, present


class OnnxWrapper(nn.Module):
    """Flat signature for torch.onnx.export: (input_ids, attention_mask, position_ids, k0, v0, k1, v1, ...)."""

    def __init__(self, model):
        super().__init__()
        self.m = model

    def forward(self, input_ids, attention_mask, position_ids, *flat_past):
        past = [(flat_past[2 * i], flat_past[2 * i + 1]) for i in range(len(flat_past) // 2)]
        logits, present = self.m(input_ids, attention_mask, position_ids, past)
        out = [logits]
        for k, v in present:
            out += [k, v]
        return tuple(out)


def export_onnx(model, path, opset=17):
    export_traced(model, OnnxWrapper(model), path, opset)


def export_traced(model, wrapper, path, opset, combined=False, past_dtype=torch.float32):
    """Traces wrapper (a flat-signature wrapper of model) to path, with the dummy inputs, names and dynamic axes every
    torch exporter here shares: B = 2 rows of S = 3 new tokens after P = 2 past positions, then the caches, either one
    key and one value per layer ([B, n_kv, P, hd] in past_dtype: past_key_values.{i}.key|value, present.{i}.key|value)
    or, combined, one [2, B, n_kv, P, hd] per layer (past_{i}, present_{i}).

    The draws (ids, then each cache in order) are part of the fixtures: the same seed gives the same bytes."""
    c = model.c
    model.eval()
    B, S, P = 2, 3, 2
    ids = torch.randint(0, c.vocab_size, (B, S))
    mask = torch.ones(B, P + S, dtype=torch.int64)
    pos = torch.arange(P, P + S).unsqueeze(0).repeat(B, 1)
    past = []
    names_in = ["input_ids", "attention_mask", "position_ids"]
    names_out = ["logits"]
    axes = {"input_ids": {0: "batch_size", 1: "sequence_length"},
            "attention_mask": {0: "batch_size", 1: "total_sequence_length"},
            "position_ids": {0: "batch_size", 1: "sequence_length"},
            "logits": {0: "batch_size", 1: "sequence_length"}}

    def cache(n_in, n_out, shape, batch_axis):
        past.append(torch.randn(*shape).to(past_dtype))
        names_in.append(n_in)
        names_out.append(n_out)
        axes[n_in] = {batch_axis: "batch_size", batch_axis + 2: "past_sequence_length"}
        axes[n_out] = {batch_axis: "batch_size", batch_axis + 2: "total_sequence_length"}

    for i in range(c.n_layer):
        if combined:
            cache(f"past_{i}", f"present_{i}", (2, B, c.n_kv_head, P, c.head_dim), 1)
        else:
            for kind in ("key", "value"):
                cache(f"past_key_values.{i}.{kind}", f"present.{i}.{kind}", (B, c.n_kv_head, P, c.head_dim), 0)
    with torch.no_grad():
        torch.onnx.export(wrapper, (ids, mask, pos, *past), path, input_names=names_in,
                          output_names=names_out, dynamic_axes=axes, opset_version=opset, do_constant_folding=True)


@torch.no_grad()
def greedy(model, prompt_ids, max_new, eos_id):
    """Reference greedy decode without a KV cache (the whole sequence re-run each step)."""
    ids = list(prompt_ids)
    out = []
    for _ in range(max_new):
        t = torch.tensor([ids])
        logits, _ = model(t, torch.ones_like(t), torch.arange(len(ids)).unsqueeze(0))
        nxt = int(logits[0, -1].argmax())
        out.append(nxt)
        if nxt == eos_id:
            break
        ids.append(nxt)
    return out


@torch.no_grad()
def greedy_cached_io(model, prompt_ids, max_new, eos_id, io_dtype):
    """Greedy decode as a graph with io_dtype KV cache and logits computes it: the prompt prefilled once, then one
    token per step with the present cache (rounded to io_dtype) fed back as the past, argmax over rounded logits."""
    wrapper = HalfIoWrapper(model, io_dtype)
    c = model.c
    ids = list(prompt_ids)
    empty = torch.zeros(1, c.n_kv_head, 0, c.head_dim, dtype=io_dtype)
    past = [empty] * (2 * c.n_layer)
    feed, out = ids, []
    for _ in range(max_new):
        t = torch.tensor([feed])
        total = len(ids)
        res = wrapper(t, torch.ones(1, total, dtype=torch.int64), torch.arange(total - len(feed), total).unsqueeze(0), *past)
        logits, past = res[0], list(res[1:])
        # First index among equal maxima, as the runtime's sampler picks.
        row = logits[0, -1].float()
        nxt = int((row == row.max()).nonzero()[0])
        out.append(nxt)
        if nxt == eos_id:
            break
        ids.append(nxt)
        feed = [nxt]
    return out


class HalfIoWrapper(nn.Module):
    """The flat signature with KV cache and logits in float16 (what CUDA exports write), arithmetic in float32."""

    def __init__(self, model, io_dtype=torch.float16):
        super().__init__()
        self.m = model
        self.io_dtype = io_dtype

    def forward(self, input_ids, attention_mask, position_ids, *flat_past):
        past = [(flat_past[2 * i].float(), flat_past[2 * i + 1].float()) for i in range(len(flat_past) // 2)]
        logits, present = self.m(input_ids, attention_mask, position_ids, past)
        out = [logits.to(self.io_dtype)]
        for k, v in present:
            out += [k.to(self.io_dtype), v.to(self.io_dtype)]
        return tuple(out)


def export_onnx_half_io(model, path, opset=17, external_data=None, io_dtype=torch.float16):
    """Optimum layout with float16 (or bfloat16: io_dtype) past/present and logits; weights (external data when
    named) stay float32."""
    export_traced(model, HalfIoWrapper(model, io_dtype), path, opset, past_dtype=io_dtype)
    if external_data:
        import os
        import onnx
        m = onnx.load(path)
        # onnx appends to an existing data file (the tensors then sit at offsets past a stale copy), so a second run
        # into the same folder would write a larger, different file: start from none.
        data = os.path.join(os.path.dirname(path), external_data)
        if os.path.exists(data):
            os.remove(data)
        onnx.save_model(m, path, save_as_external_data=True, all_tensors_to_one_file=True, location=external_data,
                        size_threshold=0)


class CombinedPastWrapper(nn.Module):
    """GPT-2's signature: one past_{i} / present_{i} per layer holding key and value, [2, B, n_kv, P, hd]."""

    def __init__(self, model):
        super().__init__()
        self.m = model

    def forward(self, input_ids, attention_mask, position_ids, *past_kv):
        past = [(p[0], p[1]) for p in past_kv]
        logits, present = self.m(input_ids, attention_mask, position_ids, past)
        return tuple([logits] + [torch.stack([k, v]) for k, v in present])


def export_onnx_combined(model, path, opset=17):
    """GPT-2-style combined caches (what genai_config.json names with past_names / present_names = past_%d /
    present_%d): inputs input_ids, attention_mask, position_ids, past_{i}; outputs logits, present_{i}."""
    export_traced(model, CombinedPastWrapper(model), path, opset, combined=True)


def add_logits_to_keep(path, name="num_logits_to_keep"):
    """Adds a scalar int64 input `name` to an exported graph (as transformers.js / onnx-community graphs take it):
    the logits output keeps only the last `name` positions, all of them when it is 0 (Hugging Face's rule)."""
    import onnx
    from onnx import TensorProto, helper
    m = onnx.load(path)
    g = m.graph
    for node in g.node:
        for i, o in enumerate(node.output):
            if o == "logits":
                node.output[i] = "logits_all"
    g.input.append(helper.make_tensor_value_info(name, TensorProto.INT64, []))
    g.initializer.extend([helper.make_tensor("keep_axes", TensorProto.INT64, [1], [1]),
                          helper.make_tensor("keep_end", TensorProto.INT64, [1], [2 ** 62])])
    # starts = -keep as a one-element tensor; -0 = 0 keeps every position.
    g.node.extend([helper.make_node("Neg", [name], ["keep_neg"]),
                   helper.make_node("Unsqueeze", ["keep_neg", "keep_axes0"], ["keep_start"]),
                   helper.make_node("Slice", ["logits_all", "keep_start", "keep_end", "keep_axes"], ["logits"])])
    g.initializer.append(helper.make_tensor("keep_axes0", TensorProto.INT64, [1], [0]))
    for o in g.output:
        if o.name == "logits":
            o.type.tensor_type.shape.dim[1].dim_param = "kept_sequence_length"
    onnx.checker.check_model(m)
    onnx.save(m, path)


def export_gqa_onnx(model, path, opset=17):
    """The ORT GenAI model builder's layout, written node by node (torch cannot emit contrib ops): attention is
    com.microsoft.GroupQueryAttention with rotary inside the op, so there is no position_ids input;
    seqlens_k = ReduceSum(attention_mask) - 1 (int32) and total_sequence_length = Shape(attention_mask)[1].
    Needs rotary positions (Config.rope) and a head size that is a multiple of 16 (the op's rotary rule)."""
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    c = model.c
    assert c.rope, "GroupQueryAttention applies rotary positions; the model must use them"
    assert c.head_dim % 16 == 0, "GroupQueryAttention's rotary needs head_size % 16 == 0"
    sd = {k: v.detach().float().numpy() for k, v in model.state_dict().items()}
    inits, nodes = [], []

    def init(name, arr, dtype=np.float32):
        inits.append(numpy_helper.from_array(np.ascontiguousarray(arr.astype(dtype)), name))
        return name

    def node(op, ins, outs, domain=None, **attrs):
        nodes.append(helper.make_node(op, ins, outs, domain=domain, **attrs) if domain else helper.make_node(op, ins, outs, **attrs))
        return outs[0]

    half = c.head_dim // 2
    inv = 1.0 / (10000.0 ** (np.arange(half, dtype=np.float32) / half))
    ang = np.arange(c.context, dtype=np.float32)[:, None] * inv[None, :]
    init("cos_cache", np.cos(ang))
    init("sin_cache", np.sin(ang))
    init("one_i64", np.array([1], dtype=np.int64), np.int64)
    init("axes_1", np.array([1], dtype=np.int64), np.int64)
    init("idx_1", np.array(1, dtype=np.int64), np.int64)
    init("sqrt2", np.array(math.sqrt(2.0), dtype=np.float32))
    init("half_f", np.array(0.5, dtype=np.float32))
    init("one_f", np.array(1.0, dtype=np.float32))
    node("ReduceSum", ["attention_mask", "axes_1"], ["mask_sum"], keepdims=0)
    node("Sub", ["mask_sum", "one_i64"], ["seqlens_k_i64"])
    node("Cast", ["seqlens_k_i64"], ["seqlens_k"], to=TensorProto.INT32)
    node("Shape", ["attention_mask"], ["mask_shape"])
    node("Gather", ["mask_shape", "idx_1"], ["total_i64"], axis=0)
    node("Cast", ["total_i64"], ["total_sequence_length"], to=TensorProto.INT32)
    init("tok", sd["tok.weight"])
    x = node("Gather", ["tok", "input_ids"], ["embed"], axis=0)

    def layer_norm(x, prefix, out):
        return node("LayerNormalization", [x, init(prefix + ".w", sd[prefix + ".weight"]), init(prefix + ".b", sd[prefix + ".bias"])],
                    [out], axis=-1, epsilon=1e-5)

    def linear(x, prefix, out, bias=False):
        y = node("MatMul", [x, init(prefix + ".wt", sd[prefix + ".weight"].T)], [out + ("_mm" if bias else "")])
        if bias:
            y = node("Add", [y, init(prefix + ".b", sd[prefix + ".bias"])], [out])
        return y

    for i in range(c.n_layer):
        p = f"blocks.{i}"
        h = layer_norm(x, p + ".ln1", f"l{i}_ln1")
        q = linear(h, p + ".attn.q", f"l{i}_q")
        k = linear(h, p + ".attn.k", f"l{i}_k")
        v = linear(h, p + ".attn.v", f"l{i}_v")
        node("GroupQueryAttention",
             [q, k, v, f"past_key_values.{i}.key", f"past_key_values.{i}.value", "seqlens_k", "total_sequence_length",
              "cos_cache", "sin_cache"],
             [f"l{i}_attn", f"present.{i}.key", f"present.{i}.value"], domain="com.microsoft",
             num_heads=c.n_head, kv_num_heads=c.n_kv_head, do_rotary=1)
        o = linear(f"l{i}_attn", p + ".attn.o", f"l{i}_o")
        x = node("Add", [x, o], [f"l{i}_res1"])
        h2 = layer_norm(x, p + ".ln2", f"l{i}_ln2")
        f = linear(h2, p + ".fc", f"l{i}_fc", bias=True)
        # Exact (erf) GELU, as torch's F.gelu.
        node("Div", [f, "sqrt2"], [f"l{i}_g0"])
        node("Erf", [f"l{i}_g0"], [f"l{i}_g1"])
        node("Add", [f"l{i}_g1", "one_f"], [f"l{i}_g2"])
        node("Mul", [f, f"l{i}_g2"], [f"l{i}_g3"])
        g = node("Mul", [f"l{i}_g3", "half_f"], [f"l{i}_gelu"])
        pr = linear(g, p + ".proj", f"l{i}_proj", bias=True)
        x = node("Add", [x, pr], [f"l{i}_res2"])
    h = layer_norm(x, "ln", "final_ln")
    node("Transpose", ["tok"], ["tok_t"], perm=[1, 0])
    node("MatMul", [h, "tok_t"], ["logits"])

    kv = lambda n: helper.make_tensor_value_info(n, TensorProto.FLOAT, ["batch_size", c.n_kv_head, "past_sequence_length" if n.startswith("past") else "total_sequence_length", c.head_dim])
    inputs = [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch_size", "sequence_length"]),
              helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch_size", "total_sequence_length"])]
    outputs = [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch_size", "sequence_length", c.vocab_size])]
    for i in range(c.n_layer):
        for kind in ("key", "value"):
            inputs.append(kv(f"past_key_values.{i}.{kind}"))
            outputs.append(kv(f"present.{i}.{kind}"))
    graph = helper.make_graph(nodes, "decoder", inputs, outputs, inits)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset), helper.make_opsetid("com.microsoft", 1)],
                          producer_name="infscale-export-gqa")
    m.ir_version = 8
    onnx.checker.check_model(m)
    onnx.save(m, path)
