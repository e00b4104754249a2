// End-to-end: GET /v1/transcripts/search (contract §8, reference §5.5) through the real binary on
// SQLite and PostgreSQL — ranking, snippets, total_match_count, filters, paging, validation,
// visibility (own, shared room, someone else's private), 401 for anonymous callers, and query
// text that is hostile to SQL, FTS5 or tsquery. Transcripts are written straight into the
// server's database (there is no API for titles and summaries yet), which also shows that the
// index follows writes made outside the repository.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/time_format.hpp"
#include "store/database.hpp"
#include "store/sql.hpp"
#include "store/transcripts.hpp"
#include "support/reflector_server.hpp"

namespace reflector::testing {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;

// Any RSA public key: with AUTH_BACKEND=jwt a request without credentials is anonymous.
constexpr const char* kJwtPublicKey = R"(-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAkIveL0IRofLiZsJDEzwk
RJiZBX9r+C0qT/n8l9NGl4xeW1UZqY4qJFG5Jr22UUUT/exfUyKlGa0q939SPpMY
lKsmz78OZ4dyjeLXA+2kLs2H9Flz+lOrXywVBaIzyk2AeSqxDZnNVNf3ukzzqKSW
B5Fshc5ziq7w9lhJdnVXN7WjW1pmn/Phor3eybnIpZ4A3EKjW+AQhlJqQEhdoZ61
P9mpuBcJA2v8BOkT3suLUnsEjM+CZpJM5JBdihrgQK0A4gkrgxfjogDv/fbajRhV
9qVdosOF1CVmu1lKYnOYRRzCQCbKOMF+bBDVHF2QR/GJylYy+aoVWNsaW6URoXbh
6wIDAQAB
-----END PUBLIC KEY-----
)";

std::string Encode(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

json Body(const httplib::Result& res) {
  if (!res) return json();
  return json::parse(res->body, nullptr, false);
}

std::string Vtt(const std::vector<std::string>& cues) {
  std::string out = "WEBVTT\n";
  int second = 0;
  for (const auto& cue : cues) {
    out += "\n00:00:" + std::string(second < 10 ? "0" : "") + std::to_string(second) +
           ".000 --> 00:00:" + std::string(second + 1 < 10 ? "0" : "") +
           std::to_string(second + 1) + ".000\n<v Speaker 1>" + cue + "\n";
    ++second;
  }
  return out;
}

class SearchE2E : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    REFLECTOR_SKIP_IF_NO_BACKEND(GetParam());
    server_ = std::make_unique<ReflectorServer>(
        GetParam(), std::map<std::string, std::string>{{"AUTH_BACKEND", "jwt"},
                                                       {"AUTH_JWT_PUBLIC_KEY", kJwtPublicKey}});
    ASSERT_TRUE(server_->started()) << server_->error() << server_->Output();
    alice_ = server_->CreateApiKey("alice");
    bob_ = server_->CreateApiKey("bob");
    ASSERT_FALSE(alice_.empty()) << server_->last_command_output();
    ASSERT_FALSE(bob_.empty()) << server_->last_command_output();
    auto db = store::Database::Open(server_->database_url(), 1);
    ASSERT_TRUE(db.has_value()) << db.error().ToString();
    db_ = std::move(*db);
  }

  httplib::Client& client() { return server_->client(); }

  // A room made through the API; returns its id.
  std::string CreateRoom(const std::string& key, const std::string& name, bool shared) {
    auto res =
        client().Post("/v1/rooms", {{"X-API-Key", key}},
                      json({{"name", name}, {"is_shared", shared}}).dump(), "application/json");
    EXPECT_TRUE(res && res->status == 200) << (res ? res->body : "no response");
    return Body(res).value("id", "");
  }

  void Insert(const std::string& id, const std::string& user, const std::string& created_at,
              std::optional<std::string> title, std::optional<std::string> long_summary,
              const std::vector<std::string>& cues,
              std::optional<std::string> room_id = std::nullopt, std::string source_kind = "file") {
    auto session = db_->Acquire();
    store::Transcript t;
    t.id = id;
    t.name = id;
    t.user_id = user;
    t.created_at = *ParseIso8601(created_at);
    t.room_id = std::move(room_id);
    t.source_kind = std::move(source_kind);
    t.status = "ended";
    t.duration = 61000;
    auto created = store::TranscriptRepository::Create(session, t);
    ASSERT_TRUE(created.has_value()) << created.error().ToString();
    auto updated =
        store::Exec(session,
                    "UPDATE transcript SET title = :title, long_summary = :summary, webvtt = :vtt "
                    "WHERE id = :id",
                    store::SqlParams()
                        .OptText("title", std::move(title))
                        .OptText("summary", std::move(long_summary))
                        .OptText("vtt", cues.empty() ? std::nullopt : std::optional(Vtt(cues)))
                        .Text("id", id));
    ASSERT_TRUE(updated.has_value()) << updated.error().ToString();
  }

  httplib::Result Search(const std::string& query_string,
                         const std::optional<std::string>& key = std::nullopt) {
    httplib::Headers headers;
    if (key) headers.emplace("X-API-Key", *key);
    return client().Get("/v1/transcripts/search" + query_string, headers);
  }

  json SearchOk(const std::string& query_string, const std::string& key) {
    auto res = Search(query_string, key);
    EXPECT_TRUE(res);
    if (!res) return json();
    EXPECT_EQ(res->status, 200) << query_string << ": " << res->body;
    return Body(res);
  }

  std::vector<std::string> Ids(const std::string& q, const std::string& key) {
    json body = SearchOk("?limit=100&q=" + Encode(q), key);
    std::vector<std::string> ids;
    for (const auto& r : body["results"]) ids.push_back(r["id"].get<std::string>());
    return ids;
  }

  std::unique_ptr<ReflectorServer> server_;
  std::unique_ptr<store::Database> db_;
  std::string alice_;
  std::string bob_;
};

