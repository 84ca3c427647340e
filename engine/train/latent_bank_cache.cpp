#include "train/latent_bank_cache.h"

#include <ATen/ops/cat.h>

#include <cmath>
#include <map>
#include <string>

#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "core/check.h"
#include "io/checkpoint.h"
#include "io/safetensors_writer.h"

namespace svg2::train {
namespace {

constexpr const char* kFormat = "svg2-latent-bank-1";

bool same_values(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::abs(a[i] - b[i]) > 1e-9 * std::max(1.0, std::abs(a[i]))) return false;
  return true;
}

std::string size_text(const procedural::ClipSize& s) {
  return std::to_string(s.width) + "x" + std::to_string(s.height) + ", " + std::to_string(s.frames) +
         " frames";
}

const std::string& field(const std::map<std::string, std::string>& meta, const std::string& name,
                         const std::filesystem::path& file) {
  const auto it = meta.find(name);
  SVG2_CHECK(it != meta.end(), "{}: not a latent bank (no '{}' in its metadata)", file.string(), name);
  return it->second;
}

}  // namespace

LatentBank load_latent_bank(const std::filesystem::path& file, const LatentBankKey& key,
                            const text::Tokenizer& tokenizer, int text_len, const c10::Device& device) {
  if (!std::filesystem::exists(file)) return {};
  const io::Checkpoint ckpt = io::Checkpoint::open(file);
  const auto& meta = ckpt.metadata();
  SVG2_CHECK(field(meta, "format", file) == kFormat, "{}: latent bank format '{}', expected '{}'",
             file.string(), field(meta, "format", file), kFormat);
  procedural::ClipSize size;
  std::vector<double> mean, stdev;
  std::vector<std::string> prompts;
  try {
    const auto clip = nlohmann::json::parse(field(meta, "clip_size", file));
    size = {clip.at("frames").get<int>(), clip.at("width").get<int>(), clip.at("height").get<int>()};
    mean = nlohmann::json::parse(field(meta, "latents_mean", file)).get<std::vector<double>>();
    stdev = nlohmann::json::parse(field(meta, "latents_std", file)).get<std::vector<double>>();
    prompts = nlohmann::json::parse(field(meta, "prompts", file)).get<std::vector<std::string>>();
  } catch (const nlohmann::json::exception& e) {
    throw Error(fmt::format("{}: latent bank metadata is malformed: {}", file.string(), e.what()));
  }
  SVG2_CHECK(size.frames == key.size.frames && size.width == key.size.width && size.height == key.size.height,
             "{}: latent bank of {} clips, this run trains on {} clips; use another --bank-cache file",
             file.string(), size_text(size), size_text(key.size));
  SVG2_CHECK(same_values(mean, key.latents_mean) && same_values(stdev, key.latents_std),
             "{}: latent bank made with another VAE (its latents_mean / latents_std differ from the run's "
             "manifest); use another --bank-cache file",
             file.string());
  SVG2_CHECK(ckpt.contains("latents"), "{}: not a latent bank (no 'latents' tensor)", file.string());
  LatentBank bank;
  bank.latents = ckpt.load("latents");
  SVG2_CHECK(bank.latents.dim() == 5 && bank.latents.size(0) == static_cast<std::int64_t>(prompts.size()) &&
                 bank.latents.size(1) == static_cast<std::int64_t>(key.latents_mean.size()),
             "{}: latents of shape [{}] do not match its {} prompts and the VAE's {} latent channels",
             file.string(), fmt::join(bank.latents.sizes(), ", "), prompts.size(), key.latents_mean.size());
  bank.latents = bank.latents.to(device, at::kBFloat16);
  bank.prompts = std::move(prompts);
  std::tie(bank.ids, bank.mask) = tokenize_batch(tokenizer, bank.prompts, text_len, device);
  return bank;
}

void save_latent_bank(const std::filesystem::path& file, const LatentBank& bank, const LatentBankKey& key) {
  SVG2_CHECK(bank.size() == static_cast<std::int64_t>(bank.prompts.size()),
             "latent bank: {} latents but {} prompts", bank.size(), bank.prompts.size());
  const nlohmann::json clip = {
      {"frames", key.size.frames}, {"width", key.size.width}, {"height", key.size.height}};
  const std::map<std::string, std::string> meta = {{"format", kFormat},
                                                   {"clip_size", clip.dump()},
                                                   {"latents_mean", nlohmann::json(key.latents_mean).dump()},
                                                   {"latents_std", nlohmann::json(key.latents_std).dump()},
                                                   {"prompts", nlohmann::json(bank.prompts).dump()}};
  io::save_safetensors(file, {{"latents", bank.latents}}, meta);
}

LatentBank concat_latent_banks(const LatentBank& first, const LatentBank& second,
                               const text::Tokenizer& tokenizer, int text_len, const c10::Device& device) {
  if (first.size() == 0) return second;
  if (second.size() == 0) return first;
  LatentBank bank;
  bank.latents = at::cat({first.latents, second.latents.to(first.latents.device())}, 0);
  bank.prompts = first.prompts;
  bank.prompts.insert(bank.prompts.end(), second.prompts.begin(), second.prompts.end());
  std::tie(bank.ids, bank.mask) = tokenize_batch(tokenizer, bank.prompts, text_len, device);
  return bank;
}

}  // namespace svg2::train
