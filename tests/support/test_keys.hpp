// Key material for end-to-end tests that run AUTH_BACKEND=jwt only to have callers be users
// (authenticated with API keys): an RSA public key nobody signs for.
#pragma once

namespace reflector::testing {

inline constexpr const char* kTestJwtPublicKey = R"(-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAp6jR/uyy2XB9RfbympNS
pvr4Cu41DulYn6yt5zjla67b+51M7lSwEqmZZ1j7Yq0VLu37Rt73a+xmLzTxRMlO
gm7DlH9SuccE4hUbI6GaB0pQaIKtuM2OCOoWM78i92Hl5TV/whqmhSj3SEdRAMD9
XgKdXO5uy2OmQIVcqgKNJKshY8pKEO5Kk7pJjkPgxLy66NB8i0GJTrKKLMDgry33
p3x/SY1+wczR+xBsItQKe/bpBikOjUukxJs5/ylX2bww2KtISMlKlYFGfq/POOvr
FOFLWFZ4wzoakgIw9mSBBekKCLxhq9fHob9rHpaBuOZmiiRtKwrhG8IRewUollHM
dwIDAQAB
-----END PUBLIC KEY-----
)";

}  // namespace reflector::testing
