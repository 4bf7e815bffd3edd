// What the page reads from an action's form schema: the uiSchema it gives stock
// react-jsonschema-form, which fields take an inserted variable, and the params
// a step sends.

// The step-name rule is the server's (the node schema in GET /v1/actions); this is what
// applies until it arrives.
let stepNamePattern = /^[\p{L}_][^\s.[\]{}]*$/u;

/** Takes the server's step-name rule (a JSON Schema `pattern`). */
export function takeStepNameRule(pattern) {
  if (typeof pattern !== 'string') return;
  try {
    stepNamePattern = new RegExp(pattern, 'u');
  } catch {
    // Keep the built-in rule.
  }
}
export const TEMPLATE_PATTERN = /\{\{.*\}\}/s;
export const WHOLE_NUMBER = /^\s*-?\d+\s*$/;

export function isTemplate(value) {
  return typeof value === 'string' && TEMPLATE_PATTERN.test(value);
}

function types(prop) {
  if (!prop) return [];
  if (Array.isArray(prop.type)) return prop.type;
  return prop.type ? [prop.type] : [];
}

export function isNumeric(prop) {
  const t = types(prop);
  return t.includes('integer') || t.includes('number');
}

/** The step's form without its own title/description (the step card shows them). */
export function formSchema(form) {
  if (!form) return null;
  const { title, description, ...rest } = form;
  return rest;
}

/** The uiSchema: placeholders, the options widget, no submit button. */
export function uiSchemaFor(form) {
  const ui = { 'ui:submitButtonOptions': { norender: true } };
  const props = (form && form.properties) || {};
  for (const [key, prop] of Object.entries(props)) {
    const entry = {};
    if (prop['x-placeholder'] != null) entry['ui:placeholder'] = String(prop['x-placeholder']);
    if (prop['x-options']) entry['ui:widget'] = 'storeOptions';
    else if (prop.contentMediaType === 'application/json') {
      // JSON typed in (a list of records, a raw request's body): room for several lines.
      entry['ui:widget'] = 'textarea';
      entry['ui:options'] = { rows: 3 };
    }
    else if ((prop.oneOf || prop.enum) && prop['x-placeholder'] == null && prop.default === undefined) {
      // The empty choice of an optional select: nothing is sent while it is chosen.
      entry['ui:placeholder'] = form['x-form'] === 'filters' ? 'Any' : 'Choose…';
    }
    if (Object.keys(entry).length) ui[key] = entry;
  }
  return ui;
}

/**
 * The fields a "+ variable" can go into: text, numbers that take a template
 * (`["integer", "string"]`), and fields with store options (a list of IDs then
 * takes the template as its whole value). Plain selects and checkboxes are left out:
 * they have no place to show a template.
 */
export function insertableFields(form) {
  const props = (form && form.properties) || {};
  const out = [];
  for (const [key, prop] of Object.entries(props)) {
    const t = types(prop);
    const textual = t.includes('string') && !prop.oneOf && !prop.enum;
    if (textual || prop['x-options']) {
      out.push({ key, title: prop.title || key, mode: t.length === 1 && t[0] === 'string' ? 'append' : 'replace' });
    }
  }
  return out;
}

function isEmpty(value) {
  return (
    value === undefined ||
    value === null ||
    (typeof value === 'string' && value.trim() === '') ||
    (Array.isArray(value) && value.length === 0)
  );
}

/**
 * The params a step sends: only what the user filled; a number typed into a field
 * that also takes a template is sent as a number, a template as text.
 */
export function cleanParams(formData, form) {
  const props = (form && form.properties) || {};
  const out = {};
  for (const [key, value] of Object.entries(formData || {})) {
    if (isEmpty(value)) continue;
    const prop = props[key];
    if (typeof value === 'string' && !isTemplate(value) && isNumeric(prop) && /^\s*-?\d+(\.\d+)?\s*$/.test(value)) {
      out[key] = Number(value);
    } else if (typeof value === 'string') {
      out[key] = value.trim() === value ? value : value.trim();
    } else {
      out[key] = value;
    }
  }
  return out;
}

/** camelCase of an action id (`get_orders` → `getOrders`), a step name suggestion. */
export function suggestName(action, taken) {
  const base = action.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase()).replace(/[^A-Za-z0-9_]/g, '') || 'step';
  let name = base;
  for (let n = 2; taken.includes(name); n += 1) name = `${base}${n}`;
  return name;
}

/** What is wrong with a step name, or null. */
export function stepNameProblem(name, otherNames) {
  if (!name) return 'Give the step a name.';
  if (name.length > 100) return 'At most 100 characters.';
  if (!stepNamePattern.test(name)) {
    return 'Start with a letter or _, with no spaces and none of . [ ] { } ( ) and similar (e.g. getOrders).';
  }
  if (otherNames.includes(name)) return 'Another step has this name.';
  return null;
}

/**
 * rjsf's transformErrors: drops errors on fields that hold a template (the run checks
 * what it gives), and says the others in words a user knows.
 */
export function friendlyErrors(formDataRef, formRef) {
  return (errors) =>
    errors
      .filter((error) => {
        const key = fieldOf(error);
        const value = (formDataRef.current || {})[key];
        return !(isTemplate(value) && ['type', 'pattern', 'oneOf', 'enum', 'anyOf'].includes(error.name));
      })
      .map((error) => {
        const prop = ((formRef.current || {}).properties || {})[fieldOf(error)];
        let message = error.message;
        if (error.name === 'required') message = 'Required.';
        else if (prop && isNumeric(prop) && types(prop).includes('string') && (error.name === 'pattern' || error.name === 'type')) {
          message = types(prop).includes('integer') ? 'Enter a whole number, or a {{template}}.' : 'Enter a number, or a {{template}}.';
        } else if (error.name === 'minimum') message = `Must be at least ${error.params && error.params.limit}.`;
        else if (error.name === 'maximum') message = `Must be at most ${error.params && error.params.limit}.`;
        return message === error.message ? error : { ...error, message, stack: `${error.property} ${message}` };
      });
}

function fieldOf(error) {
  if (error.name === 'required' && error.params && error.params.missingProperty) return error.params.missingProperty;
  const path = String(error.property || '').replace(/^\./, '');
  return path.split(/[.[]/)[0];
}
