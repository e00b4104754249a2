import { describe, expect, it } from 'vitest';
import { highlightSnippet, queryTerms } from './searchApi';

const marked = (snippet: string, query: string) =>
  highlightSnippet(snippet, query)
    .filter((p) => p.match)
    .map((p) => p.text);

describe('queryTerms', () => {
  it.each([
    ['budget', ['budget']],
    ['  budget   approved ', ['approved', 'budget']],
    ['"quarterly budget" approved', ['quarterly budget', 'approved']],
    ['budget OR revenue', ['revenue', 'budget']],
    ['budget -revenue', ['budget']],
    ['budget -"net revenue"', ['budget']],
    ['"unbalanced phrase', ['unbalanced phrase']],
    ['budget, (approved)!', ['approved', 'budget']],
    ['Zürich café', ['Zürich', 'café']],
    ['会议', ['会议']],
    ['budget budget', ['budget']],
    ['OR', []],
    ['"" -', []],
  ])('%j → %j', (query, terms) => {
    expect(queryTerms(query)).toEqual(terms);
  });
});

describe('highlightSnippet', () => {
  it('marks every case-insensitive occurrence and keeps the text whole', () => {
    const snippet = '...the Budget is approved. The budget was late...';
    const parts = highlightSnippet(snippet, 'budget');
    expect(parts.map((p) => p.text).join('')).toBe(snippet);
    expect(parts).toEqual([
      { text: '...the ', match: false },
      { text: 'Budget', match: true },
      { text: ' is approved. The ', match: false },
      { text: 'budget', match: true },
      { text: ' was late...', match: false },
    ]);
  });

  it('marks a phrase across any whitespace, and the longest term first', () => {
    expect(marked('the quarterly  budget is quarterly', '"quarterly budget" quarterly')).toEqual([
      'quarterly  budget',
      'quarterly',
    ]);
  });

  it('does not mark excluded words or the OR operator', () => {
    expect(marked('budget or revenue OR costs', 'budget OR -revenue')).toEqual(['budget']);
  });

  it('treats regular-expression and markup characters as text', () => {
    const snippet = 'price (a+b)* is <b>bold</b> & $1';
    expect(marked(snippet, '(a+b)*')).toEqual(['a+b']);
    expect(marked(snippet, '<b>bold</b>')).toEqual(['b>bold</b']);
    const parts = highlightSnippet(snippet, '$1');
    expect(parts.map((p) => p.text).join('')).toBe(snippet);
    expect(parts.filter((p) => p.match).map((p) => p.text)).toEqual(['1']);
  });

  it('matches unicode words case-insensitively', () => {
    expect(marked('Meeting in ZÜRICH at the Café', 'zürich café')).toEqual(['ZÜRICH', 'Café']);
    expect(marked('今天的会议很长', '会议')).toEqual(['会议']);
  });

  it('returns the snippet unmarked without terms, and nothing for an empty snippet', () => {
    expect(highlightSnippet('plain text', '  ')).toEqual([{ text: 'plain text', match: false }]);
    expect(highlightSnippet('', 'budget')).toEqual([]);
  });
});
