#pragma once
// Wan's prompt cleaning, HuggingfaceTokenizer(clean='whitespace'):
//   ftfy.fix_text -> html.unescape twice -> strip -> every whitespace run to one space -> strip.
// Without Python: the ftfy part is the subset that changes what a prompt tokenizes to (HTML
// entities, curly quotes, C1 controls, ligatures, full/half-width forms, line breaks, terminal
// escapes, control characters). Mojibake repair and NFC are not reproduced; SentencePiece's own
// NFKC normalization runs afterwards anyway. See docs/wan-text-vae.md.
#include <string>
#include <string_view>

namespace svg2::text {

std::string clean_prompt(std::string_view prompt);

// Python's html.unescape (numeric references exactly; named ones for the HTML 4 names).
std::string html_unescape(std::string_view text);

// The ftfy.fix_text subset described above.
std::string fix_text(std::string_view text);

}  // namespace svg2::text
