#include "api/recordings_routes.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "api/auth_backends.hpp"
#include "api/errors.hpp"
#include "api/json_models.hpp"
#include "api/multipart.hpp"
#include "api/transcript_json.hpp"
#include "core/ids.hpp"
#include "core/json_writer.hpp"
#include "core/time_format.hpp"
#include "pipeline/transcript_text.hpp"
#include "store/jobs.hpp"
#include "store/meetings.hpp"
#include "store/recordings.hpp"
#include "store/rooms.hpp"
#include "store/transcripts.hpp"

namespace reflector::api {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

// The most audio from a remote store (S3) one request holds in memory (see AudioMp3).
constexpr int64_t kAudioPieceBytes = int64_t{8} << 20;

json Nullable(const std::optional<std::string>& v) { return v ? json(*v) : json(nullptr); }

json TranscriptSchema() {
  json str = {{"type", "string"}};
  json nstr = {{"type", "string"}, {"nullable", true}};
  return {{"type", "object"},
          {"properties",
           {{"id", str},
            {"user_id", nstr},
            {"name", str},
            {"status",
             {{"type", "string"}, {"enum", {"idle", "uploaded", "processing", "ended", "error"}}}},
            {"locked", {{"type", "boolean"}}},
            {"duration", {{"type", "number"}, {"description", "milliseconds"}}},
            {"title", nstr},
            {"short_summary", nstr},
            {"long_summary", nstr},
            {"created_at", {{"type", "string"}, {"format", "date-time"}}},
            {"share_mode", str},
            {"source_language", str},
            {"target_language", str},
            {"reviewed", {{"type", "boolean"}}},
            {"meeting_id", nstr},
            {"recording_id", nstr},
            {"source_kind", {{"type", "string"}, {"enum", {"room", "live", "file"}}}},
            {"room_id", nstr},
            {"room_name", nstr},
            {"audio_deleted", {{"type", "boolean"}, {"nullable", true}}},
            {"participants", {{"type", "array"}, {"items", {{"type", "object"}}}}},
            {"error", nstr},
            {"transcript_format",
             {{"type", "string"}, {"enum", {"text", "text-timestamped", "webvtt-named", "json"}}}},
            {"transcript",
             {{"description",
               "GET one transcript only: a string, or for json a list of {speaker, "
               "speaker_name, text, start, end}"}}}}},
          {"required", {"id", "name", "status", "source_kind", "created_at"}}};
}

json RecordingSchema() {
  json nstr = {{"type", "string"}, {"nullable", true}};
  return {{"type", "object"},
          {"properties",
           {{"id", {{"type", "string"}}},
            {"meeting_id", {{"type", "string"}}},
            {"platform", {{"type", "string"}}},
            {"type", {{"type", "string"}, {"enum", {"cloud", "raw-tracks", "upload", "mock"}}}},
            {"status",
             {{"type", "string"},
              {"enum", {"pending", "downloading", "processing", "ready", "failed"}}}},
            {"error", nstr},
            {"duration", {{"type", "number"}, {"nullable", true}, {"description", "seconds"}}},
            {"tracks", {{"type", "integer"}}},
            {"transcript_id", nstr},
            {"created_at", {{"type", "string"}, {"format", "date-time"}}}}},
          {"required",
           {"id", "meeting_id", "platform", "type", "status", "error", "duration", "tracks",
            "transcript_id", "created_at"}}};
}

json Doc(const std::string& description, json schema) {
  return {{"description", description}, {"content", {{"application/json", {{"schema", schema}}}}}};
}

json RefDoc(const std::string& description, const std::string& schema) {
  return Doc(description, {{"$ref", "#/components/schemas/" + schema}});
}

// The extension FFmpeg and people expect for a Content-Type (FFmpeg probes the bytes anyway).
std::string ExtensionFor(std::string_view content_type) {
  std::string type(content_type.substr(0, content_type.find(';')));
  for (auto& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  while (!type.empty() && type.back() == ' ') type.pop_back();
  if (type == "audio/webm" || type == "video/webm") return ".webm";
  if (type == "audio/ogg" || type == "audio/opus" || type == "video/ogg") return ".ogg";
  if (type == "audio/wav" || type == "audio/x-wav" || type == "audio/wave") return ".wav";
  if (type == "audio/mpeg" || type == "audio/mp3") return ".mp3";
  if (type == "audio/mp4" || type == "audio/x-m4a" || type == "audio/m4a" || type == "audio/aac")
    return ".m4a";
  if (type == "video/mp4") return ".mp4";
  if (type == "audio/flac" || type == "audio/x-flac") return ".flac";
  if (type == "video/x-matroska" || type == "audio/x-matroska") return ".mkv";
  return ".bin";
}

bool IsMediaType(std::string_view content_type) {
  return content_type.rfind("audio/", 0) == 0 || content_type.rfind("video/", 0) == 0;
}

// Writes `data` to `path` through a temporary file and a rename, so a reader never sees half.
Status WriteFileAtomically(const fs::path& path, std::string_view data) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  if (ec) return Err(Code::kInternal, "could not store the file", ec.message());
  const fs::path tmp = path.string() + ".tmp";
  {
    std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(tmp.c_str(), "wb"), &std::fclose);
    if (!f) return Err(Code::kInternal, "could not store the file", std::strerror(errno));
    if (std::fwrite(data.data(), 1, data.size(), f.get()) != data.size() ||
        std::fflush(f.get()) != 0) {
      return Err(Code::kInternal, "could not store the file", std::strerror(errno));
    }
  }
  fs::rename(tmp, path, ec);
  if (ec) return Err(Code::kInternal, "could not store the file", ec.message());
  return Ok();
}

