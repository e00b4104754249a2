#include "store/sqlite_rank.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace reflector::store {
namespace {

// PostgreSQL's ts_rank for a query whose top operator is not AND (calc_rank_or in tsrank.c),
// from FTS5's positions: for each phrase, its occurrences in position order (title, summary,
// then captions, as in the concatenated tsvector) each add their column's weight / (j + 1)^2,
// and the heaviest one counts in full; the phrases' scores are averaged. At most
// kRankMaxOccurrences occurrences are read per phrase (the j-th adds at most 1 / j^2 of a
// weight: the rest is under 4 % of the first's).
//
// It runs for every match of a query (10 000 for a word in every transcript), so the column
// weights are read once per row and 1 / (j + 1)^2 comes from a table instead of a call and a
// division per occurrence (9.6 → 8.7 ms p50 for the most frequent word through the server).
// What is left of its time is mostly FTS5's xPhraseNext, once per occurrence.
constexpr int kWeightedColumns = 8;
constexpr auto kInverseSquares = [] {
  std::array<double, kRankMaxOccurrences> table{};
  for (int j = 0; j < kRankMaxOccurrences; ++j) table[j] = 1.0 / ((j + 1.0) * (j + 1.0));
  return table;
}();

void Rank(const Fts5ExtensionApi* api, Fts5Context* ctx, sqlite3_context* result, int argc,
          sqlite3_value** argv) {
  constexpr double kSumOfInverseSquares = 1.64493406685;  // pi^2 / 6, as ts_rank
  double weights[kWeightedColumns];
  for (int c = 0; c < kWeightedColumns; ++c) {
    weights[c] = c < argc ? sqlite3_value_double(argv[c]) : 1.0;
  }
  const int phrases = api->xPhraseCount(ctx);
  double score = 0;
  int rc = SQLITE_OK;
  for (int i = 0; rc == SQLITE_OK && i < phrases; ++i) {
    Fts5PhraseIter it;
    int column = 0;
    int offset = 0;
    double sum = 0;
    double heaviest = -1;
    int heaviest_at = 0;
    int j = 0;
    rc = api->xPhraseFirst(ctx, i, &it, &column, &offset);
    for (; rc == SQLITE_OK && column >= 0 && j < kRankMaxOccurrences; ++j) {
      const double weight = column < kWeightedColumns ? weights[column]
                            : column < argc           ? sqlite3_value_double(argv[column])
                                                      : 1.0;
      sum += weight * kInverseSquares[j];
      if (weight > heaviest) {
        heaviest = weight;
        heaviest_at = j;
      }
      api->xPhraseNext(ctx, &it, &column, &offset);
    }
    if (j > 0) {
      const double at = heaviest_at + 1.0;
      score += (heaviest + sum - heaviest / (at * at)) / kSumOfInverseSquares;
    }
  }
  if (rc != SQLITE_OK) {
    sqlite3_result_error_code(result, rc);
    return;
  }
  sqlite3_result_double(result, phrases > 0 ? score / phrases : 0.0);
}

// --- reflector_word_pairs: the parent tokenizer's tokens plus each pair of adjacent ones ---

using XToken = int (*)(void*, int, const char*, int, int, int);

struct WordPairs {
  fts5_tokenizer parent_api{};
  Fts5Tokenizer* parent = nullptr;
  int cap = 0;  // reflector_capped_pairs: a word's occurrences kept per column; 0: every one
};

int CreatePairs(void* context, const char** args, int count, int cap, Fts5Tokenizer** out) {
  auto* api = static_cast<fts5_api*>(context);
  const char* parent_name = count > 0 ? args[0] : "unicode61";
  auto self = new WordPairs();
  self->cap = cap;
  void* parent_context = nullptr;
  int rc = api->xFindTokenizer(api, parent_name, &parent_context, &self->parent_api);
  if (rc == SQLITE_OK) {
    rc = self->parent_api.xCreate(parent_context, count > 0 ? args + 1 : nullptr,
                                  count > 0 ? count - 1 : 0, &self->parent);
  }
  if (rc != SQLITE_OK) {
    delete self;
    return rc;
  }
  *out = reinterpret_cast<Fts5Tokenizer*>(self);
  return SQLITE_OK;
}

int CreateWordPairs(void* context, const char** args, int count, Fts5Tokenizer** out) {
  return CreatePairs(context, args, count, 0, out);
}

// reflector_capped_pairs CAP PARENT ARGS...: CAP a positive integer.
int CreateCappedPairs(void* context, const char** args, int count, Fts5Tokenizer** out) {
  if (count < 1) return SQLITE_ERROR;
  char* rest = nullptr;
  const long cap = std::strtol(args[0], &rest, 10);
  if (rest == args[0] || *rest != '\0' || cap < 1 || cap > 1'000'000) return SQLITE_ERROR;
  return CreatePairs(context, args + 1, count - 1, static_cast<int>(cap), out);
}

void DeleteWordPairs(Fts5Tokenizer* tokenizer) {
  auto* self = reinterpret_cast<WordPairs*>(tokenizer);
  if (self->parent != nullptr) self->parent_api.xDelete(self->parent);
  delete self;
}

// A document: every token, and after each one but the first, the pair (previous, this) at the
// previous token's position (colocated with it). With a cap (reflector_capped_pairs), a word
// is kept at its first `cap` positions in the column and the pair alone stands at the later
// ones, so a word found all through a transcript has a short position list; the last token of
// a column is always kept (a position needs a token: FTS5 numbers positions by the tokens that
// are not colocated). A token is emitted when the next one is known (or at the end): whether
// it stands at its position or its pair does.
struct DocumentPairs {
  void* context = nullptr;
  XToken emit = nullptr;
  int cap = 0;  // 0: every occurrence kept
  std::string previous;
  int previous_start = -1;  // -1: no previous token
  int previous_end = 0;
  bool previous_emitted = false;
  std::string pair;
  std::unordered_map<std::string, int> seen;  // with a cap: occurrences of each word so far
};

// Whether the pending token (d->previous) stands at its position.
bool KeepPrevious(DocumentPairs* d) {
  if (d->cap == 0) return true;
  return ++d->seen[d->previous] <= d->cap;
}

int EmitPrevious(DocumentPairs* d) {
  d->previous_emitted = true;
  return d->emit(d->context, 0, d->previous.data(), static_cast<int>(d->previous.size()),
                 d->previous_start, d->previous_end);
}

int OnDocumentToken(void* p, int flags, const char* token, int size, int start, int end) {
  auto* d = static_cast<DocumentPairs*>(p);
  if ((flags & FTS5_TOKEN_COLOCATED) != 0) {  // the parent's synonym: after its token
    if (d->previous_start >= 0 && !d->previous_emitted) {
      if (const int rc = EmitPrevious(d); rc != SQLITE_OK) return rc;
    }
    return d->emit(d->context, flags, token, size, start, end);
  }
  if (d->previous_start >= 0) {
    d->pair.assign(d->previous);
    d->pair += kWordPairSeparator;
    d->pair.append(token, size);
    int pair_flags = FTS5_TOKEN_COLOCATED;
    if (!d->previous_emitted) {
      if (KeepPrevious(d)) {
        if (const int rc = EmitPrevious(d); rc != SQLITE_OK) return rc;
      } else {
        pair_flags = 0;  // the pair stands at the previous token's position
      }
    }
    const int rc = d->emit(d->context, pair_flags, d->pair.data(), static_cast<int>(d->pair.size()),
                           d->previous_start, end);
    if (rc != SQLITE_OK) return rc;
  }
  d->previous.assign(token, size);
  d->previous_start = start;
  d->previous_end = end;
  d->previous_emitted = false;
  return SQLITE_OK;
}

// A query string marked with kWordPairsMarker: its tokens, then turned into pairs.
struct QueryTokens {
  std::vector<std::string> tokens;
  std::vector<std::pair<int, int>> spans;
};

int OnQueryToken(void* p, int flags, const char* token, int size, int start, int end) {
  auto* q = static_cast<QueryTokens*>(p);
  if ((flags & FTS5_TOKEN_COLOCATED) != 0) return SQLITE_OK;  // the parent's synonyms: none
  q->tokens.emplace_back(token, size);
  q->spans.emplace_back(start, end);
  return SQLITE_OK;
}

int TokenizeWordPairs(Fts5Tokenizer* tokenizer, void* context, int flags, const char* text,
                      int size, XToken emit) {
  auto* self = reinterpret_cast<WordPairs*>(tokenizer);
  if ((flags & FTS5_TOKENIZE_DOCUMENT) != 0) {
    DocumentPairs d;
    d.context = context;
    d.emit = emit;
    d.cap = self->cap;
    const int rc = self->parent_api.xTokenize(self->parent, &d, flags, text, size, OnDocumentToken);
    if (rc != SQLITE_OK || d.previous_start < 0 || d.previous_emitted) return rc;
    return EmitPrevious(&d);
  }
  const bool marked = (flags & FTS5_TOKENIZE_QUERY) != 0 && size > 0 && text[0] == kWordPairsMarker;
  if (!marked) return self->parent_api.xTokenize(self->parent, context, flags, text, size, emit);
  QueryTokens q;
  int rc = self->parent_api.xTokenize(self->parent, &q, flags, text + 1, size - 1, OnQueryToken);
  if (rc != SQLITE_OK) return rc;
  if (q.tokens.size() == 1) {
    return emit(context, 0, q.tokens[0].data(), static_cast<int>(q.tokens[0].size()),
                q.spans[0].first + 1, q.spans[0].second + 1);
  }
  for (size_t i = 0; rc == SQLITE_OK && i + 1 < q.tokens.size(); ++i) {
    const std::string pair = q.tokens[i] + kWordPairSeparator + q.tokens[i + 1];
    rc = emit(context, 0, pair.data(), static_cast<int>(pair.size()), q.spans[i].first + 1,
              q.spans[i + 1].second + 1);
  }
  return rc;
}

fts5_api* Fts5Api(sqlite3* db) {
  fts5_api* api = nullptr;
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &stmt, nullptr) == SQLITE_OK) {
    sqlite3_bind_pointer(stmt, 1, static_cast<void*>(&api), "fts5_api_ptr", nullptr);
    sqlite3_step(stmt);
  }
  sqlite3_finalize(stmt);
  return api;
}

