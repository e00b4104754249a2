// Reads a raw 16 kHz mono s16le PCM file (what media::OpenPcmWriter writes) as an AudioSource, so
// per-track PCM written once can be mixed without decoding the tracks again.
#pragma once

#include <memory>
#include <string>

#include "core/status.hpp"
#include "media/audio.hpp"

namespace reflector::recordings {

// kNotFound when the file cannot be opened.
Result<std::unique_ptr<media::AudioSource>> OpenPcmFile(const std::string& path);

}  // namespace reflector::recordings
