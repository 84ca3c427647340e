// Rename tables: diffusers / transformers spellings <-> the canonical original Wan names
// (../shared/reference/wan-architecture.md §1.5, §2.2, §3.3), plus prefix and format detection.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/check.h"
#include "io/checkpoint.h"

namespace svg2::io {

namespace {

// A rule renames a key prefix (when its source side ends with '.') or a whole key (otherwise).
struct Rule {
  std::string_view other;      // diffusers / transformers spelling
  std::string_view canonical;  // original Wan spelling
};

bool starts_with(std::string_view s, std::string_view p) {
  return s.substr(0, p.size()) == p;
}

// Applies the first rule whose source side matches into `out`; false when none does.
bool apply_rules(const std::vector<Rule>& rules, std::string_view key, bool to_canonical, std::string& out) {
  for (const Rule& r : rules) {
    const std::string_view from = to_canonical ? r.other : r.canonical;
    const std::string_view to = to_canonical ? r.canonical : r.other;
    const bool prefix = !from.empty() && from.back() == '.';
    if (prefix ? starts_with(key, from) : key == from) {
      out = std::string(to) + std::string(key.substr(from.size()));
      return true;
    }
  }
  return false;
}

// Splits "<section><N>.<rest>" into N and rest; false when `key` does not have that shape.
bool split_indexed(std::string_view key, std::string_view section, std::string& index,
                   std::string_view& rest) {
  if (!starts_with(key, section)) return false;
  std::size_t i = section.size();
  std::size_t j = i;
  while (j < key.size() && key[j] >= '0' && key[j] <= '9') ++j;
  if (j == i || j >= key.size() || key[j] != '.') return false;
  index = std::string(key.substr(i, j - i));
  rest = key.substr(j + 1);
  return true;
}

// ---- Wan DiT: diffusers WanTransformer3DModel ----

const std::vector<Rule>& dit_global_rules() {
  static const std::vector<Rule> rules = {
      {"condition_embedder.text_embedder.linear_1.", "text_embedding.0."},
      {"condition_embedder.text_embedder.linear_2.", "text_embedding.2."},
      {"condition_embedder.time_embedder.linear_1.", "time_embedding.0."},
      {"condition_embedder.time_embedder.linear_2.", "time_embedding.2."},
      {"condition_embedder.time_proj.", "time_projection.1."},
      {"condition_embedder.image_embedder.norm1.", "img_emb.proj.0."},
      {"condition_embedder.image_embedder.ff.net.0.proj.", "img_emb.proj.1."},
      {"condition_embedder.image_embedder.ff.net.2.", "img_emb.proj.3."},
      {"condition_embedder.image_embedder.norm2.", "img_emb.proj.4."},
      {"condition_embedder.image_embedder.pos_embed", "img_emb.emb_pos"},
      {"proj_out.", "head.head."},
      {"scale_shift_table", "head.modulation"},
  };
  return rules;
}

const std::vector<Rule>& dit_block_rules() {
  static const std::vector<Rule> rules = {
      {"attn1.to_q.", "self_attn.q."},
      {"attn1.to_k.", "self_attn.k."},
      {"attn1.to_v.", "self_attn.v."},
      {"attn1.to_out.0.", "self_attn.o."},
      {"attn1.norm_q.", "self_attn.norm_q."},
      {"attn1.norm_k.", "self_attn.norm_k."},
      {"attn2.to_q.", "cross_attn.q."},
      {"attn2.to_k.", "cross_attn.k."},
      {"attn2.to_v.", "cross_attn.v."},
      {"attn2.to_out.0.", "cross_attn.o."},
      {"attn2.norm_q.", "cross_attn.norm_q."},
      {"attn2.norm_k.", "cross_attn.norm_k."},
      {"attn2.add_k_proj.", "cross_attn.k_img."},
      {"attn2.add_v_proj.", "cross_attn.v_img."},
      {"attn2.norm_added_k.", "cross_attn.norm_k_img."},
      // diffusers' norm2 is the affine cross-attention norm, the original's norm3.
      {"norm2.", "norm3."},
      {"ffn.net.0.proj.", "ffn.0."},
      {"ffn.net.2.", "ffn.2."},
      {"scale_shift_table", "modulation"},
  };
  return rules;
}

std::string dit_rename(std::string_view key, bool to_canonical) {
  std::string index, out;
  std::string_view rest;
  if (split_indexed(key, "blocks.", index, rest)) {
    if (apply_rules(dit_block_rules(), rest, to_canonical, out)) return "blocks." + index + "." + out;
    return std::string(key);
  }
  if (apply_rules(dit_global_rules(), key, to_canonical, out)) return out;
  return std::string(key);
}

// ---- umT5: HF transformers UMT5EncoderModel ----

const std::vector<Rule>& t5_global_rules_to_canonical() {
  // embed_tokens is tied to shared; both name the one embedding.
  static const std::vector<Rule> rules = {
      {"shared.weight", "token_embedding.weight"},
      {"encoder.embed_tokens.weight", "token_embedding.weight"},
      {"encoder.final_layer_norm.weight", "norm.weight"},
  };
  return rules;
}

const std::vector<Rule>& t5_block_rules() {
  static const std::vector<Rule> rules = {
      {"layer.0.layer_norm.", "norm1."},
      {"layer.0.SelfAttention.q.", "attn.q."},
      {"layer.0.SelfAttention.k.", "attn.k."},
      {"layer.0.SelfAttention.v.", "attn.v."},
      {"layer.0.SelfAttention.o.", "attn.o."},
      {"layer.0.SelfAttention.relative_attention_bias.", "pos_embedding.embedding."},
      {"layer.1.layer_norm.", "norm2."},
      {"layer.1.DenseReluDense.wi_0.", "ffn.gate.0."},
      {"layer.1.DenseReluDense.wi_1.", "ffn.fc1."},
      {"layer.1.DenseReluDense.wo.", "ffn.fc2."},
  };
  return rules;
}

std::string t5_rename(std::string_view key, bool to_canonical) {
  std::string index, out;
  std::string_view rest;
  const std::string_view from_section = to_canonical ? "encoder.block." : "blocks.";
  const std::string_view to_section = to_canonical ? "blocks." : "encoder.block.";
  if (split_indexed(key, from_section, index, rest)) {
    if (apply_rules(t5_block_rules(), rest, to_canonical, out))
      return std::string(to_section) + index + "." + out;
    return std::string(key);
  }
  if (to_canonical) {
    if (apply_rules(t5_global_rules_to_canonical(), key, true, out)) return out;
  } else {
    if (key == "token_embedding.weight") return "shared.weight";
    if (key == "norm.weight") return "encoder.final_layer_norm.weight";
  }
  return std::string(key);
}

// ---- Wan VAE: diffusers AutoencoderKLWan ----

// Inside a residual block: diffusers names its Sequential's members.
const std::vector<Rule>& vae_resnet_rules() {
  static const std::vector<Rule> rules = {
      {"norm1.", "residual.0."}, {"conv1.", "residual.2."},       {"norm2.", "residual.3."},
      {"conv2.", "residual.6."}, {"conv_shortcut.", "shortcut."},
  };
  return rules;
}

std::string resnet_rename(std::string_view rest, bool to_canonical) {
  std::string out;
  return apply_rules(vae_resnet_rules(), rest, to_canonical, out) ? out : std::string(rest);
}

// The Wan 2.1 decoder: 4 levels of 3 residual blocks, an upsampler after each of the first 3,
// flattened as upsamples.0..14 in the original.
constexpr int kDecoderStride = 4;
constexpr int kDecoderResnets = 3;

std::string vae_side_to_canonical(std::string_view side, std::string_view rest) {
  std::string index, out;
  std::string_view inner;
  const std::string s(side);
  if (apply_rules({{"conv_in.", "conv1."}, {"norm_out.", "head.0."}, {"conv_out.", "head.2."}}, rest, true,
                  out))
    return s + out;
  if (split_indexed(rest, "mid_block.resnets.", index, inner)) {
    if (index == "0") return s + "middle.0." + resnet_rename(inner, true);
    if (index == "1") return s + "middle.2." + resnet_rename(inner, true);
  }
  if (split_indexed(rest, "mid_block.attentions.", index, inner) && index == "0")
    return s + "middle.1." + std::string(inner);
  if (side == "encoder." && split_indexed(rest, "down_blocks.", index, inner))
    return s + "downsamples." + index + "." + resnet_rename(inner, true);
  if (side == "decoder." && split_indexed(rest, "up_blocks.", index, inner) && index.size() < 6) {
    const int level = std::stoi(index);
    std::string k;
    std::string_view leaf;
    if (split_indexed(inner, "resnets.", k, leaf) && k.size() < 6 && std::stoi(k) < kDecoderResnets)
      return s + "upsamples." + std::to_string(level * kDecoderStride + std::stoi(k)) + "." +
             resnet_rename(leaf, true);
    if (split_indexed(inner, "upsamplers.", k, leaf) && k == "0")
      return s + "upsamples." + std::to_string(level * kDecoderStride + kDecoderResnets) + "." +
             std::string(leaf);
  }
  return s + std::string(rest);
}

std::string vae_side_from_canonical(std::string_view side, std::string_view rest) {
  std::string index, out;
  std::string_view inner;
  const std::string s(side);
  if (apply_rules({{"conv_in.", "conv1."}, {"norm_out.", "head.0."}, {"conv_out.", "head.2."}}, rest, false,
                  out))
    return s + out;
  if (split_indexed(rest, "middle.", index, inner)) {
    if (index == "0") return s + "mid_block.resnets.0." + resnet_rename(inner, false);
    if (index == "1") return s + "mid_block.attentions.0." + std::string(inner);
    if (index == "2") return s + "mid_block.resnets.1." + resnet_rename(inner, false);
  }
  if (side == "encoder." && split_indexed(rest, "downsamples.", index, inner))
    return s + "down_blocks." + index + "." + resnet_rename(inner, false);
  if (side == "decoder." && split_indexed(rest, "upsamples.", index, inner) && index.size() < 6) {
    const int n = std::stoi(index);
    const int level = n / kDecoderStride, k = n % kDecoderStride;
    if (k < kDecoderResnets)
      return s + "up_blocks." + std::to_string(level) + ".resnets." + std::to_string(k) + "." +
             resnet_rename(inner, false);
    return s + "up_blocks." + std::to_string(level) + ".upsamplers.0." + std::string(inner);
  }
  return s + std::string(rest);
}

std::string vae_rename(std::string_view key, bool to_canonical) {
  std::string out;
  if (apply_rules({{"quant_conv.", "conv1."}, {"post_quant_conv.", "conv2."}}, key, to_canonical, out))
    return out;
  for (std::string_view side : {std::string_view("encoder."), std::string_view("decoder.")}) {
    if (starts_with(key, side)) {
      const std::string_view rest = key.substr(side.size());
      return to_canonical ? vae_side_to_canonical(side, rest) : vae_side_from_canonical(side, rest);
    }
  }
  return std::string(key);
}

// ---- detection ----

bool any_key(const std::vector<std::string>& keys, bool (*pred)(std::string_view)) {
  for (const auto& k : keys)
    if (pred(k)) return true;
  return false;
}

bool contains(std::string_view s, std::string_view part) {
  return s.find(part) != std::string_view::npos;
}

struct FamilySignatures {
  KeyFormat other;
  bool (*is_original)(std::string_view);
  bool (*is_other)(std::string_view);
  const char* description;  // what the keys were expected to look like
};

FamilySignatures signatures(ModelFamily family) {
  switch (family) {
    case ModelFamily::wan_dit:
      return {
          KeyFormat::diffusers,
          [](std::string_view k) {
            return k == "head.modulation" || starts_with(k, "time_embedding.") ||
                   starts_with(k, "text_embedding.") ||
                   (starts_with(k, "blocks.") && (contains(k, ".self_attn.") || contains(k, ".cross_attn.")));
          },
          [](std::string_view k) {
            return k == "scale_shift_table" || starts_with(k, "condition_embedder.") ||
                   (starts_with(k, "blocks.") && (contains(k, ".attn1.") || contains(k, ".attn2.")));
          },
          "Wan DiT keys (original: head.modulation, blocks.N.self_attn.*; diffusers: condition_embedder.*, "
          "blocks.N.attn1.*)"};
    case ModelFamily::wan_vae:
      return {KeyFormat::diffusers,
              [](std::string_view k) {
                return k == "conv1.weight" || k == "conv2.weight" || starts_with(k, "decoder.upsamples.") ||
                       starts_with(k, "encoder.downsamples.") || starts_with(k, "decoder.middle.") ||
                       starts_with(k, "encoder.middle.");
              },
              [](std::string_view k) {
                return k == "quant_conv.weight" || k == "post_quant_conv.weight" ||
                       starts_with(k, "decoder.up_blocks.") || starts_with(k, "encoder.down_blocks.") ||
                       starts_with(k, "decoder.mid_block.") || starts_with(k, "encoder.mid_block.");
              },
              "Wan VAE keys (original: decoder.upsamples.*, conv2.weight; diffusers: decoder.up_blocks.*, "
              "post_quant_conv.weight)"};
    case ModelFamily::wan_t5:
      return {KeyFormat::transformers,
              [](std::string_view k) {
                return k == "token_embedding.weight" || (starts_with(k, "blocks.") && contains(k, ".attn."));
              },
              [](std::string_view k) {
                return k == "shared.weight" || starts_with(k, "encoder.block.") ||
                       k == "encoder.embed_tokens.weight" || k == "encoder.final_layer_norm.weight";
              },
              "umT5 encoder keys (Wan: token_embedding.weight, blocks.N.attn.*; transformers: shared.weight, "
              "encoder.block.N.layer.*)"};
    case ModelFamily::none:
      break;
  }
  return {KeyFormat::original, nullptr, nullptr, ""};
}

const std::vector<std::string_view>& known_prefixes(ModelFamily family) {
  static const std::vector<std::string_view> dit = {"model.diffusion_model.", "diffusion_model.",
                                                    "transformer.", "module.", "model."};
  static const std::vector<std::string_view> vae = {"first_stage_model.", "vae.", "module.", "model."};
  static const std::vector<std::string_view> t5 = {"text_encoders.t5xxl.transformer.", "text_encoder.",
                                                   "module.", "model."};
  static const std::vector<std::string_view> none = {};
  switch (family) {
    case ModelFamily::wan_dit:
      return dit;
    case ModelFamily::wan_vae:
      return vae;
    case ModelFamily::wan_t5:
      return t5;
    case ModelFamily::none:
      break;
  }
  return none;
}

}  // namespace

const char* to_string(ModelFamily family) {
  switch (family) {
    case ModelFamily::none:
      return "generic";
    case ModelFamily::wan_dit:
      return "Wan DiT";
    case ModelFamily::wan_vae:
      return "Wan VAE";
    case ModelFamily::wan_t5:
      return "umT5";
  }
  return "?";
}

const char* to_string(KeyFormat format) {
  switch (format) {
    case KeyFormat::original:
      return "original";
    case KeyFormat::diffusers:
      return "diffusers";
    case KeyFormat::transformers:
      return "transformers";
  }
  return "?";
}

const char* to_string(FileFormat format) {
  switch (format) {
    case FileFormat::safetensors:
      return "safetensors";
    case FileFormat::pth:
      return "pth";
  }
  return "?";
}

std::string detect_key_prefix(ModelFamily family, const std::vector<std::string>& keys) {
  const FamilySignatures sig = signatures(family);
  if (!sig.is_original) return {};
  auto recognized = [&](std::string_view k) { return sig.is_original(k) || sig.is_other(k); };
  for (const auto& k : keys)
    if (recognized(k)) return {};
  for (std::string_view prefix : known_prefixes(family)) {
    for (const auto& k : keys) {
      if (starts_with(k, prefix) && recognized(std::string_view(k).substr(prefix.size())))
        return std::string(prefix);
    }
  }
  return {};
}

KeyFormat detect_key_format(ModelFamily family, const std::vector<std::string>& keys) {
  const FamilySignatures sig = signatures(family);
  if (!sig.is_original) return KeyFormat::original;
  const bool original = any_key(keys, sig.is_original);
  const bool other = any_key(keys, sig.is_other);
  if (original && other)
    fail("checkpoint mixes original Wan and {} key names for the {}; expected one or the other",
         to_string(sig.other), to_string(family));
  if (!original && !other) {
    std::string sample;
    for (std::size_t i = 0; i < keys.size() && i < 3; ++i) sample += (i ? ", " : "") + keys[i];
    fail("checkpoint does not hold {} (expected {}; found {} keys such as {})", to_string(family),
         sig.description, keys.size(), sample.empty() ? "none" : sample);
  }
  return original ? KeyFormat::original : sig.other;
}

std::string to_canonical_key(ModelFamily family, KeyFormat format, std::string_view key) {
  if (format == KeyFormat::original) return std::string(key);
  switch (family) {
    case ModelFamily::wan_dit:
      return dit_rename(key, true);
    case ModelFamily::wan_vae:
      return vae_rename(key, true);
    case ModelFamily::wan_t5:
      return t5_rename(key, true);
    case ModelFamily::none:
      break;
  }
  return std::string(key);
}

std::string from_canonical_key(ModelFamily family, KeyFormat format, std::string_view key) {
  if (format == KeyFormat::original) return std::string(key);
  switch (family) {
    case ModelFamily::wan_dit:
      return dit_rename(key, false);
    case ModelFamily::wan_vae:
      return vae_rename(key, false);
    case ModelFamily::wan_t5:
      return t5_rename(key, false);
    case ModelFamily::none:
      break;
  }
  return std::string(key);
}

}  // namespace svg2::io
