// `svg2 inspect t5` (engine/tools/inspect_t5.cpp) on the parity reference (umt5_reference.py):
// prompts -> trimmed contexts and saved ids -> hidden states equal transformers' outputs, and
// bad options give errors that name the problem.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "io/checkpoint.h"
#include "io/safetensors_writer.h"
#include "svg2/error.h"
#include "svg2/inspect_t5.h"
#include "text/parity_support.h"

using namespace svg2;

namespace {

const test::fs::path& reference_dir() {
  static const test::fs::path dir = [] {
    auto d = test::cached_reference("text/umt5_reference.py");
    if (d.empty()) throw std::runtime_error("umt5 reference helper failed");
    return d;
  }();
  return dir;
}

double max_rel_error(const at::Tensor& ours, const at::Tensor& ref) {
  return ((ours.to(at::kDouble) - ref.to(at::kDouble)).abs().max() / ref.to(at::kDouble).abs().max())
      .item<double>();
}

InspectT5Options base_options(const test::ScratchDir& scratch) {
  InspectT5Options o;
  o.weights = (reference_dir() / "umt5_wan.safetensors").string();
  o.tokenizer = (reference_dir() / "tokenizer.model").string();
  o.out = (scratch / "t5.safetensors").string();
  o.device = "cpu";
  return o;
}

std::string error_of(const InspectT5Options& o) {
  try {
    inspect_t5(o);
  } catch (const svg2::Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST(InspectT5, PromptsGiveTheReferenceContexts) {
  test::ScratchDir scratch;
  InspectT5Options o = base_options(scratch);
  const auto prompts =
      nlohmann::json::parse(test::read_text_file(reference_dir() / "prompts.json"))["prompts"];
  for (const auto& p : prompts) o.prompts.push_back(p["prompt"].get<std::string>());
  const auto result = nlohmann::json::parse(inspect_t5(o));
  EXPECT_EQ(result["config"]["layers"], 2);
  EXPECT_EQ(result["config"]["d_kv"], 64);
  ASSERT_EQ(result["prompts"].size(), prompts.size());

  const io::Checkpoint ref = io::Checkpoint::open(reference_dir() / "reference.safetensors");
  const io::Checkpoint out = io::Checkpoint::open(o.out);
  bool any_truncated = false;
  for (std::size_t i = 0; i < prompts.size(); ++i) {
    const std::string n = std::to_string(i);
    const auto& item = result["prompts"][i];
    EXPECT_EQ(item["length"], prompts[i]["length"]) << "prompt " << i;
    any_truncated |= item["truncated"].get<bool>();
    const at::Tensor context = out.load("context_" + n);
    const at::Tensor expected = ref.load("context_" + n);
    ASSERT_EQ(context.sizes(), expected.sizes()) << "prompt " << i;
    EXPECT_LE(max_rel_error(context, expected), 1e-4) << "prompt " << i;
    EXPECT_TRUE(at::equal(out.load("ids_" + n), ref.load("ids_" + n))) << "prompt " << i;
    EXPECT_TRUE(at::equal(out.load("mask_" + n), ref.load("mask_" + n))) << "prompt " << i;
  }
  EXPECT_TRUE(any_truncated);  // the reference includes a prompt longer than 512 tokens
}

TEST(InspectT5, SavedIdsGiveTheReferenceHiddenStatesFromTheTransformersFolder) {
  test::ScratchDir scratch;
  const io::Checkpoint ref = io::Checkpoint::open(reference_dir() / "reference.safetensors");
  const auto ids_file = scratch / "ids.safetensors";
  io::save_safetensors(ids_file, {{"ids", ref.load("ids_batch")}, {"mask", ref.load("mask_batch")}}, {});
  InspectT5Options o = base_options(scratch);
  o.weights = (reference_dir() / "umt5_hf").string();
  o.tokenizer.clear();
  o.ids_file = ids_file.string();
  const auto result = nlohmann::json::parse(inspect_t5(o));
  const io::Checkpoint out = io::Checkpoint::open(o.out);
  const at::Tensor hidden = out.load("hidden");
  const at::Tensor expected = ref.load("hidden_batch");
  ASSERT_EQ(hidden.sizes(), expected.sizes());
  EXPECT_EQ(result["hidden_shape"], hidden.sizes().vec());
  EXPECT_LE(max_rel_error(hidden, expected), 1e-4);
  EXPECT_TRUE(at::equal(out.load("lengths"), ref.load("mask_batch").ne(0).sum(1).to(at::kLong)));
}

TEST(InspectT5, BadOptionsNameTheProblem) {
  test::ScratchDir scratch;
  InspectT5Options o = base_options(scratch);
  EXPECT_NE(error_of(o).find("neither"), std::string::npos) << error_of(o);
  auto both = o;
  both.prompts = {"a cat"};
  both.ids_file = o.out;
  EXPECT_NE(error_of(both).find("both"), std::string::npos) << error_of(both);
  auto no_tokenizer = o;
  no_tokenizer.prompts = {"a cat"};
  no_tokenizer.tokenizer.clear();
  EXPECT_NE(error_of(no_tokenizer).find("tokenizer"), std::string::npos) << error_of(no_tokenizer);
  auto bad_len = o;
  bad_len.prompts = {"a cat"};
  bad_len.text_len = 0;
  EXPECT_NE(error_of(bad_len).find("--text-len"), std::string::npos) << error_of(bad_len);
  auto no_ids_key = o;
  no_ids_key.ids_file = (reference_dir() / "umt5_wan.safetensors").string();
  EXPECT_NE(error_of(no_ids_key).find("'ids'"), std::string::npos) << error_of(no_ids_key);
  auto missing = o;
  missing.prompts = {"a cat"};
  missing.weights = (scratch / "missing.safetensors").string();
  EXPECT_NE(error_of(missing).find("missing.safetensors"), std::string::npos) << error_of(missing);
}
