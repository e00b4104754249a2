#include "store/sqlite_rank.hpp"

#include <sqlite3.h>

#include <cmath>
#include <string>
#include <vector>

namespace reflector::store {
namespace {

// What bm25 computes once per query (FTS5's fts5Bm25GetData): idf per phrase.
struct QueryData {
  std::vector<double> idf;
};

int CountRow(const Fts5ExtensionApi* /*api*/, Fts5Context* /*ctx*/, void* user) {
  ++*static_cast<sqlite3_int64*>(user);
  return SQLITE_OK;
}

void DeleteQueryData(void* p) { delete static_cast<QueryData*>(p); }

int LoadQueryData(const Fts5ExtensionApi* api, Fts5Context* ctx, QueryData** out) {
  if (auto* cached = static_cast<QueryData*>(api->xGetAuxdata(ctx, 0))) {
    *out = cached;
    return SQLITE_OK;
  }
  auto data = new QueryData();
  sqlite3_int64 rows = 0;
  int rc = api->xRowCount(ctx, &rows);
  const int phrases = api->xPhraseCount(ctx);
  data->idf.assign(phrases, 1e-6);
  for (int i = 0; rc == SQLITE_OK && i < phrases; ++i) {
    // A phrase of several words counts as found in no row (the largest idf): counting its rows
    // would match it against the whole index a second time (bm25 does), the costliest part of a
    // phrase of common words. Its weight against the query's other phrases is all it changes.
    sqlite3_int64 hits = 0;
    if (api->xPhraseSize(ctx, i) <= 1) rc = api->xQueryPhrase(ctx, i, &hits, CountRow);
    const double idf = std::log((rows - hits + 0.5) / (hits + 0.5));
    data->idf[i] = idf > 0 ? idf : 1e-6;
  }
  if (rc != SQLITE_OK) {
    delete data;
    return rc;
  }
  rc = api->xSetAuxdata(ctx, data, DeleteQueryData);  // deletes `data` itself when it fails
  if (rc == SQLITE_OK) *out = data;
  return rc;
}

void Rank(const Fts5ExtensionApi* api, Fts5Context* ctx, sqlite3_context* result, int argc,
          sqlite3_value** argv) {
  constexpr double kK1 = 1.2;
  QueryData* data = nullptr;
  int rc = LoadQueryData(api, ctx, &data);
  double score = 0;
  for (int i = 0; rc == SQLITE_OK && i < static_cast<int>(data->idf.size()); ++i) {
    Fts5PhraseIter it;
    int column = 0;
    int offset = 0;
    double frequency = 0;
    int seen = 0;
    rc = api->xPhraseFirst(ctx, i, &it, &column, &offset);
    for (; rc == SQLITE_OK && column >= 0 && seen < kRankMaxOccurrences; ++seen) {
      frequency += column < argc ? sqlite3_value_double(argv[column]) : 1.0;
      api->xPhraseNext(ctx, &it, &column, &offset);
    }
    score += data->idf[i] * (frequency * (kK1 + 1)) / (frequency + kK1);
  }
  if (rc != SQLITE_OK) {
    sqlite3_result_error_code(result, rc);
    return;
  }
  sqlite3_result_double(result, score);
}

// --- reflector_word_pairs: the parent tokenizer's tokens plus each pair of adjacent ones ---

using XToken = int (*)(void*, int, const char*, int, int, int);

struct WordPairs {
  fts5_tokenizer parent_api{};
  Fts5Tokenizer* parent = nullptr;
};

int CreateWordPairs(void* context, const char** args, int count, Fts5Tokenizer** out) {
  auto* api = static_cast<fts5_api*>(context);
  const char* parent_name = count > 0 ? args[0] : "unicode61";
  auto self = new WordPairs();
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

void DeleteWordPairs(Fts5Tokenizer* tokenizer) {
  auto* self = reinterpret_cast<WordPairs*>(tokenizer);
  if (self->parent != nullptr) self->parent_api.xDelete(self->parent);
  delete self;
}

// A document: every token, and after each one but the first, the pair (previous, this) at the
// previous token's position (colocated with it).
struct DocumentPairs {
  void* context;
  XToken emit;
  std::string previous;
  int previous_start = -1;  // -1: no previous token
  std::string pair;
};

int OnDocumentToken(void* p, int flags, const char* token, int size, int start, int end) {
  auto* d = static_cast<DocumentPairs*>(p);
  if ((flags & FTS5_TOKEN_COLOCATED) != 0) {
    return d->emit(d->context, flags, token, size, start, end);  // the parent's synonym
  }
  if (d->previous_start >= 0) {
    d->pair.assign(d->previous);
    d->pair += kWordPairSeparator;
    d->pair.append(token, size);
    const int rc = d->emit(d->context, FTS5_TOKEN_COLOCATED, d->pair.data(),
                           static_cast<int>(d->pair.size()), d->previous_start, end);
    if (rc != SQLITE_OK) return rc;
  }
  d->previous.assign(token, size);
  d->previous_start = start;
  return d->emit(d->context, flags, token, size, start, end);
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
    DocumentPairs d{context, emit, {}, -1, {}};
    return self->parent_api.xTokenize(self->parent, &d, flags, text, size, OnDocumentToken);
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

}  // namespace

bool RegisterSqliteRank(void* db) {
  fts5_api* api = Fts5Api(static_cast<sqlite3*>(db));
  if (api == nullptr || api->iVersion < 2) return false;
  if (api->xCreateFunction(api, "reflector_rank", nullptr, Rank, nullptr) != SQLITE_OK) {
    return false;
  }
  fts5_tokenizer word_pairs{CreateWordPairs, DeleteWordPairs, TokenizeWordPairs};
  return api->xCreateTokenizer(api, "reflector_word_pairs", api, &word_pairs, nullptr) == SQLITE_OK;
}

}  // namespace reflector::store
