#include "app/demo_command.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "app/app.hpp"
#include "net/curl_transport.hpp"

extern char** environ;

namespace reflector::app {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

// A child process with its stdout and stderr read into memory by a thread.
class Child {
 public:
  ~Child() { Stop(); }

  bool Start(const std::vector<std::string>& argv, const std::vector<std::string>& env,
             const std::string& cwd, std::string& error) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
      error = std::string("pipe: ") + std::strerror(errno);
      return false;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDERR_FILENO);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    std::vector<char*> envp;
    for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
    const int rc = posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    if (rc != 0) {
      close(fds[0]);
      pid_ = -1;
      error = fmt::format("cannot start {}: {}", argv[0], std::strerror(rc));
      return false;
    }
    reader_ = std::thread([this, fd = fds[0]] {
      char buf[4096];
      for (;;) {
        const ssize_t n = read(fd, buf, sizeof buf);
        if (n <= 0) break;
        std::lock_guard lock(mu_);
        output_.append(buf, static_cast<size_t>(n));
        if (output_.size() > (size_t{8} << 20))
          output_.erase(0, output_.size() - (size_t{4} << 20));
      }
      close(fd);
    });
    return true;
  }

  std::string Output() {
    std::lock_guard lock(mu_);
    return output_;
  }

  bool Running() {
    if (pid_ <= 0) return false;
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      return false;
    }
    return true;
  }

  // The exit status once Running() returned false (-1 before).
  int exit_status() const { return exit_status_; }

  // SIGTERM, then SIGKILL after 10 s.
  void Stop() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      const auto deadline = Clock::now() + std::chrono::seconds(10);
      int status = 0;
      while (waitpid(pid_, &status, WNOHANG) == 0) {
        if (Clock::now() > deadline) {
          kill(pid_, SIGKILL);
          waitpid(pid_, &status, 0);
          break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      pid_ = -1;
    }
    if (reader_.joinable()) reader_.join();
  }

 private:
  pid_t pid_ = -1;
  int exit_status_ = -1;
  std::thread reader_;
  std::mutex mu_;
  std::string output_;
};

// Runs a command to completion (stdout/stderr discarded into `output`); its exit status.
int RunCommand(const std::vector<std::string>& argv, const std::string& cwd, std::string& output) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) env.emplace_back(*e);
  Child child;
  std::string error;
  if (!child.Start(argv, env, cwd, error)) {
    output = error;
    return 127;
  }
  while (child.Running()) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  child.Stop();
  output = child.Output();
  return child.exit_status();
}

std::string FindSelf() {
  std::error_code ec;
  auto self = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("reflector") : self.string();
}

