// The "openai" backend: any server speaking OpenAI's POST /v1/audio/transcriptions (OpenAI,
// whisper servers such as faster-whisper-server / whisper.cpp's server, the Python Reflector's GPU
// service). MakeOpenAiTranscriber() is declared in transcriber.hpp; this header exposes the pieces
// that are worth testing on their own.
//
// One request per piece of audio. Long audio is cut into pieces of at most chunk_seconds, at the
// quietest 0.5 s window within the last 30 s before the limit (a hard cut at the limit when the
// audio is shorter than that window); each piece is uploaded as a WAV (16 kHz mono s16) made in
// memory, so a 600 s piece is a ~19 MB request body. Times of each piece are shifted by the
// piece's start.
//
// Request: multipart/form-data with `file` (audio.wav), `model`, `language` (omitted when empty),
// `response_format=verbose_json`, `timestamp_granularities[]=word`; "Authorization: Bearer <key>"
// only when a key is set.
//
// Answer (2xx): `words: [{word, start, end}]` when it is a non-empty array; otherwise
// `segments: [{start, end, text}]`, each segment's text split at whitespace and the words spread
// evenly over the segment (word i of n gets [start + i·d/n, start + (i+1)·d/n]) — approximate
// times, only for servers that ignore timestamp_granularities. An answer with neither and no
// `text` is an empty transcript. Repairs: words are trimmed and empty ones dropped; entries
// without numeric times dropped; negative starts clamped to 0, words ending before 0 dropped;
// times clamped to the piece's length; end < start raised to start; words sorted by start.
//
// Errors, per request:
//   401, 403                 → kUnauthenticated ("refused the API key"), permanent
//   408, 429, 5xx            → kUnavailable (the job retries)
//   other 4xx                → kInvalidArgument with the backend's message (≤ 300 characters,
//                              the API key masked if echoed)
//   1xx/3xx                  → kFailedPrecondition (redirects are not followed: fix the URL)
//   timeout, refused, reset  → kUnavailable
//   malformed URL            → kFailedPrecondition
//   2xx that is not a JSON object, or whose words/segments are not arrays, or whose every word
//   is unusable → kUnavailable. Why retry: the servers we target always answer JSON, so a 2xx
//   with something else is almost always an intermediary (proxy or load-balancer page, a body
//   cut short) and goes away on retry; the job's attempts are bounded (§6), so a backend that is
//   truly broken still ends as a transcript error instead of looping.
#pragma once

#include <string_view>
#include <vector>

#include "core/status.hpp"
#include "pipeline/transcriber.hpp"

namespace reflector::pipeline::detail {

// Words of a 2xx answer body, times relative to the piece and within [0, piece_seconds].
Result<std::vector<Word>> ParseTranscriptionAnswer(std::string_view body, double piece_seconds);

// The error for a non-2xx answer; `api_key` is masked in the message if the backend echoes it.
Error ErrorForStatus(int status, std::string_view body, std::string_view api_key);

// The error for a failed HttpTransport::Send.
Error ErrorForTransportFailure(const Error& failure);

}  // namespace reflector::pipeline::detail
