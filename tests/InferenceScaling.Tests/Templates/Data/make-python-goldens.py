#!/usr/bin/python3
"""Golden renders of real chat templates made with Python's jinja2, configured as Hugging Face transformers
configures it (apply_chat_template): ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
extensions=[loopcontrols]), tojson = json.dumps(ensure_ascii=False, ...), raise_exception, strftime_now, and the
variables messages, tools, documents, add_generation_prompt, bos_token, eos_token.

Run offline (Debian: apt-get install -y python3-jinja2) from this folder:  /usr/bin/python3 make-python-goldens.py
Writes python-goldens.json; the tests read it and never call Python.
"""
import datetime
import json
import pathlib

import jinja2
from jinja2.ext import loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment

HERE = pathlib.Path(__file__).parent
FIXED_NOW = datetime.datetime(2025, 7, 10, 12, 0, 0)


def environment():
    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    def strftime_now(fmt):
        return FIXED_NOW.strftime(fmt)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env


e2e = {c["name"]: c for c in json.loads((HERE / "hfjs-e2e.json").read_text(encoding="utf-8"))["cases"]}

TEMPLATES = {
    # Qwen/Qwen2.5-7B-Instruct tokenizer_config.json (as in huggingface.js e2e.test.js)
    "qwen2.5": (e2e["Qwen/Qwen2.5-7B-Instruct"]["template"], None, "<|im_end|>"),
    # meta-llama/Llama-3.1-8B-Instruct (as in huggingface.js e2e.test.js)
    "llama-3.1": (e2e["meta-llama/Llama-3.1-8B-Instruct"]["template"], "<|begin_of_text|>", "<|eot_id|>"),
    # microsoft/Phi-3-mini-4k-instruct tokenizer_config.json
    "phi-3": (
        "{% for message in messages %}{% if message['role'] == 'system' %}{{'<|system|>\n' + message['content'] + '<|end|>\n'}}"
        "{% elif message['role'] == 'user' %}{{'<|user|>\n' + message['content'] + '<|end|>\n'}}"
        "{% elif message['role'] == 'assistant' %}{{'<|assistant|>\n' + message['content'] + '<|end|>\n'}}{% endif %}{% endfor %}"
        "{% if add_generation_prompt %}{{ '<|assistant|>\n' }}{% else %}{{ eos_token }}{% endif %}",
        "<s>",
        "<|endoftext|>",
    ),
    # mistralai/Mistral-7B-Instruct-v0.1 (as in huggingface.js e2e.test.js)
    "mistral-v0.1": (e2e["TheBloke/Mistral-7B-Instruct-v0.1-GPTQ"]["template"], "<s>", "</s>"),
    # mistralai/Mistral-7B-Instruct-v0.3 with tools (as in huggingface.js e2e.test.js)
    "mistral-v0.3": (e2e["mistralai/Mistral-7B-Instruct-v0.3 (JSON Schema)"]["template"], "<s>", "</s>"),
}

MATH_SYSTEM = "Please reason step by step, and put your final answer within \\boxed{}."
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_current_temperature",
        "description": "Get the current temperature at a location.",
        "parameters": {
            "type": "object",
            "properties": {"location": {"type": "string", "description": 'The location, as "City, Country"'}},
            "required": ["location"],
        },
    },
}

CONVERSATIONS = {
    "user-only": [{"role": "user", "content": "What is 12 + 7?"}],
    "math-system": [
        {"role": "system", "content": MATH_SYSTEM},
        {"role": "user", "content": "Tom has 12 apples. He buys 7 more. How many?"},
    ],
    "multi-turn": [
        {"role": "system", "content": "You are terse."},
        {"role": "user", "content": "Hi there."},
        {"role": "assistant", "content": "  Hello!  \n"},
        {"role": "user", "content": "Zähle: 1, 2, 3 — und 🤗?\n\n"},
    ],
    "alternating": [
        {"role": "user", "content": "A?"},
        {"role": "assistant", "content": "B."},
        {"role": "user", "content": "C?"},
    ],
}

CASES = [
    ("qwen2.5", "user-only", None),
    ("qwen2.5", "math-system", None),
    ("qwen2.5", "multi-turn", None),
    ("qwen2.5", "user-only", [WEATHER_TOOL]),
    ("llama-3.1", "user-only", None),
    ("llama-3.1", "math-system", None),
    ("llama-3.1", "multi-turn", None),
    ("llama-3.1", "user-only", [WEATHER_TOOL]),
    ("phi-3", "user-only", None),
    ("phi-3", "math-system", None),
    ("phi-3", "multi-turn", None),
    ("mistral-v0.1", "alternating", None),
    ("mistral-v0.1", "multi-turn", None),
    ("mistral-v0.3", "alternating", None),
    ("mistral-v0.3", "alternating", [WEATHER_TOOL]),
]

env = environment()
out = []
for template_name, conversation, tools in CASES:
    source, bos, eos = TEMPLATES[template_name]
    template = env.from_string(source)
    for generation_prompt in (True, False):
        variables = {
            "messages": CONVERSATIONS[conversation],
            "tools": tools,
            "documents": None,
            "add_generation_prompt": generation_prompt,
            "eos_token": eos,
        }
        if bos is not None:
            variables["bos_token"] = bos
        try:
            expected, error = template.render(**variables), None
        except jinja2.exceptions.TemplateError as ex:
            expected, error = None, str(ex)
        out.append(
            {
                "template": template_name,
                "conversation": conversation,
                "tools": tools is not None,
                "add_generation_prompt": generation_prompt,
                "bos_token": bos,
                "eos_token": eos,
                "messages": CONVERSATIONS[conversation],
                "tool_schemas": tools,
                "source": source,
                "expected": expected,
                "raised": error,
            }
        )

(HERE / "python-goldens.json").write_text(
    json.dumps({"made_with": f"jinja2 {jinja2.__version__}", "cases": out}, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
)
print(f"{len(out)} renders with jinja2 {jinja2.__version__}")
