import { createContext } from 'react';

/** What a form's widgets need from their step: `{credential, storeHash}`. */
export const StepContext = createContext({ credential: '', storeHash: '' });