// Concatenates the chunk files part-00000 … into `out`, streamed (the parts stay).
// Writes `size` bytes of `source` from `offset` to `path` (through a temporary file), in blocks.
Status CopyRangeAtomically(const std::string& source, int64_t offset, int64_t size,
                           const fs::path& path) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  if (ec) return Err(Code::kInternal, "could not store the file", ec.message());
  std::unique_ptr<FILE, int (*)(FILE*)> in(std::fopen(source.c_str(), "rb"), &std::fclose);
  if (!in || std::fseek(in.get(), static_cast<long>(offset), SEEK_SET) != 0) {
    return Err(Code::kInternal, "could not read the request body", std::strerror(errno));
  }
  const fs::path tmp = path.string() + ".tmp";
  {
    std::unique_ptr<FILE, int (*)(FILE*)> out(std::fopen(tmp.c_str(), "wb"), &std::fclose);
    if (!out) return Err(Code::kInternal, "could not store the file", std::strerror(errno));
    std::vector<char> buffer(size_t{1} << 20);
    int64_t left = size;
    while (left > 0) {
      const size_t want = static_cast<size_t>(std::min<int64_t>(left, buffer.size()));
      const size_t got = std::fread(buffer.data(), 1, want, in.get());
      if (got != want) return Err(Code::kInternal, "the request body ended early");
      if (std::fwrite(buffer.data(), 1, got, out.get()) != got) {
        return Err(Code::kInternal, "could not store the file", std::strerror(errno));
      }
      left -= static_cast<int64_t>(got);
    }
    if (std::fflush(out.get()) != 0) {
      return Err(Code::kInternal, "could not store the file", std::strerror(errno));
    }
  }
  fs::rename(tmp, path, ec);
  if (ec) return Err(Code::kInternal, "could not store the file", ec.message());
  return Ok();
}

// Moves a spooled request body to `path` (same file system: a rename).
Status MoveFileInto(const std::string& source, const fs::path& path) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  if (ec) return Err(Code::kInternal, "could not store the file", ec.message());
  fs::rename(source, path, ec);
  if (ec) return Err(Code::kInternal, "could not store the file", ec.message());
  return Ok();
}

Status Concatenate(const fs::path& dir, int total, const fs::path& out) {
  std::ofstream dst(out, std::ios::binary | std::ios::trunc);
  if (!dst) return Err(Code::kInternal, "could not assemble the upload", out.string());
  std::vector<char> buf(1 << 20);
  for (int i = 0; i < total; ++i) {
    const fs::path part = dir / fmt::format("part-{:05d}", i);
    std::ifstream src(part, std::ios::binary);
    if (!src) return Err(Code::kInternal, "an upload chunk is missing", part.string());
    while (src) {
      src.read(buf.data(), static_cast<std::streamsize>(buf.size()));
      dst.write(buf.data(), src.gcount());
    }
  }
  dst.flush();
  if (!dst) return Err(Code::kInternal, "could not assemble the upload", out.string());
  return Ok();
}

// After the commit only: if it failed, the client sends the last chunk again and the parts are
// needed once more.
void RemoveParts(const fs::path& dir, int total) {
  for (int i = 0; i < total; ++i) {
    std::error_code ec;
    fs::remove(dir / fmt::format("part-{:05d}", i), ec);
  }
}

Status EnqueueProcess(store::Session& session, const std::string& recording_id, TimePoint now) {
  store::NewJob job;
  job.kind = std::string(store::job_kind::kRecordingProcess);
  job.payload_json = json{{"recording_id", recording_id}}.dump();
  job.dedup_key = "recording:" + recording_id;
  auto enqueued = store::JobRepository::Enqueue(session, job, now);
  if (!enqueued) return Err(std::move(enqueued.error()));
  return Ok();
}

struct Handlers {
  ApiContext& ctx;
  RecordingRoutesOptions options;

  void Notify() const {
    if (options.notify_jobs) options.notify_jobs();
  }

  http::Response CreateTranscript(http::Request& request) {
    auto caller = OptionalUser(ctx.auth, request);
    if (!caller) return ErrorResponse(caller.error());
    BodyReader body(request.body);
    auto name = body.String("name", /*required=*/true);
    auto source_language = body.String("source_language");
    auto target_language = body.String("target_language");
    auto source_kind = body.Enum("source_kind", {"room", "live", "file"});
    if (!body.errors().empty()) return body.errors().ToResponse();
    store::Transcript t;
    t.id = NewUuid4();
    t.name = *name;
    t.created_at = ctx.clock.Now();
    t.source_language = source_language.value_or("en");
    t.target_language = target_language.value_or("en");
    t.source_kind = source_kind.value_or("file");
    if (*caller) t.user_id = (*caller)->user_id;
    t.participants = "[]";
    auto session = ctx.db.Acquire();
    if (auto created = store::TranscriptRepository::Create(session, t); !created) {
      return ErrorResponse(created.error());
    }
    return http::Response::Json(200, TranscriptToJson(t, std::nullopt));
  }

