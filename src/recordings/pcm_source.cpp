#include "recordings/pcm_source.hpp"

#include <cstdint>
#include <cstdio>
#include <vector>

namespace reflector::recordings {
namespace {

class PcmFileSource final : public media::AudioSource {
 public:
  explicit PcmFileSource(FILE* file) : file_(file) {}
  ~PcmFileSource() override { std::fclose(file_); }
  PcmFileSource(const PcmFileSource&) = delete;
  PcmFileSource& operator=(const PcmFileSource&) = delete;

  Result<size_t> Read(std::span<float> out) override {
    buffer_.resize(out.size());
    const size_t n = std::fread(buffer_.data(), sizeof(int16_t), out.size(), file_);
    if (n < out.size() && std::ferror(file_)) {
      return Err(Code::kInternal, "cannot read the decoded audio");
    }
    for (size_t i = 0; i < n; ++i) out[i] = static_cast<float>(buffer_[i]) / 32768.0f;
    return n;
  }

 private:
  FILE* file_;
  std::vector<int16_t> buffer_;
};

}  // namespace

Result<std::unique_ptr<media::AudioSource>> OpenPcmFile(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return Err(Code::kNotFound, "decoded audio missing", path);
  return std::unique_ptr<media::AudioSource>(std::make_unique<PcmFileSource>(f));
}

}  // namespace reflector::recordings
