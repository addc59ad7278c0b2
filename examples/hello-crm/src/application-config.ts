import { defineApplication } from 'twenty-sdk/define';

export default defineApplication({
  universalIdentifier: '4f6a2c1e-8b3d-4e5f-9a7b-1c2d3e4f5a6b',
  displayName: 'Hello CRM',
  description: 'A small example app: greetings, a signed webhook, a daily digest and a company hook.',
  applicationVariables: {
    GREETING: {
      universalIdentifier: '7d1e2f3a-4b5c-4d6e-8f9a-0b1c2d3e4f5a',
      description: 'Word used to greet people',
      value: 'Hello',
      isSecret: false,
    },
    WEBHOOK_SECRET: {
      universalIdentifier: '8e2f3a4b-5c6d-4e7f-9a0b-1c2d3e4f5a6b',
      description: 'Shared secret used to sign incoming webhooks',
      isSecret: true,
    },
  },
});
