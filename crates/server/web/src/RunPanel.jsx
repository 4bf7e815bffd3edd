// The run being watched (or picked from Recent runs): its status and each step's,
// updated live from the run's event stream, with outputs and errors.
import React from 'react';
import JsonView from './JsonView.jsx';

export const FINAL = ['succeeded', 'failed', 'cancelled', 'uncertain'];

export function StatusBadge({ status, testId }) {
  return (
    <span className={`badge badge-${status}`} data-testid={testId} data-status={status}>
      {(status === 'running' || status === 'queued') && <span className="spinner" aria-hidden="true" />}
      {status}
    </span>
  );
}

function ErrorBox({ error }) {
  if (!error) return null;
  const code = typeof error === 'object' ? error.code : undefined;
  const message = typeof error === 'object' ? error.message || JSON.stringify(error) : String(error);
  return (
    <div className="error-box" role="alert" data-testid="step-error">
      {code && <code className="error-code">{code}</code>}
      <span>{message}</span>
    </div>
  );
}

function time(ts) {
  if (!ts) return '';
  const d = new Date(ts);
  return Number.isNaN(d.getTime()) ? ts : d.toLocaleString();
}

export default function RunPanel({ run, onCancel, cancelling, streamNote, onClose }) {
  if (!run) return null;
  const live = !FINAL.includes(run.status);
  const lastIndex = run.steps.length - 1;
  return (
    <section className="panel run-panel" data-testid="run-panel" data-run-id={run.id} data-status={run.status} aria-labelledby="run-title">
      <header className="panel-head">
        <div>
          <h2 id="run-title">
            Run {run.workflow ? <span className="muted">· {run.workflow}</span> : null}
          </h2>
          <p className="muted small">
            <code className="mono" data-testid="run-id">
              {run.id}
            </code>
            {run.createdAt && <> · submitted {time(run.createdAt)}</>}
            {run.finishedAt && <> · finished {time(run.finishedAt)}</>}
          </p>
        </div>
        <div className="panel-tools">
          <StatusBadge status={run.status} testId="run-status" />
          {live && (
            <button type="button" className="btn btn-secondary" onClick={onCancel} disabled={cancelling || run.cancelRequested} data-testid="cancel-run">
              {cancelling || run.cancelRequested ? 'Cancelling…' : 'Cancel run'}
            </button>
          )}
          {!live && onClose && (
            <button type="button" className="btn btn-ghost btn-small" onClick={onClose}>
              Close
            </button>
          )}
        </div>
      </header>
      <div aria-live="polite" className="sr-only" data-testid="run-announce">
        {`Run ${run.status}`}
      </div>
      {streamNote && <p className="muted small stream-note">{streamNote}</p>}
      {run.error &&
        (run.error.step && run.steps.some((s) => s.name === run.error.step && s.error) ? (
          <p className="run-summary" data-testid="run-error">
            Stopped at step <span className="mono">{run.error.step}</span>
            {run.error.code && (
              <>
                {' '}
                (<code>{run.error.code}</code>)
              </>
            )}
            ; the steps after it did not run.
          </p>
        ) : (
          <div className="run-error" data-testid="run-error">
            <ErrorBox error={run.error} />
            {run.error.step && <p className="muted small">In step {run.error.step}.</p>}
          </div>
        ))}
      {run.status === 'cancelled' && (
        <p className="muted run-note" data-testid="run-cancelled">
          Cancelled{run.steps.some((s) => s.status === 'pending') ? '; the steps still pending did not run.' : '.'}
        </p>
      )}
      <ol className="run-steps">
        {run.steps.map((s, i) => (
          <li
            key={`${i}:${s.name}`}
            className={`run-step is-${s.status}`}
            data-testid="run-step"
            data-step-name={s.name}
            data-status={s.status}
            data-history={(s.history || [s.status]).join(',')}
          >
            <div className="run-step-head">
              <span className="run-step-num">{i + 1}</span>
              <span className="mono run-step-name">{s.name}</span>
              <span className="muted small">{s.action}</span>
              <StatusBadge status={s.status} testId="run-step-status" />
            </div>
            <ErrorBox error={s.error} />
            {s.output !== undefined && (
              <JsonView value={s.output} defaultOpen={i === lastIndex || run.steps.length === 1} testId="step-output" />
            )}
          </li>
        ))}
      </ol>
    </section>
  );
}
