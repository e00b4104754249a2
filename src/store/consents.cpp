#include "store/consents.hpp"

#include <string>

#include "core/ids.hpp"
#include "store/sql.hpp"

namespace reflector::store {
namespace {

#define REFLECTOR_CONSENT_COLUMNS "id, meeting_id, user_id, consent_given, consent_timestamp"

constexpr size_t kConsentColumnCount = CountColumns(REFLECTOR_CONSENT_COLUMNS);

// The conflict target names the partial index's predicate so both engines can infer it.
constexpr std::string_view kUpsertUserConsent =
    "INSERT INTO meeting_consent (" REFLECTOR_CONSENT_COLUMNS
    ") VALUES (:id, :meeting_id, :user_id, :consent_given, :consent_timestamp) "
    "ON CONFLICT (meeting_id, user_id) WHERE user_id IS NOT NULL DO UPDATE SET "
    "consent_given = excluded.consent_given, consent_timestamp = excluded.consent_timestamp "
    "RETURNING " REFLECTOR_CONSENT_COLUMNS;
constexpr std::string_view kInsertAnonymousConsent =
    "INSERT INTO meeting_consent (" REFLECTOR_CONSENT_COLUMNS
    ") VALUES (:id, :meeting_id, NULL, :consent_given, :consent_timestamp) "
    "RETURNING " REFLECTOR_CONSENT_COLUMNS;
constexpr std::string_view kSelectAnyDenial =
    "SELECT COUNT(*) FROM meeting_consent WHERE meeting_id = :meeting_id "
    "AND consent_given = FALSE";
constexpr std::string_view kSelectConsents =
    "SELECT " REFLECTOR_CONSENT_COLUMNS
    " FROM meeting_consent WHERE meeting_id = :meeting_id ORDER BY consent_timestamp, id";

#undef REFLECTOR_CONSENT_COLUMNS

Result<MeetingConsent> ReadConsent(const SqlRow& row) {
  RowReader r(row);
  MeetingConsent c;
  c.id = r.Text();
  c.meeting_id = r.Text();
  c.user_id = r.OptText();
  c.consent_given = r.Bool();
  c.consent_timestamp = r.Time();
  REFLECTOR_RETURN_IF_ERROR(r.Finish());
  return c;
}

}  // namespace

Result<MeetingConsent> ConsentRepository::Upsert(Session& session, std::string_view meeting_id,
                                                 const std::optional<std::string>& user_id,
                                                 bool consent_given, TimePoint now) {
  SqlParams params;
  params.Text("id", NewUuid4())
      .Text("meeting_id", std::string(meeting_id))
      .Bool("consent_given", consent_given)
      .Time("consent_timestamp", now);
  if (user_id) params.Text("user_id", *user_id);
  auto rows = Query(session, user_id ? kUpsertUserConsent : kInsertAnonymousConsent, params,
                    kConsentColumnCount);
  if (!rows) {
    Error error = std::move(rows.error());
    // The only foreign key is the meeting.
    if (error.code == Code::kFailedPrecondition) {
      return Err(Code::kNotFound, "Meeting not found", error.detail);
    }
    return Err(std::move(error));
  }
  if (rows->empty()) return Err(Code::kInternal, "consent upsert returned no row");
  return ReadConsent(rows->front());
}

Result<bool> ConsentRepository::AnyDenial(Session& session, std::string_view meeting_id) {
  auto rows =
      Query(session, kSelectAnyDenial, SqlParams().Text("meeting_id", std::string(meeting_id)), 1);
  if (!rows) return Err(std::move(rows.error()));
  if (rows->empty()) return false;
  RowReader r(rows->front());
  const int64_t count = r.Int();
  REFLECTOR_RETURN_IF_ERROR(r.Finish());
  return count > 0;
}

Result<std::vector<MeetingConsent>> ConsentRepository::ListForMeeting(Session& session,
                                                                      std::string_view meeting_id) {
  auto rows = Query(session, kSelectConsents,
                    SqlParams().Text("meeting_id", std::string(meeting_id)), kConsentColumnCount);
  if (!rows) return Err(std::move(rows.error()));
  std::vector<MeetingConsent> out;
  out.reserve(rows->size());
  for (const auto& row : *rows) {
    auto consent = ReadConsent(row);
    if (!consent) return Err(std::move(consent.error()));
    out.push_back(std::move(*consent));
  }
  return out;
}

}  // namespace reflector::store
