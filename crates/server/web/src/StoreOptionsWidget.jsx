// The one custom react-jsonschema-form widget: a combobox for fields whose values
// live in the store (`x-options` in the form schema). It lists
// `POST /v1/options/{source}` for the step's credential and store hash, searches as
// you type (debounced) when the source can search, loads more pages, puts the
// `leading` options first, and takes several values when the field is a list. An ID
// or a `{{template}}` can always be typed by hand.
import React, { useCallback, useContext, useEffect, useMemo, useRef, useState } from 'react';
import { api } from './api.js';
import { StepContext } from './StepContext.js';
import { WHOLE_NUMBER, isTemplate } from './schema.js';

const DEBOUNCE_MS = 250;
const EMPTY_RESULT = { key: null, options: [], next: null, loading: false, error: null };

export default function StoreOptionsWidget(props) {
  const { id, name, value, onChange, onBlur, onFocus, schema, disabled, readonly, placeholder, rawErrors } = props;
  const xo = schema['x-options'] || {};
  const multiple = schema.type === 'array' || xo.multiple === true;
  const leading = useMemo(() => xo.leading || [], [xo.leading]);
  const { credential, storeHash } = useContext(StepContext);
  const ready = Boolean(credential && storeHash);
  const deps = `${credential}\u0000${storeHash}`;
  const listId = `${id}__listbox`;
  const locked = disabled || readonly;

  const [text, setText] = useState('');
  const [editing, setEditing] = useState(false);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const [result, setResult] = useState(EMPTY_RESULT);
  const [labels, setLabels] = useState(() => new Map(leading.map((o) => [String(o.value), o.label])));
  const seq = useRef(0);
  const inputRef = useRef(null);
  const listRef = useRef(null);

  const query = editing ? text.trim() : '';
  const typedValue = WHOLE_NUMBER.test(query) ? Number(query) : isTemplate(query) ? query : undefined;
  const searchTerm = xo.search && typedValue === undefined ? query : '';
  const resultKey = `${deps}\u0000${searchTerm}`;
  const fresh = result.key === resultKey;

  const selected = multiple ? (Array.isArray(value) ? value : []) : value == null || value === '' ? [] : [value];
  const listTemplate = multiple && typeof value === 'string' && value !== '' ? value : null;

  // A new credential or store: what was listed no longer applies.
  useEffect(() => {
    seq.current += 1;
    setResult(EMPTY_RESULT);
  }, [deps]);

  const load = useCallback(
    async (cursor) => {
      if (!ready || !xo.source) return;
      seq.current += 1;
      const mine = seq.current;
      setResult((r) => ({
        ...(cursor ? r : EMPTY_RESULT),
        key: resultKey,
        loading: true,
        error: null,
      }));
      try {
        const body = { credential, storeHash };
        if (searchTerm) body.search = searchTerm;
        if (cursor) body.cursor = cursor;
        const answer = await api.options(xo.source, body);
        if (mine !== seq.current) return;
        const got = (answer && answer.options) || [];
        setLabels((prev) => {
          const next = new Map(prev);
          for (const o of got) next.set(String(o.value), o.label);
          return next;
        });
        setResult((r) => ({
          key: resultKey,
          options: cursor ? [...r.options, ...got] : got,
          next: (answer && answer.next) || null,
          loading: false,
          error: null,
        }));
      } catch (e) {
        if (mine !== seq.current) return;
        setResult((r) => ({ ...r, key: resultKey, loading: false, error: e.message }));
      }
    },
    [ready, credential, storeHash, searchTerm, resultKey, xo.source],
  );

  // Open: list (and search as the user types, debounced).
  useEffect(() => {
    if (!open || !ready || fresh) return undefined;
    const timer = setTimeout(() => load(null), searchTerm ? DEBOUNCE_MS : 0);
    return () => clearTimeout(timer);
  }, [open, ready, fresh, searchTerm, load]);

  // A saved value without a known label: read the first page once to name it.
  const needLabels = selected.some((v) => typeof v === 'number' && !labels.has(String(v)));
  useEffect(() => {
    if (ready && needLabels && !open && result.key === null) load(null);
  }, [ready, needLabels, open, result.key, load]);

  const labelOf = (v) => labels.get(String(v));

  const items = useMemo(() => {
    const out = [];
    if (typedValue !== undefined) {
      out.push({
        kind: 'typed',
        value: typedValue,
        text: typeof typedValue === 'number' ? `Use ID ${typedValue}` : `Use template ${typedValue}`,
      });
      if (typeof typedValue === 'string') return out;
    }
    const q = query.toLowerCase();
    const serverFiltered = fresh && xo.search && searchTerm;
    const matches = (o) => !q || String(o.value) === q || String(o.label).toLowerCase().includes(q);
    const seen = new Set();
    const add = (o, filter) => {
      const k = String(o.value);
      if (seen.has(k) || (filter && !matches(o))) return;
      seen.add(k);
      out.push({ kind: 'option', value: o.value, text: o.label });
    };
    for (const o of leading) add(o, true);
    for (const o of result.options) add(o, !serverFiltered);
    if (fresh && result.next) out.push({ kind: 'more', text: result.loading ? 'Loading…' : 'Load more' });
    return out;
  }, [typedValue, query, fresh, xo.search, searchTerm, leading, result, labels]);

  useEffect(() => {
    setActive(typedValue !== undefined ? 0 : -1);
  }, [query]); // eslint-disable-line react-hooks/exhaustive-deps

  useEffect(() => {
    if (!open || active < 0 || !listRef.current) return;
    const el = listRef.current.querySelector(`[data-index="${active}"]`);
    if (el && el.scrollIntoView) el.scrollIntoView({ block: 'nearest' });
  }, [active, open]);

  const isSelected = (v) => selected.some((s) => s === v);

  const choose = (item) => {
    if (!item) return;
    if (item.kind === 'more') {
      if (!result.loading) load(result.next);
      return;
    }
    if (item.kind === 'option') {
      setLabels((prev) => new Map(prev).set(String(item.value), item.text));
    }
    if (multiple) {
      if (typeof item.value === 'string') {
        onChange(item.value); // a template stands for the whole list
      } else {
        const current = Array.isArray(value) ? value : [];
        onChange(isSelected(item.value) ? current.filter((v) => v !== item.value) : [...current, item.value]);
      }
      setText('');
      setEditing(false);
    } else {
      onChange(item.value);
      setText('');
      setEditing(false);
      setOpen(false);
    }
  };

  const remove = (v) => {
    const current = Array.isArray(value) ? value : [];
    const next = current.filter((x) => x !== v);
    onChange(next.length ? next : undefined);
  };

  const commitTyped = () => {
    if (!editing) return;
    if (multiple) {
      if (typedValue !== undefined) choose({ kind: 'typed', value: typedValue });
    } else if (query === '') {
      onChange(undefined);
    } else if (typedValue !== undefined) {
      onChange(typedValue);
    } else {
      const exact = items.find((i) => i.kind === 'option' && String(i.text).toLowerCase() === query.toLowerCase());
      if (exact) choose(exact);
    }
    setText('');
    setEditing(false);
  };

  const openList = () => {
    if (locked) return;
    setOpen(true);
  };

  const onKeyDown = (e) => {
    if (locked) return;
    switch (e.key) {
      case 'ArrowDown':
        e.preventDefault();
        if (!open) setOpen(true);
        setActive((a) => Math.min(a + 1, items.length - 1));
        break;
      case 'ArrowUp':
        e.preventDefault();
        setActive((a) => Math.max(a - 1, 0));
        break;
      case 'Enter':
        if (open && active >= 0 && items[active]) {
          e.preventDefault();
          choose(items[active]);
        } else if (editing) {
          e.preventDefault();
          commitTyped();
          setOpen(false);
        }
        break;
      case 'Escape':
        if (open || editing) {
          e.preventDefault();
          e.stopPropagation();
          setOpen(false);
          setEditing(false);
          setText('');
        }
        break;
      case 'Backspace':
        if (multiple && text === '' && selected.length > 0) remove(selected[selected.length - 1]);
        break;
      default:
        break;
    }
  };

  const single = selected[0];
  const singleLabel = !multiple && single !== undefined ? labelOf(single) : undefined;
  const display = multiple ? '' : single === undefined ? '' : singleLabel ?? String(single);
  const inputValue = editing ? text : display;
  const activeId = open && active >= 0 && items[active] ? `${id}__opt${active}` : undefined;
  const invalid = rawErrors && rawErrors.length > 0;
  const showClear = !multiple && single !== undefined && !locked;
  const showId = showClear && !editing && singleLabel !== undefined && typeof single === 'number';

  let note = null;
  if (!ready) {
    note = (
      <div className="combo-note" data-testid="options-missing-deps">
        Choose a credential and a store hash for this step to list options. You can still type an ID or a{' '}
        <code>{'{{template}}'}</code>.
      </div>
    );
  } else if (result.error && fresh) {
    note = (
      <div className="combo-note combo-error" role="alert" data-testid="options-error">
        {result.error}
      </div>
    );
  } else if (result.loading && items.filter((i) => i.kind === 'option').length === 0) {
    note = <div className="combo-note">Loading…</div>;
  } else if (fresh && !result.loading && items.length === 0) {
    note = (
      <div className="combo-note">
        No matches. Type an ID or a <code>{'{{template}}'}</code>.
      </div>
    );
  }

  return (
    <div
      className={`combo${open ? ' is-open' : ''}${invalid ? ' is-invalid' : ''}`}
      data-testid="options-widget"
      data-field={name}
      data-value={value === undefined ? '' : JSON.stringify(value)}
    >
      {multiple && (selected.length > 0 || listTemplate) && (
        <ul className="chips" aria-label="Selected">
          {listTemplate ? (
            <li className="chip chip-template">
              <code>{listTemplate}</code>
              <button type="button" aria-label="Remove the template" onClick={() => onChange(undefined)} disabled={locked}>
                ×
              </button>
            </li>
          ) : (
            selected.map((v) => (
              <li className="chip" key={String(v)} data-testid="options-chip">
                <span>{labelOf(v) ?? `ID ${v}`}</span>
                <button type="button" aria-label={`Remove ${labelOf(v) ?? `ID ${v}`}`} onClick={() => remove(v)} disabled={locked}>
                  ×
                </button>
              </li>
            ))
          )}
        </ul>
      )}
      <div className="combo-field">
        <input
          ref={inputRef}
          id={id}
          type="text"
          className={`form-control${isTemplate(inputValue) ? ' is-template' : ''}${showId ? ' has-id' : showClear ? ' has-clear' : ''}`}
          role="combobox"
          aria-expanded={open}
          aria-controls={listId}
          aria-autocomplete="list"
          aria-activedescendant={activeId}
          aria-describedby={`${id}__description`}
          autoComplete="off"
          spellCheck={false}
          disabled={disabled}
          readOnly={readonly}
          placeholder={placeholder || (xo.search ? 'Search or type an ID…' : 'Choose or type an ID…')}
          value={inputValue}
          onChange={(e) => {
            let typed = e.target.value;
            // Typing after a chosen value (caret at its end) starts a new search.
            if (!editing && display && typed.startsWith(display) && typed.length > display.length) {
              typed = typed.slice(display.length);
            }
            setText(typed);
            setEditing(true);
            setOpen(true);
          }}
          onClick={openList}
          onKeyDown={onKeyDown}
          onFocus={(e) => {
            if (!multiple && e.target.value) e.target.select();
            onFocus(id, value);
          }}
          onBlur={() => {
            commitTyped();
            setOpen(false);
            onBlur(id, value);
          }}
        />
        {showId && (
          <span className="combo-id" aria-hidden="true">
            ID {single}
          </span>
        )}
        {showClear && (
          <button
            type="button"
            className="combo-clear"
            aria-label={`Clear ${props.label || name}`}
            onMouseDown={(e) => e.preventDefault()}
            onClick={() => {
              onChange(undefined);
              setText('');
              setEditing(false);
            }}
          >
            ×
          </button>
        )}
        <button
          type="button"
          className="combo-toggle"
          tabIndex={-1}
          aria-label={open ? 'Hide options' : 'Show options'}
          onMouseDown={(e) => e.preventDefault()}
          onClick={() => {
            if (locked) return;
            setOpen((o) => !o);
            if (inputRef.current) inputRef.current.focus();
          }}
          data-testid="options-toggle"
        >
          <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true">
            <path d="M4 6l4 4 4-4" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" />
          </svg>
        </button>
      </div>
      {open && (
        <div className="combo-popup" data-testid="options-popup" onMouseDown={(e) => e.preventDefault()}>
          {note}
          <ul
            ref={listRef}
            id={listId}
            role="listbox"
            aria-multiselectable={multiple || undefined}
            aria-label={`${props.label || name} options`}
            className="combo-list"
          >
            {items.map((item, i) => {
              const optionId = `${id}__opt${i}`;
              if (item.kind === 'more') {
                return (
                  <li
                    key="more"
                    id={optionId}
                    data-index={i}
                    role="option"
                    aria-selected={false}
                    className={`combo-more${i === active ? ' is-active' : ''}`}
                    onClick={() => choose(item)}
                    data-testid="options-load-more"
                  >
                    {item.text}
                  </li>
                );
              }
              const chosen = item.kind === 'option' && isSelected(item.value);
              return (
                <li
                  key={`${item.kind}:${String(item.value)}`}
                  id={optionId}
                  data-index={i}
                  role="option"
                  aria-selected={chosen}
                  className={`combo-option${i === active ? ' is-active' : ''}${chosen ? ' is-selected' : ''}${item.kind === 'typed' ? ' is-typed' : ''}`}
                  onClick={() => choose(item)}
                  onMouseEnter={() => setActive(i)}
                  data-testid="options-option"
                  data-value={String(item.value)}
                >
                  {multiple && item.kind === 'option' && <span className={`check${chosen ? ' on' : ''}`} aria-hidden="true" />}
                  <span className="combo-label">{item.text}</span>
                  {item.kind === 'option' && <span className="combo-value">{item.value}</span>}
                </li>
              );
            })}
          </ul>
          {result.loading && items.some((i) => i.kind === 'option') && <div className="combo-note combo-loading">Loading…</div>}
          {ready && typedValue === undefined && (
            <div className="combo-foot">
              {multiple ? 'Pick several, or type an ID and press Enter.' : 'Or type an ID or a {{template}} and press Enter.'}
            </div>
          )}
        </div>
      )}
    </div>
  );
}
