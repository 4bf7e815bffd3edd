// One step of the workflow: its name, action, credential and store hash, then the
// action's parameter form rendered by stock react-jsonschema-form.
import React, { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import Form from '@rjsf/core';
import StoreOptionsWidget from './StoreOptionsWidget.jsx';
import VariablePicker from './VariablePicker.jsx';
import { StepContext } from './StepContext.js';
import { validator } from './validator.js';
import { formSchema, friendlyErrors, insertableFields, uiSchemaFor } from './schema.js';

const widgets = { storeOptions: StoreOptionsWidget };

export default function StepCard({
  step,
  index,
  count,
  actions,
  actionTitles,
  detail,
  credentials,
  earlierSteps,
  nameProblem,
  showErrors,
  onChange,
  onRemove,
  onMove,
  loadVariables,
  registerForm,
}) {
  const formRef = useRef(null);
  const formDataRef = useRef(step.formData);
  formDataRef.current = step.formData;
  const lastFocused = useRef('');
  const [notice, setNotice] = useState('');
  const prefix = step.key;

  useEffect(() => {
    registerForm(step.key, formRef);
    return () => registerForm(step.key, null);
  }, [step.key, registerForm]);

  useEffect(() => {
    if (!notice) return undefined;
    const timer = setTimeout(() => setNotice(''), 4000);
    return () => clearTimeout(timer);
  }, [notice]);

  const form = detail && detail.status === 'ok' ? detail.detail.form : null;
  const schema = useMemo(() => formSchema(form), [form]);
  const uiSchema = useMemo(() => uiSchemaFor(form), [form]);
  const fields = useMemo(() => insertableFields(form), [form]);
  const formDefRef = useRef(form);
  formDefRef.current = form;
  const transformErrors = useMemo(() => friendlyErrors(formDataRef, formDefRef), []);
  const context = useMemo(() => ({ credential: step.credential, storeHash: step.storeHash.trim() }), [step.credential, step.storeHash]);

  const grouped = useMemo(() => {
    const byResource = new Map();
    for (const a of actions) {
      if (!byResource.has(a.resource)) byResource.set(a.resource, []);
      byResource.get(a.resource).push(a);
    }
    return [...byResource.entries()];
  }, [actions]);

  const fieldOfId = useCallback(
    (id) => {
      let best = '';
      for (const key of Object.keys((form && form.properties) || {})) {
        const own = `${prefix}_${key}`;
        if ((id === own || id.startsWith(own)) && key.length > best.length) best = key;
      }
      return best;
    },
    [form, prefix],
  );

  const insert = (key, expression) => {
    const f = fields.find((x) => x.key === key);
    if (!f) return;
    const current = (step.formData || {})[key];
    const value = f.mode === 'append' && typeof current === 'string' && current !== '' ? `${current}${expression}` : expression;
    onChange({ formData: { ...(step.formData || {}), [key]: value } });
    setNotice(`Inserted ${expression} into ${f.title}.`);
    lastFocused.current = key;
    requestAnimationFrame(() => {
      const el = document.getElementById(`${prefix}_${key}`);
      if (el) el.focus();
    });
  };

  const credentialNames = credentials.map((c) => c.name);
  const nameId = `${prefix}-name`;
  const title = step.action ? actionTitles[step.action] || step.action : 'Choose an action';

  return (
    <section className="step-card" data-testid="step" data-step-index={index} data-step-name={step.name} aria-labelledby={`${prefix}-title`}>
      <header className="step-head">
        <span className="step-num" aria-hidden="true">
          {index + 1}
        </span>
        <div className="step-title">
          <h3 id={`${prefix}-title`}>
            <span className="mono">{step.name || `Step ${index + 1}`}</span>
          </h3>
          <span className="muted">{title}</span>
        </div>
        <div className="step-tools">
          <button type="button" className="btn btn-ghost btn-small" onClick={() => onMove(-1)} disabled={index === 0}>
            Move up
          </button>
          <button type="button" className="btn btn-ghost btn-small" onClick={() => onMove(1)} disabled={index === count - 1}>
            Move down
          </button>
          <button type="button" className="btn btn-ghost btn-small btn-danger-text" onClick={onRemove} data-testid="remove-step">
            Remove
          </button>
        </div>
      </header>

      <div className="node-grid">
        <div className="field">
          <label htmlFor={nameId}>Step name</label>
          <input
            id={nameId}
            className={`form-control mono${nameProblem && (showErrors || step.name) ? ' is-invalid' : ''}`}
            value={step.name}
            placeholder="e.g. getOrders"
            autoComplete="off"
            spellCheck={false}
            maxLength={100}
            onChange={(e) => onChange({ name: e.target.value })}
            aria-invalid={Boolean(nameProblem)}
            aria-describedby={`${nameId}-help`}
            data-testid="step-name"
          />
          {nameProblem && (showErrors || step.name) ? (
            <p id={`${nameId}-help`} className="field-error">
              {nameProblem}
            </p>
          ) : (
            <p id={`${nameId}-help`} className="field-hint">
              Later steps: <code>{`{{${step.name || 'name'}.data…}}`}</code>
            </p>
          )}
        </div>
        <div className="field">
          <label htmlFor={`${prefix}-action`}>Action</label>
          <select
            id={`${prefix}-action`}
            className={`form-control${showErrors && !step.action ? ' is-invalid' : ''}`}
            value={step.action}
            onChange={(e) => onChange({ action: e.target.value, formData: {} })}
            data-testid="step-action"
          >
            <option value="">Choose an action…</option>
            {grouped.map(([resource, list]) => (
              <optgroup key={resource} label={resource}>
                {list.map((a) => (
                  <option key={a.id} value={a.id}>
                    {a.title}
                  </option>
                ))}
              </optgroup>
            ))}
          </select>
          {showErrors && !step.action && <p className="field-error">Choose what this step does.</p>}
        </div>
        <div className="field">
          <label htmlFor={`${prefix}-credential`}>Credential</label>
          <select
            id={`${prefix}-credential`}
            className={`form-control${showErrors && !step.credential ? ' is-invalid' : ''}`}
            value={step.credential}
            onChange={(e) => onChange({ credential: e.target.value })}
            data-testid="step-credential"
          >
            <option value="">Choose a credential…</option>
            {credentials.map((c) => (
              <option key={c.name} value={c.name}>
                {c.name}
              </option>
            ))}
            {step.credential && !credentialNames.includes(step.credential) && (
              <option value={step.credential}>{step.credential} (not saved)</option>
            )}
          </select>
          {showErrors && !step.credential && <p className="field-error">Choose the credential to call the store with.</p>}
          {credentials.length === 0 && <p className="field-hint">Add one in the Credentials panel.</p>}
        </div>
        <div className="field">
          <label htmlFor={`${prefix}-store`}>Store hash</label>
          <input
            id={`${prefix}-store`}
            className={`form-control mono${showErrors && !step.storeHash.trim() ? ' is-invalid' : ''}`}
            value={step.storeHash}
            placeholder="abc123xyz"
            autoComplete="off"
            spellCheck={false}
            onChange={(e) => onChange({ storeHash: e.target.value })}
            data-testid="step-store-hash"
          />
          {showErrors && !step.storeHash.trim() && <p className="field-error">Which store: the hash in its API path.</p>}
        </div>
      </div>
      {index > 0 && (
        <div className="field for-each">
          <label htmlFor={`${prefix}-for-each`}>For each item of (optional)</label>
          <input
            id={`${prefix}-for-each`}
            className="form-control mono"
            value={step.forEach || ''}
            placeholder={`{{${(earlierSteps[0] && earlierSteps[0].name) || 'getOrders'}.data}}`}
            autoComplete="off"
            spellCheck={false}
            onChange={(e) => onChange({ forEach: e.target.value })}
            data-testid="step-for-each"
          />
          <p className="field-hint">
            Runs this step once per item of a list from an earlier step; its fields then read the item as{' '}
            <code>{'{{item}}'}</code> (<code>{'{{item.id}}'}</code>), and its output is the list of results.
          </p>
        </div>
      )}

      {step.action && (
        <div className="step-body">
          {!detail || detail.status === 'loading' ? (
            <p className="muted">Loading the form…</p>
          ) : detail.status === 'error' ? (
            <p className="error-text" role="alert">
              Could not load this action: {detail.error}
            </p>
          ) : (
            <>
              <div className="step-form-head">
                <div>
                  <h4>{form['x-form'] === 'filters' ? 'Filters' : 'Parameters'}</h4>
                  <p className="muted small">
                    {detail.detail.description}
                    {form['x-scope'] && (
                      <>
                        {' '}
                        Needs the <em>{form['x-scope'].label}</em> scope.
                      </>
                    )}
                  </p>
                </div>
                {index > 0 && (
                  <div className="step-form-tools">
                    {notice && (
                      <span className="notice" role="status">
                        {notice}
                      </span>
                    )}
                    <VariablePicker
                      earlierSteps={earlierSteps}
                      fields={fields}
                      defaultField={lastFocused.current}
                      loadVariables={loadVariables}
                      onInsert={insert}
                      actionTitles={actionTitles}
                    />
                  </div>
                )}
              </div>
              {Object.keys(schema.properties || {}).length === 0 ? (
                <p className="muted">This action takes no parameters.</p>
              ) : (
                <StepContext.Provider value={context}>
                  <Form
                    key={`${step.key}:${step.action}`}
                    ref={formRef}
                    className="rjsf step-form"
                    schema={schema}
                    uiSchema={uiSchema}
                    formData={step.formData}
                    validator={validator}
                    widgets={widgets}
                    idPrefix={prefix}
                    idSeparator="_"
                    showErrorList={false}
                    noHtml5Validate
                    liveValidate={showErrors ? 'onChange' : undefined}
                    transformErrors={transformErrors}
                    onChange={(e) => onChange({ formData: e.formData })}
                    onFocus={(id) => {
                      const key = fieldOfId(id);
                      if (key) lastFocused.current = key;
                    }}
                    onSubmit={() => {}}
                    onError={() => {}}
                  />
                </StepContext.Provider>
              )}
            </>
          )}
        </div>
      )}
    </section>
  );
}