TEST_P(SearchE2E, RanksAndDescribesMatchesWithSnippets) {
  const std::string long_tail(300, '.');
  Insert("in-title", "alice", "2026-03-01T10:00:00Z", "Roadmap for the robot", std::nullopt, {});
  Insert("in-summary", "alice", "2026-03-02T10:00:00Z", "Weekly sync",
         "The robot arm is late. " + long_tail + " The robot demo moves to June. " + long_tail +
             " A third robot mention.",
         {"we talked about the robot again", "and the robot budget"});
  Insert("in-captions", "alice", "2026-03-03T10:00:00Z", "Standup", std::nullopt,
         {"my robot vacuum broke"});
  Insert("elsewhere", "alice", "2026-03-04T10:00:00Z", "Lunch", "Pizza.", {"nothing here"});

  json body = SearchOk("?q=%20%20robot%20", alice_);
  EXPECT_EQ(body["query"], "robot");  // trimmed
  EXPECT_EQ(body["limit"], 20);
  EXPECT_EQ(body["offset"], 0);
  EXPECT_EQ(body["total"], 3);
  ASSERT_EQ(body["results"].size(), 3u);
  EXPECT_EQ(body["results"][0]["id"], "in-title");
  EXPECT_EQ(body["results"][1]["id"], "in-summary");
  EXPECT_EQ(body["results"][2]["id"], "in-captions");
  double previous = 1.0;
  for (const auto& r : body["results"]) {
    const double rank = r["rank"].get<double>();
    EXPECT_GT(rank, 0.0);
    EXPECT_LT(rank, previous);
    previous = rank;
    const std::set<std::string> keys = {
        "id",         "title",  "user_id", "room_id",  "room_name",       "source_kind",
        "created_at", "status", "rank",    "duration", "search_snippets", "total_match_count",
        "change_seq"};
    std::set<std::string> got;
    for (auto it = r.begin(); it != r.end(); ++it) got.insert(it.key());
    EXPECT_EQ(got, keys);
  }
  // Title only: no snippets, no matches in the text.
  EXPECT_EQ(body["results"][0]["search_snippets"], json::array());
  EXPECT_EQ(body["results"][0]["total_match_count"], 0);
  EXPECT_EQ(body["results"][0]["user_id"], "alice");
  EXPECT_EQ(body["results"][0]["room_id"], nullptr);
  EXPECT_EQ(body["results"][0]["room_name"], nullptr);
  EXPECT_EQ(body["results"][0]["source_kind"], "file");
  EXPECT_EQ(body["results"][0]["status"], "ended");
  EXPECT_EQ(body["results"][0]["duration"], 61000.0);
  EXPECT_EQ(body["results"][0]["created_at"], "2026-03-01T10:00:00.000000Z");
  EXPECT_GT(body["results"][0]["change_seq"].get<int64_t>(), 0);
  // Two from the summary (of its three), then one caption snippet to make three.
  const json& snippets = body["results"][1]["search_snippets"];
  ASSERT_EQ(snippets.size(), 3u);
  EXPECT_EQ(snippets[0].get<std::string>().substr(0, 22), "The robot arm is late.");
  EXPECT_THAT(snippets[0].get<std::string>(), ::testing::EndsWith("..."));
  EXPECT_THAT(snippets[1].get<std::string>(),
              ::testing::HasSubstr("The robot demo moves to June."));
  EXPECT_THAT(snippets[1].get<std::string>(), ::testing::StartsWith("..."));
  EXPECT_EQ(snippets[2], "we talked about the robot again and the robot budget");
  EXPECT_EQ(body["results"][1]["total_match_count"], 5);  // 3 in the summary + 2 in captions
  EXPECT_EQ(body["results"][2]["search_snippets"], json::array({"my robot vacuum broke"}));
  EXPECT_EQ(body["results"][2]["total_match_count"], 1);

  // Without q: every visible transcript, newest first, rank 1, no snippets.
  body = SearchOk("", alice_);
  ASSERT_EQ(body["results"].size(), 4u);
  EXPECT_EQ(body["results"][0]["id"], "elsewhere");
  EXPECT_EQ(body["results"][0]["rank"], 1.0);
  EXPECT_EQ(body["results"][0]["search_snippets"], json::array());
  EXPECT_EQ(body["query"], "");

  // A multi-word query without the exact phrase in the text: snippets of its first word.
  body = SearchOk("?q=" + Encode("vacuum broke"), alice_);
  ASSERT_EQ(body["results"].size(), 1u);
  EXPECT_EQ(body["results"][0]["search_snippets"], json::array({"my robot vacuum broke"}));
  body = SearchOk("?q=" + Encode("vacuum robot"), alice_);
  ASSERT_EQ(body["results"].size(), 1u);
  EXPECT_EQ(body["results"][0]["search_snippets"], json::array({"my robot vacuum broke"}));
  EXPECT_EQ(body["results"][0]["total_match_count"], 0);
}

