#pragma once
// A latent bank kept in a file across `train dit` calls (`--bank-cache`): each call loads the
// clips an earlier call encoded, adds its own new ones and trains on all of them, so a chain of
// short calls sees more distinct clips than one call's bank budget encodes. The file records what
// the latents depend on (the VAE's latent statistics and the clip size): a bank made with another
// VAE or size is refused with an error, never mixed in.
#include <c10/core/Device.h>

#include <filesystem>
#include <vector>

#include "svg2/procedural.h"
#include "text/tokenizer.h"
#include "train/latent_bank.h"

namespace svg2::train {

// What a bank's latents depend on besides the encoder's weights (the statistics change with them).
struct LatentBankKey {
  std::vector<double> latents_mean, latents_std;
  procedural::ClipSize size;
};

// The bank stored in `file` (latents on `device`, prompts tokenized to `text_len`); an empty bank
// when the file does not exist. Throws svg2::Error naming the file when it is not a bank or was
// made for another key.
LatentBank load_latent_bank(const std::filesystem::path& file, const LatentBankKey& key,
                            const text::Tokenizer& tokenizer, int text_len, const c10::Device& device);

// Writes `bank` to `file` atomically (temp file + rename).
void save_latent_bank(const std::filesystem::path& file, const LatentBank& bank, const LatentBankKey& key);

// `first`'s clips followed by `second`'s, prompts tokenized again to one width.
LatentBank concat_latent_banks(const LatentBank& first, const LatentBank& second,
                               const text::Tokenizer& tokenizer, int text_len, const c10::Device& device);

}  // namespace svg2::train
