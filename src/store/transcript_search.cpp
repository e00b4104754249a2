#include "store/transcript_search.hpp"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <cctype>
#include <cstring>
#include <set>
#include <string>
#include <utility>

#include "store/internal/sql_text.hpp"
#include "store/sql.hpp"
#include "store/sqlite_rank.hpp"

namespace reflector::store {
namespace {

// --- UTF-8 as code points, keeping each one's byte offset so slices copy the original bytes ---

struct Decoded {
  std::u32string folded;        // lower-cased code points
  std::vector<size_t> offsets;  // byte offset of each code point, plus the end
};

char32_t Fold(char32_t c) {
  if (c < 0x80) return (c >= 'A' && c <= 'Z') ? c + 32 : c;
  if ((c >= 0xC0 && c <= 0xDE && c != 0xD7)) return c + 32;                  // Latin-1
  if (c >= 0x100 && c <= 0x17F && c != 0x130 && c != 0x131 && c != 0x138) {  // Latin Ext-A
    const bool odd_is_lower = (c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E);
    if (odd_is_lower) return (c % 2 == 1) ? c + 1 : c;
    return (c % 2 == 0) ? c + 1 : c;
  }
  if (c >= 0x391 && c <= 0x3AB && c != 0x3A2) return c + 32;  // Greek
  if (c >= 0x410 && c <= 0x42F) return c + 32;                // Cyrillic
  if (c >= 0x400 && c <= 0x40F) return c + 80;
  return c;
}

Decoded Decode(std::string_view s) {
  Decoded d;
  d.folded.reserve(s.size());
  d.offsets.reserve(s.size() + 1);
  size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    size_t len = 1;
    char32_t cp = 0xFFFD;
    if (b < 0x80) {
      cp = b;
    } else if ((b >> 5) == 0x6) {
      len = 2;
      cp = b & 0x1F;
    } else if ((b >> 4) == 0xE) {
      len = 3;
      cp = b & 0x0F;
    } else if ((b >> 3) == 0x1E) {
      len = 4;
      cp = b & 0x07;
    } else {
      len = 0;  // stray byte
    }
    bool ok = len > 0 && i + len <= s.size();
    for (size_t k = 1; ok && k < len; ++k) {
      const auto cb = static_cast<unsigned char>(s[i + k]);
      if ((cb >> 6) != 0x2) {
        ok = false;
      } else {
        cp = (cp << 6) | (cb & 0x3F);
      }
    }
    if (!ok) {
      cp = 0xFFFD;
      len = 1;
    }
    d.offsets.push_back(i);
    d.folded.push_back(Fold(cp));
    i += len;
  }
  d.offsets.push_back(s.size());
  return d;
}

std::vector<size_t> FindAll(const std::u32string& hay, const std::u32string& needle) {
  std::vector<size_t> out;
  if (needle.empty()) return out;
  for (size_t pos = hay.find(needle); pos != std::u32string::npos;
       pos = hay.find(needle, pos + needle.size())) {
    out.push_back(pos);
  }
  return out;
}

// Text ready for case-insensitive search. ASCII text (most transcripts) is kept as lower-cased
// bytes, where a byte is a code point; other text is decoded (4 + 8 bytes per code point).
struct Folded {
  bool ascii = true;
  std::string bytes;  // ascii
  Decoded decoded;    // !ascii
  size_t size() const { return ascii ? bytes.size() : decoded.folded.size(); }
  size_t Offset(size_t i) const { return ascii ? i : decoded.offsets[i]; }
};

// Eight ASCII bytes lower-cased at once (each byte's high bit clear): a byte gets 0x20 when it
// is at least 'A' and at most 'Z'. A page of 20 hits folds ~1 MB of captions; byte by byte this
// was 40% of the snippets' time.
uint64_t LowerAscii8(uint64_t w) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  constexpr uint64_t kHigh = 0x8080808080808080ULL;
  const uint64_t at_least_a = w + kOnes * (0x80 - 'A');
  const uint64_t above_z = w + kOnes * (0x80 - 'Z' - 1);
  return w | (((at_least_a & ~above_z) & kHigh) >> 2);
}

Folded FoldText(std::string_view s) {
  Folded f;
  f.bytes.resize(s.size());
  const char* in = s.data();
  char* out = f.bytes.data();
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, in + i, 8);
    if (w & 0x8080808080808080ULL) break;
    w = LowerAscii8(w);
    std::memcpy(out + i, &w, 8);
  }
  for (; i < s.size(); ++i) {
    const char c = in[i];
    if (c & 0x80) break;
    out[i] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
  }
  if (i < s.size()) {  // not ASCII
    f.ascii = false;
    f.bytes.clear();
    f.decoded = Decode(s);
  }
  return f;
}

// Appends the positions of `needle` in `hay`, not overlapping. string::find stops at every byte
// equal to the needle's first one (memchr, then memcmp): ~1 in 30 bytes of English text, which
// made counting a common word's matches in a page's captions 40% of the snippets' time. With
// SSE2, 16 positions are tested at once for the needle's first and last bytes together (the
// "generic SIMD" substring search), and only the rare positions holding both are compared.
void FindAscii(std::string_view hay, std::string_view needle, std::vector<size_t>& out) {
  const size_t n = needle.size();
  if (n == 0 || hay.size() < n) return;
  size_t i = 0;       // the next position to test
  size_t resume = 0;  // the first position not inside the last match
#if defined(__SSE2__)
  if (n > 1) {
    const __m128i first = _mm_set1_epi8(needle.front());
    const __m128i last = _mm_set1_epi8(needle.back());
    for (; i + n - 1 + 16 <= hay.size(); i += 16) {
      const auto* at_first = reinterpret_cast<const __m128i*>(hay.data() + i);
      const auto* at_last = reinterpret_cast<const __m128i*>(hay.data() + i + n - 1);
      auto mask = static_cast<unsigned>(
          _mm_movemask_epi8(_mm_and_si128(_mm_cmpeq_epi8(_mm_loadu_si128(at_first), first),
                                          _mm_cmpeq_epi8(_mm_loadu_si128(at_last), last))));
      for (; mask != 0; mask &= mask - 1) {
        const size_t at = i + static_cast<size_t>(__builtin_ctz(mask));
        if (at >= resume && std::memcmp(hay.data() + at + 1, needle.data() + 1, n - 2) == 0) {
          out.push_back(at);
          resume = at + n;
        }
      }
    }
  }
#endif
  for (size_t pos = hay.find(needle, std::max(i, resume)); pos != std::string_view::npos;
       pos = hay.find(needle, pos + n)) {
    out.push_back(pos);
  }
}

