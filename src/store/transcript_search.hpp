// Full-text search over transcripts (contract §8, reference §5.5 "Full-text search").
//
// The index lives in the database and is kept in step with every write by migrations 6 and 12
// (store/schema.cpp): PostgreSQL matches `search_vector_en` (title A, long_summary B, caption text
// C) against websearch_to_tsquery('english', q), its candidates looked up in the GIN index over
// `search_terms_en` (the vector's words and pairs of adjacent words; PostgresTermsQuery below),
// and ranks with ts_rank(vector, query, 32);
// SQLite matches the FTS5 table `transcript_fts` with the same query translated by
// WebsearchToFts5 (never the user's text raw) and ranks with reflector_rank, ts_rank's formula
// for alternatives over FTS5's positions (columns weighted 1.0 / 0.4 / 0.2, ts_rank's A / B / C;
// store/sqlite_rank.hpp), turned into 0..1 the way normalization 32 does: s / (s + 1).
//
// Snippets and total_match_count are computed here too (pure functions below), from the
// long_summary and the caption text of the WebVTT, as the reference does.
// Stateless; errors as in store/database.hpp.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/status.hpp"
#include "store/database.hpp"

namespace reflector::store {

// PostgreSQL ranks at most this many matches of a text query: the newest ones (see
// TranscriptSearchQuery::rank_window).
inline constexpr int kPostgresRankWindow = 500;

struct TranscriptSearchQuery {
  std::string text;  // trimmed by the caller; empty: no text filter (rank 1.0, newest first)
  int limit = 20;    // 1..100
  int offset = 0;    // >= 0
  std::optional<std::string> room_id;
  std::optional<std::string> source_kind;
  std::optional<TimePoint> from;  // created_at >= from
  std::optional<TimePoint> to;    // created_at <= to
  // Visibility: the caller's own transcripts and those of shared rooms. nullopt: every
  // transcript (anonymous caller in PUBLIC_MODE).
  std::optional<std::string> user_id;
  // How long the search may run (a phrase of very common words can take seconds; see
  // docs/performance.md): PostgreSQL's statement_timeout (rounded up to 1 ms), SQLite's
  // Session::SetSqliteDeadline. Zero: none.
  std::chrono::microseconds timeout{10'000'000};
  // PostgreSQL only: when a text query matches more transcripts than this, the rank orders the
  // `rank_window` newest of them and the rest follow newest first (each with its own rank):
  // ts_rank reads every match's vector, 0.2 s for 10 000 long transcripts and seconds for two
  // common words. Fewer matches: every match ranked, as the reference does. >= 1.
  int rank_window = kPostgresRankWindow;
};

struct TranscriptSearchHit {
  std::string id;
  std::optional<std::string> title;
  std::optional<std::string> user_id;
  std::optional<std::string> room_id;
  std::optional<std::string> room_name;  // "Deleted Room" when room_id names no room
  std::string source_kind;
  TimePoint created_at{};
  std::string status;
  double rank = 0;      // 0..1
  double duration = 0;  // milliseconds
  std::optional<std::string> long_summary;
  std::optional<std::string> webvtt;
  int64_t change_seq = 0;
};

struct TranscriptSearchPage {
  std::vector<TranscriptSearchHit> hits;  // rank desc, then newest first
  int64_t total = 0;                      // every match, ignoring limit/offset
};

class TranscriptSearch {
 public:
  // Errors: kDeadlineExceeded "Search query timed out" past query.timeout; kUnavailable /
  // kInternal from the database (see store/database.hpp).
  static Result<TranscriptSearchPage> Search(Session& session, const TranscriptSearchQuery& query);
};

// --- pure helpers (exposed for tests) ---

// `text` with every byte that is not part of a well-formed UTF-8 sequence (overlong forms and
// surrogates are not checked) replaced by U+FFFD.
std::string ValidUtf8(std::string_view text);

// The plain text of a WebVTT document: each cue's text lines (after its timing line, up to the
// blank line), a leading `<v Name>` voice tag and `</v>` removed, &lt; &gt; &nbsp; &amp;
// decoded, trimmed, joined by single spaces. The header, NOTE blocks and cue identifiers are not
// text. Migration 6 computes the same in SQL for the index.
std::string WebVttPlainText(std::string_view webvtt);

// websearch_to_tsquery's syntax translated into a safe FTS5 MATCH expression: bare words AND,
// "quoted phrases", OR between items, a leading `-` negates an item. Every term is emitted as an
// FTS5 string ("..." with quotes doubled), so no FTS5 operator, column filter, prefix `*`, `^` or
// NEAR( from the user survives. Items without a letter or digit are dropped.
//   match:   the expression (empty when no positive term is left).
//   exclude: when the query has negated items only (PostgreSQL's `!word`: every document without
//            them), the expression of what to exclude; empty otherwise.
struct Fts5Query {
  std::string match;
  std::string exclude;
};
Fts5Query WebsearchToFts5(std::string_view query);

// PostgreSQL: websearch_to_tsquery's result, in its text form (`'a' <-> 'b' & !'c'`), turned
// into a query over the column search_terms_en (migration 12: the vector's lexemes without
// positions, plus "a b" for every two lexemes at adjacent positions, or the marker
// kPairsMissingLexeme when a transcript's pairs did not fit). A word stays a word; a two-word
// phrase `'a' <-> 'b'` becomes the pair "a b" (or, where pairs are missing, the marker); a
// longer phrase, or one with a gap (`'a' <2> 'b'`, a stop word between), becomes every pair and
// lone word it needs. Under `!` a phrase is kept only when exact.
//   kind kTerms: `terms` is a tsquery over search_terms_en that every matching row satisfies;
//     `exact`: exactly the matching rows among those with pairs (no check on the vector needed);
//     `uses_pairs`: a pair appears (rows with search_pairs_missing must then be checked).
//   kind kAll: no condition on the terms narrows the query (e.g. only a negated phrase of three
//     words): every row is a candidate, checked on its vector.
// nullopt when the text is not a tsquery this reads (the caller checks every row's vector).
inline constexpr std::string_view kPairsMissingLexeme = "reflector pairs missing";
struct TermsQuery {
  enum class Kind { kTerms, kAll };
  Kind kind = Kind::kAll;
  std::string terms;
  bool exact = false;
  bool uses_pairs = false;
};
std::optional<TermsQuery> PostgresTermsQuery(std::string_view tsquery_text);

// Reference snippet rules: every case-insensitive occurrence of `query` in `text` gives a
// candidate from 50 characters before it to 100 after its start (150 in all), stripped, with
// "..." where cut; a candidate starting before the previous one's end is dropped; at most
// `max_snippets`. When nothing matched and the query has several words, its first word is used.
// Characters are Unicode code points (UTF-8 in and out); case folding covers ASCII, Latin-1,
// Latin Extended-A, Greek and Cyrillic.
std::vector<std::string> GenerateSnippets(std::string_view text, std::string_view query,
                                          size_t max_snippets);

// Case-insensitive, non-overlapping occurrences of `query` in `text`.
int64_t CountMatches(std::string_view text, std::string_view query);

// Up to 2 snippets from the long summary, then up to 3 in all from the WebVTT's plain text; the
// match count is over both.
struct SearchSnippets {
  std::vector<std::string> snippets;
  int64_t total_match_count = 0;
};
SearchSnippets CombineSnippets(const std::optional<std::string>& long_summary,
                               const std::optional<std::string>& webvtt, std::string_view query);

}  // namespace reflector::store