  // Reference §4.7: deleting a transcript deletes its stored MP3 and its recording row (files of
  // ours under DATA_DIR too). Owner only.
  http::Response DeleteTranscript(http::Request& request) {
    auto caller = RequireUser(ctx.auth, request);
    if (!caller) return ErrorResponse(caller.error());
    const std::string id(request.PathParam("transcript_id"));
    auto session = ctx.db.Acquire();
    auto t = store::TranscriptRepository::Get(session, id);
    if (!t) return ErrorResponse(t.error());
    if (!t->user_id || *t->user_id != caller->user_id) {
      return http::Response::Detail(403, "Not authorized");
    }
    if (t->audio_key && options.storage != nullptr) {
      if (auto gone = options.storage->Delete(*t->audio_key); !gone) {
        return ErrorResponse(gone.error());
      }
    }
    if (t->recording_id) {
      auto rec = store::RecordingRepository::Get(session, *t->recording_id);
      const std::string type = rec ? rec->type.value_or("") : "";
      if (rec && (type == "upload" || type == "mock") && !rec->object_key.empty() &&
          rec->object_key.find("..") == std::string::npos) {
        std::error_code ec;
        fs::remove(fs::path(options.data_dir) / rec->object_key, ec);
      }
    }
    if (auto deleted = store::TranscriptRepository::Delete(session, id); !deleted) {
      return ErrorResponse(deleted.error());
    }
    return http::Response::Json(200, {{"status", "ok"}});
  }

  http::Response ListTranscripts(http::Request& request) {
    auto caller = RequireUser(ctx.auth, request);
    if (!caller) return ErrorResponse(caller.error());
    ValidationErrors errors;
    auto page = QueryInt(request, "page", 1, 1, 1'000'000, errors);
    auto size = QueryInt(request, "size", 50, 1, 100, errors);
    auto source_kind = request.QueryParam("source_kind");
    if (source_kind && *source_kind != "room" && *source_kind != "live" && *source_kind != "file") {
      errors.Add({"query", "source_kind"}, LiteralErrorMessage({"room", "live", "file"}),
                 "literal_error");
    }
    auto sort_by = request.QueryParam("sort_by");
    if (sort_by && *sort_by != "created_at" && *sort_by != "change_seq") {
      errors.Add({"query", "sort_by"}, LiteralErrorMessage({"created_at", "change_seq"}),
                 "literal_error");
    }
    std::optional<int64_t> change_seq_from;
    if (request.QueryParam("change_seq_from")) {
      change_seq_from =
          QueryInt(request, "change_seq_from", 0, 0, std::numeric_limits<int64_t>::max(), errors);
    }
    if (!errors.empty()) return errors.ToResponse();
    store::TranscriptFilter filter;
    filter.user_id = caller->user_id;
    filter.change_seq_from = change_seq_from;
    filter.sort_by_change_seq = sort_by && *sort_by == "change_seq";
    filter.room_id = request.QueryParam("room_id");
    filter.source_kind = source_kind;
    auto term = request.QueryParam("search_term");
    if (term && !term->empty()) filter.search_term = *term;
    auto session = ctx.db.Acquire();
    auto listed = store::TranscriptRepository::List(session, filter, static_cast<int>(*page),
                                                    static_cast<int>(*size));
    if (!listed) return ErrorResponse(listed.error());
    json items = json::array();
    for (const auto& [t, room_name] : listed->first) {
      json item = TranscriptToJson(t, room_name);
      item.erase("participants");
      item.erase("error");
      item["change_seq"] = t.change_seq;
      items.push_back(std::move(item));
    }
    return http::Response::Json(200, PageToJson(std::move(items), listed->second,
                                                static_cast<int>(*page), static_cast<int>(*size)));
  }

  http::Response GetTranscript(http::Request& request) {
    auto session = ctx.db.Acquire();
    ReadableTranscript readable = LoadReadable(ctx.auth, session, request);
    if (readable.refusal) return std::move(*readable.refusal);
    const store::Transcript* t = &readable.transcript;
    const std::string format = request.QueryParam("transcript_format").value_or("text");
    if (format != "text" && format != "text-timestamped" && format != "webvtt-named" &&
        format != "json") {
      ValidationErrors errors;
      errors.Add({"query", "transcript_format"},
                 LiteralErrorMessage({"text", "text-timestamped", "webvtt-named", "json"}),
                 "literal_error");
      return errors.ToResponse();
    }
    json out = TranscriptToJson(*t, RoomNameOf(session, t->room_id));
    const auto segments =
        pipeline::BuildSegments(pipeline::WordsFromJson(t->words.value_or("[]")),
                                pipeline::SpeakerNames(t->participants.value_or("[]")));
    out["transcript_format"] = format;
    out["action_items"] = nullptr;
    if (format == "json") {
      out["transcript"] = pipeline::ToJson(segments);
    } else if (format == "webvtt-named") {
      out["transcript"] = pipeline::ToWebVtt(segments);
    } else if (format == "text-timestamped") {
      out["transcript"] = pipeline::ToTimestampedText(segments);
    } else {
      out["transcript"] = pipeline::ToText(segments);
    }
    return http::Response::Json(200, out);
  }