// --- reflector_page: one page of the matches, chosen while they are counted ---

struct PageRow {
  double score;
  std::string recency;
  std::string id;
};

// ORDER BY score DESC, recency DESC, id (SQLite's BINARY collation compares bytes, as
// std::string does).
bool Before(const PageRow& a, const PageRow& b) {
  if (a.score != b.score) return a.score > b.score;
  if (a.recency != b.recency) return a.recency > b.recency;
  return a.id < b.id;
}

struct PageState {
  bool started = false;
  bool failed = false;
  size_t keep = 0;  // offset + limit: the best rows kept, a heap whose top is the worst
  size_t offset = 0;
  std::vector<PageRow> rows;
};

std::string_view View(sqlite3_value* value) {
  const auto* text = sqlite3_value_text(value);
  return text == nullptr ? std::string_view()
                         : std::string_view(reinterpret_cast<const char*>(text),
                                            static_cast<size_t>(sqlite3_value_bytes(value)));
}

std::string Text(sqlite3_value* value) { return std::string(View(value)); }

void PageStep(sqlite3_context* context, int argc, sqlite3_value** argv) {
  auto* state = static_cast<PageState*>(sqlite3_aggregate_context(context, sizeof(PageState)));
  if (state == nullptr) {
    sqlite3_result_error_nomem(context);
    return;
  }
  if (!state->started) {
    new (state) PageState();
    state->started = true;
    const sqlite3_int64 limit = sqlite3_value_int64(argv[0]);
    const sqlite3_int64 offset = sqlite3_value_int64(argv[1]);
    if (argc != 5 || limit < 0 || offset < 0 || limit > 1'000'000 || offset > (1LL << 40)) {
      state->failed = true;
    }
    state->offset = static_cast<size_t>(offset);
    state->keep = static_cast<size_t>(offset + limit);
  }
  if (state->failed || state->keep == 0) return;
  const double score = sqlite3_value_double(argv[2]);
  auto& rows = state->rows;
  // Once the page is full, most rows of a large result are compared with its worst by score
  // alone, without copying their keys.
  if (rows.size() >= state->keep) {
    const PageRow& worst = rows.front();
    if (score != worst.score) {
      if (score < worst.score) return;
    } else {
      const std::string_view recency = View(argv[3]);
      if (recency != worst.recency) {
        if (recency < worst.recency) return;
      } else if (View(argv[4]) >= worst.id) {
        return;
      }
    }
  }
  PageRow row{score, Text(argv[3]), Text(argv[4])};
  if (rows.size() < state->keep) {
    rows.push_back(std::move(row));
    std::push_heap(rows.begin(), rows.end(), Before);  // the worst kept row on top
  } else {
    std::pop_heap(rows.begin(), rows.end(), Before);
    rows.back() = std::move(row);
    std::push_heap(rows.begin(), rows.end(), Before);
  }
}

