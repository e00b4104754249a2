// The pure parts of transcript search: the reference's snippet rules (table of its cases), the
// WebVTT plain text, and the websearch → FTS5 translation (what reaches MATCH).
#include <gtest/gtest.h>

#include <optional>
#include <random>
#include <string>
#include <vector>

#include "store/transcript_search.hpp"

namespace reflector::store {
namespace {

using Strings = std::vector<std::string>;

struct SnippetCase {
  std::string name;
  std::string text;
  std::string query;
  size_t max;
  Strings expected;
};

TEST(GenerateSnippetsTest, ReferenceCases) {
  const std::string x60(60, 'x');
  const std::string y120(120, 'y');
  const std::vector<SnippetCase> cases = {
      {"short text, no ellipsis",
       "The budget was approved.",
       "budget",
       3,
       {"The budget was approved."}},
      {"case-insensitive", "BUDGET talk", "budget", 3, {"BUDGET talk"}},
      {"no match", "nothing here", "budget", 3, {}},
      {"empty query", "budget", "", 3, {}},
      {"empty text", "", "budget", 3, {}},
      // 50 characters before the match, 100 from its start; "..." on the cut sides.
      {"both sides cut",
       x60 + "match" + y120,
       "match",
       3,
       {"..." + std::string(50, 'x') + "match" + std::string(95, 'y') + "..."}},
      {"end cut only", "match" + y120, "match", 3, {"match" + std::string(95, 'y') + "..."}},
      {"start cut only", x60 + "match", "match", 3, {"..." + std::string(50, 'x') + "match"}},
      // The second occurrence starts inside the first snippet: dropped.
      {"overlapping dropped",
       "a match and another match",
       "match",
       3,
       {"a match and another match"}},
      {"max snippets",
       "k " + std::string(200, '.') + " k " + std::string(200, '.') + " k",
       "k",
       2,
       {"k " + std::string(98, '.') + "...",
        "..." + std::string(49, '.') + " k " + std::string(98, '.') + "..."}},
      // Multi-word query without an exact match: its first word.
      {"first-word fallback", "the budget is large", "budget review", 3, {"the budget is large"}},
      {"exact phrase preferred", "budget review done", "budget review", 3, {"budget review done"}},
      {"stripped", "   budget   ", "budget", 3, {"budget"}},
      {"unicode counted in characters", "Zürich café Zürich", "CAFÉ", 3, {"Zürich café Zürich"}},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(GenerateSnippets(c.text, c.query, c.max), c.expected) << c.name;
  }
}

TEST(GenerateSnippetsTest, SnippetIs150CharactersAtMostPlusEllipses) {
  const std::string text = std::string(300, 'a') + " needle " + std::string(300, 'b');
  auto s = GenerateSnippets(text, "needle", 3);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].size(), 150u + 6u);
  EXPECT_EQ(s[0].substr(0, 3), "...");
  EXPECT_EQ(s[0].substr(s[0].size() - 3), "...");
}

TEST(GenerateSnippetsTest, CutsMultibyteTextOnCharacterBoundaries) {
  // 60 two-byte characters before the match: the snippet keeps 50 of them, whole.
  std::string before;
  for (int i = 0; i < 60; ++i) before += "é";
  auto s = GenerateSnippets(before + "match", "match", 3);
  ASSERT_EQ(s.size(), 1u);
  std::string expected = "...";
  for (int i = 0; i < 50; ++i) expected += "é";
  EXPECT_EQ(s[0], expected + "match");
}

TEST(CountMatchesTest, CaseInsensitiveNonOverlapping) {
  EXPECT_EQ(CountMatches("Budget budget BUDGET", "budget"), 3);
  EXPECT_EQ(CountMatches("aaaa", "aa"), 2);
  EXPECT_EQ(CountMatches("Über über", "ÜBER"), 2);
  EXPECT_EQ(CountMatches("", "x"), 0);
  EXPECT_EQ(CountMatches("x", ""), 0);
}

