"""Trains the shipped arithmetic model on data written by `infscale train-data`, then exports it.

  /usr/bin/python3 tools/train-model/train.py --data tools/train-model/data/train.jsonl --out models/arith-mini
  /usr/bin/python3 tools/train-model/train.py --smoke ...   # a minute or two, for whoever changes this script
"""
import argparse
import json
import math
import os
import random
import re
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bpe import Bpe  # noqa: E402
from model import Config, Decoder  # noqa: E402
from export import write_model_folder  # noqa: E402


def load(path, limit=None):
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            rows.append(json.loads(line))
            if limit and len(rows) >= limit:
                break
    return rows


def example(task, bpe, prompt, completion, eos=True):
    """(task, token ids, targets): targets[t] is the token to predict at position t, -100 where no loss is taken
    (the prompt); the completion and its end-of-text are learned."""
    p = bpe.encode(prompt)
    c = bpe.encode(completion) + ([bpe.eos_id] if eos else [])
    return task, p + c, [-100] * (len(p) - 1) + c + [-100]


STEP = re.compile(r"(\d+)([-+*/])(\d+)=(\d+)")


def drills(rows, bpe, rng, per_sequence=8):
    """Arithmetic drill sequences made of the worked solutions' own steps ("39*2=78. 78/6=13. ..."), shuffled
    across problems, with loss only on each result. A step costs ~9 tokens here against ~80 inside a word problem,
    so the model practises the operations that decide every task (solve, check, fix) several times more often per
    second; the steps come from the generator's output, so the C# generator stays the one source of problems."""
    steps = [m.group(0) for r in rows if r["task"] == "solve" for m in STEP.finditer(r["completion"])]
    rng.shuffle(steps)
    eq = bpe.encode("=")[0]
    dot = bpe.encode(".")[0]
    head = bpe.encode("Calc:")  # marks the drill as its own task, so it never teaches solutions to run on
    out = []
    for s in range(0, len(steps) - per_sequence + 1, per_sequence):
        ids = list(head)
        for step in steps[s:s + per_sequence]:
            ids += bpe.encode(" " + step) + [dot]
        learn = [-100] * len(ids)
        inside = False
        for t in range(len(ids) - 1):
            if ids[t] == eq:
                inside = True
            if inside:
                learn[t] = ids[t + 1]       # the result's digits and the closing "."
            if ids[t + 1] == dot:
                inside = False
        out.append(("drill", ids, learn))
    return out


def encode_rows(rows, bpe, context, rng=None, derived_check=0.5):
    """Encodes the JSONL rows. Each fix prompt carries the check of a flawed solution; with probability
    derived_check it also becomes a check example, so the check task sees more flawed solutions (a checker that
    copies the candidate's numbers is right on every correct solution and learns nothing from them)."""
    out = []
    for r in rows:
        out.append(example(r["task"], bpe, r["prompt"], r["completion"]))
        if r["task"] == "fix" and rng is not None and rng.random() < derived_check:
            head, _, rest = r["prompt"].partition("\nCheck:")
            check, _, _ = rest.partition("\nFix:")
            out.append(example("check", bpe, head + "\nCheck:", check))
    return [e for e in out if len(e[1]) <= context]


def make_batch(examples, pad, rng=None, context=None):
    L = max(len(seq) for _, seq, _ in examples)
    ids = torch.full((len(examples), L), pad, dtype=torch.int64)
    mask = torch.zeros((len(examples), L), dtype=torch.int64)
    target = torch.full((len(examples), L), -100, dtype=torch.int64)
    pos = torch.arange(L).unsqueeze(0).repeat(len(examples), 1)
    for i, (task, seq, tgt) in enumerate(examples):
        ids[i, :len(seq)] = torch.tensor(seq)
        mask[i, :len(seq)] = 1
        target[i, :len(tgt)] = torch.tensor(tgt)
        if task == "drill" and rng is not None and context is not None:
            # drills sit at random positions, so what they teach reaches the positions where a solution's steps are
            pos[i] += rng.randrange(0, context - L + 1)
    return ids, mask, pos, target


class Batches:
    """Batches of one task, of similar length: shuffled windows of 16 batches are sorted by length before they are
    cut, which removes most padding (a third of the tokens with random batches) without ordering the epoch."""

    def __init__(self, pool, batch, rng):
        self.pool, self.batch, self.rng, self.queue = pool, batch, rng, []

    def next(self):
        if not self.queue:
            self.rng.shuffle(self.pool)
            w = self.batch * 16
            for s in range(0, len(self.pool) - self.batch + 1, w):
                window = sorted(self.pool[s:s + w], key=lambda e: len(e[1]))
                self.queue += [window[k:k + self.batch] for k in range(0, len(window) - self.batch + 1, self.batch)]
            self.rng.shuffle(self.queue)
        return self.queue.pop()


