import { defineLogicFunction } from 'twenty-sdk/define';
import { CoreApiClient } from 'twenty-client-sdk/core';

// Creates `count` companies one call at a time, then reads each back by id,
// timing both phases inside the sandbox.
export default defineLogicFunction({
  universalIdentifier: '88888888-8888-4888-8888-888888888910',
  name: 'create-and-read',
  timeoutSeconds: 600,
  handler: async (input: { count: number; tag: string }) => {
    const client = new CoreApiClient();
    const ids: string[] = [];
    const createStart = performance.now();
    for (let index = 0; index < input.count; index++) {
      const made = await client.mutation({
        createCompany: { __args: { data: { name: `${input.tag}-${index}`, address: { addressCity: 'Paris' } } }, id: true },
      });
      ids.push(made.createCompany.id);
    }
    const createMs = performance.now() - createStart;
    const readStart = performance.now();
    let found = 0;
    for (const id of ids) {
      const read = await client.query({ company: { __args: { filter: { id: { eq: id } } }, id: true, name: true, address: { addressCity: true } } });
      if (read.company?.id === id) found++;
    }
    const readMs = performance.now() - readStart;
    return { created: ids.length, found, createMs, readMs };
  },
});
