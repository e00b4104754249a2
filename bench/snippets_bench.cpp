// The search page's per-hit text work (store::CombineSnippets: the WebVTT's plain text, up to 3
// snippets and total_match_count) on the transcripts of bench/search.sh: 5 000 words of
// captions and a 60-word summary, for the most frequent word (~11% of all words), the 100th and
// a word that is not there. A page of 20 hits does this 20 times.
#include <benchmark/benchmark.h>

#include <optional>
#include <string>

#include "store/transcript_search.hpp"
#include "synthetic_text.hpp"

namespace {

using namespace reflector;

struct Texts {
  std::vector<std::string> vocab;
  std::optional<std::string> summary;
  std::optional<std::string> webvtt;
};

const Texts& Transcript() {
  static const Texts texts = [] {
    std::mt19937_64 rng(42);
    Texts t;
    t.vocab = bench::Vocabulary(rng);
    bench::Zipf zipf(bench::kVocabulary);
    t.webvtt = bench::Captions(5000, t.vocab, zipf, rng);
    t.summary = bench::Words(60, t.vocab, zipf, rng);
    return t;
  }();
  return texts;
}

void BM_CombineSnippets(benchmark::State& state, int rank) {
  const Texts& t = Transcript();
  const std::string query = rank < 0 ? "xylophone" : t.vocab[rank];
  int64_t matches = 0;
  for (auto _ : state) {
    auto out = store::CombineSnippets(t.summary, t.webvtt, query);
    matches = out.total_match_count;
    benchmark::DoNotOptimize(out);
  }
  state.counters["matches"] = static_cast<double>(matches);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(t.webvtt->size()));
}

BENCHMARK_CAPTURE(BM_CombineSnippets, most_frequent_word, 0);
BENCHMARK_CAPTURE(BM_CombineSnippets, word_100, 99);
BENCHMARK_CAPTURE(BM_CombineSnippets, absent_word, -1);

}  // namespace

BENCHMARK_MAIN();
