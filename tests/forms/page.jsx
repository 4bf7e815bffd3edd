// Test page: renders one JSON Schema with the stock react-jsonschema-form
// (@rjsf/core, default theme, no uiSchema) validated by Ajv's 2020-12 dialect.
//
// Bundled by run.mjs with esbuild. The schema comes from `window.__SCHEMA__`
// when set before the bundle runs, otherwise it is fetched from the URL in the
// `schema` query parameter (e.g. `/?schema=/schemas/get_orders.json`).
//
// Hooks read by the runner (all on `window`):
//   __ready        true once the Form has mounted (or a render error happened)
//   __renderError  null, or the message of an error thrown while rendering
//   __submitted    formData passed to onSubmit (last submit), else undefined
//   __submitCount  how many times onSubmit fired
//   __errors       errors passed to onError (last failed submit), else undefined
//   __errorCount   how many times onError fired
//   __formData     formData from the last onChange
import React from 'react';
import { createRoot } from 'react-dom/client';
import Form from '@rjsf/core';
import { customizeValidator } from '@rjsf/validator-ajv8';
import Ajv2020 from 'ajv/dist/2020';

const validator = customizeValidator({
  AjvClass: Ajv2020,
  // strict: false lets the schemas carry unknown `x-` keywords and unknown
  // formats; Ajv only logs warnings for those (the runner reports them).
  ajvOptionsOverrides: { strict: false },
});

window.__ready = false;
window.__renderError = null;
window.__submitCount = 0;
window.__errorCount = 0;

function errorText(error) {
  if (error == null) return 'unknown error';
  return String((error && error.stack) || error);
}

class ErrorBoundary extends React.Component {
  constructor(props) {
    super(props);
    this.state = { error: null };
  }
  static getDerivedStateFromError(error) {
    return { error };
  }
  componentDidCatch(error) {
    window.__renderError = errorText(error);
    window.__ready = true;
  }
  render() {
    if (this.state.error) {
      return (
        <pre id="render-error" style={{ color: 'red' }}>
          Render error: {errorText(this.state.error)}
        </pre>
      );
    }
    return this.props.children;
  }
}

function Harness({ schema }) {
  React.useEffect(() => {
    window.__ready = true;
  }, []);
  return (
    <Form
      schema={schema}
      validator={validator}
      onChange={(e) => {
        window.__formData = e.formData;
      }}
      onSubmit={(e) => {
        window.__submitted = e.formData;
        window.__submitCount += 1;
      }}
      onError={(errors) => {
        window.__errors = errors;
        window.__errorCount += 1;
      }}
    />
  );
}

async function loadSchema() {
  if (window.__SCHEMA__) return window.__SCHEMA__;
  const url = new URLSearchParams(window.location.search).get('schema');
  if (!url) throw new Error('no window.__SCHEMA__ and no ?schema= URL');
  const res = await fetch(url);
  if (!res.ok) throw new Error(`fetching ${url}: HTTP ${res.status}`);
  return res.json();
}

async function main() {
  const root = createRoot(document.getElementById('root'));
  let schema;
  try {
    schema = await loadSchema();
  } catch (e) {
    window.__renderError = errorText(e);
    window.__ready = true;
    return;
  }
  window.__SCHEMA__ = schema;
  root.render(
    <ErrorBoundary>
      <Harness schema={schema} />
    </ErrorBoundary>,
  );
}

main();