  // The transcript with its stored audio, or the response that says why there is none.
  struct Audio {
    store::Transcript transcript;
    std::optional<http::Response> refusal;
  };
  Audio LoadAudio(http::Request& request) {
    auto session = ctx.db.Acquire();
    ReadableTranscript readable = LoadReadable(ctx.auth, session, request);
    Audio out{std::move(readable.transcript), std::move(readable.refusal)};
    if (!out.refusal &&
        (out.transcript.audio_deleted.value_or(false) || !out.transcript.audio_key)) {
      out.refusal = http::Response::Detail(404, "Audio not found");
    }
    return out;
  }

  http::Response AudioMp3(http::Request& request) {
    Audio audio = LoadAudio(request);
    if (audio.refusal) return std::move(*audio.refusal);
    if (options.storage == nullptr) return http::Response::Detail(404, "Audio not found");
    const std::string& key = *audio.transcript.audio_key;
    auto info = options.storage->Head(key);
    if (!info) {
      if (info.error().code == Code::kNotFound) {
        return http::Response::Detail(404, "Audio not found");
      }
      return ErrorResponse(info.error());
    }
    const int64_t size = info->size;
    int64_t first = 0;
    int64_t last = size - 1;
    bool partial = false;
    bool suffix_range = false;  // bytes=-n
    bool closed_range = false;  // bytes=a-b
    if (auto range = request.GetHeader("Range")) {
      // One range: bytes=a-b, bytes=a- or bytes=-n (RFC 9110 §14.1.2).
      std::string_view r = *range;
      const bool ok_prefix = r.substr(0, 6) == "bytes=" && r.find(',') == std::string_view::npos;
      const size_t dash = r.find('-');
      int64_t a = -1, b = -1;
      if (ok_prefix && dash != std::string_view::npos) {
        auto num = [](std::string_view text, int64_t& v) {
          if (text.empty()) return true;
          auto [p, e] = std::from_chars(text.data(), text.data() + text.size(), v);
          return e == std::errc() && p == text.data() + text.size();
        };
        if (num(r.substr(6, dash - 6), a) && num(r.substr(dash + 1), b)) {
          if (a < 0 && b > 0) {  // suffix: the last b bytes
            first = std::max<int64_t>(0, size - b);
            partial = true;
            suffix_range = true;
          } else if (a >= 0) {
            first = a;
            if (b >= 0) last = std::min(b, size - 1);
            partial = true;
            closed_range = b >= 0;
          }
        }
      }
      if (partial && (first >= size || first > last)) {
        auto refused = http::Response::Detail(416, "Range not satisfiable");
        refused.SetHeader("Content-Range", fmt::format("bytes */{}", size));
        return refused;
      }
    }
    // Local storage: the server streams the range from the file in bounded pieces.
    if (auto path = options.storage->LocalPathFor(key)) {
      auto response =
          http::Response::File(partial ? 206 : 200, std::move(*path), static_cast<uint64_t>(first),
                               static_cast<uint64_t>(last - first + 1), "audio/mpeg");
      response.SetHeader("Accept-Ranges", "bytes");
      if (partial)
        response.SetHeader("Content-Range", fmt::format("bytes {}-{}/{}", first, last, size));
      return response;
    }
    // Other stores (S3): never more than kAudioPieceBytes in memory per request.
    // - HEAD: the length only, nothing fetched.
    // - An open range ("bytes=N-", what a media element asks for, again at every seek): at most
    //   kAudioPieceBytes from N, said by Content-Range; the client asks for the rest.
    // - Up to kAudioPieceBytes: that range, fetched into memory.
    // - More (the whole file, or a larger closed range): the object is fetched into a spool
    //   file, streamed like local storage, and removed once opened.
    const bool open_range = partial && !suffix_range && !closed_range;
    if (open_range && last - first + 1 > kAudioPieceBytes) last = first + kAudioPieceBytes - 1;
    const int64_t length = last - first + 1;
    auto with_headers = [&](http::Response response) {
      response.SetHeader("Accept-Ranges", "bytes");
      if (partial) {
        response.SetHeader("Content-Range", fmt::format("bytes {}-{}/{}", first, last, size));
      }
      return response;
    };
    if (request.method == http::Method::kHead) {
      auto response = http::Response::Text(partial ? 206 : 200, "", "audio/mpeg");
      response.head_content_length = static_cast<uint64_t>(length);
      return with_headers(std::move(response));
    }
    if (length <= kAudioPieceBytes) {
      auto bytes = options.storage->GetRange(key, first, length);
      if (!bytes) return ErrorResponse(bytes.error());
      if (static_cast<int64_t>(bytes->size()) != length) {
        return ErrorResponse(
            Err(Code::kUnavailable, "Audio changed while being read",
                fmt::format("{}: {} bytes instead of {}", key, bytes->size(), length))
                .value());
      }
      return with_headers(
          http::Response::Text(partial ? 206 : 200, std::move(*bytes), "audio/mpeg"));
    }
    const fs::path spool = fs::path(options.data_dir) / "spool";
    std::error_code ec;
    fs::create_directories(spool, ec);
    const std::string path = (spool / ("audio-" + NewUuid4())).string();
    if (auto fetched = options.storage->GetToFile(key, path); !fetched) {
      fs::remove(path, ec);
      return ErrorResponse(fetched.error());
    }
    auto response = http::Response::File(partial ? 206 : 200, path, static_cast<uint64_t>(first),
                                         static_cast<uint64_t>(length), "audio/mpeg");
    response.body_file_remove = true;  // a file shorter than the range gives 500, then goes
    return with_headers(std::move(response));
  }

