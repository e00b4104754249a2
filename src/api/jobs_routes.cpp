#include "api/jobs_routes.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "api/auth_backends.hpp"
#include "api/errors.hpp"
#include "api/json_models.hpp"
#include "core/time_format.hpp"
#include "store/jobs.hpp"

namespace reflector::api {
namespace {

using nlohmann::json;

const std::vector<std::string> kStatuses = {
    std::string(store::job_status::kQueued), std::string(store::job_status::kRunning),
    std::string(store::job_status::kSucceeded), std::string(store::job_status::kFailed),
    std::string(store::job_status::kDead)};

json OptTime(const std::optional<TimePoint>& t) {
  return t ? json(FormatIso8601(*t)) : json(nullptr);
}

json OptString(const std::optional<std::string>& s) { return s ? json(*s) : json(nullptr); }

json JobToJson(const store::Job& job) {
  // Payloads are JSON objects; a row written by hand with something else is shown as text.
  json payload = json::parse(job.payload_json, nullptr, /*allow_exceptions=*/false);
  if (payload.is_discarded()) payload = job.payload_json;
  return {{"id", job.id},
          {"kind", job.kind},
          {"status", job.status},
          {"payload", std::move(payload)},
          {"dedup_key", OptString(job.dedup_key)},
          {"priority", job.priority},
          {"attempts", job.attempts},
          {"max_attempts", job.max_attempts},
          {"run_at", FormatIso8601(job.run_at)},
          {"locked_by", OptString(job.locked_by)},
          {"lease_until", OptTime(job.lease_until)},
          {"last_error", OptString(job.last_error)},
          {"created_at", FormatIso8601(job.created_at)},
          {"updated_at", FormatIso8601(job.updated_at)},
          {"finished_at", OptTime(job.finished_at)}};
}

json NullableString() { return {{"type", "string"}, {"nullable", true}}; }
json NullableTime() { return {{"type", "string"}, {"format", "date-time"}, {"nullable", true}}; }
json Time() { return {{"type", "string"}, {"format", "date-time"}}; }

void AddSchemas(ApiRoutes& routes) {
  routes.AddSchema("Job", {{"type", "object"},
                           {"properties",
                            {{"id", {{"type", "string"}}},
                             {"kind", {{"type", "string"}}},
                             {"status", {{"type", "string"}, {"enum", kStatuses}}},
                             {"payload", {{"type", "object"}}},
                             {"dedup_key", NullableString()},
                             {"priority", {{"type", "integer"}}},
                             {"attempts", {{"type", "integer"}}},
                             {"max_attempts", {{"type", "integer"}}},
                             {"run_at", Time()},
                             {"locked_by", NullableString()},
                             {"lease_until", NullableTime()},
                             {"last_error", NullableString()},
                             {"created_at", Time()},
                             {"updated_at", Time()},
                             {"finished_at", NullableTime()}}}});
  routes.AddSchema(
      "PageJob",
      {{"type", "object"},
       {"properties",
        {{"items", {{"type", "array"}, {"items", {{"$ref", "#/components/schemas/Job"}}}}},
         {"total", {{"type", "integer"}}},
         {"page", {{"type", "integer"}}},
         {"size", {{"type", "integer"}}},
         {"pages", {{"type", "integer"}}}}}});
}

http::Response ListJobs(ApiContext& context, http::Request& request) {
  auto user = RequireUser(context.auth, request);
  if (!user) return ErrorResponse(user.error());
  // Instance-wide state: the single user in AUTH_BACKEND=none, else the ADMIN_USER_IDS.
  const auto& admins = context.config.auth.admin_user_ids;
  if (context.config.auth.backend != "none" &&
      std::find(admins.begin(), admins.end(), user->user_id) == admins.end()) {
    return http::Response::Detail(403, "Admin only: the user is not in ADMIN_USER_IDS");
  }
  ValidationErrors errors;
  store::JobFilter filter;
  if (auto status = request.QueryParam("status")) {
    if (std::find(kStatuses.begin(), kStatuses.end(), *status) == kStatuses.end()) {
      errors.Add({"query", "status"}, LiteralErrorMessage(kStatuses), "literal_error");
    } else {
      filter.status = *status;
    }
  }
  if (auto kind = request.QueryParam("kind"); kind && !kind->empty()) filter.kind = *kind;
  auto page = QueryInt(request, "page", 1, 1, 1'000'000, errors);
  auto size = QueryInt(request, "size", 50, 1, 100, errors);
  if (!errors.empty()) return errors.ToResponse();

  auto session = context.db.Acquire();
  auto listed = store::JobRepository::List(session, filter, static_cast<int>(*size),
                                           static_cast<int>((*page - 1) * *size));
  if (!listed) return ErrorResponse(listed.error());
  json items = json::array();
  for (const auto& job : listed->items) items.push_back(JobToJson(job));
  return http::Response::Json(200, PageToJson(std::move(items), listed->total,
                                              static_cast<int>(*page), static_cast<int>(*size)));
}

}  // namespace

void RegisterJobRoutes(ApiRoutes& routes, ApiContext& context) {
  AddSchemas(routes);
  ApiContext* ctx = &context;
  routes.Add(
      http::Method::kGet, "/v1/jobs",
      {{"summary",
        "List background jobs, newest first (admins: ADMIN_USER_IDS, or anyone with "
        "AUTH_BACKEND=none)"},
       {"tags", {"jobs"}},
       {"parameters",
        {{{"name", "status"},
          {"in", "query"},
          {"required", false},
          {"schema", {{"type", "string"}, {"enum", kStatuses}}}},
         {{"name", "kind"}, {"in", "query"}, {"required", false}, {"schema", {{"type", "string"}}}},
         {{"name", "page"},
          {"in", "query"},
          {"required", false},
          {"schema", {{"type", "integer"}, {"minimum", 1}, {"default", 1}}}},
         {{"name", "size"},
          {"in", "query"},
          {"required", false},
          {"schema", {{"type", "integer"}, {"minimum", 1}, {"maximum", 100}, {"default", 50}}}}}},
       {"responses",
        {{"200",
          {{"description", "A page of jobs"},
           {"content",
            {{"application/json", {{"schema", {{"$ref", "#/components/schemas/PageJob"}}}}}}}}},
         {"401", ErrorResponseDoc("Not authenticated")},
         {"403", ErrorResponseDoc("Admin only: the user is not in ADMIN_USER_IDS")},
         {"422", ValidationErrorResponseDoc()}}}},
      [ctx](http::Request& request) { return ListJobs(*ctx, request); });
}

}  // namespace reflector::api