void AppendJsonString(std::string& out, const std::string& text) {
  out += '"';
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", u);
      out += escaped;
    } else {
      out += c;
    }
  }
  out += '"';
}

void PageFinal(sqlite3_context* context) {
  auto* state = static_cast<PageState*>(sqlite3_aggregate_context(context, 0));
  if (state == nullptr || !state->started) {  // no row
    sqlite3_result_text(context, "[]", 2, SQLITE_STATIC);
    return;
  }
  if (state->failed) {
    state->~PageState();
    sqlite3_result_error(
        context, "reflector_page: limit and offset must be small non-negative integers", -1);
    return;
  }
  auto& rows = state->rows;
  std::sort_heap(rows.begin(), rows.end(), Before);  // best first
  std::string json = "[";
  for (size_t i = state->offset; i < rows.size(); ++i) {
    if (json.size() > 1) json += ',';
    json += '[';
    AppendJsonString(json, rows[i].id);
    char score[32];
    std::snprintf(score, sizeof score, ",%.17g]", rows[i].score);
    json += score;
  }
  json += ']';
  state->~PageState();
  sqlite3_result_text(context, json.data(), static_cast<int>(json.size()), SQLITE_TRANSIENT);
}

}  // namespace

bool RegisterSqliteRank(void* db) {
  fts5_api* api = Fts5Api(static_cast<sqlite3*>(db));
  if (api == nullptr || api->iVersion < 2) return false;
  if (api->xCreateFunction(api, "reflector_rank", nullptr, Rank, nullptr) != SQLITE_OK) {
    return false;
  }
  fts5_tokenizer word_pairs{CreateWordPairs, DeleteWordPairs, TokenizeWordPairs};
  if (api->xCreateTokenizer(api, "reflector_word_pairs", api, &word_pairs, nullptr) != SQLITE_OK) {
    return false;
  }
  fts5_tokenizer capped_pairs{CreateCappedPairs, DeleteWordPairs, TokenizeWordPairs};
  if (api->xCreateTokenizer(api, "reflector_capped_pairs", api, &capped_pairs, nullptr) !=
      SQLITE_OK) {
    return false;
  }
  return sqlite3_create_function_v2(static_cast<sqlite3*>(db), "reflector_page", 5,
                                    SQLITE_UTF8 | SQLITE_DETERMINISTIC, nullptr, nullptr, PageStep,
                                    PageFinal, nullptr) == SQLITE_OK;
}

}  // namespace reflector::store
