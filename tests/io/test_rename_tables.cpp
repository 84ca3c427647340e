// Rename tables against the real libraries: tiny WanTransformer3DModel (T2V and I2V),
// AutoencoderKLWan and UMT5EncoderModel saved with save_pretrained must open as exactly the
// original Wan key set of wan-architecture.md (§1.5, §3.3, §2.2), with the same values as the
// original-format files written from the same weights.
#include <gtest/gtest.h>

#include <set>

#include "io/checkpoint.h"
#include "io/io_test_data.h"
#include "io/safetensors_writer.h"

namespace svg2::io::test {
namespace {

// ---- the original key lists, transcribed from wan-architecture.md ----

std::set<std::string> original_dit_keys(int layers, bool i2v) {
  std::set<std::string> k = {"patch_embedding.weight", "patch_embedding.bias", "head.head.weight",
                             "head.head.bias", "head.modulation"};
  for (const char* m : {"text_embedding.0", "text_embedding.2", "time_embedding.0", "time_embedding.2",
                        "time_projection.1"}) {
    k.insert(std::string(m) + ".weight");
    k.insert(std::string(m) + ".bias");
  }
  for (int i = 0; i < layers; ++i) {
    const std::string p = "blocks." + std::to_string(i) + ".";
    for (const char* attn : {"self_attn", "cross_attn"}) {
      for (const char* m : {"q", "k", "v", "o"}) {
        k.insert(p + attn + "." + m + ".weight");
        k.insert(p + attn + "." + m + ".bias");
      }
      k.insert(p + attn + ".norm_q.weight");
      k.insert(p + attn + ".norm_k.weight");
    }
    for (const char* s : {"norm3.weight", "norm3.bias", "ffn.0.weight", "ffn.0.bias", "ffn.2.weight",
                          "ffn.2.bias", "modulation"})
      k.insert(p + s);
    if (i2v)
      for (const char* s : {"cross_attn.k_img.weight", "cross_attn.k_img.bias", "cross_attn.v_img.weight",
                            "cross_attn.v_img.bias", "cross_attn.norm_k_img.weight"})
        k.insert(p + s);
  }
  if (i2v)
    for (int n : {0, 1, 3, 4}) {
      k.insert("img_emb.proj." + std::to_string(n) + ".weight");
      k.insert("img_emb.proj." + std::to_string(n) + ".bias");
    }
  return k;
}

std::set<std::string> original_vae_keys() {
  std::set<std::string> k = {"conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias"};
  auto res = [&](const std::string& p, bool shortcut) {
    for (const char* s : {"residual.0.gamma", "residual.2.weight", "residual.2.bias", "residual.3.gamma",
                          "residual.6.weight", "residual.6.bias"})
      k.insert(p + s);
    if (shortcut) {
      k.insert(p + "shortcut.weight");
      k.insert(p + "shortcut.bias");
    }
  };
  auto resample = [&](const std::string& p, bool time_conv) {
    k.insert(p + "resample.1.weight");
    k.insert(p + "resample.1.bias");
    if (time_conv) {
      k.insert(p + "time_conv.weight");
      k.insert(p + "time_conv.bias");
    }
  };
  for (const std::string side : {"encoder.", "decoder."}) {
    k.insert(side + "conv1.weight");
    k.insert(side + "conv1.bias");
    res(side + "middle.0.", false);
    for (const char* s : {"norm.gamma", "to_qkv.weight", "to_qkv.bias", "proj.weight", "proj.bias"})
      k.insert(side + "middle.1." + s);
    res(side + "middle.2.", false);
    k.insert(side + "head.0.gamma");
    k.insert(side + "head.2.weight");
    k.insert(side + "head.2.bias");
  }
  // encoder.downsamples: R R down2d R+shortcut R down3d R+shortcut R down3d R R
  for (int n : {0, 1, 4, 7, 9, 10}) res("encoder.downsamples." + std::to_string(n) + ".", false);
  for (int n : {3, 6}) res("encoder.downsamples." + std::to_string(n) + ".", true);
  resample("encoder.downsamples.2.", false);
  resample("encoder.downsamples.5.", true);
  resample("encoder.downsamples.8.", true);
  // decoder.upsamples: RRR up3d R+shortcut RR up3d RRR up2d RRR
  for (int n : {0, 1, 2, 5, 6, 8, 9, 10, 12, 13, 14})
    res("decoder.upsamples." + std::to_string(n) + ".", false);
  res("decoder.upsamples.4.", true);
  resample("decoder.upsamples.3.", true);
  resample("decoder.upsamples.7.", true);
  resample("decoder.upsamples.11.", false);
  return k;
}

std::set<std::string> original_t5_keys(int layers) {
  std::set<std::string> k = {"token_embedding.weight", "norm.weight"};
  for (int i = 0; i < layers; ++i)
    for (const char* s : {"norm1", "attn.q", "attn.k", "attn.v", "attn.o", "pos_embedding.embedding", "norm2",
                          "ffn.gate.0", "ffn.fc1", "ffn.fc2"})
      k.insert("blocks." + std::to_string(i) + "." + s + ".weight");
  return k;
}

std::set<std::string> key_set(const Checkpoint& c) {
  return {c.keys().begin(), c.keys().end()};
}

// Both files hold the same tensors under the canonical names, bit for bit, and renaming back
// gives the stored diffusers / transformers names.
void expect_same_checkpoint(const Checkpoint& library, const Checkpoint& original) {
  ASSERT_EQ(key_set(library), key_set(original));
  for (const auto& key : original.keys()) {
    EXPECT_EQ(library.info(key).shape, original.info(key).shape) << key;
    EXPECT_TRUE(tensor_bytes(library.load(key)) == tensor_bytes(original.load(key)))
        << key << " (stored as " << library.info(key).stored_key << ")";
    EXPECT_EQ(from_canonical_key(library.family(), library.key_format(), key), library.info(key).stored_key)
        << key;
  }
}

TEST(RenameTables, DiffusersWanTransformerIsTheOriginalDiTKeySet) {
  const fs::path dir = io_data("diffusers");
  const Checkpoint lib =
      Checkpoint::open(find_component(dir / "diffusers", ModelFamily::wan_dit), ModelFamily::wan_dit);
  EXPECT_EQ(lib.key_format(), KeyFormat::diffusers);
  EXPECT_EQ(key_set(lib), original_dit_keys(2, false));
  EXPECT_EQ(lib.keys().size(), 12u + 27u * 2 + 3u);
  // The traps: norm2/norm3 swap, both scale_shift_tables, ffn.net.0.proj.
  EXPECT_EQ(lib.info("blocks.0.norm3.weight").stored_key, "blocks.0.norm2.weight");
  EXPECT_EQ(lib.info("blocks.1.modulation").stored_key, "blocks.1.scale_shift_table");
  EXPECT_EQ(lib.info("head.modulation").stored_key, "scale_shift_table");
  EXPECT_EQ(lib.info("blocks.0.ffn.0.weight").stored_key, "blocks.0.ffn.net.0.proj.weight");
  EXPECT_EQ(lib.info("blocks.0.self_attn.o.bias").stored_key, "blocks.0.attn1.to_out.0.bias");
  const Checkpoint orig = Checkpoint::open(dir / "original" / "dit.safetensors", ModelFamily::wan_dit);
  EXPECT_EQ(orig.key_format(), KeyFormat::original);
  expect_same_checkpoint(lib, orig);
}

TEST(RenameTables, DiffusersI2VTransformerMapsTheImageBranch) {
  const fs::path dir = io_data("diffusers");
  const Checkpoint lib = Checkpoint::open(dir / "diffusers" / "transformer_i2v", ModelFamily::wan_dit);
  EXPECT_EQ(key_set(lib), original_dit_keys(2, true));
  EXPECT_EQ(lib.info("blocks.0.cross_attn.norm_k_img.weight").stored_key,
            "blocks.0.attn2.norm_added_k.weight");
  EXPECT_EQ(lib.info("img_emb.proj.1.weight").stored_key,
            "condition_embedder.image_embedder.ff.net.0.proj.weight");
  expect_same_checkpoint(lib,
                         Checkpoint::open(dir / "original" / "dit_i2v.safetensors", ModelFamily::wan_dit));
}

TEST(RenameTables, DiffusersAutoencoderKLWanIsTheOriginalVaeKeySet) {
  const fs::path dir = io_data("diffusers");
  const Checkpoint lib =
      Checkpoint::open(find_component(dir / "diffusers", ModelFamily::wan_vae), ModelFamily::wan_vae);
  EXPECT_EQ(lib.key_format(), KeyFormat::diffusers);
  EXPECT_EQ(key_set(lib), original_vae_keys());
  EXPECT_EQ(lib.keys().size(), 194u);
  EXPECT_EQ(lib.info("decoder.upsamples.7.time_conv.weight").stored_key,
            "decoder.up_blocks.1.upsamplers.0.time_conv.weight");
  EXPECT_EQ(lib.info("decoder.upsamples.4.shortcut.weight").stored_key,
            "decoder.up_blocks.1.resnets.0.conv_shortcut.weight");
  EXPECT_EQ(lib.info("conv2.weight").stored_key, "post_quant_conv.weight");
  const Checkpoint orig =
      Checkpoint::open(find_component(dir / "original", ModelFamily::wan_vae), ModelFamily::wan_vae);
  EXPECT_EQ(orig.file_format(), FileFormat::pth);
  expect_same_checkpoint(lib, orig);
}

TEST(RenameTables, TransformersUMT5EncoderIsTheWanT5KeySet) {
  const fs::path dir = io_data("diffusers");
  const Checkpoint lib =
      Checkpoint::open(find_component(dir / "diffusers", ModelFamily::wan_t5), ModelFamily::wan_t5);
  EXPECT_EQ(lib.key_format(), KeyFormat::transformers);
  EXPECT_EQ(key_set(lib), original_t5_keys(2));
  EXPECT_EQ(lib.info("blocks.1.ffn.gate.0.weight").stored_key,
            "encoder.block.1.layer.1.DenseReluDense.wi_0.weight");
  EXPECT_EQ(lib.info("blocks.0.pos_embedding.embedding.weight").stored_key,
            "encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight");
  const Checkpoint orig =
      Checkpoint::open(find_component(dir / "original", ModelFamily::wan_t5), ModelFamily::wan_t5);
  EXPECT_EQ(orig.info("token_embedding.weight").dtype, c10::kBFloat16);
  expect_same_checkpoint(lib, orig);
}

TEST(RenameTables, TiedT5EmbeddingUnderBothNamesKeepsOne) {
  // Some exports keep both shared.weight and encoder.embed_tokens.weight.
  const fs::path dir = scratch_dir();
  const Checkpoint lib =
      Checkpoint::open(io_data("diffusers") / "diffusers" / "text_encoder", ModelFamily::wan_t5);
  const at::Tensor emb = lib.load("token_embedding.weight");
  std::vector<std::pair<std::string, at::Tensor>> tensors;
  for (const auto& k : lib.keys()) tensors.emplace_back(lib.info(k).stored_key, lib.load(k));
  tensors.emplace_back("encoder.embed_tokens.weight", emb);
  save_safetensors(dir / "model.safetensors", tensors);
  const Checkpoint both = Checkpoint::open(dir / "model.safetensors", ModelFamily::wan_t5);
  EXPECT_EQ(both.keys().size(), lib.keys().size());
  EXPECT_EQ(both.info("token_embedding.weight").stored_key, "shared.weight");
  fs::remove_all(dir);
}

TEST(RenameTables, WrongFamilyOrMixedNamesAreClearErrors) {
  const fs::path dir = io_data("diffusers");
  expect_error([&] { Checkpoint::open(dir / "original" / "Wan2.1_VAE.pth", ModelFamily::wan_dit); },
               {"does not hold Wan DiT", "head.modulation"});
  expect_error([&] { Checkpoint::open(dir / "original" / "dit.safetensors", ModelFamily::wan_t5); },
               {"does not hold umT5"});
  // A file mixing diffusers and original DiT names.
  const fs::path scratch = scratch_dir();
  const Checkpoint orig = Checkpoint::open(dir / "original" / "dit.safetensors");
  save_safetensors(scratch / "mixed.safetensors", {{"head.modulation", orig.load("head.modulation")},
                                                   {"scale_shift_table", orig.load("head.modulation")}});
  expect_error([&] { Checkpoint::open(scratch / "mixed.safetensors", ModelFamily::wan_dit); }, {"mixes"});
  fs::remove_all(scratch);
}

TEST(RenameTables, RoundTripEveryCanonicalKey) {
  const fs::path dir = io_data("diffusers");
  for (auto [family, format] : {std::pair{ModelFamily::wan_dit, KeyFormat::diffusers},
                                std::pair{ModelFamily::wan_vae, KeyFormat::diffusers},
                                std::pair{ModelFamily::wan_t5, KeyFormat::transformers}}) {
    std::set<std::string> keys = family == ModelFamily::wan_dit   ? original_dit_keys(3, true)
                                 : family == ModelFamily::wan_vae ? original_vae_keys()
                                                                  : original_t5_keys(3);
    for (const auto& k : keys) {
      const std::string other = from_canonical_key(family, format, k);
      if (k.rfind("patch_embedding.", 0) != 0)
        EXPECT_NE(other, k) << k << " has no " << to_string(format) << " name";
      EXPECT_EQ(to_canonical_key(family, format, other), k) << other;
    }
  }
}

}  // namespace
}  // namespace svg2::io::test