// Code point positions of `needle` (already folded) in `text`. An ASCII text holds no non-ASCII
// code point (Fold never maps between the two), so such a needle is not in it.
std::vector<size_t> FindAll(const Folded& text, const Folded& needle) {
  if (!text.ascii) {
    return FindAll(text.decoded.folded,
                   needle.ascii ? std::u32string(needle.bytes.begin(), needle.bytes.end())
                                : needle.decoded.folded);
  }
  std::vector<size_t> out;
  if (!needle.ascii || needle.bytes.empty()) return out;
  FindAscii(text.bytes, needle.bytes, out);
  return out;
}

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::string_view Strip(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

void ReplaceAll(std::string& text, std::string_view from, std::string_view to) {
  for (size_t pos = text.find(from); pos != std::string::npos;
       pos = text.find(from, pos + to.size())) {
    text.replace(pos, from.size(), to);
  }
}

constexpr size_t kContextBefore = 50;
constexpr size_t kSnippetLength = 150;
constexpr size_t kMaxSnippets = 3;
constexpr size_t kMaxSummarySnippets = 2;

// --- the websearch syntax ---

// True when `item` holds something FTS5's unicode61 tokenizer keeps as a token: an ASCII letter
// or digit, or a non-ASCII code point outside the common punctuation and symbol blocks (an FTS5
// phrase without tokens would make a whole AND fail).
bool HasWordCharacter(std::string_view item) {
  const Decoded d = Decode(item);
  for (char32_t c : d.folded) {
    if (c < 0x80) {
      if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) return true;
      continue;
    }
    const bool punctuation = (c >= 0x80 && c <= 0xBF) || c == 0xD7 || c == 0xF7 ||
                             (c >= 0x2000 && c <= 0x2BFF) || (c >= 0x3000 && c <= 0x303F) ||
                             (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF00 && c <= 0xFF0F) ||
                             (c >= 0xFF1A && c <= 0xFF20) || c == 0xFFFD;
    if (!punctuation) return true;
  }
  return false;
}

// An FTS5 string. A phrase's starts with kWordPairsMarker, which the index's tokenizer turns
// into the pairs of its words (store/sqlite_rank.hpp); so does an unquoted item with anything
// but ASCII letters and digits, which FTS5 may split into a phrase where Tokenize did not (at
// U+2014, say): the index keeps a frequent word at its first positions only, and its pairs at
// every position.
std::string Fts5String(std::string_view text, bool phrase = false) {
  const bool one_word = std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  });
  std::string out = "\"";
  if (phrase || !one_word) out += kWordPairsMarker;
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

struct Item {
  std::string text;
  bool quoted = false;  // a "phrase"
  bool negated = false;
  bool is_or = false;  // the OR operator
};

std::vector<Item> Tokenize(std::string_view q) {
  std::vector<Item> items;
  size_t i = 0;
  while (i < q.size()) {
    if (IsSpace(q[i])) {
      ++i;
      continue;
    }
    bool negated = false;
    if (q[i] == '-') {
      negated = true;
      ++i;
      if (i >= q.size() || IsSpace(q[i])) continue;  // a lone "-" is punctuation
    }
    Item item;
    item.negated = negated;
    if (q[i] == '"') {
      const size_t close = q.find('"', i + 1);  // unbalanced: the phrase runs to the end
      const size_t end = close == std::string_view::npos ? q.size() : close;
      item.text = std::string(q.substr(i + 1, end - i - 1));
      item.quoted = true;
      i = close == std::string_view::npos ? q.size() : close + 1;
    } else {
      size_t end = i;
      while (end < q.size() && !IsSpace(q[end]) && q[end] != '"') ++end;
      const std::string word(q.substr(i, end - i));
      i = end;
      if (!negated && (word == "OR" || word == "or")) {
        item.is_or = true;
        items.push_back(std::move(item));
        continue;
      }
      // Like PostgreSQL's parser, ASCII punctuation separates words ("title:budget" is two
      // terms, ANDed); a negation applies to each of them.
      size_t start = 0;
      for (size_t k = 0; k <= word.size(); ++k) {
        const bool cut = k == word.size() || (static_cast<unsigned char>(word[k]) < 0x80 &&
                                              !std::isalnum(static_cast<unsigned char>(word[k])));
        if (!cut) continue;
        if (k > start) {
          Item piece;
          piece.negated = negated;
          piece.text = word.substr(start, k - start);
          items.push_back(std::move(piece));
        }
        start = k + 1;
      }
      continue;
    }
    items.push_back(std::move(item));
  }
  return items;
}

// ASCII letters, digits and spaces only: websearch_to_tsquery makes one lexeme (or none, for a
// stop word) of each word and joins them with & (| for OR); no phrase, negation or compound
// token (a hyphenated word, a URL, "a.b" become phrases of their parts).
bool PlainWords(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) {
    return c == ' ' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  });
}

std::string Join(const std::vector<std::string>& parts, std::string_view op) {
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out += op;
    out += p;
  }
  return out;
}

// --- SQL ---

constexpr std::string_view kColumns =
    "t.id, t.title, t.user_id, t.room_id, "
    "CASE WHEN t.room_id IS NOT NULL AND r.id IS NULL THEN 'Deleted Room' ELSE r.name END, "
    "t.source_kind, t.created_at, t.status, t.duration, t.long_summary, t.webvtt, t.change_seq";
// Without a query there are no snippets: the long texts are not read.
constexpr std::string_view kColumnsWithoutTexts =
    "t.id, t.title, t.user_id, t.room_id, "
    "CASE WHEN t.room_id IS NOT NULL AND r.id IS NULL THEN 'Deleted Room' ELSE r.name END, "
    "t.source_kind, t.created_at, t.status, t.duration, NULL, NULL, t.change_seq";
constexpr size_t kColumnCount = CountColumns(kColumns) + 2;  // + rank, total

// PostgreSQL: the candidates come from the GIN index over search_terms_en (migration 12) with
// the query of PostgresTermsQuery, bound as :terms; kPostgresCheck* is added when that query
// is not exact. `query` (websearch_to_tsquery of :q) is what the vector is checked and ranked by.
// The room is not joined: the visibility of a shared room's transcript is a hashed subplan
// (kInSharedRoom), not a room lookup per match (1.5 ms of 10 000 matches).
constexpr std::string_view kPostgresMatchFrom =
    " FROM transcript t CROSS JOIN websearch_to_tsquery('english', CAST(:q AS TEXT)) AS query";
constexpr std::string_view kPostgresTerms = "t.search_terms_en @@ CAST(:terms AS tsquery)";
constexpr std::string_view kPostgresCheckAll = " AND t.search_vector_en @@ query";
constexpr std::string_view kPostgresCheckPairsMissing =
    " AND (NOT t.search_pairs_missing OR t.search_vector_en @@ query)";
// A query of plain words (PlainWords): its own lexemes, & and |, exact on the terms.
constexpr std::string_view kPostgresTermsOfQuery = "t.search_terms_en @@ query";
// No terms narrow the query (PostgresTermsQuery: kAll): every row's vector is read.
constexpr std::string_view kPostgresEveryVector = "t.search_vector_en @@ query";

