#include "pipeline/prompt_encoder.h"

#include <ATen/ops/from_blob.h>

#include <algorithm>

#include "core/log.h"

namespace svg2::pipeline {

std::vector<std::int64_t> synthetic_token_ids(const std::string& prompt, std::int64_t vocab, int text_len) {
  // umT5 averages about 1.3 pieces per English word; 4 bytes per token is close enough.
  std::vector<std::int64_t> ids;
  std::uint64_t h = 1469598103934665603ull;
  const std::int64_t first_free = 4;  // after pad, eos, bos, unk
  const std::size_t count = std::max<std::size_t>(1, (prompt.size() + 3) / 4);
  for (std::size_t i = 0; i < count && static_cast<int>(ids.size()) < text_len - 1; ++i) {
    for (std::size_t b = i * 4; b < std::min(prompt.size(), i * 4 + 4); ++b)
      h = (h ^ static_cast<unsigned char>(prompt[b])) * 1099511628211ull;
    h = (h ^ i) * 1099511628211ull;
    ids.push_back(first_free +
                  static_cast<std::int64_t>(
                      h % static_cast<std::uint64_t>(std::max<std::int64_t>(1, vocab - first_free))));
  }
  ids.push_back(1);  // EOS
  return ids;
}

at::Tensor PromptEncoder::encode(LoadedModels& m, const std::string& prompt) {
  const std::string key = m.key + "\n" + prompt;
  for (auto it = cache_.begin(); it != cache_.end(); ++it) {
    if (it->first == key) {
      cache_.splice(cache_.begin(), cache_, it);
      last_cached_ = true;
      return cache_.front().second.to(m.device).unsqueeze(0);
    }
  }
  last_cached_ = false;
  c10::InferenceMode guard;
  at::Tensor context;
  if (m.text) {
    if (m.text->device() != m.device) m.text->to(m.device);
    context = m.text->encode({prompt}).front();
  } else {
    auto& encoder = m.text_encoder();
    if (encoder.token_embedding_weight.device() != m.device) encoder.to(m.device);
    auto ids = synthetic_token_ids(prompt, encoder.config().vocab_size, m.text_len());
    at::Tensor id_tensor =
        at::from_blob(ids.data(), {1, static_cast<std::int64_t>(ids.size())}, at::kLong).clone().to(m.device);
    context = encoder.forward(id_tensor)[0];
  }
  cache_.emplace_front(key, context.cpu());
  if (cache_.size() > kCapacity) cache_.pop_back();
  return context.unsqueeze(0);
}

void PromptEncoder::park(LoadedModels& m) {
  if (m.device.is_cpu()) return;
  const c10::Device cpu(c10::kCPU);
  if (m.text) {
    m.text->to(cpu);
  } else if (m.random_text) {
    m.random_text->to(cpu);
  }
}

}  // namespace svg2::pipeline
