// The form validator: Ajv's draft 2020-12 dialect inside react-jsonschema-form's
// stock Ajv 8 validator.
import { customizeValidator } from '@rjsf/validator-ajv8';
import Ajv2020 from 'ajv/dist/2020';

export const validator = customizeValidator({
  AjvClass: Ajv2020,
  // The schemas carry `x-` keywords that Ajv's strict mode would refuse.
  ajvOptionsOverrides: { strict: false },
});
