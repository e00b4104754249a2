// Word error rate and speed of a transcription backend on a list of PCM files (bench/wer.sh makes
// the list). Each line of the list: <pcm path> TAB <group> TAB <reference text>. Prints, per file,
// the hypothesis and its errors, then per group and overall: WER, audio seconds, wall and CPU
// seconds and the speed as × real time (audio seconds / wall seconds).
//
//   bench_stt [--backend pocketsphinx|none] [--model DIR] [--ps-arg NAME VALUE]... [--quiet]
//             list.tsv
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>

#include "pipeline/pcm_file.hpp"
#include "pipeline/pocketsphinx_transcriber.hpp"
#include "pipeline/transcriber.hpp"
#include "pipeline/wer.hpp"

namespace {

using namespace reflector::pipeline;

double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

struct Totals {
  std::size_t errors = 0;
  std::size_t words = 0;
  double audio = 0;
  double wall = 0;
  double cpu = 0;
  int files = 0;
};

void Print(const std::string& name, const Totals& t) {
  std::printf(
      "%-10s files %3d  words %5zu  errors %5zu  WER %5.1f%%  audio %7.1f s  wall %6.1f s"
      "  cpu %6.1f s  speed %5.1fx real time (%5.1fx per CPU second)\n",
      name.c_str(), t.files, t.words, t.errors,
      t.words ? 100.0 * static_cast<double>(t.errors) / static_cast<double>(t.words) : 0.0, t.audio,
      t.wall, t.cpu, t.wall > 0 ? t.audio / t.wall : 0.0, t.cpu > 0 ? t.audio / t.cpu : 0.0);
}

}  // namespace

int main(int argc, char** argv) {
  std::string backend = "pocketsphinx";
  std::string model = "/usr/share/pocketsphinx/model/en-us";
  std::string list;
  bool quiet = false;
  std::vector<std::pair<std::string, std::string>> ps_args;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--backend" && i + 1 < argc) {
      backend = argv[++i];
    } else if (arg == "--model" && i + 1 < argc) {
      model = argv[++i];
    } else if (arg == "--ps-arg" && i + 2 < argc) {
      ps_args.emplace_back(argv[i + 1], argv[i + 2]);
      i += 2;
    } else if (arg == "--quiet") {
      quiet = true;
    } else {
      list = arg;
    }
  }
  if (list.empty()) {
    std::cerr
        << "usage: bench_stt [--backend pocketsphinx|none] [--model DIR] [--ps-arg NAME VALUE]... "
           "[--quiet] list.tsv\n";
    return 2;
  }
  PocketsphinxOptions options;
  options.model_dir = model;
  for (auto& arg : ps_args) options.decoder_args.push_back(arg);  // later ones win
  std::unique_ptr<Transcriber> transcriber =
      backend == "none" ? MakeNoneTranscriber() : MakePocketsphinxTranscriber(options);
  std::ifstream in(list);
  if (!in) {
    std::cerr << "cannot read " << list << "\n";
    return 2;
  }
  std::map<std::string, Totals> groups;
  Totals all;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::istringstream fields(line);
    std::string path, group, reference;
    std::getline(fields, path, '\t');
    std::getline(fields, group, '\t');
    std::getline(fields, reference);
    auto file = PcmFile::Open(path);
    if (!file) {
      std::cerr << path << ": " << file.error().ToString() << "\n";
      return 1;
    }
    const double audio = file->duration_seconds();
    const double cpu0 = CpuSeconds();
    const auto wall0 = std::chrono::steady_clock::now();
    auto words = transcriber->Transcribe(path, "en", {});
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
    const double cpu = CpuSeconds() - cpu0;
    if (!words) {
      std::cerr << path << ": " << words.error().ToString() << "\n";
      return 1;
    }
    std::string hypothesis;
    for (const auto& w : *words) hypothesis += (hypothesis.empty() ? "" : " ") + w.text;
    WerCounts counts = WordErrors(reference, hypothesis);
    if (!quiet) {
      std::printf("[%s] %zu/%zu errors\n  ref: %s\n  hyp: %s\n", group.c_str(), counts.errors,
                  counts.reference_words, reference.c_str(), hypothesis.c_str());
    }
    for (Totals* t : {&groups[group], &all}) {
      t->errors += counts.errors;
      t->words += counts.reference_words;
      t->audio += audio;
      t->wall += wall;
      t->cpu += cpu;
      t->files += 1;
    }
  }
  for (const auto& [name, totals] : groups) Print(name, totals);
  Print("overall", all);
  return 0;
}