// PostgreSQL: ts_rank(vector, q || q, 32) — the rank of the query's words as alternatives —
// from the parts of the vector holding q's lexemes (transcript_search_part, migration 13), not
// the whole vector: ~1 KB each instead of 31 KB from TOAST for a 5 000-word transcript. `qp` is
// kPostgresQueryParts (qp.alternatives is q || q, computed once: 0.2 ms of 2.7 for 500 rows);
// the unnormalised ranks (method 0) of the parts add up to the vector's
// (calc_rank_or sums each query word's score and divides by the query's word count, which is
// the same for every part), then s / (s + 1) as method 32. Equal to ts_rank on the whole vector
// up to float rounding (tested).
std::string PostgresPartsRank(std::string_view id) {
  return "(SELECT x.s / (x.s + 1) FROM (SELECT COALESCE(SUM(CAST("
         "ts_rank(sp.vector, qp.alternatives, 0) AS FLOAT8)), 0) AS s"
         " FROM transcript_search_part sp WHERE sp.transcript_id = " +
         std::string(id) + " AND sp.part = ANY(qp.parts)) x)";
}
// The created_at from which the ranking window looks first (PostgreSQL): that of the
// `rows`-th newest transcript, read backwards from the created_at index. When that many
// transcripts hold at least a window of matches — a word found in a quarter of them or more,
// with rows = 4 windows — the window is chosen among those matches alone, and only they are
// sorted: 2 000 instead of 10 000 for a word found in every transcript (8.1 → 6.8 ms for the
// candidate step in psql); otherwise among all of them. Either way it is the newest matches.
// (OFFSET 0: the bound is read once, not once for each of its two uses.)
std::string PostgresRecentBound(int rows) {
  return " CROSS JOIN (SELECT COALESCE((SELECT created_at FROM transcript"
         " ORDER BY created_at DESC OFFSET " +
         std::to_string(rows - 1) +
         " LIMIT 1), CAST('-infinity' AS TIMESTAMPTZ)) AS recent_from OFFSET 0) recent";
}
// The query and its lexemes' parts, computed once (OFFSET 0 keeps the subquery from being
// pulled up into the per-row expressions).
constexpr std::string_view kPostgresQueryParts =
    "(SELECT query, query || query AS alternatives, reflector_query_parts(query) AS parts"
    " FROM websearch_to_tsquery('english', CAST(:q_rank AS TEXT)) AS query OFFSET 0) qp";

// The suffix of a placeholder that binds a value of the match condition a second time in one
// statement (internal::RenamePlaceholders; read_slice binds it).
constexpr std::string_view kAgain = "_again";

// The visibility of another user's transcript to a query that does not join its room.
constexpr std::string_view kInSharedRoom =
    "t.room_id IN (SELECT id FROM room WHERE is_shared = TRUE)";

// SQLite: the candidates come from FTS5 and transcript_search_doc alone, aliased `t` since the
// doc row carries the transcript's filter and sort keys under the same names (migration 10);
// its id is t.transcript_id. Its score is kSqliteScore.
constexpr std::string_view kSqliteMatchFrom =
    " FROM transcript_fts JOIN transcript_search_doc t ON t.docid = transcript_fts.rowid"
    " WHERE transcript_fts MATCH :q";
constexpr std::string_view kSqliteScore = "reflector_rank(transcript_fts, 1.0, 0.4, 0.2)";
// reflector_rank's score turned into 0..1 as ts_rank's normalization 32 does.
constexpr std::string_view kSqliteRankOf = "MAX(p.score, 0.0) / (MAX(p.score, 0.0) + 1.0)";

constexpr std::string_view kSqliteExcludeFrom =
    " FROM transcript t LEFT JOIN room r ON r.id = t.room_id"
    " WHERE t.id NOT IN (SELECT d.transcript_id FROM transcript_fts"
    " JOIN transcript_search_doc d ON d.docid = transcript_fts.rowid"
    " WHERE transcript_fts MATCH :q)";

constexpr std::string_view kAllFrom =
    " FROM transcript t LEFT JOIN room r ON r.id = t.room_id WHERE 1 = 1";

Result<TranscriptSearchHit> ReadHit(SqlRow& row) {
  RowReader r(row);
  TranscriptSearchHit h;
  h.id = r.Text();
  h.title = r.OptText();
  h.user_id = r.OptText();
  h.room_id = r.OptText();
  h.room_name = r.OptText();
  h.source_kind = r.Text();
  h.created_at = r.Time();
  h.status = r.Text();
  h.duration = r.Real();
  h.long_summary = r.TakeOptText();
  h.webvtt = r.TakeOptText();
  h.change_seq = r.Int();
  h.rank = std::clamp(r.Real(), 0.0, 1.0);
  (void)r.Int();  // total, read by the caller
  REFLECTOR_RETURN_IF_ERROR(r.Finish());
  return h;
}

// Appends the hits of `rows` (kColumnCount columns each, as ReadHit reads them) to `hits`,
// moving their summaries and captions out of the rows.
Status AppendHits(std::vector<SqlRow>& rows, std::vector<TranscriptSearchHit>& hits) {
  for (auto& row : rows) {
    auto hit = ReadHit(row);
    if (!hit) return Err(std::move(hit.error()));
    hits.push_back(std::move(*hit));
  }
  return Ok();
}

}  // namespace

std::string ValidUtf8(std::string_view text) {
  const Decoded d = Decode(text);
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < d.folded.size(); ++i) {
    const size_t begin = d.offsets[i];
    const size_t length = d.offsets[i + 1] - begin;
    const auto lead = static_cast<unsigned char>(text[begin]);
    const bool invalid = length == 1 && lead >= 0x80;
    if (invalid) {
      out += "\xEF\xBF\xBD";  // U+FFFD
    } else {
      out.append(text.substr(begin, length));
    }
  }
  return out;
}

namespace {

// One WebVTT line: where it ends (its '\n', or the text's end) and which of the bytes the
// caption rule looks for it holds. The last '&' or '<' is kept so that, once a leading <v Name>
// tag is cut off, whether the rest holds one is known without another search.
struct VttLine {
  size_t end = 0;
  bool has_cr = false;
  bool has_dash = false;                        // a "-->" is possible
  size_t last_markup = std::string_view::npos;  // the last '&' or '<', absolute
};

void NoteByte(VttLine& line, char c, size_t at) {
  if (c == '\r') {
    line.has_cr = true;
  } else if (c == '-') {
    line.has_dash = true;
  } else if (c == '&' || c == '<') {
    line.last_markup = at;
  }
}

// Scans the line that starts at `start` once. Five searches per line (memchr for the end, '\r',
// "-->", '&', '<') were 60% of a search hit's text work; with SSE2, 16 bytes are compared at
// once against all five.
VttLine ScanVttLine(std::string_view s, size_t start) {
  VttLine line;
  size_t i = start;
#if defined(__SSE2__)
  const __m128i newline = _mm_set1_epi8('\n');
  const __m128i cr = _mm_set1_epi8('\r');
  const __m128i dash = _mm_set1_epi8('-');
  const __m128i amp = _mm_set1_epi8('&');
  const __m128i lt = _mm_set1_epi8('<');
  for (; i + 16 <= s.size(); i += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + i));
    const auto ends = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, newline)));
    auto special = static_cast<unsigned>(_mm_movemask_epi8(
        _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, cr), _mm_cmpeq_epi8(v, dash)),
                     _mm_or_si128(_mm_cmpeq_epi8(v, amp), _mm_cmpeq_epi8(v, lt)))));
    if (ends != 0) special &= (ends & (0u - ends)) - 1;  // only the bytes before the '\n'
    for (; special != 0; special &= special - 1) {
      const size_t at = i + static_cast<size_t>(__builtin_ctz(special));
      NoteByte(line, s[at], at);
    }
    if (ends != 0) {
      line.end = i + static_cast<size_t>(__builtin_ctz(ends));
      return line;
    }
  }
