import { defineLogicFunction } from 'twenty-sdk/define';

type CompanyEvent = {
  recordId: string;
  properties: { after?: { name?: string } };
};

export default defineLogicFunction({
  universalIdentifier: 'd4e5f6a7-b8c9-4d0e-9f2a-3b4c5d6e7f8a',
  name: 'on-company-created',
  description: 'Logs every new company',
  databaseEventTriggerSettings: {
    eventName: 'company.created',
  },
  handler: async (event: CompanyEvent) => {
    console.info(`company ${event.recordId} created: ${event.properties.after?.name ?? '(no name)'}`);
    return { seen: event.recordId };
  },
});
