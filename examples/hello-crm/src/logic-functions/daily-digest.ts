import { defineLogicFunction } from 'twenty-sdk/define';
import { CoreApiClient } from 'twenty-client-sdk/core';

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
    // The workspace's newest companies, through the typed client: the
    // embedded workspace locally, or your Twenty in remote mode.
    const client = new CoreApiClient();
    const { companies } = await client.query({
      companies: {
        __args: { filter: { createdAt: { gte: `${day}T00:00:00Z` } }, orderBy: [{ createdAt: 'DescNullsLast' }], first: 10 },
        edges: { node: { id: true, name: true } },
        totalCount: true,
      },
    });
    return { day, items: companies.totalCount, newest: companies.edges.map((edge: { node: { name: string } }) => edge.node.name) };
  },
});
