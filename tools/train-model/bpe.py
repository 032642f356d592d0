"""A small byte-level BPE in the Hugging Face tokenizer.json format (what Microsoft.ML.Tokenizers' BpeTokenizer reads).

Digits are pre-tokenized one by one and never merged, so numbers are written digit by digit; the pre-tokenizer
pattern is stored in tokenizer.json (Split + ByteLevel), as Qwen2/Llama-3 tokenizers do.
"""
import collections
import json
import re

# ASCII classes only, so that Python's `re` and .NET's Regex split text identically.
PATTERN = r"'s|'t|'re|'ve|'m|'ll|'d| ?[A-Za-z]+|[0-9]| ?[^\sA-Za-z0-9]+|\s+(?!\S)|\s+"
SPECIAL_TOKENS = ["<|endoftext|>", "<|pad|>"]


def bytes_to_unicode():
    """GPT-2's reversible byte -> printable character map."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


BYTE_ENCODER = bytes_to_unicode()
BYTE_DECODER = {v: k for k, v in BYTE_ENCODER.items()}
_regex = re.compile(PATTERN)


def pre_tokenize(text):
    return ["".join(BYTE_ENCODER[b] for b in piece.encode("utf-8")) for piece in _regex.findall(text)]


def merge_pair(syms, a, b):
    """Replaces every adjacent (a, b) in syms, left to right, with a + b."""
    out, i = [], 0
    while i < len(syms):
        if i + 1 < len(syms) and syms[i] == a and syms[i + 1] == b:
            out.append(a + b)
            i += 2
        else:
            out.append(syms[i])
            i += 1
    return out


class Bpe:
    def __init__(self, vocab, merges):
        self.vocab = vocab
        self.inverse = {i: t for t, i in vocab.items()}
        self.ranks = {tuple(m.split(" ")): i for i, m in enumerate(merges)}
        self.merges = merges
        self.cache = {}
        self.special = {t: vocab[t] for t in SPECIAL_TOKENS if t in vocab}

    @classmethod
    def train(cls, texts, num_merges):
        counts = collections.Counter()
        for t in texts:
            for piece in pre_tokenize(t):
                if any(c.isdigit() for c in piece):
                    continue  # digits stay single tokens
                counts[piece] += 1
        words = {w: list(w) for w in counts}
        merges = []
        for _ in range(num_merges):
            pairs = collections.Counter()
            for w, syms in words.items():
                c = counts[w]
                for a, b in zip(syms, syms[1:]):
                    pairs[(a, b)] += c
            if not pairs:
                break
            # Ties broken by the pair itself so training is deterministic.
            (a, b), _ = max(pairs.items(), key=lambda kv: (kv[1], kv[0]))
            merges.append(f"{a} {b}")
            for w, syms in words.items():
                words[w] = merge_pair(syms, a, b)
        vocab = {}
        for ch in sorted(BYTE_DECODER, key=lambda c: BYTE_DECODER[c]):
            vocab[ch] = len(vocab)
        for m in merges:
            tok = m.replace(" ", "")
            if tok not in vocab:
                vocab[tok] = len(vocab)
        for s in SPECIAL_TOKENS:
            vocab[s] = len(vocab)
        return cls(vocab, merges)

    def _bpe(self, piece):
        if piece in self.cache:
            return self.cache[piece]
        syms = list(piece)
        while len(syms) > 1:
            best = None
            for i in range(len(syms) - 1):
                r = self.ranks.get((syms[i], syms[i + 1]))
                if r is not None and (best is None or r < best[0]):
                    best = (r, i)
            if best is None:
                break
            syms = merge_pair(syms, syms[best[1]], syms[best[1] + 1])
        ids = [self.vocab[s] for s in syms]
        self.cache[piece] = ids
        return ids

    def encode(self, text):
        ids = []
        for piece in pre_tokenize(text):
            ids.extend(self._bpe(piece))
        return ids

    def decode(self, ids):
        text = "".join(self.inverse[i] for i in ids if self.inverse[i] not in self.special)
        return bytes(BYTE_DECODER[c] for c in text).decode("utf-8", errors="replace")

    @property
    def eos_id(self):
        return self.vocab["<|endoftext|>"]

    @property
    def pad_id(self):
        return self.vocab["<|pad|>"]

    def to_tokenizer_json(self):
        added = [{"id": self.vocab[s], "content": s, "single_word": False, "lstrip": False, "rstrip": False,
                  "normalized": False, "special": True} for s in SPECIAL_TOKENS]
        return {
            "version": "1.0",
            "truncation": None,
            "padding": None,
            "added_tokens": added,
            "normalizer": None,
            "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
                {"type": "Split", "pattern": {"Regex": PATTERN}, "behavior": "Isolated", "invert": False},
                {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False}]},
            "post_processor": None,
            "decoder": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False},
            "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
                      "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                      "vocab": self.vocab, "merges": self.merges},
        }

    def save(self, folder):
        with open(f"{folder}/tokenizer.json", "w", encoding="utf-8") as f:
            json.dump(self.to_tokenizer_json(), f, ensure_ascii=False, indent=1)
        with open(f"{folder}/tokenizer_config.json", "w", encoding="utf-8") as f:
            json.dump({"tokenizer_class": "PreTrainedTokenizerFast", "eos_token": "<|endoftext|>",
                       "pad_token": "<|pad|>", "bos_token": None, "add_bos_token": False,
                       "model_max_length": 1 << 30}, f, indent=1)

    @classmethod
    def load(cls, folder):
        with open(f"{folder}/tokenizer.json", encoding="utf-8") as f:
            j = json.load(f)
        return cls(j["model"]["vocab"], j["model"]["merges"])
