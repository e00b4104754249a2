// The web UI (contract §9), served by the binary itself, and the small API it needs.
//
// InstallWebUi registers one GET route per embedded file and a router fallback for the app's own
// routes (single-page app: "/rooms", "/{room_name}", "/{room_name}/{meeting_id}", "/transcripts…"
// answer index.html). Paths the server owns keep their own answers: anything under /v1/, /mock/,
// /assets/, and /health, /metrics, /openapi.json (and anything below them) stay 404 when no route
// matches, as does any path whose last segment looks like a file name (has a '.').
//
// Caching: files under assets/ carry a content hash in their name → `public, max-age=31536000,
// immutable`; everything else (index.html) → `no-cache`. Every answer has a strong ETag
// (If-None-Match → 304) and `Vary: Accept-Encoding`; a client accepting gzip gets the precomputed
// gzip body with `Content-Encoding: gzip`.
//
// Security headers on every file (docs/web-security.md): kWebContentSecurityPolicy, which allows
// our own origin and, as frames only, the Daily and Whereby rooms; `X-Content-Type-Options:
// nosniff`; `Referrer-Policy: strict-origin-when-cross-origin`; `X-Frame-Options: DENY` for
// browsers without CSP `frame-ancestors`.
#pragma once

#include <span>
#include <string_view>

#include "api/context.hpp"
#include "api/routes.hpp"
#include "api/web_assets.hpp"
#include "http/router.hpp"

namespace reflector::api {

// The Content-Security-Policy of the web UI. One document serves every page of the single-page
// app (navigation inside it never reloads), so the policy is what all pages need together:
//   - scripts, styles, fonts, images, audio, fetch/XHR/beacons: our own origin only (daily-js is
//     bundled and loaded from /assets/; the recording and transcript audio are /v1/ URLs);
//   - frames: the Daily Prebuilt room (https://<domain>.daily.co/<room>) and Whereby's embed
//     (https://<subdomain>.whereby.com/<room>), the only cross-origin content the app shows;
//   - nothing else: no inline script or style elements, no eval, no plugins, no <base>, forms post
//     to us only, and no other site may frame the app.
// MediaRecorder and getUserMedia need no source (the recording is uploaded, never loaded as
// media); the WebVTT download is a blob: link, which CSP does not govern.
inline constexpr std::string_view kWebContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; "
    "media-src 'self'; connect-src 'self'; manifest-src 'self'; "
    "frame-src https://*.daily.co https://whereby.com https://*.whereby.com; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

// No-op when `assets` is empty. `assets` must outlive the router (static data in practice).
void InstallWebUi(http::Router& router, std::span<const WebAsset> assets);

// GET /v1/platforms: the configured video platforms and the default one for new rooms, for the
// rooms editor's platform select. `context` must outlive the router.
void RegisterWebApiRoutes(ApiRoutes& routes, ApiContext& context);

// Whether `accept_encoding` (an Accept-Encoding header value) accepts gzip (a `gzip` or `*` entry
// whose q is not 0).
bool AcceptsGzip(std::string_view accept_encoding);

}  // namespace reflector::api
