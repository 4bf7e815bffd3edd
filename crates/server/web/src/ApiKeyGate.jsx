// Asks for the API key (kept in sessionStorage for this tab only).
import React, { useEffect, useRef, useState } from 'react';

export default function ApiKeyGate({ onSubmit, problem, checking, overlay = false }) {
  const [key, setKey] = useState('');
  const inputRef = useRef(null);
  useEffect(() => {
    if (inputRef.current) inputRef.current.focus();
  }, [problem]);

  return (
    <div
      className={overlay ? 'gate gate-overlay' : 'gate'}
      role={overlay ? 'dialog' : undefined}
      aria-modal={overlay ? true : undefined}
      aria-labelledby="gate-title"
    >
      <form
        className="gate-card"
        data-testid="api-key-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (key.trim()) onSubmit(key.trim());
        }}
      >
        <div className="brand brand-dark">
          <span className="brand-mark" aria-hidden="true">
            S
          </span>
          <span>
            Syncaut <span className="brand-sub">BigCommerce workflows</span>
          </span>
        </div>
        <h1 id="gate-title">{overlay ? 'Enter the API key again' : 'Connect to this server'}</h1>
        <label htmlFor="api-key">API key</label>
        <input
          ref={inputRef}
          id="api-key"
          className="form-control mono"
          type="password"
          value={key}
          onChange={(e) => setKey(e.target.value)}
          autoComplete="off"
          spellCheck={false}
          aria-describedby="api-key-hint"
          aria-invalid={Boolean(problem)}
          data-testid="api-key-input"
        />
        <p id="api-key-hint" className="field-hint">
          Printed when <code>syncaut serve</code> started, or in <code>api.key</code> in the data directory. It stays in
          this tab only.
        </p>
        {problem && (
          <p className="error-box" role="alert" data-testid="api-key-error">
            {problem}
          </p>
        )}
        <button type="submit" className="btn btn-primary btn-block" disabled={!key.trim() || checking} data-testid="api-key-submit">
          {checking ? 'Checking…' : 'Connect'}
        </button>
      </form>
    </div>
  );
}
