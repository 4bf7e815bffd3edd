// Saved credentials (names only: a token never comes back), adding one, deleting
// one, and testing one against a store.
import React, { useState } from 'react';
import { api } from './api.js';

function savedOn(ts) {
  const d = new Date(ts);
  return Number.isNaN(d.getTime()) ? ts : d.toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
}

function CredentialRow({ credential, onDeleted, defaultStore }) {
  const [testing, setTesting] = useState(false);
  const [store, setStore] = useState(defaultStore);
  const [result, setResult] = useState(null);
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState('');
  const base = `cred-${credential.name.replace(/[^A-Za-z0-9_-]/g, '-')}`;

  const test = async (e) => {
    e.preventDefault();
    if (!store.trim()) {
      setResult({ ok: false, message: 'Enter the store hash to test against.' });
      return;
    }
    setBusy(true);
    setResult(null);
    try {
      const answer = await api.testCredential(credential.name, store.trim());
      setResult({ ok: true, store: answer.store });
    } catch (err) {
      setResult({ ok: false, code: err.code, message: err.message });
    } finally {
      setBusy(false);
    }
  };

  const remove = async () => {
    setBusy(true);
    setError('');
    try {
      await api.deleteCredential(credential.name);
      onDeleted(credential.name);
    } catch (err) {
      setError(err.message);
      setBusy(false);
      setConfirming(false);
    }
  };

  return (
    <li className="cred" data-testid="credential" data-name={credential.name}>
      <div className="cred-row">
        <div className="cred-name">
          <strong>{credential.name}</strong>
          <span className="muted small">
            Saved {savedOn(credential.updatedAt || credential.createdAt)}
          </span>
        </div>
        {confirming ? (
          <div className="cred-actions">
            <span className="small">Delete?</span>
            <button type="button" className="btn btn-danger btn-small" onClick={remove} disabled={busy} data-testid="credential-confirm-delete">
              Delete
            </button>
            <button type="button" className="btn btn-ghost btn-small" onClick={() => setConfirming(false)} disabled={busy}>
              Keep
            </button>
          </div>
        ) : (
          <div className="cred-actions">
            <button
              type="button"
              className="btn btn-ghost btn-small"
              aria-expanded={testing}
              aria-controls={`${base}-test`}
              onClick={() => setTesting((t) => !t)}
              data-testid="credential-test-toggle"
            >
              Test
            </button>
            <button type="button" className="btn btn-ghost btn-small btn-danger-text" onClick={() => setConfirming(true)} data-testid="credential-delete">
              Delete
            </button>
          </div>
        )}
      </div>
      {error && (
        <p className="error-text small" role="alert">
          {error}
        </p>
      )}
      {testing && (
        <form id={`${base}-test`} className="cred-test" onSubmit={test}>
          <label htmlFor={`${base}-store`} className="sr-only">
            Store hash to test {credential.name} against
          </label>
          <input
            id={`${base}-store`}
            className="form-control mono"
            value={store}
            onChange={(e) => setStore(e.target.value)}
            placeholder="Store hash"
            autoComplete="off"
            spellCheck={false}
            data-testid="credential-test-store"
          />
          <button type="submit" className="btn btn-secondary btn-small" disabled={busy} data-testid="credential-test-run">
            {busy ? 'Testing…' : 'Test'}
          </button>
          {result && (
            <div className={`cred-result ${result.ok ? 'ok' : 'bad'}`} role="status" data-testid="credential-test-result" data-ok={String(result.ok)}>
              {result.ok ? (
                <>
                  <span aria-hidden="true">✓ </span>
                  Works for <strong>{result.store.name}</strong>
                  {result.store.domain && <span className="muted"> · {result.store.domain}</span>}
                </>
              ) : (
                <>
                  <span aria-hidden="true">✕ </span>
                  {result.message}
                </>
              )}
            </div>
          )}
        </form>
      )}
    </li>
  );
}

export default function CredentialsPanel({ credentials, loading, error, onChanged, defaultStoreFor }) {
  const [name, setName] = useState('');
  const [token, setToken] = useState('');
  const [saving, setSaving] = useState(false);
  const [message, setMessage] = useState(null);

  const save = async (e) => {
    e.preventDefault();
    if (!name.trim() || !token) {
      setMessage({ ok: false, text: 'A credential needs a name and a token.' });
      return;
    }
    setSaving(true);
    setMessage(null);
    try {
      await api.addCredential(name.trim(), token);
      setMessage({ ok: true, text: `Saved ${name.trim()}. The token is stored encrypted and is never shown again.` });
      setName('');
      setToken('');
      onChanged();
    } catch (err) {
      setToken('');
      setMessage({ ok: false, text: err.message });
    } finally {
      setSaving(false);
    }
  };

  return (
    <section className="panel" data-testid="credentials-panel" aria-labelledby="cred-title">
      <header className="panel-head">
        <h2 id="cred-title">Credentials</h2>
        <button type="button" className="btn btn-ghost btn-small" onClick={onChanged}>
          Refresh
        </button>
      </header>
      {error && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
      {loading && credentials.length === 0 ? (
        <p className="muted">Loading…</p>
      ) : credentials.length === 0 ? (
        <p className="muted">No credential saved yet.</p>
      ) : (
        <ul className="cred-list" data-testid="credential-list">
          {credentials.map((c) => (
            <CredentialRow key={c.name} credential={c} onDeleted={onChanged} defaultStore={defaultStoreFor(c.name)} />
          ))}
        </ul>
      )}
      <form className="cred-add" onSubmit={save} data-testid="credential-add">
        <h3>Add a credential</h3>
        <div className="field">
          <label htmlFor="new-cred-name">Name</label>
          <input
            id="new-cred-name"
            className="form-control"
            value={name}
            onChange={(e) => setName(e.target.value)}
            placeholder="e.g. Main store"
            autoComplete="off"
            maxLength={100}
            data-testid="credential-name"
          />
        </div>
        <div className="field">
          <label htmlFor="new-cred-token">Access token</label>
          <input
            id="new-cred-token"
            className="form-control mono"
            type="password"
            value={token}
            onChange={(e) => setToken(e.target.value)}
            autoComplete="new-password"
            spellCheck={false}
            data-testid="credential-token"
          />
        </div>
        <button type="submit" className="btn btn-secondary" disabled={saving} data-testid="credential-save">
          {saving ? 'Saving…' : 'Save credential'}
        </button>
        {message && (
          <p className={message.ok ? 'ok-text small' : 'error-text small'} role={message.ok ? 'status' : 'alert'} data-testid="credential-message">
            {message.text}
          </p>
        )}
      </form>
    </section>
  );
}