// The ASCII search (16 positions at a time, then byte by byte for the tail) against the naive
// one over random texts of a small alphabet, so that matches overlap, touch each other, cross
// every block edge and end the text; needles of 1 to 20 bytes, and upper case folded.
TEST(CountMatchesTest, BlockSearchFindsWhatANaiveSearchFinds) {
  std::mt19937 rng(7);
  auto naive = [](const std::string& text, const std::string& needle) {
    int64_t count = 0;
    for (size_t pos = text.find(needle); pos != std::string::npos;
         pos = text.find(needle, pos + needle.size())) {
      ++count;
    }
    return count;
  };
  for (int round = 0; round < 3000; ++round) {
    const int alphabet = 2 + static_cast<int>(rng() % 3);
    std::string text(rng() % 90, 'a');
    for (char& c : text) c = static_cast<char>('a' + rng() % alphabet);
    std::string needle(1 + rng() % (round % 10 == 0 ? 20 : 4), 'a');
    for (char& c : needle) c = static_cast<char>('a' + rng() % alphabet);
    std::string upper = text;
    for (char& c : upper) {
      if (rng() % 2) c = static_cast<char>(c - 32);
    }
    ASSERT_EQ(CountMatches(upper, needle), naive(text, needle))
        << "text " << upper << " needle " << needle;
  }
  EXPECT_EQ(CountMatches(std::string(33, 'a'), "aa"), 16);
  EXPECT_EQ(CountMatches(std::string(31, 'b') + "ab", "ab"), 1);  // ends the text
}

// ASCII text is searched as bytes, other text as code points: both give the same answers.
TEST(CountMatchesTest, AsciiAndUnicodeTextAgree) {
  EXPECT_EQ(CountMatches("Plan the Budget", "BUDGET"), 1);
  EXPECT_EQ(CountMatches("Plan the Budget – café", "BUDGET"), 1);
  EXPECT_EQ(CountMatches("Plan the Budget", "budgét"), 0);
  EXPECT_EQ(CountMatches("Plan the Budgét", "BUDGÉT"), 1);
  EXPECT_EQ(CountMatches(std::string("a") + "\x80" + "b AB", "ab"), 1);  // a stray byte
  const std::string ascii = std::string(60, 'x') + " budget " + std::string(120, 'y');
  const std::string unicode = std::string(60, 'x') + " budget " + std::string(119, 'y') + "é";
  const auto a = GenerateSnippets(ascii, "Budget", 3);
  const auto u = GenerateSnippets(unicode, "Budget", 3);
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(u.size(), 1u);
  EXPECT_EQ(a[0], u[0]);  // same window: 50 characters before, 150 in all
}

TEST(CombineSnippetsTest, SummaryFirstThenCaptionsUpToThree) {
  const std::string summary = "budget one. " + std::string(200, '.') + " budget two. " +
                              std::string(200, '.') + " budget three.";
  const std::string vtt =
      "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\n<v Speaker 1>the budget in captions\n";
  auto combined = CombineSnippets(summary, vtt, "budget");
  ASSERT_EQ(combined.snippets.size(), 3u);
  EXPECT_NE(combined.snippets[0].find("budget one"), std::string::npos);
  EXPECT_NE(combined.snippets[1].find("budget two"), std::string::npos);
  EXPECT_EQ(combined.snippets[2], "the budget in captions");
  EXPECT_EQ(combined.total_match_count, 4);
}

TEST(CombineSnippetsTest, TitleOnlyMatchHasNoSnippets) {
  auto combined = CombineSnippets(std::nullopt, std::nullopt, "budget");
  EXPECT_TRUE(combined.snippets.empty());
  EXPECT_EQ(combined.total_match_count, 0);
}

TEST(CombineSnippetsTest, SummaryFillsAtMostTwo) {
  const std::string summary = "k " + std::string(200, '.') + " k " + std::string(200, '.') + " k " +
                              std::string(200, '.') + " k";
  auto combined = CombineSnippets(summary, std::nullopt, "k");
  EXPECT_EQ(combined.snippets.size(), 2u);
  EXPECT_EQ(combined.total_match_count, 4);
}