std::optional<std::string> FindOnPath(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path != nullptr ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    const fs::path candidate = fs::path(dir.empty() ? "." : dir) / name;
    if (access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return std::nullopt;
}

std::vector<std::string> Words(const std::string& text) {
  std::vector<std::string> out;
  std::string word;
  for (char c : text + " ") {
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '\'') {
      word += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else if (!word.empty()) {
      out.push_back(word);
      word.clear();
    }
  }
  return out;
}

class DemoRun {
 public:
  explicit DemoRun(const DemoOptions& options)
      : options_(options),
        deadline_(Clock::now() + std::chrono::seconds(options.timeout_seconds)) {}

  int Run() {
    std::printf("reflector demo: a whole meeting on the embedded defaults\n");
    const bool ok = Steps();
    if (!ok) {
      std::printf("\ndemo FAILED: %s\n", failure_.c_str());
      const std::string log = server_.Output();
      if (!log.empty()) {
        std::vector<std::string> lines;
        std::stringstream in(log);
        for (std::string line; std::getline(in, line);) lines.push_back(line);
        const size_t from = lines.size() > 40 ? lines.size() - 40 : 0;
        std::printf("--- the server's last log lines ---\n");
        for (size_t i = from; i < lines.size(); ++i) std::printf("%s\n", lines[i].c_str());
      }
    }
    server_.Stop();
    if (!dir_.empty()) {
      if (options_.keep || !ok) {
        std::printf("DATA_DIR kept: %s\n", dir_.c_str());
      } else {
        std::error_code ec;
        fs::remove_all(dir_, ec);
      }
    }
    if (ok) std::printf("\ndemo passed in %.1f s\n", Seconds(started_));
    std::fflush(stdout);
    return ok ? kExitOk : kExitFailure;
  }

 private:
  // One numbered step: prints its name, runs it, prints the time and a result line.
  template <typename F>
  bool Step(const std::string& name, F&& body) {
    ++step_;
    std::printf("[%d] %-38s", step_, name.c_str());
    std::fflush(stdout);
    const auto t0 = Clock::now();
    std::string result;
    const bool ok = body(result);
    if (progress_shown_) {
      std::printf("\r[%d] %-38s", step_, name.c_str());
      progress_shown_ = false;
    }
    if (progress_lines_) {
      std::printf("\n[%d] %-38s", step_, name.c_str());
      progress_lines_ = false;
    }
    last_stable_.clear();
    std::printf("%7.2f s  %s%s\n", Seconds(t0),
                ok ? "" : "FAILED: ", ok ? result.c_str() : failure_.c_str());
    std::fflush(stdout);
    return ok;
  }

  // A progress line under the current step: rewritten in place on a terminal, else printed as
  // its own line whenever it changes (`stable` is the part that must change, so elapsed time
  // alone does not print a line into a log).
  void Progress(const std::string& name, const std::string& line, const std::string& stable) {
    if (tty_) {
      std::printf("\r[%d] %-38s%-60s", step_, name.c_str(), line.c_str());
      progress_shown_ = true;
    } else if (stable != last_stable_) {
      std::printf("\n      %s", line.c_str());
      progress_lines_ = true;
      last_stable_ = stable;
    }
    std::fflush(stdout);
  }

  bool Fail(std::string why) {
    failure_ = std::move(why);
    return false;
  }

  // An API call; the parsed body, or a failure unless the status is `expect`.
  std::optional<json> Call(const std::string& method, const std::string& path,
                           const std::string& body = "", int expect = 200,
                           const std::string& content_type = "application/json") {
    net::OutboundRequest request;
    request.method = method;
    request.url = base_url_ + path;
    request.body = body;
    request.timeout = std::chrono::seconds(30);
    if (!body.empty()) request.headers.push_back({"Content-Type", content_type});
    auto response = http_.Send(request);
    if (!response) {
      Fail(fmt::format("{} {}: {}", method, path, response.error().ToString()));
      return std::nullopt;
    }
    if (response->status != expect) {
      Fail(fmt::format("{} {} answered {}: {}", method, path, response->status,
                       response->body.substr(0, 300)));
      return std::nullopt;
    }
    auto parsed = json::parse(response->body, nullptr, false);
    if (parsed.is_discarded()) {
      Fail(fmt::format("{} {} answered something that is not JSON", method, path));
      return std::nullopt;
    }
    return parsed;
  }

  bool TimedOut() {
    if (Clock::now() < deadline_) return false;
    Fail(fmt::format("gave up after {} s (--timeout)", options_.timeout_seconds));
    return true;
  }

  // The latest "transcript <id>: track i/n P% (d of t s)" progress line the server logged,
  // without its prefix ("track 1/1 40% (4 of 10 s)"); empty before the first.
  std::string TranscriptionProgress(const std::string& transcript_id) {
    const std::string log = server_.Output();
    const std::string marker = "transcript " + transcript_id + ": track ";
    const size_t at = log.rfind(marker);
    if (at == std::string::npos) return "";
    const size_t from = at + marker.size() - std::string("track ").size();
    const size_t end = log.find('\n', from);
    return log.substr(from, end == std::string::npos ? std::string::npos : end - from);
  }

  bool Steps() {
    started_ = Clock::now();
    if (!Step("start the server", [&](std::string& out) { return StartServer(out); })) return false;
    if (!Step("create a mock room", [&](std::string& out) {
          auto room =
              Call("POST", "/v1/rooms",
                   json{{"name", "demo"}, {"platform", "mock"}, {"room_mode", "group"}}.dump());
          if (!room) return false;
          out = "room \"demo\" on the mock platform";
          return true;
        }))
      return false;
    if (!Step("start its meeting", [&](std::string& out) {
          auto meeting = Call("POST", "/v1/rooms/demo/meeting", "{}");
          if (!meeting) return false;
          meeting_id_ = meeting->value("id", "");
          out = "meeting " + meeting_id_;
          return !meeting_id_.empty() || Fail("the meeting has no id");
        }))
      return false;
    if (!Step("Alice and Bob join", [&](std::string& out) {
          for (const char* name : {"Alice", "Bob"}) {
            auto joined = Call("POST", "/v1/mock/meetings/" + meeting_id_ + "/participants",
                               json{{"name", name}}.dump());
            if (!joined) return false;
            participants_.push_back(joined->value("participant_id", ""));
          }
          auto list = Call("GET", "/v1/meetings/" + meeting_id_ + "/participants");
          if (!list) return false;
          const int count = list->value("count", -1);
          out = fmt::format("signed mock webhooks; {} participants in the meeting", count);
          return count == 2 ||
                 Fail(fmt::format("expected 2 participants, the meeting has {}", count));
        }))
      return false;
    if (!Step("speak the script (espeak-ng)", [&](std::string& out) { return Speak(out); }))
      return false;
    if (!Step("record: post it to the mock platform", [&](std::string& out) {
          std::ifstream in(wav_, std::ios::binary);
          std::stringstream bytes;
          bytes << in.rdbuf();
          auto posted =
              Call("POST", "/v1/mock/rooms/demo/recording", bytes.str(), 202, "audio/wav");
          if (!posted) return false;
          recording_id_ = posted->value("recording_id", "");
          out = fmt::format("recording {} ({} KB, 202 Accepted)", recording_id_,
                            bytes.str().size() / 1024);
          return true;
        }))
      return false;
    if (!Step("Alice and Bob leave", [&](std::string& out) {
          for (const auto& pid : participants_) {
            if (!Call("DELETE", "/v1/mock/meetings/" + meeting_id_ + "/participants/" + pid))
              return false;
          }
          auto list = Call("GET", "/v1/meetings/" + meeting_id_ + "/participants");
          if (!list) return false;
          out = fmt::format("{} participants left in the meeting", list->value("count", -1));
          return list->value("count", -1) == 0 || Fail("participants are still in the meeting");
        }))
      return false;
    if (!Step("process the recording", [&](std::string& out) { return WaitForRecording(out); }))
      return false;
    if (!Step("transcribe", [&](std::string& out) { return WaitForTranscript(out); })) return false;
    return Step("search for a spoken word", [&](std::string& out) { return Search(out); });
  }

  bool StartServer(std::string& out) {
    char templ[] = "/tmp/reflector-demo-XXXXXX";
    if (mkdtemp(templ) == nullptr) return Fail(std::string("mkdtemp: ") + std::strerror(errno));
    dir_ = templ;
    // The embedded defaults: nothing of the caller's configuration (no .env: the child runs in
    // the temporary directory), PORT=0 for any free port.
    const char* path = std::getenv("PATH");
    std::vector<std::string> env = {
        std::string("PATH=") + (path != nullptr ? path : "/usr/bin:/bin"),
        "DATA_DIR=" + dir_ + "/data", "HOST=127.0.0.1", "PORT=0", "LOG_LEVEL=info"};
    if (const char* home = std::getenv("HOME")) env.push_back(std::string("HOME=") + home);
    std::string error;
    if (!server_.Start({FindSelf(), "serve"}, env, dir_, error)) return Fail(error);
    const std::regex listening(R"(listening on (http://127\.0\.0\.1:\d+))");
    while (!TimedOut()) {
      const std::string log = server_.Output();
      std::smatch m;
      if (std::regex_search(log, m, listening)) {
        base_url_ = m[1];
        break;
      }
      if (!server_.Running()) return Fail("the server exited before listening");
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (base_url_.empty()) return false;
    auto health = Call("GET", "/health");
    if (!health) return false;
    std::smatch m;
    const std::string log = server_.Output();
    std::string database = "SQLite";
    if (std::regex_search(log, m, std::regex(R"(database:\s+(\S+))"))) database = m[1];
    out = fmt::format("{} (DATA_DIR {}, {})", base_url_, dir_ + "/data", database);
    return true;
  }

  bool Speak(std::string& out) {
    auto espeak = FindOnPath("espeak-ng");
    if (!espeak) {
      return Fail(
          "espeak-ng is not installed (scripts/install-deps installs it; Debian: "
          "apt-get install espeak-ng)");
    }
    wav_ = dir_ + "/speech.wav";
    std::string output;
    const int rc = RunCommand(
        {*espeak, "-v", options_.voice, "-s", "140", "-w", wav_, options_.script}, dir_, output);
    if (rc != 0) return Fail(fmt::format("espeak-ng exited {}: {}", rc, output.substr(0, 300)));
    std::error_code ec;
    const auto size = fs::file_size(wav_, ec);
    if (ec || size <= 44) return Fail("espeak-ng made no audio: " + output.substr(0, 300));
    // 16-bit mono at 22 050 Hz: espeak-ng's output format.
    audio_seconds_ = static_cast<double>(size - 44) / (2 * 22050);
    out = fmt::format("{:.1f} s of speech: \"{}\"", audio_seconds_, options_.script);
    return true;
  }

  bool WaitForRecording(std::string& out) {
    std::string last_status;
    while (!TimedOut()) {
      auto recs = Call("GET", "/v1/meetings/" + meeting_id_ + "/recordings");
      if (!recs) return false;
      for (const auto& r : *recs) {
        if (r.value("id", "") != recording_id_) continue;
        const std::string status = r.value("status", "");
        if (status != last_status) {
          last_status = status;
          Progress("process the recording", "recording " + status, status);
        }
        if (status == "failed") return Fail("recording failed: " + r.value("error", "?"));
        if (status == "ready") {
          transcript_id_ = r.value("transcript_id", "");
          out = fmt::format("ready: {:.1f} s of audio in {} track, MP3 stored; transcript {}",
                            r.value("duration", 0.0), r.value("tracks", 0), transcript_id_);
          return true;
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }

  bool WaitForTranscript(std::string& out) {
    const auto t0 = Clock::now();
    while (!TimedOut()) {
      auto t = Call("GET", "/v1/transcripts/" + transcript_id_ + "?transcript_format=text");
      if (!t) return false;
      const std::string status = t->value("status", "");
      if (status == "error") return Fail("transcription failed: " + t->value("error", "?"));
      if (status == "ended") {
        transcript_text_ = t->value("transcript", "");
        while (!transcript_text_.empty() &&
               std::isspace(static_cast<unsigned char>(transcript_text_.back()))) {
          transcript_text_.pop_back();
        }
        const double took = Seconds(t0);
        out = fmt::format("ended: {} words, \"{}\" ({:.1f}x real time incl. polling)",
                          Words(transcript_text_).size(), transcript_text_,
                          took > 0 ? audio_seconds_ / took : 0.0);
        return true;
      }
      const std::string progress = TranscriptionProgress(transcript_id_);
      Progress("transcribe",
               fmt::format("{} {:.1f} s{}{}", status, Seconds(t0), progress.empty() ? "" : ": ",
                           progress),
               status + progress);
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return false;
  }

  bool Search(std::string& out) {
    // The first word of the script (5 letters or more) the recogniser heard.
    const auto heard_list = Words(transcript_text_);
    const std::set<std::string> heard(heard_list.begin(), heard_list.end());
    std::string query;
    for (const auto& w : Words(options_.script)) {
      if (w.size() >= 5 && heard.count(w) != 0) {
        query = w;
        break;
      }
    }
    if (query.empty()) {
      return Fail(
          "the recogniser heard none of the script's words (pocketsphinx is weak on "
          "synthetic speech; TRANSCRIPT_BACKEND=openai for real accuracy): \"" +
          transcript_text_ + "\"");
    }
    auto found = Call("GET", "/v1/transcripts/search?q=" + query);
    if (!found) return false;
    for (const auto& r : found->value("results", json::array())) {
      if (r.value("id", "") != transcript_id_) continue;
      const auto snippets = r.value("search_snippets", json::array());
      out = fmt::format("\"{}\" found in transcript {} (rank {:.3g}){}{}", query, transcript_id_,
                        r.value("rank", 0.0), snippets.empty() ? "" : ": ",
                        snippets.empty() ? "" : snippets[0].get<std::string>());
      return true;
    }
    return Fail(fmt::format("searching \"{}\" did not find transcript {}: {}", query,
                            transcript_id_, found->dump().substr(0, 300)));
  }

  DemoOptions options_;
  Clock::time_point deadline_;
  Clock::time_point started_ = Clock::now();
  net::CurlTransport http_;
  Child server_;
  std::string dir_;
  std::string base_url_;
  std::string meeting_id_;
  std::vector<std::string> participants_;
  std::string wav_;
  double audio_seconds_ = 0;
  std::string recording_id_;
  std::string transcript_id_;
  std::string transcript_text_;
  std::string failure_;
  int step_ = 0;
  bool progress_shown_ = false;
  bool progress_lines_ = false;
  bool tty_ = isatty(STDOUT_FILENO) == 1;
  std::string last_stable_;
};

}  // namespace

std::string DefaultDemoScript() {
  return "Hello everyone. Can everyone hear me clearly? The meeting will start tomorrow morning.";
}

int Demo(const DemoOptions& options) {
  DemoOptions o = options;
  if (o.script.empty()) o.script = DefaultDemoScript();
  signal(SIGPIPE, SIG_IGN);
  return DemoRun(o).Run();
}

}  // namespace reflector::app