#endif
  for (; i < s.size(); ++i) {
    if (s[i] == '\n') break;
    NoteByte(line, s[i], i);
  }
  line.end = i;
  return line;
}

}  // namespace

std::string WebVttPlainText(std::string_view webvtt) {
  std::string out;
  out.reserve(webvtt.size() / 2);
  std::string copy;     // a line with CRs, without them
  std::string decoded;  // a caption with </v> or entities, rewritten
  bool in_cue = false;  // after a timing line, before the next blank line
  size_t start = 0;
  while (start <= webvtt.size()) {
    const VttLine scan = ScanVttLine(webvtt, start);
    const size_t end = scan.end;
    std::string_view line = webvtt.substr(start, end - start);
    // The last '&' or '<' of `line` (npos: none): such a caption is decoded.
    size_t last_markup = scan.last_markup == std::string_view::npos ? std::string_view::npos
                                                                    : scan.last_markup - start;
    start = end + 1;
    // Most lines are kept as they are, without a copy (a search builds this text for every hit).
    if (scan.has_cr) {
      copy.assign(line);
      std::erase(copy, '\r');
      line = copy;
      last_markup = line.find_last_of("&<");
    }
    if (TrimSpaces(line).empty()) {
      in_cue = false;
    } else if (scan.has_dash && line.find("-->") != std::string_view::npos) {
      in_cue = true;
    } else if (in_cue) {
      if (line.starts_with("<v") && line.find('>') != std::string_view::npos) {
        const size_t cut = line.find('>') + 1;
        line.remove_prefix(cut);
        last_markup = last_markup != std::string_view::npos && last_markup >= cut
                          ? last_markup - cut
                          : std::string_view::npos;
      }
      if (last_markup != std::string_view::npos) {
        decoded.assign(line);  // `line` may be in `copy`, never in `decoded`
        ReplaceAll(decoded, "</v>", "");
        ReplaceAll(decoded, "&lt;", "<");
        ReplaceAll(decoded, "&gt;", ">");
        ReplaceAll(decoded, "&nbsp;", " ");
        ReplaceAll(decoded, "&amp;", "&");
        line = decoded;
      }
      const std::string_view text = TrimSpaces(line);
      if (!text.empty()) {
        if (!out.empty()) out += ' ';
        out += text;
      }
    }
    if (end == webvtt.size()) break;
  }
  return out;
}

Fts5Query WebsearchToFts5(std::string_view query) {
  // Groups separated by OR; each group ANDs its positive items and subtracts its negated ones.
  struct Group {
    std::vector<std::string> positive;
    std::vector<std::string> negative;
  };
  std::vector<Group> groups(1);
  for (const Item& item : Tokenize(query)) {
    if (item.is_or) {
      if (!groups.back().positive.empty() || !groups.back().negative.empty()) groups.emplace_back();
      continue;
    }
    if (!HasWordCharacter(item.text)) continue;
    (item.negated ? groups.back().negative : groups.back().positive)
        .push_back(Fts5String(item.text, item.quoted));
  }
  std::vector<std::string> alternatives;
  std::vector<std::string> excluded;  // negations of groups that have no positive item
  for (const auto& g : groups) {
    if (g.positive.empty()) {
      if (!g.negative.empty()) excluded.push_back("(" + Join(g.negative, " OR ") + ")");
      continue;
    }
    std::string expr = "(" + Join(g.positive, " AND ") + ")";
    for (const auto& n : g.negative) expr = "(" + expr + " NOT " + n + ")";
    alternatives.push_back(expr);
  }
  Fts5Query out;
  out.match = Join(alternatives, " OR ");
  // FTS5 has no unary NOT. A query of negations only is answered as "every document except
  // those matching `exclude`": `-a -b` excludes (a OR b), `-a OR -b` excludes (a AND b), as
  // PostgreSQL's !a & !b and !a | !b. A query mixing both ("-a OR b", PostgreSQL: !a | b) keeps
  // its positive alternatives only.
  if (out.match.empty()) out.exclude = Join(excluded, " AND ");
  return out;
}

namespace {

// --- PostgresTermsQuery: a tsquery's text form read into a tree, then translated ---

struct TsNode {
  enum class Kind { kLexeme, kNot, kAnd, kOr, kPhrase };
  Kind kind = Kind::kLexeme;
  std::string lexeme;  // kLexeme, unescaped
  bool plain = true;   // kLexeme: no `:*` or weight suffix
  int distance = 1;    // kPhrase: <-> is 1, <N> is N
  std::vector<TsNode> children;
};

// PostgreSQL's output of a tsquery: quoted lexemes ('' and \\ escaped), an optional `:*AB`
// suffix, `!`, `<->` / `<N>`, `&`, `|` (binding in that order, tighter first) and parentheses.
class TsReader {
 public:
  explicit TsReader(std::string_view text) : s_(text) {}

  std::optional<TsNode> Read() {
    auto node = Or(0);
    Skip();
    if (!node || pos_ != s_.size()) return std::nullopt;
    return node;
  }

 private:
  static constexpr int kMaxDepth = 64;
  static constexpr int kMaxNodes = 4096;

