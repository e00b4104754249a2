// Fills a database with synthetic transcripts for bench/search.sh: COUNT transcripts of about
// WORDS words of captions each (WebVTT cues of 15 words), a 6-word title and a 60-word long
// summary, owned by USER, written straight through the store (migrations included) in batches of
// 500 per transaction. Text comes from a fixed vocabulary of 5 000 pseudo-words ("w0" is the most
// common) drawn with a Zipf distribution (s = 1) from a fixed seed, so every run makes the same
// data; one transcript in 1 000 also says "xylophone" once (the rare word).
// Usage: search_seed DATABASE_URL COUNT WORDS USER
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "core/ids.hpp"
#include "core/time_format.hpp"
#include "store/database.hpp"
#include "store/migrations.hpp"
#include "store/sql.hpp"
#include "store/transcripts.hpp"
#include "synthetic_text.hpp"

using namespace reflector;

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: search_seed DATABASE_URL COUNT WORDS USER\n");
    return 2;
  }
  const std::string url = argv[1];
  const int count = std::atoi(argv[2]);
  const int words = std::atoi(argv[3]);
  const std::string user = argv[4];
  auto db = store::Database::Open(url, 1);
  if (!db) {
    std::fprintf(stderr, "%s\n", db.error().ToString().c_str());
    return 1;
  }
  if (auto migrated = store::MigrateUp(**db); !migrated) {
    std::fprintf(stderr, "%s\n", migrated.error().ToString().c_str());
    return 1;
  }
  std::mt19937_64 rng(42);
  const auto vocab = bench::Vocabulary(rng);
  bench::Zipf zipf(bench::kVocabulary);
  auto session = (*db)->Acquire();
  const TimePoint start = *ParseIso8601("2025-01-01T00:00:00Z");
  constexpr int kBatch = 500;
  for (int first = 0; first < count; first += kBatch) {
    auto tx = session.Begin();
    if (!tx) {
      std::fprintf(stderr, "%s\n", tx.error().ToString().c_str());
      return 1;
    }
    for (int i = first; i < std::min(count, first + kBatch); ++i) {
      store::Transcript t;
      t.id = "bench-" + std::to_string(i);
      t.name = t.id;
      t.user_id = user;
      t.status = "ended";
      t.created_at = start + std::chrono::minutes(i);
      t.duration = words * 400.0;
      if (auto created = store::TranscriptRepository::Create(session, t); !created) {
        std::fprintf(stderr, "%s\n", created.error().ToString().c_str());
        return 1;
      }
      const std::string vtt =
          bench::Captions(words, vocab, zipf, rng, i % 1000 == 500 ? "xylophone" : "");
      auto updated = store::Exec(
          session,
          "UPDATE transcript SET title = :title, long_summary = :summary, webvtt = :vtt "
          "WHERE id = :id",
          store::SqlParams()
              .Text("title", bench::Words(6, vocab, zipf, rng))
              .Text("summary", bench::Words(60, vocab, zipf, rng))
              .Text("vtt", vtt)
              .Text("id", t.id));
      if (!updated) {
        std::fprintf(stderr, "%s\n", updated.error().ToString().c_str());
        return 1;
      }
    }
    if (auto committed = tx->Commit(); !committed) {
      std::fprintf(stderr, "%s\n", committed.error().ToString().c_str());
      return 1;
    }
    std::fprintf(stderr, "\r%d/%d", std::min(count, first + kBatch), count);
  }
  std::fprintf(stderr, "\n");
  // The words the benchmark queries, by frequency rank.
  std::printf("%s %s %s %s %s\n", vocab[0].c_str(), vocab[1].c_str(), vocab[99].c_str(),
              vocab[999].c_str(), vocab[4999].c_str());
  return 0;
}
