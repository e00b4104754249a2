// The embedded backend: CMU PocketSphinx (Debian's libpocketsphinx 0.8+5prealpha, the old
// cmd_ln/ps_* API) with the pocketsphinx-en-us model. English only; accuracy is low (see
// bench/wer.sh for the measured word error rate) but it runs offline, several times faster than
// real time, in flat memory.
//
// How a file is decoded: the PCM is read into a buffer of at most `max_utterance_seconds`; the
// buffer is cut at its quietest `pause_seconds` window in the last part (silence.hpp), the part
// before the cut is decoded as one utterance and the rest stays for the next one. So no utterance
// (and no search lattice) is longer than max_utterance_seconds, and cuts fall in pauses when there
// are any. Filler tokens (<s>, </s>, <sil>, [NOISE], …) are dropped and alternate-pronunciation
// suffixes ("word(2)") removed.
//
// Thread-safe: each Transcribe builds its own decoder (a pocketsphinx decoder is not thread-safe);
// loading the model takes about 0.3 s of CPU per call.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "pipeline/transcriber.hpp"

namespace reflector::pipeline {

struct PocketsphinxOptions {
  std::string model_dir = "/usr/share/pocketsphinx/model/en-us";
  double max_utterance_seconds = 30;  // longest piece decoded as one utterance (>= 2)
  double pause_seconds = 0.3;         // length of the quiet window an utterance ends in
  // Decoder arguments as name/value pairs on top of the model paths (tuning; bench_stt
  // --ps-arg). The default caps the active HMMs and words per frame: on bench/wer.sh that takes
  // the decoder from 3.5x to 6.4x real time for +1.4 points of WER (77.7% → 79.1%).
  std::vector<std::pair<std::string, std::string>> decoder_args = {{"-maxhmmpf", "3000"},
                                                                   {"-maxwpf", "5"}};
};

std::unique_ptr<Transcriber> MakePocketsphinxTranscriber(PocketsphinxOptions options);

// "word(2)" → "word"; "" for fillers such as "<s>", "<sil>", "[NOISE]", "++garbage++".
std::string CleanPocketsphinxWord(std::string_view token);

}  // namespace reflector::pipeline
