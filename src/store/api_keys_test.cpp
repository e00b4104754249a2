#include "store/api_keys.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/time_format.hpp"
#include "fakes/test_databases.hpp"
#include "store/sql.hpp"

namespace reflector::store {
namespace {

using testing::DatabaseTest;

TimePoint At(const char* iso) { return *ParseIso8601(iso); }

const std::string kHashA(64, 'a');
const std::string kHashB(64, 'b');
const std::string kHashC(64, 'c');

class ApiKeysTest : public DatabaseTest {};

TEST_P(ApiKeysTest, EnsureInsertsThenUpdatesAndKeepsCreatedAt) {
  auto session = db().Acquire();
  auto first = Users::Ensure(session, "user-1", std::string("ann@example.com"),
                             std::string("Ann Ünal"), At("2026-01-01T00:00:00.000001Z"));
  ASSERT_TRUE(first.has_value()) << first.error().ToString();
  EXPECT_EQ(*first,
            (User{"user-1", "ann@example.com", "Ann Ünal", At("2026-01-01T00:00:00.000001Z")}));

  auto second = Users::Ensure(session, "user-1", std::nullopt, std::string("Ann"),
                              At("2026-02-01T00:00:00Z"));
  ASSERT_TRUE(second.has_value()) << second.error().ToString();
  EXPECT_EQ(*second, (User{"user-1", std::nullopt, "Ann", At("2026-01-01T00:00:00.000001Z")}));
  EXPECT_EQ(*Users::Get(session, "user-1"), *second);

  auto missing = Users::Get(session, "user-2");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, Code::kNotFound);
  EXPECT_EQ(missing.error().message, "User not found");
}

TEST_P(ApiKeysTest, CreateFindListRevoke) {
  auto session = db().Acquire();
  ASSERT_TRUE(
      Users::Ensure(session, "user-1", std::nullopt, std::nullopt, At("2026-01-01T00:00:00Z")));
  ASSERT_TRUE(
      Users::Ensure(session, "user-2", std::nullopt, std::nullopt, At("2026-01-01T00:00:00Z")));

  auto a =
      ApiKeys::Create(session, "user-1", "laptop", kHashA, "rk_AAAAA", At("2026-03-01T00:00:00Z"));
  ASSERT_TRUE(a.has_value()) << a.error().ToString();
  EXPECT_EQ(a->id.size(), 36u);
  EXPECT_EQ(a->user_id, "user-1");
  EXPECT_EQ(a->name, "laptop");
  EXPECT_EQ(a->key_hash, kHashA);
  EXPECT_EQ(a->key_prefix, "rk_AAAAA");
  EXPECT_EQ(a->created_at, At("2026-03-01T00:00:00Z"));
  EXPECT_EQ(a->last_used_at, std::nullopt);
  EXPECT_EQ(a->revoked_at, std::nullopt);
  auto b = ApiKeys::Create(session, "user-1", "ci", kHashB, "rk_BBBBB", At("2026-03-02T00:00:00Z"));
  ASSERT_TRUE(b.has_value());
  auto c =
      ApiKeys::Create(session, "user-2", "other", kHashC, "rk_CCCCC", At("2026-03-03T00:00:00Z"));
  ASSERT_TRUE(c.has_value());

  auto found = ApiKeys::FindActiveByHash(session, kHashA);
  ASSERT_TRUE(found.has_value()) << found.error().ToString();
  EXPECT_EQ(*found, *a);

  auto mine = ApiKeys::List(session, std::string("user-1"));
  ASSERT_TRUE(mine.has_value());
  ASSERT_EQ(mine->size(), 2u);
  EXPECT_EQ((*mine)[0].name, "ci");  // newest first
  EXPECT_EQ((*mine)[1].name, "laptop");
  auto all = ApiKeys::List(session, std::nullopt);
  ASSERT_TRUE(all.has_value());
  EXPECT_EQ(all->size(), 3u);

  ASSERT_TRUE(ApiKeys::MarkUsed(session, a->id, At("2026-03-05T00:00:00.5Z")).has_value());
  EXPECT_EQ(ApiKeys::FindActiveByHash(session, kHashA)->last_used_at, At("2026-03-05T00:00:00.5Z"));

  auto revoked = ApiKeys::Revoke(session, "rk_AAAAA", At("2026-03-06T00:00:00Z"));
  ASSERT_TRUE(revoked.has_value()) << revoked.error().ToString();
  EXPECT_EQ(revoked->id, a->id);
  EXPECT_EQ(revoked->revoked_at, At("2026-03-06T00:00:00Z"));
  auto gone = ApiKeys::FindActiveByHash(session, kHashA);
  ASSERT_FALSE(gone.has_value());
  EXPECT_EQ(gone.error().code, Code::kNotFound);
  EXPECT_EQ(gone.error().message, "API key not found");

  // Revoking again keeps the first revocation time; by id works too.
  auto again = ApiKeys::Revoke(session, a->id, At("2026-03-07T00:00:00Z"));
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->revoked_at, At("2026-03-06T00:00:00Z"));
  EXPECT_EQ(ApiKeys::Revoke(session, "rk_ZZZZZ", At("2026-03-07T00:00:00Z")).error().code,
            Code::kNotFound);
  EXPECT_TRUE(ApiKeys::FindActiveByHash(session, kHashB).has_value());
}