TEST_P(SearchE2E, FiltersPagingAndValidation) {
  const std::string room = CreateRoom(alice_, "planning", false);
  ASSERT_FALSE(room.empty());
  Insert("a", "alice", "2026-03-01T10:00:00Z", "kiwi one", std::nullopt, {}, room, "room");
  Insert("b", "alice", "2026-03-02T10:00:00Z", "kiwi two", std::nullopt, {});
  Insert("c", "alice", "2026-03-03T10:00:00Z", "kiwi three", std::nullopt, {}, room, "room");
  Insert("d", "alice", "2026-03-04T10:00:00Z", "kiwi four", std::nullopt, {}, std::nullopt, "live");

  json body = SearchOk("?q=kiwi&room_id=" + room, alice_);
  ASSERT_EQ(body["results"].size(), 2u);
  EXPECT_EQ(body["results"][0]["room_name"], "planning");
  EXPECT_EQ(SearchOk("?q=kiwi&source_kind=live", alice_)["results"][0]["id"], "d");
  EXPECT_EQ(SearchOk("?source_kind=room", alice_)["total"], 2);

  // from/to inclusive, tz-aware (an offset counts).
  body = SearchOk("?q=kiwi&from=" + Encode("2026-03-02T10:00:00Z") +
                      "&to=" + Encode("2026-03-03T12:00:00+02:00"),
                  alice_);
  std::vector<std::string> ids;
  for (const auto& r : body["results"]) ids.push_back(r["id"]);
  EXPECT_THAT(ids, UnorderedElementsAre("b", "c"));

  // Paging: same order as the full list, total unaffected.
  std::vector<std::string> all;
  const json full = SearchOk("?q=kiwi", alice_);
  for (const auto& r : full["results"]) all.push_back(r["id"]);
  ASSERT_EQ(all.size(), 4u);
  body = SearchOk("?q=kiwi&limit=2&offset=1", alice_);
  EXPECT_EQ(body["total"], 4);
  EXPECT_EQ(body["limit"], 2);
  EXPECT_EQ(body["offset"], 1);
  ASSERT_EQ(body["results"].size(), 2u);
  EXPECT_EQ(body["results"][0]["id"], all[1]);
  EXPECT_EQ(body["results"][1]["id"], all[2]);
  body = SearchOk("?q=kiwi&offset=50", alice_);
  EXPECT_EQ(body["results"], json::array());
  EXPECT_EQ(body["total"], 4);

  // Bad values: 422 with the field, like the other routes; from after to: 400.
  for (const std::string bad :
       {"?limit=0", "?limit=101", "?limit=x", "?offset=-1", "?source_kind=video", "?from=yesterday",
        "?from=2026-03-01T10:00:00", "?to=2026-03-01"}) {
    auto res = Search(bad, alice_);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 422) << bad << ": " << res->body;
    const json detail = Body(res)["detail"];
    ASSERT_TRUE(detail.is_array() && !detail.empty()) << bad;
    EXPECT_EQ(detail[0]["loc"][0], "query") << bad;
  }
  auto res = Search(
      "?from=" + Encode("2026-03-02T00:00:00Z") + "&to=" + Encode("2026-03-01T00:00:00Z"), alice_);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_TRUE(Body(res)["detail"].is_string());
}

