// What route handlers may use. Built by app/ (the composition root); every reference outlives the
// router.
#pragma once

#include "api/auth.hpp"
#include "core/clock.hpp"
#include "core/config.hpp"
#include "platforms/registry.hpp"
#include "store/database.hpp"

namespace reflector::api {

struct ApiContext {
  const Config& config;
  store::Database& db;
  platforms::PlatformRegistry& platforms;
  Authenticator& auth;
  const Clock& clock;
};

}  // namespace reflector::api