  void Skip() {
    while (pos_ < s_.size() && s_[pos_] == ' ') ++pos_;
  }
  bool Eat(char c) {
    Skip();
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  // Children are moved in (an initializer list would copy each subtree: quadratic).
  std::optional<TsNode> Make(TsNode::Kind kind, TsNode* first = nullptr, TsNode* second = nullptr,
                             int distance = 1) {
    if (++nodes_ > kMaxNodes) return std::nullopt;
    TsNode node;
    node.kind = kind;
    node.distance = distance;
    for (TsNode* child : {first, second}) {
      if (child != nullptr) node.children.push_back(std::move(*child));
    }
    return node;
  }
  std::optional<TsNode> Or(int depth) {
    auto left = And(depth);
    while (left && Eat('|')) {
      auto right = And(depth);
      if (!right) return std::nullopt;
      left = Make(TsNode::Kind::kOr, &*left, &*right);
    }
    return left;
  }
  std::optional<TsNode> And(int depth) {
    auto left = Phrase(depth);
    while (left && Eat('&')) {
      auto right = Phrase(depth);
      if (!right) return std::nullopt;
      left = Make(TsNode::Kind::kAnd, &*left, &*right);
    }
    return left;
  }
  std::optional<TsNode> Phrase(int depth) {
    auto left = Unary(depth);
    while (left && Eat('<')) {
      int distance = 0;
      if (pos_ < s_.size() && s_[pos_] == '-') {
        ++pos_;
        distance = 1;
      } else {
        size_t digits = 0;
        while (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_])) &&
               digits < 5) {
          distance = distance * 10 + (s_[pos_++] - '0');
          ++digits;
        }
        if (digits == 0) return std::nullopt;
      }
      if (pos_ >= s_.size() || s_[pos_] != '>') return std::nullopt;
      ++pos_;
      auto right = Unary(depth);
      if (!right) return std::nullopt;
      left = Make(TsNode::Kind::kPhrase, &*left, &*right, distance);
    }
    return left;
  }
  std::optional<TsNode> Unary(int depth) {
    if (depth > kMaxDepth) return std::nullopt;
    if (Eat('!')) {
      auto child = Unary(depth + 1);
      if (!child) return std::nullopt;
      return Make(TsNode::Kind::kNot, &*child);
    }
    if (Eat('(')) {
      auto inner = Or(depth + 1);
      if (!inner || !Eat(')')) return std::nullopt;
      return inner;
    }
    if (!Eat('\'')) return std::nullopt;
    auto node = Make(TsNode::Kind::kLexeme);
    if (!node) return std::nullopt;
    for (;;) {
      if (pos_ >= s_.size()) return std::nullopt;
      const char c = s_[pos_++];
      if (c == '\\') {
        if (pos_ >= s_.size()) return std::nullopt;
        node->lexeme += s_[pos_++];
      } else if (c == '\'') {
        if (pos_ < s_.size() && s_[pos_] == '\'') {
          node->lexeme += '\'';
          ++pos_;
        } else {
          break;
        }
      } else {
        node->lexeme += c;
      }
    }
    if (pos_ < s_.size() && s_[pos_] == ':') {
      node->plain = false;
      ++pos_;
      while (pos_ < s_.size() && std::strchr("*ABCDabcd", s_[pos_]) != nullptr) ++pos_;
    }
    return node;
  }

  std::string_view s_;
  size_t pos_ = 0;
  int nodes_ = 0;
};

// A lexeme as a tsquery operand.
std::string QuoteLexeme(std::string_view lexeme) {
  std::string out = "'";
  for (char c : lexeme) {
    if (c == '\'' || c == '\\') out += c;
    out += c;
  }
  return out + "'";
}

// A condition over search_terms_en: a constant (an approximation: the translation of what
// the terms cannot express) or a tsquery operand.
struct TermsCond {
  enum class Kind { kTrue, kFalse, kExpr };
  Kind kind = Kind::kTrue;
  std::string text;
  bool exact = false;
  bool pairs = false;
};

TermsCond Constant(bool value) {
  return {value ? TermsCond::Kind::kTrue : TermsCond::Kind::kFalse, "", false, false};
}

TermsCond Combine(TermsCond a, TermsCond b, bool conjunction) {
  using K = TermsCond::Kind;
  const K absorbing = conjunction ? K::kFalse : K::kTrue;
  const K neutral = conjunction ? K::kTrue : K::kFalse;
  if (a.kind == absorbing || b.kind == absorbing) return Constant(!conjunction);
  if (a.kind == neutral) {
    b.exact = false;
    return b;
  }
  if (b.kind == neutral) {
    a.exact = false;
    return a;
  }
  return {K::kExpr, "(" + a.text + (conjunction ? " & " : " | ") + b.text + ")", a.exact && b.exact,
          a.pairs || b.pairs};
}

// The lexeme of two adjacent lexemes, as reflector_search_terms (migration 12) writes it;
// nullopt for pairs it leaves out (2 000 bytes or more).
std::optional<std::string> PairLexeme(const std::string& a, const std::string& b) {
  if (a.size() + b.size() >= 2000) return std::nullopt;
  return a + " " + b;
}

// `node` translated: with `positive`, a condition every row matching `node` satisfies; without,
// one that only rows matching `node` satisfy (under an odd number of `!`). `exact`: both.
TermsCond Translate(const TsNode& node, bool positive) {
  using K = TsNode::Kind;
  static const std::string missing = QuoteLexeme(kPairsMissingLexeme);
  switch (node.kind) {
    case K::kLexeme:
      if (!node.plain) return Constant(positive);
      return {TermsCond::Kind::kExpr, QuoteLexeme(node.lexeme), true, false};
    case K::kNot: {
      TermsCond inner = Translate(node.children[0], !positive);
      if (inner.kind == TermsCond::Kind::kTrue) return Constant(false);
      if (inner.kind == TermsCond::Kind::kFalse) return Constant(true);
      inner.text = "!" + inner.text;
      return inner;
    }
    case K::kAnd:
    case K::kOr:
      return Combine(Translate(node.children[0], positive), Translate(node.children[1], positive),
                     node.kind == K::kAnd);
    case K::kPhrase:
      break;
  }
  // A phrase: a chain of plain lexemes, left to right (PostgreSQL prints a phrase that way).
  std::vector<const TsNode*> lexemes;
  std::vector<int> distances;  // distances[i]: from lexemes[i] to lexemes[i + 1]
  const TsNode* at = &node;
  while (at->kind == K::kPhrase) {
    const TsNode& right = at->children[1];
    if (right.kind != K::kLexeme || !right.plain) return Constant(positive);
    lexemes.push_back(&right);
    distances.push_back(at->distance);
    at = &at->children[0];
  }
  if (at->kind != K::kLexeme || !at->plain) return Constant(positive);
  lexemes.push_back(at);
  std::reverse(lexemes.begin(), lexemes.end());
  std::reverse(distances.begin(), distances.end());
  std::vector<std::optional<std::string>> pairs(distances.size());
  for (size_t i = 0; i < distances.size(); ++i) {
    if (distances[i] == 1) pairs[i] = PairLexeme(lexemes[i]->lexeme, lexemes[i + 1]->lexeme);
  }
  if (lexemes.size() == 2 && pairs[0]) {
    // Exact: the row holds the pair, or (rows without pairs) is checked on its vector.
    const std::string pair = QuoteLexeme(*pairs[0]);
    return {TermsCond::Kind::kExpr,
            positive ? "(" + pair + " | " + missing + ")" : "(" + pair + " & !" + missing + ")",
            true, true};
  }
  if (!positive) return Constant(false);
  TermsCond all = Constant(true);
  for (size_t i = 0; i < lexemes.size(); ++i) {
    const bool paired = (i > 0 && pairs[i - 1]) || (i < pairs.size() && pairs[i]);
    if (!paired) {
      all = Combine(all, {TermsCond::Kind::kExpr, QuoteLexeme(lexemes[i]->lexeme), true, false},
                    true);
    }
    if (i < pairs.size() && pairs[i]) {
      all = Combine(all,
                    {TermsCond::Kind::kExpr, "(" + QuoteLexeme(*pairs[i]) + " | " + missing + ")",
                     true, true},
                    true);
    }
  }
  all.exact = false;
  return all;
}

}  // namespace

