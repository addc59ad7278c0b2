import { defineSkill } from 'twenty-sdk/define';

export default defineSkill({
  universalIdentifier: 'f6a7b8c9-d0e1-4f2a-9b4c-5d6e7f8a9b0c',
  name: 'greeting-etiquette',
  label: 'Greeting etiquette',
  description: 'How to greet CRM contacts',
  content: 'Greet contacts by first name. Use the greet tool; pick the excited tone only for good news.',
});
