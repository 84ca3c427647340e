#!/usr/bin/env python3
"""Reference outputs for the umT5 / tokenizer parity tests (tests/text/test_text_parity.cpp).

Builds, in --out:
  tokenizer.model         SentencePiece unigram model trained here (umT5 special ids)
  umt5_hf/                tiny random transformers UMT5EncoderModel (save_pretrained, HF names)
  umt5_wan.safetensors    the same weights under Wan's T5Encoder names
  reference.safetensors   per prompt i: ids_i / mask_i [512] from the reference tokenizer path
                          (Wan's cleaning: ftfy.fix_text + html.unescape x2 + whitespace; HF
                          T5TokenizerFast, max_length 512, padding and truncation), context_i
                          [len_i, d_model] = encoder(ids, mask) trimmed to the real length (Wan's
                          T5EncoderModel.__call__); spm_i = raw sentencepiece ids of the cleaned
                          prompt; hidden_batch [B, 512, d] for the raw batched forward.
  prompts.json            the prompts and their cleaned forms
"""
import argparse
import html
import json
import os
import re
import sys

import ftfy
import sentencepiece as spm
import torch
from safetensors.torch import save_file
from transformers import T5TokenizerFast, UMT5Config, UMT5EncoderModel
from transformers.utils import logging as hf_logging

hf_logging.set_verbosity_error()

TEXT_LEN = 512

CORPUS = [
    "a red ball bounces on a wooden floor",
    "a blue cube slides slowly to the left",
    "two cats play with yarn in a sunny room",
    "the camera pans across a snowy mountain range at dawn",
    "a golden retriever runs along the beach, waves crashing behind it",
    "close-up of raindrops falling on a green leaf",
    "a busy city street at night with neon lights and people walking",
    "an astronaut floats inside the space station, Earth visible through the window",
    "\u4e00\u53ea\u5c0f\u732b\u5728\u8349\u5730\u4e0a\u5954\u8dd1",
    "\u8272\u8c03\u8273\u4e3d\uff0c\u8fc7\u66dd\uff0c\u9759\u6001\uff0c\u7ec6\u8282\u6a21\u7cca\u4e0d\u6e05",
    "Le chat noir dort sur le canap\u00e9 pr\u00e8s de la fen\u00eatre.",
    "Ein kleiner Hund spielt im Garten mit einem Ball.",
    "slow motion: a hummingbird hovers near a flower, 4k, cinematic",
    "\"quoted words\" and 'single quotes' with numbers 12345 and symbols #@%&",
]

PROMPTS = [
    "a red ball bounces on a wooden floor",
    "  A golden retriever\trunning along the beach,\n waves crashing   behind it  ",
    "\u201cCinematic\u201d shot \u2014 it\u2019s a cat&amp;dog &lt;story&gt; &#39;4k&#39; &hellip;",
    "\u4e00\u53ea\u5c0f\u732b\u5728\u8349\u5730\u4e0a\u5954\u8dd1\uff0c\u8272\u8c03\u8273\u4e3d",
    "Ｆｕｌｌｗｉｄｔｈ ＡＢＣ １２３ and the \ufb01sh \u2028 line",
    "",
    " ".join(["a red ball bounces on a wooden floor while two cats play"] * 60),  # > 512 tokens
]


# More cleaning cases for the C++ clean_prompt, within what it implements (see prompt_clean.h).
CLEAN_CASES = [
    "&amp;amp;lt;nested&amp;gt;", "caf&eacute; &EACUTE;T&Eacute; &hellip; &nbsp;x&nbsp;", "&ampfoo &copy2024 &not",
    "&#x1F600; &#128512; &#0; &#x110000; &#150;", "AT&T R&D <b>bold</b> &amp; more",
    "line one\r\nline two\rline three\u2028four\u0085five", "\u2018single\u2019 \u201cdouble\u201d \u02bcx",
    "\x1b[1;31mred\x1b[0m \x07bell\x00nul\ufeffbom \u206atag \ufffcobj", "\u0080\u0093quoted\u0094\u0099",
    "\uff21\uff22\uff23\uff01\uff1f \u3000 \uffe5100", "\ufb00 \ufb01 \ufb02 \ufb03 \ufb04 \u0132 \u01c4",
    "tabs\tand\x0bvertical\x0cfeed \u00a0nbsp \u2003em \u3000ideo \u205fmm",
    "\u8272\u8c03\u8273\u4e3d\uff0c\u8fc7\u66dd\uff0c\u9759\u6001\uff0cJPEG\u538b\u7f29\u6b8b\u7559",
    "emoji \U0001F600 and \u00e9\u00e8 accents", "   ", "",
]


def wan_clean(text):
    # Wan's HuggingfaceTokenizer(clean='whitespace')
    text = ftfy.fix_text(text)
    text = html.unescape(html.unescape(text)).strip()
    return re.sub(r"\s+", " ", text).strip()