TEST(WebVttPlainTextTest, CaptionLinesOnly) {
  const std::string vtt =
      "WEBVTT\n\n"
      "NOTE written by hand\n\n"
      "cue-1\n"
      "00:00:00.000 --> 00:00:10.000\n"
      "<v Speaker0>Hello world, this is a test.\n\n"
      "00:00:10.000 --> 00:00:20.000 align:start\r\n"
      "<v Speaker 1>Indeed &lt;it&gt; is &amp; was</v>\n"
      "second line\n";
  EXPECT_EQ(WebVttPlainText(vtt), "Hello world, this is a test. Indeed <it> is & was second line");
  EXPECT_EQ(WebVttPlainText(""), "");
  EXPECT_EQ(WebVttPlainText("WEBVTT\n"), "");
  // CRLF everywhere, a CR inside a line, entities and tags after one.
  EXPECT_EQ(WebVttPlainText("WEBVTT\r\n\r\n00:00:00.000 --> 00:00:01.000\r\n"
                            "<v A>one\rtwo &amp;lt;</v>\r\n \r\nnot a caption\r\n"),
            "onetwo &lt;");
  EXPECT_EQ(WebVttPlainText("00:00:00.000 --> 00:00:01.000\n  <v B>  spaced &nbsp; </v>  "),
            "<v B>  spaced");
}

// The caption rule written plainly, line by line, to check WebVttPlainText's one-pass scanner
// against: the lines of a cue after its timing line (one holding "-->"), up to the next blank
// line, without CRs, a leading <v Name> tag and `</v>`, with &lt; &gt; &nbsp; &amp; decoded,
// trimmed of spaces and joined by one.
std::string PlainCaptionRule(const std::string& vtt) {
  auto replace_all = [](std::string& text, const std::string& from, const std::string& to) {
    for (size_t at = text.find(from); at != std::string::npos;
         at = text.find(from, at + to.size())) {
      text.replace(at, from.size(), to);
    }
  };
  auto trim = [](std::string text) {
    const size_t first = text.find_first_not_of(' ');
    if (first == std::string::npos) return std::string();
    return text.substr(first, text.find_last_not_of(' ') - first + 1);
  };
  std::string out;
  bool in_cue = false;
  size_t start = 0;
  while (start <= vtt.size()) {
    size_t end = vtt.find('\n', start);
    if (end == std::string::npos) end = vtt.size();
    std::string line = vtt.substr(start, end - start);
    std::erase(line, '\r');
    if (trim(line).empty()) {
      in_cue = false;
    } else if (line.find("-->") != std::string::npos) {
      in_cue = true;
    } else if (in_cue) {
      if (line.rfind("<v", 0) == 0 && line.find('>') != std::string::npos) {
        line.erase(0, line.find('>') + 1);
      }
      replace_all(line, "</v>", "");
      replace_all(line, "&lt;", "<");
      replace_all(line, "&gt;", ">");
      replace_all(line, "&nbsp;", " ");
      replace_all(line, "&amp;", "&");
      line = trim(line);
      if (!line.empty()) out += (out.empty() ? "" : " ") + line;
    }
    if (end == vtt.size()) break;
    start = end + 1;
  }
  return out;
}

TEST(WebVttPlainTextTest, FollowsThePlainRuleOnRandomText) {
  // Pieces that matter to the rule, so that each lands at every offset of a 16-byte block: line
  // ends, CRs, arrows whole and split by a CR, tags and entities in and out of a <v Name> tag.
  const std::vector<std::string> pieces = {"\n",
                                           "\n\n",
                                           "\r",
                                           "\r\n",
                                           "-->",
                                           "--",
                                           "-",
                                           "--\r>",
                                           "<v",
                                           "<v Speaker 1>",
                                           ">",
                                           "<",
                                           "&",
                                           "&amp;",
                                           "&lt;",
                                           "&gt;",
                                           "&nbsp;",
                                           "</v>",
                                           " ",
                                           "   ",
                                           "word",
                                           "caption text here",
                                           "00:00:01.000 --> 00:00:02.000",
                                           "WEBVTT",
                                           "\xC3\xA9t\xC3\xA9",
                                           "x"};
  std::mt19937 rng(7);
  for (int round = 0; round < 20000; ++round) {
    std::string vtt;
    const int count = static_cast<int>(rng() % 40);
    for (int i = 0; i < count; ++i) vtt += pieces[rng() % pieces.size()];
    ASSERT_EQ(WebVttPlainText(vtt), PlainCaptionRule(vtt))
        << "input: " << testing::PrintToString(vtt);
  }
}