TEST_P(SearchE2E, VisibilityAndAuthentication) {
  const std::string shared = CreateRoom(bob_, "town-hall", true);
  const std::string closed = CreateRoom(bob_, "bobs-office", false);
  ASSERT_FALSE(shared.empty());
  ASSERT_FALSE(closed.empty());
  Insert("alice-own", "alice", "2026-03-01T10:00:00Z", "mango tasting", std::nullopt, {});
  Insert("bob-private", "bob", "2026-03-02T10:00:00Z", "mango secrets", std::nullopt, {});
  Insert("bob-closed-room", "bob", "2026-03-03T10:00:00Z", "mango plans", std::nullopt, {}, closed,
         "room");
  Insert("bob-shared-room", "bob", "2026-03-04T10:00:00Z", "mango festival", std::nullopt, {},
         shared, "room");

  EXPECT_THAT(Ids("mango", alice_), UnorderedElementsAre("alice-own", "bob-shared-room"));
  EXPECT_THAT(Ids("secrets", alice_), ElementsAre());
  EXPECT_THAT(Ids("mango", bob_),
              UnorderedElementsAre("bob-private", "bob-closed-room", "bob-shared-room"));

  // Anonymous without PUBLIC_MODE: 401, whatever the query.
  for (const std::string qs : {"", "?q=mango", "?limit=0"}) {
    auto res = Search(qs);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 401) << qs;
    EXPECT_EQ(Body(res), json({{"detail", "Not authenticated"}})) << qs;
  }
  // A bad key is 401 too.
  auto res = Search("?q=mango", std::string("rfk_not_a_key"));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 401);

  // The room's deletion leaves its transcripts with room_name "Deleted Room".
  auto deleted = client().Delete("/v1/rooms/" + shared, {{"X-API-Key", bob_}});
  ASSERT_TRUE(deleted);
  ASSERT_EQ(deleted->status, 200) << deleted->body;
  json body = SearchOk("?q=" + Encode("\"mango festival\""), bob_);
  ASSERT_EQ(body["results"].size(), 1u);
  EXPECT_EQ(body["results"][0]["room_name"], "Deleted Room");
  EXPECT_EQ(body["results"][0]["room_id"], shared);

  // /v1/transcripts/search is not /v1/transcripts/{transcript_id}, and the others still are.
  auto one = client().Get("/v1/transcripts/alice-own", {{"X-API-Key", alice_}});
  ASSERT_TRUE(one);
  EXPECT_EQ(one->status, 200);
  EXPECT_EQ(Body(one)["id"], "alice-own");
}

