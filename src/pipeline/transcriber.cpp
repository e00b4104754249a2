#include "pipeline/transcriber.hpp"

namespace reflector::pipeline {
namespace {

class NoneTranscriber final : public Transcriber {
 public:
  std::string_view Name() const override { return "none"; }
  Result<std::vector<Word>> Transcribe(
      const std::string&, const std::string&,
      const std::function<void(const TranscribeProgress&)>& progress) override {
    if (progress) progress({0, 0});
    return std::vector<Word>{};
  }
};

}  // namespace

std::unique_ptr<Transcriber> MakeNoneTranscriber() { return std::make_unique<NoneTranscriber>(); }

}  // namespace reflector::pipeline
