// `reflector demo` (contract §9): a whole meeting on the embedded defaults, step by step with
// timings — a `reflector serve` child on a temporary DATA_DIR (SQLite, the mock platform, the
// embedded recogniser), a room, its mock meeting, signed join/leave events, a sentence spoken by
// espeak-ng and delivered through the mock recording path (contract §7.1 item 5), the recording's
// processing, the transcription with a progress line, and a search that finds a spoken word.
// Exits 0 when every step passed, 1 when one failed (the server's last log lines are printed).
#pragma once

#include <string>

namespace reflector::app {

struct DemoOptions {
  std::string script;  // what espeak-ng says
  std::string voice = "en-us";
  bool keep = false;          // leave the temporary DATA_DIR for inspection
  int timeout_seconds = 300;  // for the whole run
};

// The default script: short sentences whose words the embedded recogniser tends to hear.
std::string DefaultDemoScript();

int Demo(const DemoOptions& options);

}  // namespace reflector::app