struct FtsCase {
  std::string query;
  std::string match;
  std::string exclude;
};

TEST(WebsearchToFts5Test, TranslatesWebsearchSyntaxIntoQuotedTerms) {
  const std::vector<FtsCase> cases = {
      {"budget", "(\"budget\")", ""},
      {"budget review", "(\"budget\" AND \"review\")", ""},
      {"\"budget review\"",
       "(\"\x01"
       "budget review\")",
       ""},  // a phrase: word pairs
      {"\"budget review",
       "(\"\x01"
       "budget review\")",
       ""},  // unbalanced: phrase to the end
      {"budget OR review", "(\"budget\") OR (\"review\")", ""},
      {"budget or review", "(\"budget\") OR (\"review\")", ""},
      {"budget -review", "((\"budget\") NOT \"review\")", ""},
      {"-review", "", "(\"review\")"},
      {"-a -b", "", "(\"a\" OR \"b\")"},
      {"-a OR -b", "", "(\"a\") AND (\"b\")"},
      {"say \"hi\"there", "(\"say\" AND \"\x01hi\" AND \"there\")", ""},
      {"'; DROP TABLE transcript; --", "(\"DROP\" AND \"TABLE\" AND \"transcript\")", ""},
      {"NEAR(a b)", "(\"NEAR\" AND \"a\" AND \"b\")", ""},
      {"title:secret", "(\"title\" AND \"secret\")", ""},
      {"^start*", "(\"start\")", ""},
      {"-e-mail x", "(((\"x\") NOT \"e\") NOT \"mail\")", ""},
      {"* ( ) : ^ - — OR", "", ""},
      // Anything but ASCII letters and digits may be more than one word: word pairs (the index
      // keeps a frequent word's first positions only, store/sqlite_rank.hpp).
      {"café Zürich 会議",
       "(\"\x01"
       "café\" AND \"\x01Zürich\" AND \"\x01会議\")",
       ""},
      {"e—mail",
       "(\"\x01"
       "e—mail\")",
       ""},
      {"a\"\"b", "(\"a\" AND \"b\")", ""},
      {"OR", "", ""},
      {"", "", ""},
  };
  for (const auto& c : cases) {
    const Fts5Query q = WebsearchToFts5(c.query);
    EXPECT_EQ(q.match, c.match) << c.query;
    EXPECT_EQ(q.exclude, c.exclude) << c.query;
  }
}

TEST(ValidUtf8Test, ReplacesBrokenSequences) {
  EXPECT_EQ(ValidUtf8("caf\xC3\xA9"), "caf\xC3\xA9");
  EXPECT_EQ(ValidUtf8("a\xC3"), "a\xEF\xBF\xBD");
  EXPECT_EQ(ValidUtf8("\xFF\xFEx"), "\xEF\xBF\xBD\xEF\xBF\xBDx");
  EXPECT_EQ(ValidUtf8("\xF0\x9F\x98\x80"), "\xF0\x9F\x98\x80");
}

TEST(WebsearchToFts5Test, QuotesInsideATermAreDoubled) {
  // A bare word cannot contain '"' (it ends the word), but a phrase keeps everything else.
  EXPECT_EQ(WebsearchToFts5("\"it's (x) NOT y\"").match, "(\"\x01it's (x) NOT y\")");
}

// PostgreSQL: websearch_to_tsquery's text form → the query over search_terms_en (migration 12).
struct TermsCase {
  std::string tsquery;
  std::optional<std::string> terms;  // nullopt: kAll
  bool exact;
  bool uses_pairs;
};

