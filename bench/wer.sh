#!/usr/bin/env bash
# Word error rate and speed of the pocketsphinx transcription backend on generated speech.
#
# Speaks 24 fixed sentences with espeak-ng in two voices (en-us and en-gb), converts them to
# 16 kHz mono s16le PCM with the ffmpeg CLI, and runs bench_stt on (a) each sentence as its own
# file and (b) each voice's sentences joined into one long file with 1 s pauses (model loading
# amortised; the speed figure that matters for real recordings). Prints per-voice and overall WER
# (word-level Levenshtein, lowercase, punctuation removed) and speed as × real time.
#
#   cmake --build build -j2 --target bench_stt && bench/wer.sh [build/bench/bench_stt]
#
# BENCH_ARGS adds arguments to bench_stt (e.g. BENCH_ARGS="--ps-arg -fwdflat no"); WER_ONLY=long
# runs only the long files.
#
# espeak-ng's formant voices are far from human speech, so these WER figures say more about
# PocketSphinx on synthetic speech than on people; they are a regression yardstick, not a promise.
set -euo pipefail

bench=${1:-build/bench/bench_stt}
[ -x "$bench" ] || { echo "wer.sh: $bench not built (cmake --build build --target bench_stt)" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/wer.XXXXXX")
trap 'rm -rf "$work"' EXIT

sentences=(
  "the meeting will start at ten o'clock tomorrow morning"
  "please send me the report before the end of the week"
  "hello world this is a test of the speech recognition system"
  "we need to review the budget for the next quarter"
  "can everyone hear me clearly"
  "let us move on to the next item on the agenda"
  "i think we should schedule a follow up call"
  "the project is on track and we expect to finish in june"
  "who is responsible for the marketing plan"
  "our sales increased by ten percent last month"
  "thank you all for joining the call today"
  "i will share my screen in a moment"
  "the customer asked for a new version of the product"
  "we have to fix the bug before the release"
  "could you please repeat the last question"
  "the new office will open next year"
  "we should hire two more engineers"
  "let me know if you have any questions"
  "the weather was very cold this morning"
  "she will present the results on monday"
  "the server went down for about an hour"
  "we agreed to meet again next tuesday"
  "the numbers look good for the first half of the year"
  "i am going to send the notes after the meeting"
)
voices=(en-us en-gb)

list=$work/sentences.tsv
long=$work/long.tsv
: >"$list"
: >"$long"
silence=$work/silence.pcm
head -c 32000 /dev/zero >"$silence"  # 1 s of 16 kHz s16le
for voice in "${voices[@]}"; do
  joined=$work/$voice-long.pcm
  : >"$joined"
  all_text=""
  i=0
  for s in "${sentences[@]}"; do
    i=$((i + 1))
    wav=$work/$voice-$i.wav
    pcm=$work/$voice-$i.pcm
    espeak-ng -v "$voice" -s 150 -w "$wav" "$s"
    ffmpeg -nostdin -loglevel error -y -i "$wav" -ar 16000 -ac 1 -f s16le "$pcm"
    printf '%s\t%s\t%s\n' "$pcm" "$voice" "$s" >>"$list"
    cat "$silence" "$pcm" >>"$joined"
    all_text="$all_text $s"
  done
  cat "$silence" >>"$joined"
  printf '%s\t%s\t%s\n' "$joined" "$voice-long" "$all_text" >>"$long"
done

if [ "${WER_ONLY:-}" != long ]; then
echo "== one file per sentence (${#sentences[@]} sentences x ${#voices[@]} voices; includes model loading per file)"
"$bench" --quiet ${BENCH_ARGS:-} "$list"
fi
echo "== one long file per voice (sentences joined with 1 s pauses)"
"$bench" --quiet ${BENCH_ARGS:-} "$long"