  http::Response Waveform(http::Request& request) {
    Audio audio = LoadAudio(request);
    if (audio.refusal) return std::move(*audio.refusal);
    json data = json::array();
    if (audio.transcript.waveform) {
      auto parsed = json::parse(*audio.transcript.waveform, nullptr, false);
      if (parsed.is_array()) data = std::move(parsed);
    }
    return http::Response::Json(200, {{"data", data}});
  }

  http::Response Upload(http::Request& request) {
    auto caller = OptionalUser(ctx.auth, request);
    if (!caller) return ErrorResponse(caller.error());
    ValidationErrors errors;
    auto chunk_number = QueryInt(request, "chunk_number", -1, 0, 9999, errors);
    auto total_chunks = QueryInt(request, "total_chunks", -1, 1, 10000, errors);
    if (errors.empty() && *chunk_number < 0) {
      errors.Add({"query", "chunk_number"}, "Field required", "missing");
    }
    if (errors.empty() && *total_chunks < 0) {
      errors.Add({"query", "total_chunks"}, "Field required", "missing");
    }
    if (!errors.empty()) return errors.ToResponse();
    const int number = static_cast<int>(*chunk_number);
    const int total = static_cast<int>(*total_chunks);
    if (number >= total) {
      return http::Response::Detail(400, "chunk_number must be below total_chunks");
    }
    auto boundary = MultipartBoundary(request.GetHeader("Content-Type").value_or(""));
    if (!boundary) {
      return http::Response::Detail(400, "Expected a multipart/form-data body with a 'chunk' file");
    }
    // The body is in memory, or (as `serve` runs) spooled to a file by the server.
    std::optional<MultipartPart> part;
    std::optional<MultipartFilePart> file_part;
    if (request.body_file.empty()) {
      part = FindMultipartPart(request.body, *boundary, "chunk");
    } else {
      auto found = FindMultipartPartInFile(request.body_file, *boundary, "chunk");
      if (!found) return ErrorResponse(found.error());
      file_part = std::move(*found);
    }
    if (!part && !file_part) {
      return http::Response::Detail(400, "The multipart body has no 'chunk' part");
    }
    const int64_t part_size = part ? static_cast<int64_t>(part->data.size()) : file_part->size;
    const std::string part_type = part ? part->content_type : file_part->content_type;
    if (part_size > static_cast<int64_t>(kMaxUploadChunkBytes)) {
      return http::Response::Detail(413, "Upload chunk larger than 50 MiB");
    }

    const std::string id(request.PathParam("transcript_id"));
    auto session = ctx.db.Acquire();
    auto t = store::TranscriptRepository::Get(session, id);
    if (!t) return ErrorResponse(t.error());
    if (!CanWrite(*t, *caller)) return http::Response::Detail(403, "Not authorized");
    if (t->status != "idle") {
      return http::Response::Detail(400, "The transcript's audio was uploaded already");
    }
    if (number < t->upload_next_chunk) {
      // A client retrying a chunk whose answer it lost: already stored, nothing to do.
      return http::Response::Json(200, {{"status", "ok"}});
    }
    if (number > t->upload_next_chunk) {
      return http::Response::Detail(
          400, fmt::format("Upload chunks must arrive in order: expected chunk_number {}",
                           t->upload_next_chunk));
    }
    // Each chunk in a file of its own: a chunk written twice (two concurrent retries) overwrites
    // itself instead of appending twice. The row's counter decides who moves on.
    const fs::path dir = fs::path(options.data_dir) / "uploads" / id;
    const fs::path part_path = dir / fmt::format("part-{:05d}", number);
    if (auto written = part ? WriteFileAtomically(part_path, part->data)
                            : CopyRangeAtomically(request.body_file, file_part->offset,
                                                  file_part->size, part_path);
        !written) {
      return ErrorResponse(written.error());
    }
    const TimePoint now = ctx.clock.Now();
    auto tx = session.Begin();
    if (!tx) return ErrorResponse(tx.error());
    if (auto advanced = store::TranscriptRepository::AdvanceUpload(session, id, number, number + 1);
        !advanced) {
      if (advanced.error().code == Code::kFailedPrecondition) {
        return http::Response::Detail(409, "Another upload of this chunk is in progress");
      }
      return ErrorResponse(advanced.error());
    }
    if (number + 1 < total) {
      if (auto committed = tx->Commit(); !committed) return ErrorResponse(committed.error());
      return http::Response::Json(200, {{"status", "ok"}});
    }
    // The last chunk: the file is whole; it becomes a recording of ours, queued for processing.
    const std::string ext = ExtensionFor(part_type);
    const std::string key = "uploads/" + id + "/upload" + ext;
    if (auto joined = Concatenate(dir, total, fs::path(options.data_dir) / key); !joined) {
      return ErrorResponse(joined.error());
    }
    store::NewRecording rec;
    rec.id = NewUuid4();
    rec.platform = "upload";
    rec.type = "upload";
    rec.object_key = key;
    rec.recorded_at = now;
    rec.meeting_id = t->meeting_id;
    rec.queued = true;
    if (auto made = store::RecordingRepository::Create(session, rec, now); !made) {
      return ErrorResponse(made.error());
    }
    if (auto linked = store::TranscriptRepository::SetRecording(session, id, rec.id); !linked) {
      return ErrorResponse(linked.error());
    }
    if (auto st = store::TranscriptRepository::SetStatus(session, id, "uploaded", std::nullopt);
        !st) {
      return ErrorResponse(st.error());
    }
    if (auto queued = EnqueueProcess(session, rec.id, now); !queued) {
      return ErrorResponse(queued.error());
    }
    if (auto committed = tx->Commit(); !committed) return ErrorResponse(committed.error());
    RemoveParts(dir, total);
    Notify();
    spdlog::info("upload of transcript {} complete ({} chunk(s)); recording {} queued", id, total,
                 rec.id);
    return http::Response::Json(200, {{"status", "ok"}});
  }