TEST_P(ApiKeysTest, AmbiguousPrefixIsInvalidArgument) {
  auto session = db().Acquire();
  ASSERT_TRUE(Users::Ensure(session, "u", std::nullopt, std::nullopt, At("2026-01-01T00:00:00Z")));
  ASSERT_TRUE(ApiKeys::Create(session, "u", "one", kHashA, "rk_SAME0", At("2026-01-01T00:00:00Z")));
  ASSERT_TRUE(ApiKeys::Create(session, "u", "two", kHashB, "rk_SAME0", At("2026-01-01T00:00:00Z")));
  auto revoked = ApiKeys::Revoke(session, "rk_SAME0", At("2026-01-02T00:00:00Z"));
  ASSERT_FALSE(revoked.has_value());
  EXPECT_EQ(revoked.error().code, Code::kInvalidArgument);
}

TEST_P(ApiKeysTest, CreateErrors) {
  auto session = db().Acquire();
  auto orphan =
      ApiKeys::Create(session, "ghost", "k", kHashA, "rk_AAAAA", At("2026-01-01T00:00:00Z"));
  ASSERT_FALSE(orphan.has_value());
  EXPECT_EQ(orphan.error().code, Code::kFailedPrecondition);
  EXPECT_EQ(orphan.error().message, "User does not exist");

  ASSERT_TRUE(Users::Ensure(session, "u", std::nullopt, std::nullopt, At("2026-01-01T00:00:00Z")));
  ASSERT_TRUE(ApiKeys::Create(session, "u", "k", kHashA, "rk_AAAAA", At("2026-01-01T00:00:00Z")));
  auto duplicate =
      ApiKeys::Create(session, "u", "k2", kHashA, "rk_AAAAA", At("2026-01-01T00:00:00Z"));
  ASSERT_FALSE(duplicate.has_value());
  EXPECT_EQ(duplicate.error().code, Code::kAlreadyExists);
  EXPECT_EQ(ApiKeys::MarkUsed(session, "nope", At("2026-01-01T00:00:00Z")).error().code,
            Code::kNotFound);
}

TEST_P(ApiKeysTest, DeletingAUserDeletesItsKeys) {
  auto session = db().Acquire();
  ASSERT_TRUE(Users::Ensure(session, "u", std::nullopt, std::nullopt, At("2026-01-01T00:00:00Z")));
  ASSERT_TRUE(ApiKeys::Create(session, "u", "k", kHashA, "rk_AAAAA", At("2026-01-01T00:00:00Z")));
  ASSERT_TRUE(Exec(session, "DELETE FROM app_user WHERE id = 'u'").has_value());
  EXPECT_TRUE(ApiKeys::List(session, std::nullopt)->empty());
}

INSTANTIATE_TEST_SUITE_P(Backends, ApiKeysTest, testing::TestBackends(), testing::BackendName);

}  // namespace
}  // namespace reflector::store
