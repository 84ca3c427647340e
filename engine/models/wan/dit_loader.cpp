// Loading a WanDiT from a checkpoint through io::Checkpoint (original or diffusers names; the
// io layer renames to the original Wan names).
#include "core/log.h"
#include "io/checkpoint.h"
#include "models/wan/dit_weights.h"

namespace svg2::wan {

ShapeMap checkpoint_shapes(const io::Checkpoint& checkpoint) {
  ShapeMap shapes;
  for (const auto& key : checkpoint.keys()) shapes[key] = checkpoint.info(key).shape;
  return shapes;
}

WanDiT load_dit(const io::Checkpoint& checkpoint, const DiTLoadOptions& options) {
  DiTConfig config = detect_dit_config(checkpoint_shapes(checkpoint), options.num_heads);
  if (options.text_len) {
    config.text_len = *options.text_len;
    validate(config);
  }
  const auto dtype = options.compute_dtype.value_or(options.device.is_cuda() ? c10::kBFloat16 : c10::kFloat);
  WanDiT model(config);
  load_dit_weights(
      *model,
      [&checkpoint](const std::string& key, c10::ScalarType dt, const c10::Device& dev) {
        return checkpoint.load(key, dt, dev);
      },
      options.device, dtype, options.blocks);
  log_info("Wan DiT {} loaded from {}: dim {}, {} layers, {} heads, ffn {}, text_dim {}, {:.2f} B params",
           config.name, checkpoint.path().string(), config.dim, config.num_layers, config.num_heads,
           config.ffn_dim, config.text_dim, static_cast<double>(config.parameter_count()) / 1e9);
  return model;
}

}  // namespace svg2::wan
