import { defineApplication } from 'twenty-sdk/define';
export default defineApplication({
  universalIdentifier: '88888888-8888-4888-8888-888888888801',
  displayName: 'Greeter',
  description: 'The trivial tool the MCP benchmark calls',
});
