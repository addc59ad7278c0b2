import { defineLogicFunction } from 'twenty-sdk/define';
export default defineLogicFunction({
  universalIdentifier: '88888888-8888-4888-8888-888888888811',
  name: 'hello-route',
  description: 'A trivial HTTP route',
  httpRouteTriggerSettings: { path: '/hello/:name', httpMethod: 'GET', isAuthRequired: false },
  handler: async (event: { pathParameters: { name: string } }) => ({ message: `Hello, ${event.pathParameters.name}!` }),
});
