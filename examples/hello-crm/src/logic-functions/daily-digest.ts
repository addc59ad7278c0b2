import { defineLogicFunction } from 'twenty-sdk/define';

export default defineLogicFunction({
  universalIdentifier: 'c3d4e5f6-a7b8-4c9d-8e1f-2a3b4c5d6e7f',
  name: 'daily-digest',
  description: 'Builds the morning digest',
  cronTriggerSettings: {
    pattern: '0 8 * * 1-5',
  },
  handler: async () => {
    const day = new Date().toISOString().slice(0, 10);
    console.log('building digest for', day);
    return { day, items: 0 };
  },
});