@torch.no_grad()
def greedy_batch(model, prompts, bpe, max_new=80):
    """Left-padded batched greedy decoding with the KV cache (the same path the C# runtime takes)."""
    enc = [bpe.encode(p) for p in prompts]
    L = max(len(e) for e in enc)
    B = len(enc)
    ids = torch.full((B, L), bpe.pad_id, dtype=torch.int64)
    mask = torch.zeros((B, L), dtype=torch.int64)
    for i, e in enumerate(enc):
        ids[i, L - len(e):] = torch.tensor(e)
        mask[i, L - len(e):] = 1
    pos = (mask.cumsum(1) - 1).clamp(min=0)
    logits, past = model(ids, mask, pos)
    done = torch.zeros(B, dtype=torch.bool)
    outs = [[] for _ in range(B)]
    nxt = logits[:, -1].argmax(-1)
    for _ in range(max_new):
        for i in range(B):
            if not done[i]:
                if int(nxt[i]) == bpe.eos_id:
                    done[i] = True
                else:
                    outs[i].append(int(nxt[i]))
        if bool(done.all()):
            break
        mask = torch.cat([mask, torch.ones(B, 1, dtype=torch.int64)], 1)
        pos = (mask.sum(1, keepdim=True) - 1)
        logits, past = model(nxt.unsqueeze(1), mask, pos, past)
        nxt = logits[:, -1].argmax(-1)
    return [bpe.decode(o) for o in outs]


def answer_of(text):
    i = text.rfind("Answer:")
    return text[i + 7:].strip() if i >= 0 else None