std::optional<TermsQuery> PostgresTermsQuery(std::string_view tsquery_text) {
  auto tree = TsReader(tsquery_text).Read();
  if (!tree) return std::nullopt;
  const TermsCond cond = Translate(*tree, true);
  TermsQuery out;
  if (cond.kind != TermsCond::Kind::kExpr) return out;  // kAll
  out.kind = TermsQuery::Kind::kTerms;
  out.terms = cond.text;
  out.exact = cond.exact;
  out.uses_pairs = cond.pairs;
  return out;
}

int64_t CountMatches(std::string_view text, std::string_view query) {
  if (text.empty() || query.empty()) return 0;
  return static_cast<int64_t>(FindAll(FoldText(text), FoldText(query)).size());
}

namespace {

// GenerateSnippets on text already decoded (CombineSnippets decodes each text once).
// `matches`: FindAll(t, FoldText(query)) when the caller has it (CombineSnippets counts them).
std::vector<std::string> SnippetsIn(std::string_view text, const Folded& t, std::string_view query,
                                    size_t max_snippets,
                                    const std::vector<size_t>* matches = nullptr) {
  std::vector<std::string> out;
  if (text.empty() || query.empty() || max_snippets == 0) return out;
  const size_t length = t.size();
  size_t last_end = 0;
  std::vector<size_t> found;
  if (matches == nullptr) found = FindAll(t, FoldText(query));
  for (size_t pos : matches != nullptr ? *matches : found) {
    if (out.size() >= max_snippets) break;
    const size_t start = pos > kContextBefore ? pos - kContextBefore : 0;
    const size_t end = std::min(length, pos + kSnippetLength - kContextBefore);
    if (start < last_end) continue;
    std::string_view raw = text.substr(t.Offset(start), t.Offset(end) - t.Offset(start));
    std::string display(Strip(raw));
    if (display.empty()) continue;
    if (start > 0) display = "..." + display;
    if (end < length) display += "...";
    out.push_back(std::move(display));
    last_end = end;
  }
  if (out.empty() && query.find(' ') != std::string_view::npos) {
    const std::string_view stripped = Strip(query);
    const std::string_view first = stripped.substr(0, stripped.find_first_of(" \t\n\r\f\v"));
    if (!first.empty() && first != query) return SnippetsIn(text, t, first, max_snippets);
  }
  return out;
}

}  // namespace

std::vector<std::string> GenerateSnippets(std::string_view text, std::string_view query,
                                          size_t max_snippets) {
  if (text.empty() || query.empty() || max_snippets == 0) return {};
  return SnippetsIn(text, FoldText(text), query, max_snippets);
}

SearchSnippets CombineSnippets(const std::optional<std::string>& long_summary,
                               const std::optional<std::string>& webvtt, std::string_view query) {
  SearchSnippets out;
  if (query.empty()) return out;
  const Folded needle = FoldText(query);
  std::string plain;
  if (webvtt && !webvtt->empty()) plain = WebVttPlainText(*webvtt);
  const Folded plain_folded = FoldText(plain);
  const std::vector<size_t> plain_matches = FindAll(plain_folded, needle);
  out.total_match_count = static_cast<int64_t>(plain_matches.size());
  if (long_summary && !long_summary->empty()) {
    const Folded summary = FoldText(*long_summary);
    const std::vector<size_t> summary_matches = FindAll(summary, needle);
    out.total_match_count += static_cast<int64_t>(summary_matches.size());
    out.snippets = SnippetsIn(*long_summary, summary, query, kMaxSummarySnippets, &summary_matches);
  }
  if (out.snippets.size() < kMaxSnippets && !plain.empty()) {
    for (auto& s : SnippetsIn(plain, plain_folded, query, kMaxSnippets - out.snippets.size(),
                              &plain_matches)) {
      out.snippets.push_back(std::move(s));
    }
  }
  return out;
}

