import { defineLogicFunction } from 'twenty-sdk/define';
import { formatGreeting, Tone, type Person } from '../utils/format';

// As a tool the arguments are the payload; as a route (GET /greet/:name)
// the payload is Twenty's RoutePayload with the name in pathParameters.
type GreetInput = Partial<Person> & { pathParameters?: Record<string, string> };

const handler = async (input: GreetInput) => {
  const greeting = process.env.GREETING ?? 'Hello';
  const name = input.name ?? input.pathParameters?.name ?? 'stranger';
  return {
    message: formatGreeting(greeting, { name, tone: input.tone ?? Tone.Plain }),
    at: new Date(0),
  };
};

export default defineLogicFunction({
  universalIdentifier: 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d',
  name: 'greet',
  description: 'Greets a person by name',
  timeoutSeconds: 5,
  toolTriggerSettings: {
    inputSchema: {
      type: 'object',
      properties: {
        name: { type: 'string', description: 'Who to greet' },
        tone: { type: 'string', enum: ['plain', 'excited'] },
      },
      required: ['name'],
    },
  },
  httpRouteTriggerSettings: {
    path: '/greet/:name',
    httpMethod: 'GET',
    isAuthRequired: false,
  },
  handler,
});
