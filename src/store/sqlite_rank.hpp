// The SQLite search rank (contract §8): an FTS5 auxiliary function `reflector_rank(fts, w...)`
// registered on every SQLite connection of the pool.
//
// It is FTS5's bm25 (k1 = 1.2, the same idf, column weights as arguments) with two differences:
// - no length normalisation (b = 0), as the reference's ts_rank(..., 32), which does not look
//   at a document's length either. It also keeps the rank from reading each match's size from
//   FTS5's docsize table: 6 of the 16 ms of a query for a word found in all of 10 000
//   transcripts (docs/performance.md).
// - a phrase's occurrences in a row are counted up to kRankMaxOccurrences (per phrase, over all
//   columns). bm25 reads every position of every match (the most frequent word of a
//   10 000-transcript benchmark occurs ~550 times in each transcript: 70 ms per query for the
//   rank alone); the saturating term-frequency part of bm25 changes little past a few dozen
//   occurrences, so rows with more tie and follow the query's own order (newest first).
// Returns the score, >= 0 (bm25() returns it negated).
#pragma once

namespace reflector::store {

inline constexpr int kRankMaxOccurrences = 16;

// Registers reflector_rank on `db` (a sqlite3*, kept opaque so this header needs no SQLite).
// False when the connection's SQLite has no FTS5.
bool RegisterSqliteRank(void* db);

}  // namespace reflector::store
