#pragma once
// Atomic writes: data goes to a temp file in the destination folder, is flushed, then renamed
// over the target. A failure (disk full, no permission) throws svg2::Error and leaves any
// existing file untouched.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

namespace svg2 {

// A temp path next to `target` (same filesystem, so rename is atomic).
std::filesystem::path temp_path_for(const std::filesystem::path& target);

void write_file_atomic(const std::filesystem::path& target, std::string_view bytes);

// For writers that need a path (FFmpeg): `write(tmp)` writes the temp file, then it is renamed
// over `target`; on any exception the temp file is removed and the exception propagates.
void write_via_temp(const std::filesystem::path& target,
                    const std::function<void(const std::filesystem::path& tmp)>& write);

}  // namespace svg2
