#include "store/sqlite_rank.hpp"

#include <sqlite3.h>

#include <cmath>
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
  return api->xCreateFunction(api, "reflector_rank", nullptr, Rank, nullptr) == SQLITE_OK;
}

}  // namespace reflector::store
