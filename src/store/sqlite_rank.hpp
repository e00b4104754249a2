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
//
// The FTS5 tokenizer `reflector_word_pairs PARENT ARGS...` (migration 11) wraps PARENT (here
// `porter unicode61 remove_diacritics 2`): a document gets PARENT's tokens and, at each token's
// position, the pair "previous next" of it and the token after it (a colocated token), so a
// phrase of two words is one term of the index instead of two position lists merged in every
// candidate row. A query string whose first byte is kWordPairsMarker is turned into the pairs
// of its tokens ("a b c" → "a b", "b c": a phrase of pairs at consecutive positions, which
// matches exactly where the words do); one token stays itself; unmarked strings are PARENT's.
#pragma once

namespace reflector::store {

inline constexpr int kRankMaxOccurrences = 16;
inline constexpr char kWordPairsMarker = '\x01';
inline constexpr char kWordPairSeparator = ' ';

// Registers reflector_rank and the reflector_word_pairs tokenizer on `db` (a sqlite3*, kept
// opaque so this header needs no SQLite). False when the connection's SQLite has no FTS5.
bool RegisterSqliteRank(void* db);

}  // namespace reflector::store