def to_wan_names(state):
    out = {}
    for k, v in state.items():
        if k in ("shared.weight", "encoder.embed_tokens.weight"):
            out["token_embedding.weight"] = v
            continue
        if k == "encoder.final_layer_norm.weight":
            out["norm.weight"] = v
            continue
        m = re.match(r"encoder\.block\.(\d+)\.layer\.(\d)\.(.*)", k)
        assert m, k
        i, layer, rest = m.group(1), m.group(2), m.group(3)
        table = {
            ("0", "layer_norm.weight"): "norm1.weight",
            ("0", "SelfAttention.q.weight"): "attn.q.weight",
            ("0", "SelfAttention.k.weight"): "attn.k.weight",
            ("0", "SelfAttention.v.weight"): "attn.v.weight",
            ("0", "SelfAttention.o.weight"): "attn.o.weight",
            ("0", "SelfAttention.relative_attention_bias.weight"): "pos_embedding.embedding.weight",
            ("1", "layer_norm.weight"): "norm2.weight",
            ("1", "DenseReluDense.wi_0.weight"): "ffn.gate.0.weight",
            ("1", "DenseReluDense.wi_1.weight"): "ffn.fc1.weight",
            ("1", "DenseReluDense.wo.weight"): "ffn.fc2.weight",
        }
        out[f"blocks.{i}.{table[(layer, rest)]}"] = v
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.manual_seed(0)

    model_prefix = os.path.join(args.out, "tokenizer")
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(CORPUS * 4), model_prefix=model_prefix, vocab_size=200, model_type="unigram",
        character_coverage=1.0, hard_vocab_limit=False, pad_id=0, eos_id=1, bos_id=2, unk_id=3,
        pad_piece="<pad>", eos_piece="</s>", bos_piece="<s>", unk_piece="<unk>",
        normalization_rule_name="nmt_nfkc", num_threads=1, minloglevel=2)
    sp = spm.SentencePieceProcessor(model_file=model_prefix + ".model")
    # T5's fast tokenizer prepends the metaspace to every word ("always"), as the shipped
    # google/umt5-xxl tokenizer.json does; a fresh conversion would default to "never".
    tok = T5TokenizerFast(vocab_file=model_prefix + ".model", extra_ids=0, add_prefix_space=True)
    assert tok.pad_token_id == 0 and tok.eos_token_id == 1, (tok.pad_token_id, tok.eos_token_id)

    config = UMT5Config(vocab_size=sp.get_piece_size(), d_model=128, d_kv=64, d_ff=256, num_layers=2, num_heads=2,
                        relative_attention_num_buckets=32, relative_attention_max_distance=128,
                        feed_forward_proj="gated-gelu", dropout_rate=0.0)
    model = UMT5EncoderModel(config).eval()
    with torch.no_grad():  # non-trivial norm weights so the RMSNorm scale is exercised
        for name, p in model.named_parameters():
            if "layer_norm" in name:
                p.copy_(1.0 + 0.2 * torch.randn_like(p))
    model.save_pretrained(os.path.join(args.out, "umt5_hf"), safe_serialization=True)
    state = {k: v.contiguous() for k, v in model.state_dict().items()}
    save_file(to_wan_names(state), os.path.join(args.out, "umt5_wan.safetensors"))

    tensors, meta = {}, []
    ids_batch, mask_batch = [], []
    for i, prompt in enumerate(PROMPTS):
        cleaned = wan_clean(prompt)
        enc = tok([cleaned], return_tensors="pt", padding="max_length", truncation=True, max_length=TEXT_LEN,
                  add_special_tokens=True)
        ids, mask = enc.input_ids, enc.attention_mask
        length = int(mask.gt(0).sum())
        with torch.no_grad():
            context = model(input_ids=ids, attention_mask=mask).last_hidden_state[0, :length]
        tensors[f"ids_{i}"] = ids[0].to(torch.int64).contiguous()
        tensors[f"mask_{i}"] = mask[0].to(torch.int64).contiguous()
        tensors[f"context_{i}"] = context.contiguous()
        raw = sp.encode(cleaned)
        expected = raw[:TEXT_LEN - 1] + [1]
        assert ids[0, :length].tolist() == expected, f"HF tokenizer and sentencepiece disagree on prompt {i}"
        tensors[f"spm_{i}"] = torch.tensor(raw if raw else [-1], dtype=torch.int64)
        meta.append({"prompt": prompt, "cleaned": cleaned, "length": length, "spm_length": len(raw)})
        ids_batch.append(ids[0])
        mask_batch.append(mask[0])
    ids_b, mask_b = torch.stack(ids_batch[:3]), torch.stack(mask_batch[:3])
    with torch.no_grad():
        tensors["hidden_batch"] = model(input_ids=ids_b, attention_mask=mask_b).last_hidden_state.contiguous()
    tensors["ids_batch"] = ids_b.to(torch.int64).contiguous()
    tensors["mask_batch"] = mask_b.to(torch.int64).contiguous()
    save_file(tensors, os.path.join(args.out, "reference.safetensors"))
    with open(os.path.join(args.out, "prompts.json"), "w", encoding="utf-8") as f:
        json.dump({"prompts": meta, "d_model": config.d_model, "vocab_size": config.vocab_size,
                   "clean_cases": [{"input": c, "cleaned": wan_clean(c)} for c in CLEAN_CASES]}, f, ensure_ascii=False)
    print(f"umt5 reference: {len(PROMPTS)} prompts, vocab {config.vocab_size}, lengths "
          f"{[m['length'] for m in meta]}", file=sys.stderr)


if __name__ == "__main__":
    main()