namespace {

// PostgreSQL: the WHERE condition of a text query (kPostgresMatchFrom's `query` is its
// websearch_to_tsquery), binding :terms in `params` when it needs them; nullopt when the query
// has no lexeme (stop words only: nothing matches).
Result<std::optional<std::string>> PostgresCondition(Session& session, const std::string& text,
                                                     SqlParams& params) {
  // Words only: websearch_to_tsquery joins their lexemes with & and |, which the terms answer
  // exactly as they are, without a round trip for the query's text form (0.6 ms of a rare
  // word's 3.5 ms).
  if (PlainWords(text)) return std::optional<std::string>(kPostgresTermsOfQuery);
  auto form =
      Query(session, "SELECT CAST(websearch_to_tsquery('english', CAST(:q AS TEXT)) AS TEXT)",
            SqlParams().Text("q", text), 1);
  if (!form) return Err(std::move(form.error()));
  const std::string tsquery = form->empty() ? "" : form->front()[0].value_or("");
  if (tsquery.empty()) return std::optional<std::string>();
  const auto terms = PostgresTermsQuery(tsquery);
  if (!terms || terms->kind == TermsQuery::Kind::kAll) {
    return std::optional<std::string>(kPostgresEveryVector);
  }
  params.Text("terms", terms->terms);
  std::string condition(kPostgresTerms);
  if (!terms->exact) {
    condition += kPostgresCheckAll;
  } else if (terms->uses_pairs) {
    condition += kPostgresCheckPairsMissing;
  }
  return std::optional<std::string>(std::move(condition));
}

Result<TranscriptSearchPage> RunSearch(Session& session, const TranscriptSearchQuery& query) {
  const bool pg = session.dialect() == Dialect::kPostgres;
  const std::string text = ValidUtf8(query.text);
  SqlParams params;
  std::string from;
  std::string score = "0.0";  // SQLite: the sort key of a ranked query (reflector_rank's score)
  std::string id_column = "t.id";
  // The visibility of another user's transcript: its room is shared.
  std::string in_shared_room = "r.is_shared = TRUE";
  // PostgreSQL: extra FROM items of the ranking window's query only, before its WHERE.
  std::string window_joins;
  std::string where;  // PostgreSQL: the WHERE of a text query's matches
  if (!text.empty()) {
    if (pg) {
      auto condition = PostgresCondition(session, text, params);
      if (!condition) return Err(std::move(condition.error()));
      if (!*condition) return TranscriptSearchPage{};  // stop words only: nothing matches
      from = kPostgresMatchFrom;
      where = " WHERE " + **condition;
      window_joins = PostgresRecentBound(4 * std::max(1, query.rank_window));
      in_shared_room = kInSharedRoom;
      params.Text("q", text);
    } else {
      const Fts5Query fts = WebsearchToFts5(text);
      if (!fts.match.empty()) {
        from = kSqliteMatchFrom;
        score = kSqliteScore;
        id_column = "t.transcript_id";
        in_shared_room = kInSharedRoom;
        params.Text("q", fts.match);
      } else if (!fts.exclude.empty()) {
        from = kSqliteExcludeFrom;
        params.Text("q", fts.exclude);
      } else {
        return TranscriptSearchPage{};  // nothing searchable (punctuation only)
      }
    }
  } else {
    from = kAllFrom;
  }
  std::string filters;
  if (query.user_id) {
    filters += " AND (t.user_id = :user_id OR " + in_shared_room + ")";
    params.Text("user_id", *query.user_id);
  }
  if (query.room_id) {
    filters += " AND t.room_id = :room_id";
    params.Text("room_id", *query.room_id);
  }
  if (query.source_kind) {
    filters += " AND t.source_kind = :source_kind";
    params.Text("source_kind", *query.source_kind);
  }
  if (query.from) {
    filters += " AND t.created_at >= :from_time";
    params.Time("from_time", *query.from);
  }
  if (query.to) {
    filters += " AND t.created_at <= :to_time";
    params.Time("to_time", *query.to);
  }
  // The ranking window's query (PostgreSQL) joins the bound of its recent matches.
  const std::string window_from = from + window_joins + where + filters;
  from += where + filters;
  // The page is chosen on narrow rows (id, score, sort keys) and only its transcripts are read
  // whole: sorting every match with its WebVTT made a query over 500 long transcripts take
  // 200 ms on SQLite. With a text query the score is computed once per match in an inner query
  // (PostgreSQL: fenced by OFFSET 0, else ts_rank ran for the sort and the select list, each
  // time detoasting the vector) and ORDER BY ... LIMIT keeps only the page's rows while sorting
  // (a window COUNT(*) OVER () or ROW_NUMBER() would materialise and sort every match: 30 ms
  // instead of 13 on SQLite for 10 000 matches). On SQLite a text query's total comes from the
  // pass that chooses its page (reflector_page, below), and the listing's from a separate COUNT
  // on the covering index; on PostgreSQL it comes with the ranking window (below).
  const bool ranked = !text.empty();
  const std::string columns(ranked ? kColumns : kColumnsWithoutTexts);
  TranscriptSearchPage page;
  // Appends one slice of the result: `candidates` yields (page_id, recency, score), sorted by
  // score then recency or by recency alone (recency: created_at, or any key that sorts the same
  // way, newest first); `rank` is the rank shown (over the outer `p` and
  // `t`). A second use of the query text is bound as :q_rank (SOCI's PostgreSQL backend binds a
  // name once). When `candidates` has a `total` column (every match's count), the first row's is
  // returned; otherwise, or without rows, -1.
  auto read_slice = [&](const std::string& candidates, bool by_score, const std::string& rank,
                        int limit, int offset, bool with_total = false) -> Result<int64_t> {
    SqlParams slice_params = params;
    slice_params.Int("limit", limit).Int("offset", offset);
    const bool second_q = candidates.find(":q_rank") != std::string::npos ||
                          rank.find(":q_rank") != std::string::npos;
    if (second_q) slice_params.Text("q_rank", text);
    // The match condition used a second time (kAgain): its values bound again under new names.
    std::set<std::string> again;
    for (auto& name : internal::PlaceholderNames(candidates)) {
      if (name.size() > kAgain.size() && name.ends_with(kAgain)) again.insert(std::move(name));
    }
    for (const auto& name : again) {
      slice_params.Alias(std::string_view(name).substr(0, name.size() - kAgain.size()), name);
    }
    const auto order = [&](const char* p) {
      return std::string(by_score ? std::string(p) + "score DESC, " : "") + p + "recency DESC, " +
             p + "page_id";
    };
    const std::string total = with_total ? "total" : "0";
    const std::string sql = "SELECT " + columns + ", " + rank + ", p.total" +
                            " FROM (SELECT page_id, recency, score, " + total + " AS total FROM (" +
                            candidates + ") s ORDER BY " + order("") +
                            " LIMIT :limit OFFSET :offset) p JOIN transcript t ON t.id = p.page_id"
                            " LEFT JOIN room r ON r.id = t.room_id ORDER BY " +
                            order("p.");
    auto rows = Query(session, sql, slice_params, kColumnCount);
    if (!rows) return Err(std::move(rows.error()));
    REFLECTOR_RETURN_IF_ERROR(AppendHits(*rows, page.hits));
    if (!with_total || rows->empty()) return int64_t{-1};
    return std::stoll(rows->front().back().value_or("0"));
  };
  auto count_all = [&]() -> Result<int64_t> {
    auto count = Query(session, "SELECT COUNT(*)" + from, params, 1);
    if (!count) return Err(std::move(count.error()));
    return count->empty() ? 0 : std::stoll((*count)[0][0].value_or("0"));
  };
  const std::string all_matches =
      "SELECT t.id AS page_id, t.created_at AS recency, 0.0 AS score" + from;

  if (!ranked || !pg) {
    if (ranked) {
      // SQLite with a text query: one pass over the matches counts them and chooses the page
      // (reflector_page, store/sqlite_rank.hpp); then the page's transcripts are read. A
      // separate COUNT read every match's doclist and doc row a second time (2 of the 11 ms of
      // the most frequent word in 10 000 transcripts), and COUNT(*) OVER () beside ORDER BY
      // stored every match before sorting. The score is computed in a subquery that SQLite
      // cannot flatten into the aggregate (it has an OFFSET): an FTS5 auxiliary function is
      // refused as an aggregate's argument ("unable to use function in the requested context").
      const std::string candidates = "SELECT " + id_column + " AS page_id, t.created_at AS " +
                                     "recency, " + score + " AS score" + from;
      SqlParams count_params = params;
      count_params.Int("limit", query.limit).Int("offset", query.offset);
      auto counted = Query(session,
                           "SELECT COUNT(*), reflector_page(:limit, :offset, s.score, s.recency,"
                           " s.page_id) FROM (" +
                               candidates + " LIMIT -1 OFFSET 0) s",
                           count_params, 2);
      if (!counted) return Err(std::move(counted.error()));
      if (counted->size() != 1) {
        return Err(Code::kInternal, "database error", "search: no count row");
      }
      page.total = std::stoll(counted->front()[0].value_or("0"));
      const std::string chosen = counted->front()[1].value_or("[]");
      if (chosen == "[]") return page;
      SqlParams page_params;
      page_params.Text("page", chosen);
      auto rows = Query(session,
                        "SELECT " + columns + ", " + std::string(kSqliteRankOf) +
                            ", 0 FROM (SELECT json_extract(j.value, '$[0]') AS page_id,"
                            " json_extract(j.value, '$[1]') AS score, j.key AS ord"
                            " FROM json_each(:page) j) p JOIN transcript t ON t.id = p.page_id"
                            " LEFT JOIN room r ON r.id = t.room_id ORDER BY p.ord",
                        page_params, kColumnCount);
      if (!rows) return Err(std::move(rows.error()));
      REFLECTOR_RETURN_IF_ERROR(AppendHits(*rows, page.hits));
      return page;
    }
    // No text query, or only words to exclude (SQLite): by recency, the total counted apart
    // unless the first page holds every match.
    auto read = read_slice(all_matches, false, "1.0", query.limit, query.offset);
    if (!read) return Err(std::move(read.error()));
    if (query.offset == 0 && static_cast<int>(page.hits.size()) < query.limit) {
      page.total = static_cast<int64_t>(page.hits.size());  // the whole result is on this page
      return page;
    }
    auto total = count_all();
    if (!total) return Err(std::move(total.error()));
    page.total = *total;
    return page;
  }

  // PostgreSQL with a text query. ts_rank reads each match's whole vector (TOAST: ~20 µs for a
  // 5 000-word transcript) and, for words that must all occur, compares every pair of their
  // positions (up to 256 x 256 per pair of words): ranking 10 000 matches took 0.2 s for one
  // common word and 3 s for two. So the rank orders the query.rank_window newest matches — all
  // of them when there are no more (every realistic query over a team's meetings: the
  // reference's order) — and past them the result goes on newest first, each row with its own
  // ts_rank. One pass over the matches counts them (the total) and gathers the ids of those
  // from PostgresRecentBound on, newest first (array_agg ... ORDER BY: only they are sorted).
  // When they fill the window, or are every match, the window is their first ids; otherwise the
  // window is chosen among all the matches, read a second time (kAgain). An earlier form sorted
  // every match in the same pass, under COUNT(*) OVER (): the window aggregate stored the
  // 10 000 matches of a word found in every transcript before the first came out (12.4 → 9.8 ms
  // for the whole statement in pgbench).
  //
  // Past the window, a query whose words must all occur (AND, a phrase) is ranked as if they were
  // alternatives: ts_rank(vector, q || q) — the top operator is then OR, and ts_rank sums each
  // distinct word's weighted occurrences instead of comparing the distances between every pair
  // of their positions (0.3 ms per 5 000-word transcript for two common words: 150 ms for the
  // window). A word's frequency still ranks; its proximity to the others does not. That rank
  // only needs the query's lexemes, so it is read from the vector's parts that hold them
  // (PostgresPartsRank): about 1 KB per transcript instead of the whole vector from TOAST.
  const int window = std::max(1, query.rank_window);
  const std::string window_size = std::to_string(window);
  int64_t total = -1;
  if (query.offset < window) {
    const std::string every_match = internal::RenamePlaceholders(
        "SELECT g.page_id FROM (SELECT t.id AS page_id, t.created_at" + from +
            " OFFSET 0) g ORDER BY g.created_at DESC, g.page_id"
            " LIMIT " +
            window_size,
        kAgain);
    const std::string newest =
        "SELECT w.page_id, -w.ord AS recency, c.total, CASE WHEN c.total > " + window_size +
        " THEN " + PostgresPartsRank("w.page_id") +
        " ELSE (SELECT CAST(ts_rank(tw.search_vector_en, qp.query, 32) AS FLOAT8)"
        " FROM transcript tw WHERE tw.id = w.page_id) END AS score FROM ("
        "SELECT COUNT(*) AS total, COUNT(*) FILTER (WHERE t.created_at >= recent.recent_from)"
        " AS recent, array_agg(t.id ORDER BY t.created_at DESC, t.id) FILTER (WHERE t.created_at"
        " >= recent.recent_from) AS ids" +
        window_from + ") c CROSS JOIN LATERAL unnest(CASE WHEN c.recent >= " + window_size +
        " OR c.recent = c.total THEN c.ids ELSE ARRAY(" + every_match +
        ") END) WITH ORDINALITY AS w(page_id, ord) CROSS JOIN " + std::string(kPostgresQueryParts) +
        " WHERE w.ord <= " + window_size + " OFFSET 0";
    auto read = read_slice(newest, true, "p.score", std::min(query.limit, window - query.offset),
                           query.offset, true);
    if (!read) return Err(std::move(read.error()));
    total = *read;
  }
  if (total < 0) {  // no row on this page (past the window, or past every match)
    auto counted = count_all();
    if (!counted) return Err(std::move(counted.error()));
    total = *counted;
  }
  page.total = total;
  const int end = query.offset + query.limit;
  if (end > window && total > window) {
    const int from_row = std::max(query.offset, window);
    auto read = read_slice(
        all_matches, false,
        "(SELECT " + PostgresPartsRank("t.id") + " FROM " + std::string(kPostgresQueryParts) + ")",
        end - from_row, from_row);
    if (!read) return Err(std::move(read.error()));
  }
  return page;
}

}  // namespace

