// /transcripts: the transcripts API (contract §7.6, §8) is being built; until this server offers
// it, the page says so instead of failing.
export default function TranscriptsPage() {
  return (
    <section aria-labelledby="transcripts-heading">
      <h1 id="transcripts-heading">Transcripts</h1>
      <p>Transcripts and search appear here once this server provides the transcripts API.</p>
    </section>
  );
}
