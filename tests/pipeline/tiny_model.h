#pragma once
// A tiny random Wan-architecture model folder in the manifest layout (svg2_model.json), built
// with the model engineers' modules and saved with the io writer: DiT (head_dim 128, 2 layers),
// umT5 (64 wide), Wan VAE (base 8, z 16) and a small trained SentencePiece tokenizer. Made once
// per test process in a temp folder.
#include <filesystem>
#include <string>

namespace svg2::test {

// Width 64, height 48, 5 frames, 3 Euler steps by default (see the manifest written).
const std::filesystem::path& tiny_model_dir();

// A fresh temp folder under the test's temp root, removed at process exit.
std::filesystem::path temp_dir(const std::string& name);

}  // namespace svg2::test