  http::Response MeetingRecordings(http::Request& request) {
    auto caller = OptionalUser(ctx.auth, request);
    if (!caller) return ErrorResponse(caller.error());
    auto session = ctx.db.Acquire();
    auto meeting = store::MeetingRepository::GetById(session, request.PathParam("meeting_id"));
    if (!meeting) return ErrorResponse(meeting.error());
    if (!meeting->room_id.empty()) {
      auto room = store::RoomRepository::GetById(session, meeting->room_id);
      if (room && !room->is_shared && !(*caller && (*caller)->user_id == room->user_id)) {
        return http::Response::Detail(403, "Not authorized");
      }
      if (!room && room.error().code != Code::kNotFound) return ErrorResponse(room.error());
    }
    auto recordings = store::RecordingRepository::ListForMeeting(session, meeting->id);
    if (!recordings) return ErrorResponse(recordings.error());
    json out = json::array();
    for (const auto& r : *recordings) {
      auto transcript_id = store::TranscriptRepository::IdForRecording(session, r.id);
      if (!transcript_id) return ErrorResponse(transcript_id.error());
      out.push_back({{"id", r.id},
                     {"meeting_id", meeting->id},
                     {"platform", r.platform.value_or(meeting->platform)},
                     {"type", r.type.value_or("cloud")},
                     {"status", r.status},
                     {"error", Nullable(r.error)},
                     {"duration", r.duration ? json(*r.duration) : json(nullptr)},
                     {"tracks", r.tracks},
                     {"transcript_id", Nullable(*transcript_id)},
                     {"created_at", FormatIso8601(r.created_at.value_or(r.recorded_at))}});
    }
    return http::Response::Json(200, out);
  }

  http::Response MockRecording(http::Request& request) {
    auto caller = OptionalUser(ctx.auth, request);
    if (!caller) return ErrorResponse(caller.error());
    const std::string content_type(request.GetHeader("Content-Type").value_or(""));
    if (!IsMediaType(content_type)) {
      return http::Response::Detail(415,
                                    "The recording must be sent with Content-Type audio/* or "
                                    "video/*");
    }
    std::error_code size_ec;
    const bool spooled = !request.body_file.empty();
    if (spooled ? fs::file_size(request.body_file, size_ec) == 0 || size_ec
                : request.body.empty()) {
      return http::Response::Detail(400, "The recording is empty");
    }
    auto session = ctx.db.Acquire();
    auto room = store::RoomRepository::GetByName(session, request.PathParam("room_name"));
    if (!room) return ErrorResponse(room.error());
    const TimePoint now = ctx.clock.Now();
    auto active = store::MeetingRepository::ListActiveForRoom(session, room->id, now);
    if (!active) return ErrorResponse(active.error());
    const store::Meeting* meeting = nullptr;
    for (const auto& m : *active) {
      if (m.platform == "mock") {
        meeting = &m;
        break;
      }
    }
    if (meeting == nullptr) {
      return http::Response::Detail(409, "The room has no active mock meeting");
    }
    const std::string recording_id = NewUuid4();
    const std::string key = "mock-recordings/" + recording_id + ExtensionFor(content_type);
    const fs::path stored_path = fs::path(options.data_dir) / key;
    if (auto stored = spooled ? MoveFileInto(request.body_file, stored_path)
                              : WriteFileAtomically(stored_path, request.body);
        !stored) {
      return ErrorResponse(stored.error());
    }
    // The mock platform now behaves like a provider: the recording exists (pending) and a signed
    // recording.ready-to-download reaches our webhook through a job (app/job_handlers.cpp).
    store::NewRecording rec;
    rec.id = recording_id;
    rec.platform = "mock";
    rec.type = "mock";
    rec.provider_recording_id = recording_id;
    rec.meeting_id = meeting->id;
    rec.object_key = key;
    rec.recorded_at = now;
    rec.queued = false;
    auto tx = session.Begin();
    if (!tx) return ErrorResponse(tx.error());
    if (auto made = store::RecordingRepository::Create(session, rec, now); !made) {
      return ErrorResponse(made.error());
    }
    store::NewJob job;
    job.kind = std::string(store::job_kind::kMockRecordingDelivery);
    job.payload_json =
        json{{"recording_id", recording_id},
             {"room_name", meeting->room_name},
             {"key", key},
             {"start_ts",
              std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count()}}
            .dump();
    job.dedup_key = "mock-recording:" + recording_id;
    if (auto enqueued = store::JobRepository::Enqueue(session, job, now); !enqueued) {
      return ErrorResponse(enqueued.error());
    }
    if (auto committed = tx->Commit(); !committed) return ErrorResponse(committed.error());
    Notify();
    std::error_code ec;
    spdlog::info("mock recording {} of meeting {} stored ({} bytes)", recording_id, meeting->id,
                 fs::file_size(stored_path, ec));
    return http::Response::Json(202, {{"recording_id", recording_id}});
  }
};

}  // namespace

