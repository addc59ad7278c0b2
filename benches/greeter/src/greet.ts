import { defineLogicFunction } from 'twenty-sdk/define';
export default defineLogicFunction({
  universalIdentifier: '88888888-8888-4888-8888-888888888810',
  name: 'greet',
  description: 'Returns a greeting',
  toolTriggerSettings: { inputSchema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } },
  handler: async (input: { name: string }) => `Hello, ${input.name}!`,
});
