import { defineLogicFunction } from 'twenty-sdk/define';

type ScoreInput = { employees: number; hasWebsite: boolean };

export default defineLogicFunction({
  universalIdentifier: 'e5f6a7b8-c9d0-4e1f-8a3b-4c5d6e7f8a9b',
  name: 'score-lead',
  description: 'Scores a lead from its size and web presence',
  workflowActionTriggerSettings: {
    label: 'Score lead',
    icon: 'IconStar',
    inputSchema: [
      {
        type: 'object',
        properties: {
          employees: { type: 'number', label: 'Employees' },
          hasWebsite: { type: 'boolean', label: 'Has a website' },
        },
      },
    ],
    outputSchema: [
      { type: 'object', properties: { score: { type: 'number', label: 'Score' } } },
    ],
  },
  handler: (input: ScoreInput) => ({
    score: Math.min(100, Math.round(Math.log10(1 + input.employees) * 25) + (input.hasWebsite ? 20 : 0)),
  }),
});
