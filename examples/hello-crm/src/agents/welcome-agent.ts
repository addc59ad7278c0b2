import { defineAgent } from 'twenty-sdk/define';

export default defineAgent({
  universalIdentifier: '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
  name: 'welcome-agent',
  label: 'Welcome agent',
  description: 'Welcomes new contacts',
  prompt: 'You welcome new contacts to the CRM. Greet them with the greet tool.',
  responseFormat: { type: 'text' },
});