def evaluate(model, bpe, held_out, batch=50):
    model.eval()
    res = {}
    for task in ("solve", "check", "fix"):
        rows = [r for r in held_out if r["task"] == task]
        ok = 0
        for s in range(0, len(rows), batch):
            chunk = rows[s:s + batch]
            outs = greedy_batch(model, [r["prompt"] for r in chunk], bpe)
            for r, o in zip(chunk, outs):
                if task == "check":
                    ok += o.strip().endswith(r["completion"].strip().split("Verdict:")[-1].strip()) and "Verdict:" in o
                else:
                    ok += answer_of(o) == str(r["answer"])
        res[task] = ok / max(1, len(rows))
    model.train()
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--heldout", help="JSONL from train-data with another seed, for progress reports")
    ap.add_argument("--out", required=True)
    ap.add_argument("--runs", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "runs"))
    ap.add_argument("--steps", type=int, default=12000, help="stop after this many steps")
    ap.add_argument("--minutes", type=float, help="time budget: the learning-rate schedule runs on elapsed time and "
                    "training stops when it is spent (for a shared 2-core machine whose speed varies)")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--d-model", type=int, default=128)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--kv-heads", type=int, default=4)
    ap.add_argument("--context", type=int, default=320)
    ap.add_argument("--rope", action="store_true", help="rotary positions (as Llama) instead of learned ones")
    ap.add_argument("--merges", type=int, default=254)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--eval-every", type=int, default=1000)
    ap.add_argument("--init-from", help="start from this checkpoint (runs/last.pt) instead of random weights: a second "
                    "training phase; the tokenizer is retrained on the same data and must come out identical")
    ap.add_argument("--mix", default="solve:0.5,check:0.25,fix:0.25",
                    help="share of steps per task: solve, check, fix, and drill (the solutions' steps alone)")
    ap.add_argument("--derived-check", type=float, default=0.0,
                    help="probability that a fix example's flawed check also becomes a check example")
    ap.add_argument("--limit", type=int, help="read only the first N examples")
    ap.add_argument("--smoke", action="store_true", help="tiny run (a minute or two) that exercises every stage")
    args = ap.parse_args()
    if args.smoke:
        args.steps, args.d_model, args.layers, args.eval_every = 60, 64, 2, 30
    mix = {k: float(v) for k, v in (part.split(":") for part in args.mix.split(","))}
    torch.manual_seed(args.seed)
    random.seed(args.seed)
    torch.set_num_threads(args.threads)

    t0 = time.time()
    rows = load(args.data, 6000 if args.smoke else args.limit)
    bpe = Bpe.train([r["prompt"] + r["completion"] for r in rows[:20000]], args.merges)
    rng = random.Random(args.seed)
    data = encode_rows(rows, bpe, args.context, rng, args.derived_check)
    if mix.get("drill", 0) > 0:
        data += drills(rows, bpe, rng)
    held = load(args.heldout, 150) if args.heldout else []
    if args.smoke:
        held = held[:60]
    print(f"vocab {len(bpe.vocab)}, {len(data)} examples, encoded in {time.time() - t0:.0f}s", flush=True)

    cfg = Config(vocab_size=len(bpe.vocab), d_model=args.d_model, n_layer=args.layers, n_head=args.heads,
                 n_kv_head=args.kv_heads, context=args.context, rope=args.rope)
    model = Decoder(cfg)
    if args.init_from:
        ckpt = torch.load(args.init_from)
        if {"rope": False, **ckpt["config"]} != cfg.to_dict():
            raise SystemExit(f"--init-from: checkpoint config {ckpt['config']} differs from {cfg.to_dict()}")
        model.load_state_dict(ckpt["state"])
        print(f"initialised from {args.init_from} (step {ckpt.get('step')})", flush=True)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"model {cfg.to_dict()} params {n_params / 1e6:.2f}M", flush=True)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, betas=(0.9, 0.98), weight_decay=0.01)
    warmup = 50 if args.init_from else 150 if args.minutes else max(1, min(300, args.steps // 10))

    # Batches drawn from one task at a time keep padding small (the tasks differ in length).
    by_task = {}
    for ex in data:
        by_task.setdefault(ex[0], []).append(ex)
    tasks = sorted(t for t in by_task if mix.get(t, 0) > 0)
    batches = {t: Batches(by_task[t], args.batch, rng) for t in tasks}
    print("examples per task: " + ", ".join(f"{t} {len(by_task[t])}" for t in tasks), flush=True)

    os.makedirs(args.runs, exist_ok=True)
    tokens, start = 0, time.time()
    model.train()
    for step in range(1, args.steps + 1):
        task = random.choices(tasks, [mix[t] for t in tasks])[0]
        ids, mask, pos, target = make_batch(batches[task].next(), bpe.pad_id, rng, args.context)
        if args.minutes:
            progress = min(1.0, (time.time() - start) / (60 * args.minutes))
        else:
            progress = (step - warmup) / max(1, args.steps - warmup)
        lr = args.lr * (step / warmup if step < warmup else 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * max(0.0, progress))))
        for g in opt.param_groups:
            g["lr"] = lr
        logits, _ = model(ids, mask, pos)
        loss = F.cross_entropy(logits.view(-1, logits.size(-1)), target.view(-1), ignore_index=-100)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        tokens += int(mask.sum())
        if step % 50 == 0:
            el = time.time() - start
            print(f"step {step} loss {loss.item():.4f} lr {lr:.2e} {tokens / el:.0f} tok/s {el / 60:.1f} min", flush=True)
        out_of_time = args.minutes is not None and time.time() - start >= 60 * args.minutes
        if held and (step % args.eval_every == 0 or step == args.steps or out_of_time):
            r = evaluate(model, bpe, held)
            print(f"eval step {step}: " + " ".join(f"{k} {v:.3f}" for k, v in r.items()), flush=True)
            torch.save({"config": cfg.to_dict(), "state": model.state_dict(), "step": step},
                       os.path.join(args.runs, "last.pt"))
        if out_of_time:
            break

    minutes = (time.time() - start) / 60
    gen = __import__("random").Random(7)
    refs = [r["prompt"] for r in gen.sample([r for r in rows if r["task"] == "solve"], 4)]
    refs.append([r["prompt"] for r in rows if r["task"] == "check"][0])
    card = None
    meta = {"params": n_params, "steps": step, "minutes_budget": args.minutes, "batch": args.batch, "lr": args.lr, "minutes": round(minutes, 1),
            "tokens": tokens, "seed": args.seed, "init_from": args.init_from, "config": cfg.to_dict(), "data": os.path.basename(args.data),
            "mix": args.mix, "derived_check": args.derived_check}
    write_model_folder(model, bpe, args.out, refs, extra_card=card)
    with open(os.path.join(args.out, "training.json"), "w") as f:
        json.dump(meta, f, indent=1)
    print(f"exported to {args.out} after {minutes:.1f} min of training", flush=True)


if __name__ == "__main__":
    main()
