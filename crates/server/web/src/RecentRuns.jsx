// `GET /v1/runs?limit=20`, newest first; picking one shows its steps.
import React from 'react';
import { StatusBadge } from './RunPanel.jsx';

function ago(ts, now) {
  const t = new Date(ts).getTime();
  if (Number.isNaN(t)) return ts || '';
  const s = Math.max(0, Math.round((now - t) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return new Date(t).toLocaleDateString();
}

export default function RecentRuns({ runs, loading, error, selectedId, onSelect, onRefresh }) {
  const now = Date.now();
  return (
    <section className="panel" data-testid="recent-runs" aria-labelledby="runs-title">
      <header className="panel-head">
        <h2 id="runs-title">Recent runs</h2>
        <button type="button" className="btn btn-ghost btn-small" onClick={onRefresh} disabled={loading}>
          {loading ? 'Loading…' : 'Refresh'}
        </button>
      </header>
      {error && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
      {runs.length === 0 && !loading && !error && <p className="muted">No run yet.</p>}
      {runs.length > 0 && (
        <ul className="run-list">
          {runs.map((r) => (
            <li key={r.id}>
              <button
                type="button"
                className={`run-item${r.id === selectedId ? ' is-selected' : ''}`}
                onClick={() => onSelect(r.id)}
                aria-current={r.id === selectedId ? 'true' : undefined}
                data-testid="recent-run"
                data-run-id={r.id}
              >
                <span className="run-item-main">
                  <span className="run-item-name">{r.workflow || 'Untitled workflow'}</span>
                  <span className="muted small mono">{r.id.slice(-8)}</span>
                </span>
                <span className="run-item-side">
                  <StatusBadge status={r.status} />
                  <span className="muted small">{ago(r.createdAt, now)}</span>
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
