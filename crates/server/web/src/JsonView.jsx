// A step's output: pretty JSON in a collapsible block, the display capped so a
// "return all" of thousands of records does not freeze the page.
import React, { useMemo, useState } from 'react';

const CAP = 20000;

function sizeText(chars) {
  if (chars < 1024) return `${chars} B`;
  if (chars < 1024 * 1024) return `${(chars / 1024).toFixed(1)} KB`;
  return `${(chars / 1024 / 1024).toFixed(1)} MB`;
}

export function summarize(output) {
  if (output == null || typeof output !== 'object') return '';
  const data = output.data;
  if (Array.isArray(data)) return `data: ${data.length} ${data.length === 1 ? 'record' : 'records'}`;
  if (data && typeof data === 'object') return `data: object, ${Object.keys(data).length} fields`;
  return data === undefined ? '' : `data: ${JSON.stringify(data)}`;
}

export default function JsonView({ value, label = 'Output', defaultOpen = false, testId }) {
  const text = useMemo(() => JSON.stringify(value, null, 2), [value]);
  const [showAll, setShowAll] = useState(false);
  const capped = !showAll && text.length > CAP;
  const summary = summarize(value);
  return (
    <details className="json-view" open={defaultOpen}>
      <summary>
        <span className="json-label">{label}</span>
        {summary && <span className="json-summary">{summary}</span>}
        <span className="json-size">{sizeText(text.length)}</span>
      </summary>
      <pre className="json" data-testid={testId} tabIndex={0}>
        {capped ? `${text.slice(0, CAP)}\n…` : text}
      </pre>
      {capped && (
        <p className="json-cap">
          Showing the first {CAP.toLocaleString('en-US')} of {text.length.toLocaleString('en-US')} characters.{' '}
          <button type="button" className="btn btn-link" onClick={() => setShowAll(true)}>
            Show all
          </button>
        </p>
      )}
    </details>
  );
}