TEST(PostgresTermsQueryTest, WordsStayPhrasesBecomePairs) {
  const std::string m = "'reflector pairs missing'";
  const std::vector<TermsCase> cases = {
      {"'budget'", "'budget'", true, false},
      {"'budget' & 'review'", "('budget' & 'review')", true, false},
      {"'budget' | !'review'", "('budget' | !'review')", true, false},
      {"!'review'", "!'review'", true, false},
      // A phrase of two words: exactly its pair (rows without pairs: checked on the vector).
      {"'budget' <-> 'plan'", "('budget plan' | " + m + ")", true, true},
      {"!( 'budget' <-> 'plan' )", "!('budget plan' & !" + m + ")", true, true},
      {"'budget' <-> 'plan' & 'x' | 'y'", "((('budget plan' | " + m + ") & 'x') | 'y')", true,
       true},
      // Longer: every pair, narrowing only; a gap (stop word) leaves lone words.
      {"'quarter' <-> 'budget' <-> 'plan'",
       "(('quarter budget' | " + m + ") & ('budget plan' | " + m + "))", false, true},
      {"'cat' <-> 'sat' <3> 'mat'", "(('cat sat' | " + m + ") & 'mat')", false, true},
      {"'cat' <2> 'mat'", "('cat' & 'mat')", false, false},
      {"'foo-bar' <-> 'foo' <-> 'bar'", "(('foo-bar foo' | " + m + ") & ('foo bar' | " + m + "))",
       false, true},
      // Under `!` a longer phrase cannot be expressed: that branch narrows nothing.
      {"'x' & !( 'a' <-> 'b' <-> 'c' )", "'x'", false, false},
      {"!( 'a' <-> 'b' <-> 'c' )", std::nullopt, false, false},
      {"'x' | !( 'a' <-> 'b' <-> 'c' )", std::nullopt, false, false},
      // Escapes come back as PostgreSQL prints them.
      {"'it''s' <-> 'c\\\\d'", "('it''s c\\\\d' | " + m + ")", true, true},
      // Prefix and weights (not produced by websearch_to_tsquery): the vector decides.
      {"'budg':* & 'plan'", "'plan'", false, false},
      {"'budg':*", std::nullopt, false, false},
      // Phrases of groups: the vector decides.
      {"( 'a' | 'b' ) <-> 'c'", std::nullopt, false, false},
      {"'a' <-> ( 'b' <-> 'c' )", std::nullopt, false, false},
      {"'a' <-> !'b'", std::nullopt, false, false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.tsquery);
    const auto q = PostgresTermsQuery(c.tsquery);
    ASSERT_TRUE(q.has_value());
    if (!c.terms) {
      EXPECT_EQ(q->kind, TermsQuery::Kind::kAll);
      continue;
    }
    EXPECT_EQ(q->kind, TermsQuery::Kind::kTerms);
    EXPECT_EQ(q->terms, *c.terms);
    EXPECT_EQ(q->exact, c.exact);
    EXPECT_EQ(q->uses_pairs, c.uses_pairs);
  }
}

TEST(PostgresTermsQueryTest, LongPairsAreLeftOutAsTheMigrationDoes) {
  const std::string a(1000, 'a');
  const std::string b(999, 'b');
  // 1999 bytes: a pair; 2000: none (reflector_search_terms skips it), so the words narrow.
  auto q = PostgresTermsQuery("'" + a + "' <-> '" + b + "'");
  ASSERT_TRUE(q.has_value());
  EXPECT_TRUE(q->exact);
  q = PostgresTermsQuery("'" + a + "' <-> '" + b + "b'");
  ASSERT_TRUE(q.has_value());
  EXPECT_EQ(q->terms, "('" + a + "' & '" + b + "b')");
  EXPECT_FALSE(q->exact);
}

TEST(PostgresTermsQueryTest, UnreadableTextGivesNothing) {
  for (const char* bad : {"", "'", "'a", "'a' &", "& 'a'", "('a'", "'a' )", "'a' <x> 'b'", "'a' <-",
                          "'a' 'b'", "a", "'a' <123456> 'b'"}) {
    EXPECT_FALSE(PostgresTermsQuery(bad).has_value()) << bad;
  }
  std::string deep;
  for (int i = 0; i < 100; ++i) deep += "!( ";
  deep += "'a'";
  for (int i = 0; i < 100; ++i) deep += " )";
  EXPECT_FALSE(PostgresTermsQuery(deep).has_value());
  std::string wide = "'a'";
  for (int i = 0; i < 5000; ++i) wide += " & 'a'";
  EXPECT_FALSE(PostgresTermsQuery(wide).has_value());
}

}  // namespace
}  // namespace reflector::store
