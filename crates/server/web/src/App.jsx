// The page: the API key, the workflow editor, the run being watched, and beside
// them the credentials and the recent runs.
import React, { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { getDefaultFormState } from '@rjsf/utils';
import { api, getKey, onUnauthorized, setKey, streamRunEvents } from './api.js';
import ApiKeyGate from './ApiKeyGate.jsx';
import CredentialsPanel from './CredentialsPanel.jsx';
import RecentRuns from './RecentRuns.jsx';
import RunPanel, { FINAL } from './RunPanel.jsx';
import StepCard from './StepCard.jsx';
import { cleanParams, formSchema, stepNameProblem, suggestName, takeStepNameRule } from './schema.js';
import { validator } from './validator.js';

const SANDBOX = 'Sandbox';
const SANDBOX_STORE = 'abc123xyz';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function withHistory(step, status) {
  const history = step.history || [];
  return history[history.length - 1] === status ? history : [...history, status];
}

/** A stored run (`GET /v1/runs/{id}`) on top of what the page already shows of it. */
function mergeView(prev, view) {
  const same = prev && prev.id === view.id;
  return {
    id: view.id,
    workflow: view.workflow,
    status: view.status,
    error: view.error,
    cancelRequested: view.cancelRequested,
    createdAt: view.createdAt,
    finishedAt: view.finishedAt,
    steps: (view.steps || []).map((s, i) => {
      const before = same ? prev.steps[i] : undefined;
      return { ...s, history: withHistory(before || { history: [] }, s.status) };
    }),
  };
}

function applyEvent(run, data) {
  if (!data || typeof data !== 'object') return run;
  if (data.type === 'run') {
    return { ...run, status: data.status, error: data.error || (FINAL.includes(data.status) ? run.error : undefined) };
  }
  if (data.type === 'step' && Number.isInteger(data.index)) {
    const steps = run.steps.slice();
    while (steps.length <= data.index) steps.push({ name: '', action: '', status: 'pending', history: ['pending'] });
    const before = steps[data.index];
    steps[data.index] = {
      ...before,
      name: data.name || before.name,
      action: data.action || before.action,
      status: data.status,
      output: data.output !== undefined ? data.output : before.output,
      error: data.error !== undefined ? data.error : before.error,
      history: withHistory(before, data.status),
    };
    return { ...run, steps };
  }
  return run;
}

export default function App() {
  const [phase, setPhase] = useState(getKey() ? 'checking' : 'gate');
  const [problem, setProblem] = useState('');
  const [actions, setActions] = useState([]);
  const [details, setDetails] = useState({});
  const [credentials, setCredentials] = useState([]);
  const [credState, setCredState] = useState({ loading: false, error: '' });
  const [runs, setRuns] = useState([]);
  const [runsState, setRunsState] = useState({ loading: false, error: '' });
  const [workflowName, setWorkflowName] = useState('');
  const [steps, setSteps] = useState([]);
  const [showErrors, setShowErrors] = useState(false);
  const [runProblems, setRunProblems] = useState([]);
  const [starting, setStarting] = useState(false);
  const [run, setRun] = useState(null);
  const [streamNote, setStreamNote] = useState('');
  const [cancelling, setCancelling] = useState(false);

  const counter = useRef(0);
  const formRefs = useRef(new Map());
  const variableCache = useRef(new Map());
  const watcher = useRef(null);
  const detailsRef = useRef(details);
  detailsRef.current = details;

  const actionTitles = useMemo(() => Object.fromEntries(actions.map((a) => [a.id, a.title])), [actions]);

  const stopWatching = () => {
    if (watcher.current) watcher.current.abort();
    watcher.current = null;
  };

  const loadCredentials = useCallback(async () => {
    setCredState((s) => ({ ...s, loading: true }));
    try {
      const answer = await api.credentials();
      setCredentials(answer.credentials || []);
      setCredState({ loading: false, error: '' });
    } catch (e) {
      setCredState({ loading: false, error: e.message });
    }
  }, []);

  const loadRuns = useCallback(async () => {
    setRunsState((s) => ({ ...s, loading: true }));
    try {
      const answer = await api.runs(20);
      setRuns(answer.runs || []);
      setRunsState({ loading: false, error: '' });
    } catch (e) {
      setRunsState({ loading: false, error: e.message });
    }
  }, []);

  const connect = useCallback(
    async (key) => {
      setKey(key);
      setPhase('checking');
      setProblem('');
      try {
        const answer = await api.actions();
        takeStepNameRule(answer.node?.properties?.stepName?.pattern);
        setActions(answer.actions || []);
        setPhase('ready');
        loadCredentials();
        loadRuns();
      } catch (e) {
        if (e.status === 401) {
          setKey('');
          setProblem(`The server refused this key: ${e.message}`);
        } else {
          setProblem(e.message);
        }
        setPhase('gate');
      }
    },
    [loadCredentials, loadRuns],
  );

  useEffect(() => {
    onUnauthorized((e) => {
      setKey('');
      stopWatching();
      setProblem(`The server refused the API key (${e.message}). Paste it again.`);
      setPhase('gate');
    });
    if (getKey()) connect(getKey());
    return () => stopWatching();
  }, []); // eslint-disable-line react-hooks/exhaustive-deps

  const ensureAction = useCallback((id) => {
    if (!id || detailsRef.current[id]) return;
    setDetails((d) => ({ ...d, [id]: { status: 'loading' } }));
    api.action(id).then(
      (detail) => setDetails((d) => ({ ...d, [id]: { status: 'ok', detail } })),
      (e) => setDetails((d) => ({ ...d, [id]: { status: 'error', error: e.message } })),
    );
  }, []);

  const loadVariables = useCallback((action, name) => {
    const key = `${action}\u0000${name}`;
    let promise = variableCache.current.get(key);
    if (!promise) {
      promise = api.variables(action, name).then((answer) => answer.variables || []);
      promise.catch(() => variableCache.current.delete(key));
      variableCache.current.set(key, promise);
    }
    return promise;
  }, []);

  const registerForm = useCallback((key, ref) => {
    if (ref) formRefs.current.set(key, ref);
    else formRefs.current.delete(key);
  }, []);

  const addStep = () => {
    counter.current += 1;
    const key = `s${counter.current}`;
    setSteps((prev) => {
      const last = prev[prev.length - 1];
      const hasSandbox = credentials.some((c) => c.name === SANDBOX);
      const credential = last ? last.credential : hasSandbox ? SANDBOX : (credentials[0] || {}).name || '';
      const storeHash = last ? last.storeHash : credential === SANDBOX ? SANDBOX_STORE : '';
      return [...prev, { key, name: '', action: '', credential, storeHash, formData: {} }];
    });
    requestAnimationFrame(() => {
      const el = document.getElementById(`${key}-name`);
      if (el) el.focus();
    });
  };

  const updateStep = (key, patch) => {
    setSteps((prev) =>
      prev.map((s) => {
        if (s.key !== key) return s;
        const next = { ...s, ...patch };
        if (patch.action !== undefined && patch.action && !s.name.trim()) {
          next.name = suggestName(
            patch.action,
            prev.filter((o) => o.key !== key).map((o) => o.name),
          );
        }
        if (patch.credential === SANDBOX && !s.storeHash.trim()) next.storeHash = SANDBOX_STORE;
        return next;
      }),
    );
    if (patch.action) ensureAction(patch.action);
  };

  const removeStep = (key) => setSteps((prev) => prev.filter((s) => s.key !== key));

  const moveStep = (key, delta) =>
    setSteps((prev) => {
      const i = prev.findIndex((s) => s.key === key);
      const j = i + delta;
      if (i < 0 || j < 0 || j >= prev.length) return prev;
      const next = prev.slice();
      [next[i], next[j]] = [next[j], next[i]];
      return next;
    });

  const nameProblems = steps.map((s, i) =>
    stepNameProblem(
      s.name,
      steps.filter((_, j) => j !== i).map((o) => o.name),
    ),
  );

  const watch = (initial) => {
    stopWatching();
    const ctrl = new AbortController();
    watcher.current = ctrl;
    setRun(initial);
    setStreamNote('');
    setCancelling(false);
    const runId = initial.id;
    const update = (fn) => setRun((prev) => (prev && prev.id === runId ? fn(prev) : prev));

    (async () => {
      let after;
      let failures = 0;
      let final = FINAL.includes(initial.status);
      while (!final && !ctrl.signal.aborted) {
        try {
          after = await streamRunEvents(runId, {
            after,
            signal: ctrl.signal,
            onEvent: ({ data }) => {
              update((prev) => applyEvent(prev, data));
              if (data && data.type === 'run' && FINAL.includes(data.status)) final = true;
            },
          });
          if (!final) failures += 1;
        } catch (e) {
          if (ctrl.signal.aborted || e.status === 401) return;
          failures += 1;
          setStreamNote(`Reconnecting to the run's events (${e.message})…`);
        }
        if (!final) {
          if (failures > 5) break;
          await sleep(500 * failures);
        }
      }
      if (ctrl.signal.aborted) return;
      try {
        const view = await api.run(runId, ctrl.signal);
        if (ctrl.signal.aborted) return;
        update((prev) => mergeView(prev, view));
        setStreamNote(final || FINAL.includes(view.status) ? '' : 'Lost the live events; this is the last stored state. Pick the run in Recent runs to follow it again.');
      } catch (e) {
        if (!ctrl.signal.aborted && e.status !== 401) setStreamNote(`Could not read the finished run: ${e.message}`);
      }
      setCancelling(false);
      if (!ctrl.signal.aborted) loadRuns();
    })();
  };

  const runWorkflow = async () => {
    const problems = [];
    if (steps.length === 0) problems.push('Add at least one step.');
    const payloadSteps = [];
    steps.forEach((s, i) => {
      const label = s.name || `Step ${i + 1}`;
      if (nameProblems[i]) problems.push(`${label}: ${nameProblems[i]}`);
      if (!s.action) problems.push(`${label}: choose an action.`);
      if (!s.credential) problems.push(`${label}: choose a credential.`);
      if (!s.storeHash.trim()) problems.push(`${label}: enter the store hash.`);
      const d = details[s.action];
      if (s.action && (!d || d.status !== 'ok')) problems.push(`${label}: its form has not loaded.`);
      const ref = formRefs.current.get(s.key);
      if (ref && ref.current && !ref.current.validateForm()) problems.push(`${label}: fix the fields marked in its form.`);
      if (d && d.status === 'ok') {
        const form = d.detail.form;
        const filled = getDefaultFormState(validator, formSchema(form), s.formData || {});
        payloadSteps.push({
          name: s.name,
          action: s.action,
          credential: s.credential,
          storeHash: s.storeHash.trim(),
          ...(s.forEach && s.forEach.trim() ? { forEach: s.forEach.trim() } : {}),
          params: cleanParams(filled, form),
        });
      }
    });
    setShowErrors(problems.length > 0);
    setRunProblems(problems);
    if (problems.length > 0) return;

    const workflow = workflowName.trim() ? { name: workflowName.trim(), steps: payloadSteps } : { steps: payloadSteps };
    setStarting(true);
    try {
      const created = await api.createRun(workflow);
      watch({
        id: created.id,
        workflow: workflow.name,
        status: created.status || 'queued',
        createdAt: new Date().toISOString(),
        steps: payloadSteps.map((s) => ({ name: s.name, action: s.action, status: 'pending', history: ['pending'] })),
      });
      loadRuns();
      requestAnimationFrame(() => {
        const panel = document.querySelector('[data-testid="run-panel"]');
        if (panel && panel.scrollIntoView) panel.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
      });
    } catch (e) {
      setRunProblems([e.message]);
    } finally {
      setStarting(false);
    }
  };

  const selectRun = async (id) => {
    stopWatching();
    setStreamNote('');
    try {
      const view = await api.run(id);
      const shown = mergeView(null, view);
      if (FINAL.includes(view.status)) setRun(shown);
      else watch(shown);
    } catch (e) {
      setStreamNote(`Could not open run ${id}: ${e.message}`);
    }
  };

  const cancelRun = async () => {
    if (!run) return;
    setCancelling(true);
    try {
      const answer = await api.cancelRun(run.id);
      setRun((prev) =>
        prev && prev.id === answer.id
          ? { ...prev, cancelRequested: answer.cancelRequested, status: answer.status === 'cancelled' ? 'cancelled' : prev.status }
          : prev,
      );
    } catch (e) {
      setStreamNote(e.message);
      setCancelling(false);
    }
  };

  const forgetKey = () => {
    stopWatching();
    setKey('');
    setProblem('');
    setPhase('gate');
  };

  // Before the first connection the key is all the page shows; later (a 401, or
  // "Forget key") it asks over the page, so the workflow being built is kept.
  if (phase !== 'ready' && actions.length === 0) {
    return <ApiKeyGate onSubmit={connect} problem={problem} checking={phase === 'checking'} />;
  }

  const hasSandbox = credentials.some((c) => c.name === SANDBOX);

  return (
    <div className="app">
      {phase !== 'ready' && <ApiKeyGate overlay onSubmit={connect} problem={problem} checking={phase === 'checking'} />}
      <header className="topbar" inert={phase !== 'ready' ? true : undefined}>
        <div className="brand">
          <span className="brand-mark" aria-hidden="true">
            S
          </span>
          <span>
            Syncaut <span className="brand-sub">BigCommerce workflows</span>
          </span>
        </div>
        <div className="topbar-right">
          <span className="conn" data-testid="connected">
            <span className="dot" aria-hidden="true" /> Connected
          </span>
          <button type="button" className="btn btn-topbar btn-small" onClick={forgetKey} data-testid="forget-key">
            Forget key
          </button>
        </div>
      </header>

      <main className="layout" inert={phase !== 'ready' ? true : undefined}>
        <div className="main-col">
          <section className="panel workflow" data-testid="workflow-editor" aria-labelledby="wf-title">
            <header className="panel-head">
              <div>
                <h2 id="wf-title">Workflow</h2>
                <p className="muted small">Steps run in order; a later step can use what an earlier one returned.</p>
              </div>
            </header>
            <div className="field wf-name">
              <label htmlFor="wf-name">Workflow name</label>
              <input
                id="wf-name"
                className="form-control"
                value={workflowName}
                onChange={(e) => setWorkflowName(e.target.value)}
                placeholder="e.g. Retail orders to fulfil"
                autoComplete="off"
                data-testid="workflow-name"
              />
            </div>

            {steps.length === 0 ? (
              <div className="empty">
                <p>
                  <strong>No steps yet.</strong>
                </p>
                <p className="muted">
                  Add a step, choose what it does (such as <em>Get all orders</em>) and fill in its form.
                  {!hasSandbox && credentials.length === 0 && ' Save a credential first to call a store.'}
                </p>
              </div>
            ) : (
              <ol className="steps">
                {steps.map((s, i) => (
                  <li key={s.key}>
                    <StepCard
                      step={s}
                      index={i}
                      count={steps.length}
                      actions={actions}
                      actionTitles={actionTitles}
                      detail={details[s.action]}
                      credentials={credentials}
                      earlierSteps={steps.slice(0, i).map((e, j) => ({
                        key: e.key,
                        index: j,
                        name: e.name,
                        action: e.action,
                        ok: !nameProblems[j] && Boolean(e.action),
                      }))}
                      nameProblem={nameProblems[i]}
                      showErrors={showErrors}
                      onChange={(patch) => updateStep(s.key, patch)}
                      onRemove={() => removeStep(s.key)}
                      onMove={(delta) => moveStep(s.key, delta)}
                      loadVariables={loadVariables}
                      registerForm={registerForm}
                    />
                  </li>
                ))}
              </ol>
            )}

            <div className="workflow-foot">
              <button type="button" className="btn btn-secondary" onClick={addStep} data-testid="add-step">
                + Add step
              </button>
              <span className="spacer" />
              <button type="button" className="btn btn-primary" onClick={runWorkflow} disabled={starting} data-testid="run-workflow">
                {starting ? 'Starting…' : 'Run workflow'}
              </button>
            </div>
            {runProblems.length > 0 && (
              <div className="problems" role="alert" data-testid="run-problems">
                <strong>The workflow cannot run yet:</strong>
                <ul>
                  {runProblems.map((p) => (
                    <li key={p}>{p}</li>
                  ))}
                </ul>
              </div>
            )}
          </section>

          <RunPanel
            run={run}
            onCancel={cancelRun}
            cancelling={cancelling}
            streamNote={streamNote}
            onClose={() => {
              stopWatching();
              setRun(null);
            }}
          />
          {!run && streamNote && <p className="error-text">{streamNote}</p>}
        </div>

        <aside className="side-col">
          <CredentialsPanel
            credentials={credentials}
            loading={credState.loading}
            error={credState.error}
            onChanged={loadCredentials}
            defaultStoreFor={(name) => (name === SANDBOX ? SANDBOX_STORE : '')}
          />
          <RecentRuns
            runs={runs}
            loading={runsState.loading}
            error={runsState.error}
            selectedId={run && run.id}
            onSelect={selectRun}
            onRefresh={loadRuns}
          />
        </aside>
      </main>
    </div>
  );
}
