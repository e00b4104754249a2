// S3 event notifications as they arrive in an SQS message body (contract §7.1 item 4,
// reference §3.3): which objects were created in which bucket.
//
// Accepted bodies:
//   - S3's own: {"Records":[{"eventName":"ObjectCreated:Put","s3":{"bucket":{"name":…},
//     "object":{"key":…,"size":…}}}, …]}
//   - the same wrapped by SNS (S3 → SNS → SQS without raw delivery):
//     {"Type":"Notification","Message":"<the S3 JSON as a string>"}
//   - S3's test event {"Service":"Amazon S3","Event":"s3:TestEvent",…} sent when a
//     notification is configured → no objects.
// Only records whose eventName starts with "ObjectCreated" are returned (others, e.g.
// ObjectRemoved:*, are skipped, as Reflector does).
//
// Keys: S3 puts the key in the notification form-urlencoded — AWS S3 User Guide, "Event message
// structure": "The object key name value is URL encoded. For example, "red flower.jpg" becomes
// "red+flower.jpg"". So '+' means a space and a literal '+' arrives as %2B: we decode like
// Python's unquote_plus. Reflector used unquote (reference §3.3), which turns "red+flower.jpg"
// back into a key that does not exist; for Whereby's keys (no spaces, no '+') both agree.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.hpp"

namespace reflector::storage {

struct S3ObjectCreated {
  std::string event_name;  // "ObjectCreated:Put"
  std::string bucket;
  std::string key;  // decoded
  int64_t size = 0;
};

// Errors: kInvalidArgument when the body is not JSON, or is neither an S3 notification, an
// SNS-wrapped one, nor the test event (the message names what was found instead).
Result<std::vector<S3ObjectCreated>> ParseS3EventNotification(std::string_view body);

// Form-urlencoded decoding: '+' → space, %XX → byte (malformed escapes kept literally).
std::string DecodeFormKey(std::string_view text);

}  // namespace reflector::storage