TEST_P(SearchE2E, QuerySyntaxAndHostileText) {
  Insert("cafe", "alice", "2026-03-01T10:00:00Z", "Meeting at the café in Zürich",
         "Coffee budget review.", {"we ordered two espressos"});
  Insert("hiring", "alice", "2026-03-02T10:00:00Z", "Hiring plan review", std::nullopt,
         {"interview loop and the offer budget"});
  Insert("cjk", "alice", "2026-03-03T10:00:00Z", "会議 notes", std::nullopt, {"议程 第一项"});

  EXPECT_THAT(Ids("review", alice_), UnorderedElementsAre("cafe", "hiring"));
  EXPECT_THAT(Ids("budget review", alice_), UnorderedElementsAre("cafe", "hiring"));
  EXPECT_THAT(Ids("\"budget review\"", alice_), ElementsAre("cafe"));
  EXPECT_THAT(Ids("\"hiring plan", alice_), ElementsAre("hiring"));  // unbalanced
  EXPECT_THAT(Ids("espressos OR interview", alice_), UnorderedElementsAre("cafe", "hiring"));
  EXPECT_THAT(Ids("review -coffee", alice_), ElementsAre("hiring"));
  EXPECT_THAT(Ids("-review", alice_), ElementsAre("cjk"));
  EXPECT_THAT(Ids("café", alice_), ElementsAre("cafe"));
  EXPECT_THAT(Ids("zürich", alice_), ElementsAre("cafe"));
  if (GetParam() == "sqlite") {
    // FTS5's unicode61 folds non-ASCII case; PostgreSQL's lower() follows the database's
    // LC_CTYPE (the test server's is C, which leaves "Ü" alone).
    EXPECT_THAT(Ids("ZÜRICH", alice_), ElementsAre("cafe"));
  }
  EXPECT_THAT(Ids("会議", alice_), ElementsAre("cjk"));
  EXPECT_THAT(Ids("第一项", alice_), ElementsAre("cjk"));

  json body = SearchOk("?q=" + Encode("Zürich"), alice_);
  EXPECT_EQ(body["query"], "Zürich");

  // Metacharacters of SQL, FTS5 and tsquery: 200, never an error, never an injection.
  for (const std::string q : {"'; DROP TABLE transcript; --",
                              "\" OR 1=1 --",
                              "*",
                              "NEAR(",
                              "NEAR(review budget)",
                              "title:review",
                              "^review",
                              "(review",
                              "review)",
                              "\"",
                              "\"\"",
                              "review\" OR \"x",
                              "!review",
                              "review & x",
                              "review | x",
                              "review <-> budget",
                              ":",
                              "-",
                              "--",
                              "OR OR",
                              "AND",
                              "NOT",
                              "\\",
                              "%",
                              "_",
                              "review*",
                              "\xF0\x9F\x98\x80",
                              "caf\xC3",
                              "\x01\x02"}) {
    auto res = Search("?q=" + Encode(q), alice_);
    ASSERT_TRUE(res) << q;
    EXPECT_EQ(res->status, 200) << q << ": " << res->body;
    EXPECT_TRUE(Body(res)["results"].is_array()) << q;
  }
  EXPECT_THAT(Ids("(review", alice_), UnorderedElementsAre("cafe", "hiring"));
  EXPECT_THAT(Ids("review*", alice_), UnorderedElementsAre("cafe", "hiring"));
  EXPECT_THAT(Ids("%", alice_), ElementsAre());
  // Everything is still there.
  EXPECT_EQ(SearchOk("", alice_)["total"], 3);
}

TEST_P(SearchE2E, ListingFollowsChangeSeqAndTheRouteIsDocumented) {
  Insert("first", "alice", "2026-03-01T10:00:00Z", "one", std::nullopt, {});
  Insert("second", "alice", "2026-03-02T10:00:00Z", "two", std::nullopt, {});
  json page = Body(client().Get("/v1/transcripts?sort_by=change_seq", {{"X-API-Key", alice_}}));
  ASSERT_EQ(page["items"].size(), 2u);
  EXPECT_EQ(page["items"][0]["id"], "first");
  const int64_t first_seq = page["items"][0]["change_seq"];
  const int64_t second_seq = page["items"][1]["change_seq"];
  EXPECT_GT(second_seq, first_seq);
  // Touch the first: it moves past the second.
  {
    auto session = db_->Acquire();
    ASSERT_TRUE(store::TranscriptRepository::SetStatus(session, "first", "error", "x"));
  }
  page = Body(client().Get(
      "/v1/transcripts?sort_by=change_seq&change_seq_from=" + std::to_string(first_seq),
      {{"X-API-Key", alice_}}));
  ASSERT_EQ(page["items"].size(), 2u);
  EXPECT_EQ(page["items"][0]["id"], "second");
  EXPECT_EQ(page["items"][1]["id"], "first");
  EXPECT_GT(page["items"][1]["change_seq"].get<int64_t>(), second_seq);
  page = Body(client().Get("/v1/transcripts?change_seq_from=" + std::to_string(second_seq),
                           {{"X-API-Key", alice_}}));
  ASSERT_EQ(page["items"].size(), 1u);
  EXPECT_EQ(page["items"][0]["id"], "first");
  auto bad = client().Get("/v1/transcripts?change_seq_from=x", {{"X-API-Key", alice_}});
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 422);

  json doc = Body(client().Get("/openapi.json"));
  const json& op = doc["paths"]["/v1/transcripts/search"]["get"];
  ASSERT_TRUE(op.is_object());
  std::set<std::string> params;
  for (const auto& p : op["parameters"]) params.insert(p["name"]);
  EXPECT_EQ(params, (std::set<std::string>{"q", "limit", "offset", "room_id", "source_kind", "from",
                                           "to"}));
  EXPECT_TRUE(op["responses"].contains("401"));
  EXPECT_TRUE(doc["components"]["schemas"].contains("SearchResult"));
}

INSTANTIATE_TEST_SUITE_P(Backends, SearchE2E, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace reflector::testing
