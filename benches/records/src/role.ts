import { defineApplicationRole } from 'twenty-sdk/define';
export default defineApplicationRole({
  universalIdentifier: '88888888-8888-4888-8888-888888888902',
  label: 'Role',
  canReadAllObjectRecords: true,
  canUpdateAllObjectRecords: true,
});
