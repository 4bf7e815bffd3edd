// "+ variable": lists what the earlier steps output (from
// `GET /v1/actions/{action}/variables?step=NAME`) and inserts the chosen expression
// into a field of this step's form.
import React, { useEffect, useId, useRef, useState } from 'react';

export default function VariablePicker({ earlierSteps, fields, defaultField, loadVariables, onInsert, actionTitles }) {
  const [open, setOpen] = useState(false);
  const [field, setField] = useState('');
  const [filter, setFilter] = useState('');
  const [groups, setGroups] = useState([]);
  const panelId = useId();
  const toggleRef = useRef(null);
  const panelRef = useRef(null);
  const fieldRef = useRef(null);

  // Each time it opens: the field last used in the form, and fresh lists.
  useEffect(() => {
    if (!open) return undefined;
    setField((f) => (fields.some((x) => x.key === defaultField) ? defaultField : fields.some((x) => x.key === f) ? f : (fields[0] || {}).key || ''));
    setFilter('');
    let alive = true;
    const initial = earlierSteps.map((s) => ({ ...s, variables: [], loading: s.ok, error: null }));
    setGroups(initial);
    earlierSteps.forEach((s, i) => {
      if (!s.ok) return;
      loadVariables(s.action, s.name).then(
        (variables) => alive && setGroups((g) => g.map((x, j) => (j === i ? { ...x, variables, loading: false } : x))),
        (e) => alive && setGroups((g) => g.map((x, j) => (j === i ? { ...x, loading: false, error: e.message } : x))),
      );
    });
    if (fieldRef.current) fieldRef.current.focus();
    return () => {
      alive = false;
    };
  }, [open]); // eslint-disable-line react-hooks/exhaustive-deps

  // Close on a click elsewhere.
  useEffect(() => {
    if (!open) return undefined;
    const onDown = (e) => {
      if (panelRef.current && !panelRef.current.contains(e.target) && !toggleRef.current.contains(e.target)) setOpen(false);
    };
    document.addEventListener('mousedown', onDown);
    return () => document.removeEventListener('mousedown', onDown);
  }, [open]);

  const close = () => {
    setOpen(false);
    if (toggleRef.current) toggleRef.current.focus();
  };

  const q = filter.trim().toLowerCase();
  const fieldTitle = (fields.find((f) => f.key === field) || {}).title || field;

  return (
    <div className="picker">
      <button
        ref={toggleRef}
        type="button"
        className="btn btn-small btn-soft"
        aria-expanded={open}
        aria-controls={panelId}
        onClick={() => (open ? close() : setOpen(true))}
        data-testid="variable-picker-toggle"
        disabled={fields.length === 0}
        title={fields.length === 0 ? 'This form has no field that takes a variable' : 'Insert the output of an earlier step'}
      >
        + variable
      </button>
      {open && (
        <div
          ref={panelRef}
          id={panelId}
          className="picker-panel"
          role="dialog"
          aria-label="Insert a variable"
          data-testid="variable-picker"
          onKeyDown={(e) => {
            if (e.key === 'Escape') {
              e.stopPropagation();
              close();
            }
          }}
        >
          <div className="picker-head">
            <label className="picker-field">
              <span>Insert into</span>
              <select ref={fieldRef} value={field} onChange={(e) => setField(e.target.value)} data-testid="picker-field">
                {fields.map((f) => (
                  <option key={f.key} value={f.key}>
                    {f.title}
                  </option>
                ))}
              </select>
            </label>
            <label className="picker-filter">
              <span>Filter</span>
              <input
                type="search"
                value={filter}
                onChange={(e) => setFilter(e.target.value)}
                placeholder="id, email, status…"
                data-testid="picker-filter"
              />
            </label>
          </div>
          <div className="picker-groups">
            {groups.map((g) => {
              const shown = g.variables.filter(
                (v) => !q || v.expression.toLowerCase().includes(q) || (v.description || '').toLowerCase().includes(q),
              );
              return (
                <section key={g.key} className="picker-group" data-testid="picker-group" data-step={g.name}>
                  <h5>
                    <span className="mono">{g.name || `Step ${g.index + 1}`}</span>
                    <span className="muted">{g.action ? actionTitles[g.action] || g.action : 'no action yet'}</span>
                  </h5>
                  {!g.ok && <p className="muted small">Give this step a valid name and an action to use its output.</p>}
                  {g.loading && <p className="muted small">Loading…</p>}
                  {g.error && (
                    <p className="error-text small" role="alert">
                      {g.error}
                    </p>
                  )}
                  {g.ok && !g.loading && !g.error && shown.length === 0 && <p className="muted small">Nothing matches.</p>}
                  {shown.length > 0 && (
                    <ul>
                      {shown.map((v) => (
                        <li key={v.expression}>
                          <button
                            type="button"
                            className="picker-var"
                            onClick={() => {
                              onInsert(field, v.expression);
                              close();
                            }}
                            data-testid="picker-variable"
                            data-expression={v.expression}
                            title={`Insert into ${fieldTitle}`}
                          >
                            <code>{v.expression}</code>
                            <span className="picker-type">{v.type}</span>
                            <span className="picker-desc">{v.description}</span>
                          </button>
                        </li>
                      ))}
                    </ul>
                  )}
                </section>
              );
            })}
          </div>
        </div>
      )}
    </div>
  );
}
