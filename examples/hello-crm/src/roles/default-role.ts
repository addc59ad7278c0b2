import { defineApplicationRole } from 'twenty-sdk/define';

export default defineApplicationRole({
  universalIdentifier: '9f3a4b5c-6d7e-4f8a-9b0c-1d2e3f4a5b6c',
  label: 'Hello CRM function role',
  description: 'What the functions of Hello CRM may do',
  canReadAllObjectRecords: true,
  canUpdateAllObjectRecords: false,
});