void RegisterRecordingRoutes(ApiRoutes& routes, ApiContext& context,
                             RecordingRoutesOptions options) {
  routes.AddSchema("Transcript", TranscriptSchema());
  routes.AddSchema("Recording", RecordingSchema());
  auto h = std::make_shared<Handlers>(Handlers{context, std::move(options)});

  routes.Add(http::Method::kPost, "/v1/transcripts",
             {{"summary", "Create a transcript for an upload"},
              {"tags", {"transcripts"}},
              {"requestBody",
               {{"required", true},
                {"content",
                 {{"application/json",
                   {{"schema",
                     {{"type", "object"},
                      {"required", {"name"}},
                      {"properties",
                       {{"name", {{"type", "string"}}},
                        {"source_language", {{"type", "string"}, {"default", "en"}}},
                        {"target_language", {{"type", "string"}, {"default", "en"}}},
                        {"source_kind",
                         {{"type", "string"}, {"enum", {"room", "live", "file"}}}}}}}}}}}}}},
              {"responses",
               {{"200", RefDoc("The transcript (status idle)", "Transcript")},
                {"422", ValidationErrorResponseDoc()}}}},
             [h](http::Request& request) { return h->CreateTranscript(request); });

  routes.Add(
      http::Method::kGet, "/v1/transcripts",
      {{"summary", "The caller's transcripts (and those of shared rooms), newest first"},
       {"tags", {"transcripts"}},
       {"parameters",
        {{{"name", "page"}, {"in", "query"}, {"schema", {{"type", "integer"}, {"minimum", 1}}}},
         {{"name", "size"},
          {"in", "query"},
          {"schema", {{"type", "integer"}, {"minimum", 1}, {"maximum", 100}}}},
         {{"name", "room_id"}, {"in", "query"}, {"schema", {{"type", "string"}}}},
         {{"name", "source_kind"},
          {"in", "query"},
          {"schema", {{"type", "string"}, {"enum", {"room", "live", "file"}}}}},
         {{"name", "search_term"}, {"in", "query"}, {"schema", {{"type", "string"}}}},
         {{"name", "change_seq_from"},
          {"in", "query"},
          {"schema", {{"type", "integer"}, {"minimum", 0}}},
          {"description", "only transcripts whose change_seq is greater"}},
         {{"name", "sort_by"},
          {"in", "query"},
          {"description", "created_at: newest first; change_seq: ascending"},
          {"schema", {{"type", "string"}, {"enum", {"created_at", "change_seq"}}}}}}},
       {"responses",
        {{"200",
          Doc("A page of transcripts",
              {{"type", "object"},
               {"properties",
                {{"items",
                  {{"type", "array"}, {"items", {{"$ref", "#/components/schemas/Transcript"}}}}},
                 {"total", {{"type", "integer"}}},
                 {"page", {{"type", "integer"}}},
                 {"size", {{"type", "integer"}}},
                 {"pages", {{"type", "integer"}}}}}})},
         {"401", ErrorResponseDoc("Not authenticated")},
         {"422", ValidationErrorResponseDoc()}}}},
      [h](http::Request& request) { return h->ListTranscripts(request); });

  routes.Add(http::Method::kGet, "/v1/transcripts/{transcript_id}",
             {{"summary", "One transcript, with its text in the requested format"},
              {"tags", {"transcripts"}},
              {"parameters",
               {{{"name", "transcript_format"},
                 {"in", "query"},
                 {"required", false},
                 {"schema",
                  {{"type", "string"},
                   {"enum", {"text", "text-timestamped", "webvtt-named", "json"}},
                   {"default", "text"}}}}}},
              {"responses",
               {{"200", RefDoc("The transcript", "Transcript")},
                {"403", ErrorResponseDoc("Not authorized")},
                {"404", ErrorResponseDoc("Transcript not found")}}}},
             [h](http::Request& request) { return h->GetTranscript(request); });

  routes.Add(http::Method::kDelete, "/v1/transcripts/{transcript_id}",
             {{"summary", "Delete a transcript with its audio and recording"},
              {"tags", {"transcripts"}},
              {"responses",
               {{"200", Doc("Deleted", {{"type", "object"}})},
                {"401", ErrorResponseDoc("Not authenticated")},
                {"403", ErrorResponseDoc("Not authorized")},
                {"404", ErrorResponseDoc("Transcript not found")}}}},
             [h](http::Request& request) { return h->DeleteTranscript(request); });

  routes.Add(http::Method::kGet, "/v1/transcripts/{transcript_id}/audio/mp3",
             {{"summary", "The transcript's audio (MP3); Range requests supported, HEAD too"},
              {"tags", {"transcripts"}},
              {"responses",
               {{"200",
                 {{"description", "The whole file"},
                  {"content",
                   {{"audio/mpeg", {{"schema", {{"type", "string"}, {"format", "binary"}}}}}}}}},
                {"206", {{"description", "The requested range"}}},
                {"403", ErrorResponseDoc("Not authorized")},
                {"404", ErrorResponseDoc("Transcript or audio not found (also once deleted)")},
                {"416", ErrorResponseDoc("Range not satisfiable")}}}},
             [h](http::Request& request) { return h->AudioMp3(request); });

  routes.Add(
      http::Method::kGet, "/v1/transcripts/{transcript_id}/audio/waveform",
      {{"summary", "The transcript's waveform: peaks 0..1 over its length"},
       {"tags", {"transcripts"}},
       {"responses",
        {{"200",
          Doc("Peaks",
              {{"type", "object"},
               {"properties", {{"data", {{"type", "array"}, {"items", {{"type", "number"}}}}}}}})},
         {"403", ErrorResponseDoc("Not authorized")},
         {"404", ErrorResponseDoc("Transcript or audio not found")}}}},
      [h](http::Request& request) { return h->Waveform(request); });

  routes.Add(
      http::Method::kPost, kUploadRoute,
      {{"summary", "Upload the transcript's audio, one chunk at a time"},
       {"description",
        "Chunks 0..total_chunks-1 in order, each at most 50 MiB, as multipart field `chunk`. A "
        "chunk sent again is accepted without effect. After the last chunk the transcript is "
        "`uploaded` and its recording is processed."},
       {"tags", {"transcripts"}},
       {"parameters",
        {{{"name", "chunk_number"},
          {"in", "query"},
          {"required", true},
          {"schema", {{"type", "integer"}, {"minimum", 0}}}},
         {{"name", "total_chunks"},
          {"in", "query"},
          {"required", true},
          {"schema", {{"type", "integer"}, {"minimum", 1}}}}}},
       {"requestBody",
        {{"required", true},
         {"content",
          {{"multipart/form-data",
            {{"schema",
              {{"type", "object"},
               {"properties", {{"chunk", {{"type", "string"}, {"format", "binary"}}}}}}}}}}}}},
       {"responses",
        {{"200", Doc("Chunk stored", {{"type", "object"}})},
         {"400", ErrorResponseDoc("Chunk out of order, or not multipart")},
         {"403", ErrorResponseDoc("Not authorized")},
         {"404", ErrorResponseDoc("Transcript not found")},
         {"413", ErrorResponseDoc("Chunk too large")},
         {"422", ValidationErrorResponseDoc()}}}},
      [h](http::Request& request) { return h->Upload(request); });

  routes.Add(
      http::Method::kGet, "/v1/meetings/{meeting_id}/recordings",
      {{"summary", "The meeting's recordings and their processing state"},
       {"tags", {"meetings"}},
       {"responses",
        {{"200", Doc("Recordings, oldest first",
                     {{"type", "array"}, {"items", {{"$ref", "#/components/schemas/Recording"}}}})},
         {"403", ErrorResponseDoc("Not authorized")},
         {"404", ErrorResponseDoc("Meeting not found")}}}},
      [h](http::Request& request) { return h->MeetingRecordings(request); });

  routes.Add(
      http::Method::kPost, kMockRecordingRoute,
      {{"summary", "Deliver a recording of the room's active mock meeting"},
       {"description",
        "The body is the audio file (Content-Type audio/* or video/*). The mock platform keeps "
        "it and delivers a signed recording.ready-to-download event to POST /v1/mock/webhook, "
        "so the recording follows the providers' path."},
       {"tags", {"mock"}},
       {"requestBody",
        {{"required", true},
         {"content", {{"audio/*", {{"schema", {{"type", "string"}, {"format", "binary"}}}}}}}}},
       {"responses",
        {{"202", Doc("Accepted", {{"type", "object"},
                                  {"properties", {{"recording_id", {{"type", "string"}}}}}})},
         {"400", ErrorResponseDoc("Empty recording")},
         {"404", ErrorResponseDoc("Room not found")},
         {"409", ErrorResponseDoc("The room has no active mock meeting")},
         {"413", ErrorResponseDoc("Recording too large")},
         {"415", ErrorResponseDoc("Not audio/* or video/*")}}}},
      [h](http::Request& request) { return h->MockRecording(request); });
}

}  // namespace reflector::api
