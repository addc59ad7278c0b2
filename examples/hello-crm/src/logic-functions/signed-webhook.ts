import { defineLogicFunction } from 'twenty-sdk/define';

const toHex = (buffer: ArrayBuffer): string =>
  Array.from(new Uint8Array(buffer), (byte) => byte.toString(16).padStart(2, '0')).join('');

const sign = async (secret: string, body: string): Promise<string> => {
  const key = await crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  return toHex(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(body)));
};

type RoutePayload = {
  headers: Record<string, string | undefined>;
  body: unknown;
  rawBody?: string;
};

const handler = async (event: RoutePayload) => {
  const secret = process.env.WEBHOOK_SECRET;
  if (!secret) {
    throw new Error('WEBHOOK_SECRET is not set');
  }
  const expected = await sign(secret, event.rawBody ?? '');
  const valid = expected === event.headers['x-signature'];
  console.log(`signature ${valid ? 'valid' : 'invalid'}`);
  return { valid, received: event.body };
};

export default defineLogicFunction({
  universalIdentifier: 'b2c3d4e5-f6a7-4b8c-9d0e-1f2a3b4c5d6e',
  name: 'signed-webhook',
  description: 'Accepts a webhook and checks its HMAC-SHA256 signature',
  timeoutSeconds: 10,
  httpRouteTriggerSettings: {
    path: '/webhooks/incoming',
    httpMethod: 'POST',
    isAuthRequired: false,
    forwardedRequestHeaders: ['x-signature'],
  },
  handler,
});
