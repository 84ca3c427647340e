#pragma once
// Checkpoints as released: safetensors (single file, shards with *.safetensors.index.json, or a
// folder of shards) and PyTorch zip .pth files, read in place through a memory mapping.
//
// Opening reads only headers (safetensors JSON, zip directory, pickle), never tensor data, so
// listing keys, dtypes and shapes of a 57 GB model is instant. Tensor bytes are read when a
// tensor is loaded. With a ModelFamily, keys are renamed to the canonical ORIGINAL Wan names
// (diffusers / transformers spellings and prefixes such as "model.diffusion_model." are
// detected and translated), so model code only ever sees one naming. See docs/checkpoints.md.
//
// A Checkpoint is immutable and cheap to copy (shared state); loading is thread-safe.
#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace torch::nn {
class Module;
}

namespace svg2::io {

// Which model the file holds; selects the rename table. `none` keeps the keys as stored.
enum class ModelFamily { none, wan_dit, wan_vae, wan_t5 };

// How the keys in the file are spelled. `original`: Wan's own module names (canonical).
// `diffusers`: WanTransformer3DModel / AutoencoderKLWan. `transformers`: HF UMT5EncoderModel.
enum class KeyFormat { original, diffusers, transformers };

enum class FileFormat { safetensors, pth };

const char* to_string(ModelFamily family);
const char* to_string(KeyFormat format);
const char* to_string(FileFormat format);

struct TensorInfo {
  std::string key;         // canonical key (original Wan name when a family was given)
  std::string stored_key;  // the key as spelled in the file
  std::filesystem::path file;
  c10::ScalarType dtype = c10::kFloat;  // as stored on disk
  std::vector<int64_t> shape;
  int64_t numel() const;
};

class Checkpoint {
 public:
  // `path`: a .safetensors file, a .pth/.pt/.ckpt/.bin (PyTorch zip) file, or a folder holding
  // a *.safetensors.index.json, several *.safetensors shards (their union), or exactly one
  // PyTorch zip file. Throws svg2::Error naming the file on anything unreadable or corrupt.
  static Checkpoint open(const std::filesystem::path& path, ModelFamily family = ModelFamily::none);
  // The union of explicit files (safetensors shards, or .pth files); a key in two files is an
  // error. path() is the first file.
  static Checkpoint open(const std::vector<std::filesystem::path>& files,
                         ModelFamily family = ModelFamily::none);

  // Canonical keys, sorted.
  const std::vector<std::string>& keys() const;
  bool contains(const std::string& key) const;
  // Throws svg2::Error naming the key and the checkpoint when absent.
  const TensorInfo& info(const std::string& key) const;

  // A tensor with its own memory, converted to `dtype` on `device` (contiguous).
  at::Tensor load(const std::string& key, c10::ScalarType dtype,
                  c10::Device device = c10::Device(c10::kCPU)) const;
  // As stored (disk dtype), on the CPU, with its own memory.
  at::Tensor load(const std::string& key) const;
  // Zero-copy CPU view of the mapped file in the disk dtype; keeps the mapping alive. READ-ONLY:
  // the pages are mapped without write access, so writing into it crashes. Use for copy_().
  at::Tensor view(const std::string& key) const;
  // Starts reading the tensor's bytes in the background (large tensors only); load() and
  // load_into() call it, so it is only useful ahead of a later view().
  void prefetch(const std::string& key) const;

  ModelFamily family() const;
  KeyFormat key_format() const;  // detected from signature keys (original when family is none)
  FileFormat file_format() const;
  const std::string& stripped_prefix() const;               // e.g. "model.diffusion_model.", or empty
  const std::filesystem::path& path() const;                // what was opened
  const std::vector<std::filesystem::path>& files() const;  // the files actually mapped
  // safetensors "__metadata__" (union over shards); empty for .pth.
  const std::map<std::string, std::string>& metadata() const;
  // One line for logs: "<path>: diffusers Wan DiT keys, 825 tensors in 1 safetensors file".
  std::string describe() const;

  struct Impl;

 private:
  explicit Checkpoint(std::shared_ptr<const Impl> impl);
  static Checkpoint from_files(const std::filesystem::path& path,
                               const std::vector<std::filesystem::path>& files, ModelFamily family);
  std::shared_ptr<const Impl> impl_;
};

// ---- loading into a torch::nn::Module ------------------------------------------------------

struct LoadOptions {
  // Floating-point parameters/buffers become this dtype (integer/bool ones keep theirs). Unset:
  // each tensor keeps the module's current dtype (values are converted into it).
  std::optional<c10::ScalarType> dtype;
  // Parameters/buffers are moved here. Unset: each stays on its current device.
  std::optional<c10::Device> device;
  // Module name `n` reads checkpoint key `prefix + n` (e.g. "decoder." for a decoder-only
  // module); checkpoint keys outside the prefix are then not "unexpected".
  std::string prefix;
  // Glob patterns ('*' matches any run of characters) of module names that may be absent from
  // the checkpoint (e.g. precomputed buffers such as RoPE tables), and of checkpoint keys the
  // module need not have.
  std::vector<std::string> allow_missing;
  std::vector<std::string> ignore_unexpected;
  // false: missing/unexpected keys are logged as warnings instead of failing. Mis-shaped keys
  // always fail.
  bool strict = true;
};

struct LoadReport {
  int64_t tensors_loaded = 0;
  int64_t bytes_read = 0;               // bytes of checkpoint data read
  std::vector<std::string> missing;     // module names not found (allowed or non-strict)
  std::vector<std::string> unexpected;  // checkpoint keys not used (ignored or non-strict)
  std::vector<std::string> converted;   // "key: bf16 -> fp32" for every dtype conversion
};

// Copies every named parameter and buffer of `module` (recursively) from `checkpoint`.
// Missing, unexpected or mis-shaped keys throw one svg2::Error listing them (up to 20 of each
// kind, with both shapes for mis-shaped ones). Runs under NoGradGuard.
LoadReport load_into(torch::nn::Module& module, const Checkpoint& checkpoint,
                     const LoadOptions& options = {});

// ---- key names ------------------------------------------------------------------------------

// Detects the spelling of `keys` (already prefix-stripped) for `family` from signature keys;
// throws svg2::Error when the keys do not look like that family at all.
KeyFormat detect_key_format(ModelFamily family, const std::vector<std::string>& keys);
// Known prefixes ("model.diffusion_model.", "first_stage_model.", "vae.", ...) that `keys`
// carry for `family`; empty when none.
std::string detect_key_prefix(ModelFamily family, const std::vector<std::string>& keys);
// Renames one key from `format` to the canonical original Wan name (and back). Keys that the
// table does not know pass through unchanged (strict loading then reports them).
std::string to_canonical_key(ModelFamily family, KeyFormat format, std::string_view key);
std::string from_canonical_key(ModelFamily family, KeyFormat format, std::string_view key);

// The weights of `family` inside a model folder, in either layout: original Wan
// (diffusion_pytorch_model*.safetensors, models_t5_umt5-xxl-enc-bf16.pth, Wan2.1_VAE.pth) or
// diffusers (transformer/, vae/, text_encoder/). Throws svg2::Error listing what was looked for.
std::filesystem::path find_component(const std::filesystem::path& model_dir, ModelFamily family);

}  // namespace svg2::io