Result<TranscriptSearchPage> TranscriptSearch::Search(Session& session,
                                                      const TranscriptSearchQuery& query) {
  auto timed_out = [](const Error& error) {
    return Err(Code::kDeadlineExceeded, "Search query timed out", error.detail);
  };
  if (session.dialect() != Dialect::kPostgres) {
    if (query.timeout.count() > 0) {
      session.SetSqliteDeadline(std::chrono::steady_clock::now() + query.timeout);
    }
    auto page = RunSearch(session, query);
    session.SetSqliteDeadline(std::nullopt);
    if (!page && page.error().code == Code::kDeadlineExceeded) return timed_out(page.error());
    return page;
  }
  if (session.in_transaction()) return RunSearch(session, query);
  // One read transaction, so that the SET LOCALs end with it:
  // - statement_timeout: a phrase of very common words can take seconds (docs/performance.md);
  // - enable_seqscan = off: the planner costs `@@` like a cheap operator and reads the whole
  //   table when most rows match, evaluating `@@` on every row's vector (detoasting ~31 KB per
  //   5 000-word transcript: 180 ms for 10 000 of them), where the GIN index answers a query of
  //   words exactly without reading the vectors (10 ms).
  auto tx = session.Begin(TxMode::kRead);
  if (!tx) return Err(std::move(tx.error()));
  if (auto set = Exec(session, "SET LOCAL enable_seqscan = off"); !set) {
    return Err(std::move(set.error()));
  }
  if (query.timeout.count() > 0) {
    const auto ms =
        std::max<int64_t>(1, std::chrono::ceil<std::chrono::milliseconds>(query.timeout).count());
    auto set = Exec(session, "SET LOCAL statement_timeout = " + std::to_string(ms));
    if (!set) return Err(std::move(set.error()));
  }
  auto page = RunSearch(session, query);
  if (!page) {
    // query_canceled (57014) after the timeout; the driver's text names it.
    if (page.error().detail.find("statement timeout") != std::string::npos) {
      return timed_out(page.error());
    }
    return page;
  }
  if (auto committed = tx->Commit(); !committed) return Err(std::move(committed.error()));
  return page;
}

}  // namespace reflector::store
