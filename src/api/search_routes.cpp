#include "api/search_routes.hpp"

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "api/auth_backends.hpp"
#include "api/errors.hpp"
#include "api/json_models.hpp"
#include "core/time_format.hpp"
#include "store/transcript_search.hpp"

namespace reflector::api {
namespace {

using nlohmann::json;

constexpr int kDefaultLimit = 20;
constexpr int kMaxLimit = 100;

std::string_view TrimWhitespace(std::string_view s) {
  auto space = [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
  };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

// A zone designator after the time part: "Z", "+HH[:MM]" or "-HH[:MM]".
bool HasZone(std::string_view text) {
  const size_t t = text.find_first_of("Tt ");
  if (t == std::string_view::npos) return false;
  const std::string_view time = text.substr(t + 1);
  return time.find_first_of("Zz+-") != std::string_view::npos;
}

// `from` / `to`: tz-aware ISO 8601 (pydantic AwareDatetime's errors).
std::optional<TimePoint> QueryTime(const http::Request& request, const std::string& name,
                                   ValidationErrors& errors) {
  auto value = request.QueryParam(name);
  if (!value) return std::nullopt;
  auto parsed = ParseIso8601(*value);
  if (!parsed) {
    errors.Add({"query", name}, "Input should be a valid datetime", "datetime_parsing");
    return std::nullopt;
  }
  if (!HasZone(*value)) {
    errors.Add({"query", name}, "Input should have timezone info", "timezone_aware");
    return std::nullopt;
  }
  return *parsed;
}

json Nullable(const std::optional<std::string>& v) { return v ? json(*v) : json(nullptr); }

json ResultSchema() {
  json str = {{"type", "string"}};
  json nstr = {{"type", "string"}, {"nullable", true}};
  return {{"type", "object"},
          {"properties",
           {{"id", str},
            {"title", nstr},
            {"user_id", nstr},
            {"room_id", nstr},
            {"room_name",
             {{"type", "string"},
              {"nullable", true},
              {"description", "\"Deleted Room\" when the room is gone"}}},
            {"source_kind", {{"type", "string"}, {"enum", {"room", "live", "file"}}}},
            {"created_at", {{"type", "string"}, {"format", "date-time"}}},
            {"status", str},
            {"rank", {{"type", "number"}, {"minimum", 0}, {"maximum", 1}}},
            {"duration", {{"type", "number"}, {"description", "milliseconds"}}},
            {"search_snippets", {{"type", "array"}, {"items", str}}},
            {"total_match_count", {{"type", "integer"}, {"minimum", 0}}},
            {"change_seq", {{"type", "integer"}}}}},
          {"required",
           {"id", "title", "user_id", "room_id", "room_name", "source_kind", "created_at", "status",
            "rank", "duration", "search_snippets", "total_match_count", "change_seq"}}};
}

struct Handlers {
  ApiContext& ctx;
  SearchRoutesOptions options;

  http::Response Search(http::Request& request) {
    auto caller = OptionalUser(ctx.auth, request);
    if (!caller) return ErrorResponse(caller.error());
    if (!*caller && !options.public_mode) {
      return http::Response::Detail(401, "Not authenticated");
    }
    ValidationErrors errors;
    auto limit = QueryInt(request, "limit", kDefaultLimit, 1, kMaxLimit, errors);
    auto offset = QueryInt(request, "offset", 0, 0, 1'000'000'000, errors);
    auto source_kind = request.QueryParam("source_kind");
    if (source_kind && *source_kind != "room" && *source_kind != "live" && *source_kind != "file") {
      errors.Add({"query", "source_kind"}, LiteralErrorMessage({"room", "live", "file"}),
                 "literal_error");
    }
    auto from = QueryTime(request, "from", errors);
    auto to = QueryTime(request, "to", errors);
    if (!errors.empty()) return errors.ToResponse();
    if (from && to && *from > *to) {
      return http::Response::Detail(400, "'from' must be earlier than or equal to 'to'");
    }

    store::TranscriptSearchQuery query;
    query.text = store::ValidUtf8(TrimWhitespace(request.QueryParam("q").value_or("")));
    query.limit = static_cast<int>(*limit);
    query.offset = static_cast<int>(*offset);
    query.room_id = request.QueryParam("room_id");
    query.source_kind = source_kind;
    query.from = from;
    query.to = to;
    if (*caller) query.user_id = (*caller)->user_id;

    auto session = ctx.db.Acquire();
    auto page = store::TranscriptSearch::Search(session, query);
    if (!page) return ErrorResponse(page.error());

    json results = json::array();
    for (const auto& hit : page->hits) {
      auto snippets = store::CombineSnippets(hit.long_summary, hit.webvtt, query.text);
      results.push_back({{"id", hit.id},
                         {"title", Nullable(hit.title)},
                         {"user_id", Nullable(hit.user_id)},
                         {"room_id", Nullable(hit.room_id)},
                         {"room_name", Nullable(hit.room_name)},
                         {"source_kind", hit.source_kind},
                         {"created_at", FormatIso8601(hit.created_at)},
                         {"status", hit.status},
                         {"rank", hit.rank},
                         {"duration", hit.duration},
                         {"search_snippets", std::move(snippets.snippets)},
                         {"total_match_count", snippets.total_match_count},
                         {"change_seq", hit.change_seq}});
    }
    return http::Response::Json(200, {{"results", std::move(results)},
                                      {"total", page->total},
                                      {"query", query.text},
                                      {"limit", query.limit},
                                      {"offset", query.offset}});
  }
};

}  // namespace

void RegisterSearchRoutes(ApiRoutes& routes, ApiContext& context, SearchRoutesOptions options) {
  routes.AddSchema("SearchResult", ResultSchema());
  auto h = std::make_shared<Handlers>(Handlers{context, options});
  json str = {{"type", "string"}};
  json time = {{"type", "string"}, {"format", "date-time"}};
  routes.Add(
      http::Method::kGet, "/v1/transcripts/search",
      {{"summary", "Full-text search over the transcripts the caller may see"},
       {"description",
        "websearch syntax: bare words AND, \"quoted phrases\", OR, a leading - for NOT. Ranked "
        "0..1 (title over long summary over captions); without q every visible transcript, "
        "newest first, rank 1.0. Snippets: up to 2 from the long summary, then up to 3 in all "
        "from the captions."},
       {"tags", {"transcripts"}},
       {"parameters",
        {{{"name", "q"},
          {"in", "query"},
          {"schema", str},
          {"description", "trimmed; empty: no text filter"}},
         {{"name", "limit"},
          {"in", "query"},
          {"schema", {{"type", "integer"}, {"minimum", 1}, {"maximum", 100}, {"default", 20}}}},
         {{"name", "offset"},
          {"in", "query"},
          {"schema", {{"type", "integer"}, {"minimum", 0}, {"default", 0}}}},
         {{"name", "room_id"}, {"in", "query"}, {"schema", str}},
         {{"name", "source_kind"},
          {"in", "query"},
          {"schema", {{"type", "string"}, {"enum", {"room", "live", "file"}}}}},
         {{"name", "from"},
          {"in", "query"},
          {"schema", time},
          {"description", "created_at >= from; ISO 8601 with a zone"}},
         {{"name", "to"},
          {"in", "query"},
          {"schema", time},
          {"description", "created_at <= to; ISO 8601 with a zone"}}}},
       {"responses",
        {{"200",
          {{"description", "Matching transcripts, best first"},
           {"content",
            {{"application/json",
              {{"schema",
                {{"type", "object"},
                 {"properties",
                  {{"results",
                    {{"type", "array"},
                     {"items", {{"$ref", "#/components/schemas/SearchResult"}}}}},
                   {"total", {{"type", "integer"}}},
                   {"query", str},
                   {"limit", {{"type", "integer"}}},
                   {"offset", {{"type", "integer"}}}}},
                 {"required", {"results", "total", "query", "limit", "offset"}}}}}}}}}},
         {"400", ErrorResponseDoc("from is after to")},
         {"401", ErrorResponseDoc("Not authenticated")},
         {"422", ValidationErrorResponseDoc()}}}},
      [h](http::Request& request) { return h->Search(request); });
}

}  // namespace reflector::api
