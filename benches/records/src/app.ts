import { defineApplication } from 'twenty-sdk/define';
export default defineApplication({
  universalIdentifier: '88888888-8888-4888-8888-888888888901',
  displayName: 'Records bench',
  description: 'Creates and reads records through CoreApiClient, for switchboard bench-records',
});
