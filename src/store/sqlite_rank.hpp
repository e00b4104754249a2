// The SQLite search rank (contract §8): an FTS5 auxiliary function `reflector_rank(fts, w...)`
// registered on every SQLite connection of the pool.
//
// It computes PostgreSQL's ts_rank(vector, query, 32) — the reference's rank — from FTS5's
// positions, with the column weights as arguments (title 1.0, summary 0.4, captions 0.2: ts_rank's
// A, B, C): the formula ts_rank uses for a query of alternatives (calc_rank_or), also for words
// that must all occur (ts_rank compares their distances there; PostgreSQL does the same past
// its ranking window, docs/architecture.md). So both engines order a word's matches alike: a
// title mention above several in the summary, frequency raising the rank less and less. It
// replaced a bm25 whose length normalisation read each match's size from FTS5's docsize table
// (6 of the 16 ms of a query for a word in 10 000 transcripts) and whose idf read each word's
// doclist once more. A phrase's occurrences in a row are read up to kRankMaxOccurrences: the
// most frequent word of the 10 000-transcript benchmark occurs ~550 times in each transcript,
// and its j-th occurrence adds at most 1 / j^2 of a weight. Returns the score, >= 0.
//
// The FTS5 tokenizer `reflector_word_pairs PARENT ARGS...` (migration 11) wraps PARENT (here
// `porter unicode61 remove_diacritics 2`): a document gets PARENT's tokens and, at each token's
// position, the pair "previous next" of it and the token after it (a colocated token), so a
// phrase of two words is one term of the index instead of two position lists merged in every
// candidate row. A query string whose first byte is kWordPairsMarker is turned into the pairs
// of its tokens ("a b c" → "a b", "b c": a phrase of pairs at consecutive positions, which
// matches exactly where the words do); one token stays itself; unmarked strings are PARENT's.
// `reflector_capped_pairs CAP PARENT ARGS...` (migration 15) is the same but keeps a word at its
// first CAP positions in each column only; at the later ones its pair alone stands. A word
// found all through a transcript (the most frequent: ~550 times) then has a position list of
// 16 entries instead of 550 in each row, which is what a search of it reads (its presence, the
// rank's first occurrences); phrases, including an unquoted "e-mail", go through the pairs,
// which keep every position.
//
// The aggregate `reflector_page(limit, offset, score, recency, id)` returns one page of the rows
// it sees as JSON, `[["id", score], ...]`, in the order ORDER BY score DESC, recency DESC, id
// LIMIT limit OFFSET offset would give (keeping offset + limit rows in a heap), so that a search
// counts its matches and chooses its page in one pass: COUNT(*) beside it in the same SELECT.
#pragma once

namespace reflector::store {

inline constexpr int kRankMaxOccurrences = 16;
// The occurrences of a word per column that the index of migration 15 keeps
// (`reflector_capped_pairs 16 ...`). The rank reads a phrase's first kRankMaxOccurrences, all of
// them among the first kIndexedWordCap of each column, so it is exact; raising it past this
// needs a new migration that indexes again.
inline constexpr int kIndexedWordCap = 16;
static_assert(kRankMaxOccurrences <= kIndexedWordCap);
inline constexpr char kWordPairsMarker = '\x01';
inline constexpr char kWordPairSeparator = ' ';

// Registers reflector_rank, the reflector_word_pairs and reflector_capped_pairs tokenizers and
// reflector_page on `db` (a
// sqlite3*, kept opaque so this header needs no SQLite). False when the connection's SQLite has no
// FTS5.
bool RegisterSqliteRank(void* db);

}  // namespace reflector::store
